"""Compound names as exports write them, matched to the registry (小区台账).

Exports write the same compound many ways: full-width letters, stray spaces, with or without a
trailing 小区, an old name. A name that matches nothing is a compound the registry lacks (未入台账): its
orders carry it as their compound, so it is ranked and profiled on order data alone, and it is listed for
the user to add to the registry. A name two registry compounds claim matches neither and names no compound."""
from __future__ import annotations

import difflib
import unicodedata

import pyarrow as pa

from metrics.db import rows
from metrics.masking import TOKENS
from metrics.places import place_filter, write_place


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
    """Register compound_match(compound_raw, matched_name) for the names `query` returns (a name, and
    optionally how many rows carry it): the registry name, else the compound's unregistered name."""
    found = con.execute(query).fetchall()
    counts = {r[0]: (r[1] if len(r) > 1 else 1) for r in found}
    unregistered = unregistered_names(con, keys, counts)
    raws = list(counts)
    con.register("compound_match", pa.table({
        "compound_raw": pa.array(raws, pa.string()),
        "matched_name": pa.array([match(keys, r) or unregistered.get(r) for r in raws], pa.string())}))


def spelling(raw: str) -> str:
    """How an unregistered compound's name is stored: as exported, full-width forms folded, spaces trimmed."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())


def stored_unregistered(con) -> dict[str, str]:
    """Key -> the name an unregistered compound already carries on orders or complaints."""
    from metrics import rollup

    orders, complaints = (("order_rollup_compound", "complaint_rollup_compound") if rollup.ready(con)
                          else ("work_orders", "complaints"))   # the same names (a rollups-only file has no others)
    found = rows(con, f"""SELECT DISTINCT compound_name FROM (
                             SELECT DISTINCT compound_name FROM {orders} UNION ALL
                             SELECT DISTINCT compound_name FROM {complaints})
                         WHERE compound_name IS NOT NULL AND compound_name NOT IN (SELECT compound_name FROM compounds)
                         ORDER BY compound_name""")
    out: dict[str, str] = {}
    for r in found:
        out.setdefault(name_key(r["compound_name"]), r["compound_name"])
    return out


def unregistered_names(con, keys: dict[str, str | None], counts: dict[str, int]) -> dict[str, str]:
    """Exported name -> the unregistered compound it names, for names no registry compound claims (a name
    two compounds claim gets none). A compound keeps the name it already carries; a new one takes the
    spelling most of its rows use (ties: the first in sort order), so an import never renames old rows."""
    stored = stored_unregistered(con)
    spellings: dict[str, dict[str, int]] = {}
    for raw, n in counts.items():
        key = name_key(raw)
        if key is None or key in keys:
            continue
        by_spelling = spellings.setdefault(key, {})
        by_spelling[spelling(raw)] = by_spelling.get(spelling(raw), 0) + int(n or 0)
    chosen = {key: stored.get(key) or min(found, key=lambda s: (-found[s], s)) for key, found in spellings.items()}
    return {raw: chosen[name_key(raw)] for raw in counts if name_key(raw) in chosen}


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
    register_matches(con, keys, """SELECT compound_raw, count(*) FROM (
        SELECT compound_raw FROM work_orders UNION ALL SELECT compound_raw FROM complaints)
        WHERE compound_raw IS NOT NULL GROUP BY compound_raw""")
    for table in ("work_orders", "complaints"):
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


def unmatched_compounds(con, config: dict, limit_suggestions: int = 3, scope=None) -> list[dict]:
    """Names in orders and complaints that match no registry compound (those of compounds not in the
    registry, and names two registry compounds claim), with counts, likely matches and the (street, community)
    pairs their rows carry. With `scope` (metrics.ingest.importer.write_place: an account or a (street, community) pair)
    only the orders and complaints inside it count, and only its registry compounds are suggested: an admin of one
    street sees its own names, and no other street's."""
    place = write_place(scope)
    inside, params = place_filter("x", place) if place is not None else ("true", {})
    found = rows(con, f"""
        SELECT compound_raw, sum(orders) AS orders, sum(complaints) AS complaints,
               list(DISTINCT [street, community] ORDER BY [street, community]) AS places FROM (
            SELECT compound_raw, street, community, count(*) AS orders, 0 AS complaints FROM work_orders x
            WHERE compound_raw IS NOT NULL AND {NOT_REGISTERED} AND {inside} GROUP BY ALL
            UNION ALL
            SELECT compound_raw, street, community, 0, count(*) FROM complaints x
            WHERE compound_raw IS NOT NULL AND {NOT_REGISTERED} AND {inside} GROUP BY ALL)
        GROUP BY compound_raw ORDER BY orders DESC, compound_raw""", params)
    keys = {k: v for k, v in registry_keys(con, config).items() if v}
    if place is not None:   # suggest the scope's own registry compounds only
        own = {r["compound_name"] for r in rows(con, f"SELECT compound_name FROM compounds x WHERE {inside}", params)}
        keys = {k: v for k, v in keys.items() if v in own}
    for r in found:
        close = difflib.get_close_matches(name_key(r["compound_raw"]) or "", list(keys), n=limit_suggestions, cutoff=0.5)
        r["suggestions"] = list(dict.fromkeys(keys[k] for k in close))
        r["orders"], r["complaints"] = int(r["orders"]), int(r["complaints"])
        r["places"] = [tuple(p) for p in r["places"]]   # (street, community) pairs its rows carry
    return found


# An order or complaint whose compound is not a registry compound (unregistered, or no compound at all).
NOT_REGISTERED = "(compound_name IS NULL OR compound_name NOT IN (SELECT compound_name FROM compounds))"


def resolve_compound_name(con, config: dict, name: str) -> str | None:
    """The compound a user typed: a registry name or alias, else a compound not in the registry by any of
    the spellings that name it; None when nothing (or two registry compounds) match."""
    keys = registry_keys(con, config)
    if name_key(name) in keys:
        return keys[name_key(name)]
    return stored_unregistered(con).get(name_key(name))


def registry_conflicts(con, config: dict) -> list[dict]:
    """Keys that two registry compounds claim by name or alias (海棠苑 and 海棠苑小区 are one key): orders
    naming them match neither, or, for an alias that is another compound's name, only that compound. A
    registry import names them rather than leave the orders silently unmatched. Keys settled in config.yaml
    compound_aliases are not conflicts."""
    claims: dict[str, dict[str, list[str]]] = {}   # key -> compound -> the names it is written with
    for r in rows(con, "SELECT compound_name, aliases FROM compounds ORDER BY compound_name"):
        for written in [r["compound_name"], *(r["aliases"] or [])]:
            key = name_key(written)
            if key:
                forms = claims.setdefault(key, {}).setdefault(r["compound_name"], [])
                if written not in forms:
                    forms.append(written)
    settled = {name_key(a) for a in (config.get("compound_aliases") or {})}
    conflicts = [{"key": k, "claims": c} for k, c in claims.items() if len(c) > 1 and k not in settled]
    if not conflicts:
        return []
    keys = registry_keys(con, config)
    named = {}
    for r in rows(con, """SELECT compound_raw, count(*) AS n FROM (
                              SELECT compound_raw FROM work_orders UNION ALL SELECT compound_raw FROM complaints)
                          WHERE compound_raw IS NOT NULL GROUP BY compound_raw"""):
        key = name_key(r["compound_raw"])
        named[key] = named.get(key, 0) + int(r["n"])
    for c in conflicts:
        c["matches"] = keys.get(c["key"])
        c["records"] = named.get(c["key"], 0)
    return conflicts


def conflict_note(conflict: dict) -> str:
    """The message a registry import gives for one of registry_conflicts, naming every name involved."""
    def written(compound, forms):
        aliases = [f for f in forms if f != compound]
        own = compound if compound in forms else None
        return "、".join(([own] if own else []) + [f"{a}（{compound}的别名）" for a in aliases])

    zh = "、".join(written(c, f) for c, f in conflict["claims"].items())
    en = ", ".join(f"{c}" + (f" (alias {', '.join(a for a in f if a != c)})" if any(a != c for a in f) else "")
                   for c, f in conflict["claims"].items())
    n = conflict["records"]
    if conflict["matches"] is None:
        return (f"台账中{zh}归一后是同一名称，写作它的{n}条工单和投诉不能匹配任何小区：请合并、改名，或在 config.yaml "
                f"compound_aliases 中指定 / registry names {en} normalise to one name: the {n} orders and complaints "
                "that write it match no compound; merge or rename them, or settle it in config.yaml compound_aliases")
    return (f"台账中{zh}归一后是同一名称，写作它的{n}条工单和投诉按名称匹配到{conflict['matches']} / registry names "
            f"{en} normalise to one name: the {n} orders and complaints that write it match {conflict['matches']}, "
            "the compound of that name")
