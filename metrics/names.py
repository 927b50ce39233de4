"""Compound names as exports write them, matched to the registry (小区台账).

Exports write the same compound many ways: full-width letters, stray spaces, with or without a
trailing 小区, an old name. A name that matches nothing stays on its orders (they still count in
street and district totals) and is listed for the user to fix."""
from __future__ import annotations

import difflib
import unicodedata

import pyarrow as pa

from .db import rows
from .masking import TOKENS


def name_key(name: str | None) -> str | None:
    """The name as matched: a phone number typed beside it (masked at import) is no part of it."""
    if name is None:
        return None
    name = str(name)
    for token in TOKENS:
        name = name.replace(token, "")
    key = "".join(unicodedata.normalize("NFKC", name).split()).lower()
    if key.endswith("小区") and len(key) > 2:
        key = key[:-2]
    return key or None


def registry_keys(con, config: dict) -> dict[str, str | None]:
    """Normalised name or alias -> registry name; None where two compounds claim the same key."""
    keys: dict[str, str | None] = {}

    def claim(key, name):
        if key is None:
            return
        if key in keys and keys[key] != name:
            keys[key] = None
        else:
            keys[key] = name

    registry = rows(con, "SELECT compound_name, aliases FROM compounds")
    for r in registry:  # registry names win over aliases
        claim(name_key(r["compound_name"]), r["compound_name"])
    for r in registry:
        for alias in r["aliases"] or []:
            if name_key(alias) not in keys:
                claim(name_key(alias), r["compound_name"])
    known = {r["compound_name"] for r in registry}
    for alias, name in (config.get("compound_aliases") or {}).items():
        if name in known:
            keys[name_key(alias)] = name
    return keys


def match(keys: dict[str, str | None], raw: str | None) -> str | None:
    return keys.get(name_key(raw)) if raw is not None else None


def register_matches(con, keys: dict[str, str | None], query: str) -> None:
    """Register compound_match(compound_raw, matched_name) for the distinct names `query` returns."""
    raws = [r[0] for r in con.execute(query).fetchall()]
    con.register("compound_match", pa.table({"compound_raw": pa.array(raws, pa.string()),
                                             "matched_name": pa.array([match(keys, r) for r in raws], pa.string())}))


# What an order or complaint takes from the registry, over the export's columns (prefix `t.`), compound_match
# (m.) and compounds (c.): the street and community the export wrote win over the registry's.
RESOLVED_SQL = """m.matched_name AS compound_name, COALESCE(t.street_export, c.street) AS street,
                  COALESCE(t.community_export, c.community) AS community, c.compound_kind, c.management_mode"""
RESOLVED_JOINS = """LEFT JOIN compound_match m ON m.compound_raw = t.compound_raw
                    LEFT JOIN compounds c ON c.compound_name = m.matched_name"""


def resolve_compounds(con, config: dict) -> None:
    """Set compound_name, and street/community where the export left them blank, on every order and
    complaint from the current registry (after a registry import); rows already right are not rewritten.
    An import of orders or complaints resolves its own rows as it writes them (RESOLVED_SQL)."""
    keys = registry_keys(con, config)
    for table in ("work_orders", "complaints"):
        register_matches(con, keys, f"SELECT DISTINCT compound_raw FROM {table} WHERE compound_raw IS NOT NULL")
        con.execute(f"""
            UPDATE {table} SET compound_name = r.compound_name, street = r.street, community = r.community,
                   compound_kind = r.compound_kind, management_mode = r.management_mode
            FROM (SELECT t.rid, {RESOLVED_SQL}
                  FROM (SELECT rowid AS rid, compound_raw, street_export, community_export FROM {table}) t
                  {RESOLVED_JOINS}) r
            WHERE {table}.rowid = r.rid AND (
                {table}.compound_name IS DISTINCT FROM r.compound_name OR {table}.street IS DISTINCT FROM r.street
                OR {table}.community IS DISTINCT FROM r.community OR {table}.compound_kind IS DISTINCT FROM r.compound_kind
                OR {table}.management_mode IS DISTINCT FROM r.management_mode)""")
        con.unregister("compound_match")


def unmatched_compounds(con, config: dict, limit_suggestions: int = 3) -> list[dict]:
    """Names in orders and complaints that match no registry compound, with counts and likely matches."""
    found = rows(con, """
        SELECT compound_raw, sum(orders) AS orders, sum(complaints) AS complaints FROM (
            SELECT compound_raw, count(*) AS orders, 0 AS complaints FROM work_orders
            WHERE compound_raw IS NOT NULL AND compound_name IS NULL GROUP BY ALL
            UNION ALL
            SELECT compound_raw, 0, count(*) FROM complaints
            WHERE compound_raw IS NOT NULL AND compound_name IS NULL GROUP BY ALL)
        GROUP BY compound_raw ORDER BY orders DESC, compound_raw""")
    keys = {k: v for k, v in registry_keys(con, config).items() if v}
    for r in found:
        close = difflib.get_close_matches(name_key(r["compound_raw"]) or "", list(keys), n=limit_suggestions, cutoff=0.5)
        r["suggestions"] = list(dict.fromkeys(keys[k] for k in close))
        r["orders"], r["complaints"] = int(r["orders"]), int(r["complaints"])
    return found


def resolve_compound_name(con, config: dict, name: str) -> str | None:
    """A registry name for what a user typed: the name itself or any alias."""
    return match(registry_keys(con, config), name)
