"""Saved views: a page, its filters and its period under a name, an account's own or shared with its scope.

A view is what the page's address says (ui.links.VIEW_KEYS: period, from/to, the place and kind filters, the profile's
compound, the compared compounds), kept in the access file (table saved_views, access.db) and audited (saved_view).
Its period stays as chosen: a preset (上月, 本季度, 近12个月 …) is kept by name and resolved against 数据截至 when the
view is opened (metrics.periods.preset_period), so a saved view stays current; a custom range keeps its dates.

Scope: a view's street and community are its owner's scope narrowed by the view's own place filters. An account is
listed its own views and the shared ones whose scope its own covers (a district account every one; a street account
those of its street and of its communities; a community account those of its community), never one outside it; and
opening a view goes through the scope seam like any address (ui.sidebar, ui.engine): it never widens an account's
scope. Names are masked (metrics.masking) before they are stored: a name is typed, and could carry a phone number."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from metrics.masking import mask_text

from . import Account, AccessError, audit
from .db import connect, immediate, stamp

PAGES = ("overview", "trends", "compare", "party", "profile", "supervision", "briefing")
VIEW_KEYS = ("period", "from", "to", "street", "community", "kind", "mode", "source", "category", "compound",
             "compounds")
MAX_NAME = 40


def covers(account: Account, street: str | None, community: str | None) -> bool:
    """Whether an account's scope covers a view's (street, community): None is the whole district (street) or the
    whole street (community)."""
    if account.role == "district":
        return True
    if street != account.street:
        return False
    return account.role == "street" or community == account.community


def view_scope(account: Account, params: dict) -> tuple[str | None, str | None]:
    """The scope a view shows: the owner's narrowed by the view's street and community filters."""
    street = account.street if account.role != "district" else params.get("street") or None
    community = account.community if account.role == "community" else params.get("community") or None
    return street, community


def _row(r) -> dict:
    return {"view_id": r["view_id"], "owner": r["owner"], "name": r["name"], "page": r["page"],
            "params": json.loads(r["params"]), "shared": bool(r["shared"]), "street": r["street"],
            "community": r["community"], "created_at": r["created_at"], "updated_at": r["updated_at"]}


def save(db: Path, account: Account, name: str, page: str, params: dict, *, shared: bool = False,
         address: str | None = None, now: dt.datetime | None = None) -> dict:
    """Save (or, under a name the account used already, replace) a view; audited as saved_view. AccessError on an
    empty or too long name or a page that is not a view's."""
    name = mask_text(" ".join(str(name or "").split()))
    if not name:
        raise AccessError("请填写视图名称 / a view needs a name")
    if len(name) > MAX_NAME:
        raise AccessError(f"视图名称不超过{MAX_NAME}个字 / a view's name has at most {MAX_NAME} characters")
    if page not in PAGES:
        raise AccessError(f"此页面不能保存为视图 / this page cannot be saved as a view: {page}")
    kept = {k: str(v) for k, v in params.items() if k in VIEW_KEYS and v not in (None, "")}
    street, community = view_scope(account, kept)
    when = stamp(now)
    con = connect(db)
    try:
        with immediate(con):
            before = con.execute("SELECT view_id FROM saved_views WHERE owner = ? AND name = ?",
                                 [account.login, name]).fetchone()
            con.execute("""INSERT INTO saved_views (owner, name, page, params, shared, street, community, created_at,
                                                    updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                           ON CONFLICT (owner, name) DO UPDATE SET page = excluded.page, params = excluded.params,
                               shared = excluded.shared, street = excluded.street, community = excluded.community,
                               updated_at = excluded.updated_at""",
                        [account.login, name, page, json.dumps(kept, ensure_ascii=False, sort_keys=True), int(shared),
                         street, community, when, when])
            row = con.execute("SELECT * FROM saved_views WHERE owner = ? AND name = ?", [account.login, name]).fetchone()
            audit.record(db, "saved_view", login=account.login, address=address, target=name,
                         scope={k: v for k, v in (("street", street), ("community", community)) if v},
                         outcome="replaced" if before else "saved",
                         details={"view_id": row["view_id"], "page": page, "params": kept, "shared": bool(shared)},
                         now=now, con=con)
        return _row(row)
    finally:
        con.close()


def listed(db: Path, account: Account) -> list[dict]:
    """The views an account may open: its own and the shared ones its scope covers, its own first, then by name."""
    con = connect(db)
    try:
        found = con.execute("SELECT * FROM saved_views WHERE owner = ? OR shared = 1 ORDER BY owner != ?, name",
                            [account.login, account.login]).fetchall()
    finally:
        con.close()
    return [_row(r) for r in found if covers(account, r["street"], r["community"])]


def get(db: Path, account: Account, view_id: int) -> dict | None:
    """One view the account may open; None for one it may not (or that does not exist): the same answer."""
    return next((v for v in listed(db, account) if v["view_id"] == int(view_id)), None)


def delete(db: Path, account: Account, view_id: int, *, address: str | None = None,
           now: dt.datetime | None = None) -> None:
    """Delete one of the account's own views; audited (saved_view, outcome deleted). AccessError for a view that is
    not its own."""
    con = connect(db)
    try:
        with immediate(con):
            row = con.execute("SELECT * FROM saved_views WHERE view_id = ? AND owner = ?",
                              [int(view_id), account.login]).fetchone()
            if row is None:
                raise AccessError("只能删除本账号保存的视图 / only the account's own views can be deleted")
            con.execute("DELETE FROM saved_views WHERE view_id = ?", [int(view_id)])
            audit.record(db, "saved_view", login=account.login, address=address, target=row["name"],
                         outcome="deleted", details={"view_id": row["view_id"], "page": row["page"]}, now=now, con=con)
    finally:
        con.close()
