"""The audit trail: append-only (SQLite triggers refuse UPDATE and DELETE), one entry per sign-in, failed
sign-in, lockout, sign-out, import, registry change, account change, download, briefing, refused access and
undone import. An entry says when, who (login, or None before a sign-in), from where (address), what (action,
target, scope), the outcome and details; never a resident's personal data: every text is masked
(metrics.masking) before it is written."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from metrics.masking import mask_text

from .db import AUDIT_ACTIONS, connect, stamp

COLUMNS = ("id", "at", "login", "address", "action", "target", "scope", "outcome", "details")


def _masked(value):
    """Every text in a JSON-able value masked (a file name or a compound name can carry a phone number)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def record(db: Path, action: str, *, login: str | None = None, address: str | None = None, target: str | None = None,
           scope: dict | None = None, outcome: str = "ok", details: dict | None = None,
           now: dt.datetime | None = None, con=None) -> int:
    """Append one entry; its id. `scope` is a Scope.as_dict(); `con` lets a caller write it inside its own
    transaction (a lockout with the failure that caused it)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"未知的审计操作 / unknown audit action: {action}")
    own = con is None
    con = con or connect(db)
    try:
        cursor = con.execute(
            "INSERT INTO audit (at, login, address, action, target, scope, outcome, details) VALUES (?,?,?,?,?,?,?,?)",
            [stamp(now), login, address, action, mask_text(target),
             json.dumps(_masked(scope), ensure_ascii=False, sort_keys=True) if scope else None, outcome,
             json.dumps(_masked(details), ensure_ascii=False, sort_keys=True) if details else None])
        return cursor.lastrowid
    finally:
        if own:
            con.close()


def imported(db: Path, result, *, login: str | None, address: str | None = None,
             file_sha256: str | None = None, scope: dict | None = None) -> int:
    """The entry for one import (metrics.importer.ImportResult, or an ImportFailure): file name, hash, counts,
    and the scope it was confined to (`scope`: {street, community} of a street or community account; none for the
    district); a registry import is a registry_change."""
    if isinstance(result, Exception):
        return record(db, "import", login=login, address=address, scope=scope, outcome="failed",
                      details={"error": str(result)})
    action = "registry_change" if result.kind == "compounds" else "import"
    details = {"import_id": result.import_id, "kind": result.kind, "rows_read": result.rows_read,
               "rows_new": result.rows_new, "rows_updated": result.rows_updated,
               "rows_unchanged": result.rows_unchanged, "rows_duplicate": result.rows_duplicate,
               "rows_rejected": result.rows_rejected, "file_sha256": file_sha256}
    return record(db, action, login=login, address=address, target=result.file, scope=scope, details=details)


def entries(db: Path, *, start: dt.date | None = None, end: dt.date | None = None, login: str | None = None,
            action: str | None = None, limit: int | None = None) -> list[dict]:
    """Entries oldest first, filtered by day (inclusive), login and action; details and scope parsed."""
    clauses, params = [], []
    if start:
        clauses.append("at >= ?")
        params.append(start.strftime("%Y-%m-%d"))
    if end:
        clauses.append("at < ?")
        params.append((end + dt.timedelta(days=1)).strftime("%Y-%m-%d"))
    if login:
        clauses.append("login = ?")
        params.append(login)
    if action:
        clauses.append("action = ?")
        params.append(action)
    sql = (f"SELECT {', '.join(COLUMNS)} FROM audit WHERE {' AND '.join(clauses) or '1'} ORDER BY id"
           + (" LIMIT ?" if limit else ""))
    con = connect(db)
    try:
        found = con.execute(sql, params + ([limit] if limit else [])).fetchall()
    finally:
        con.close()
    out = []
    for r in found:
        entry = dict(r)
        for key in ("scope", "details"):
            entry[key] = json.loads(entry[key]) if entry[key] else None
        out.append(entry)
    return out
