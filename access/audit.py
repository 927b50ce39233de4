"""The audit trail: append-only (SQLite triggers refuse UPDATE and DELETE), one entry per sign-in, failed
sign-in, lockout, sign-out, import, registry change, account change, download, briefing, refused access and
undone import. An entry says when, who (login, or None before a sign-in), from where (address), what (action,
target, scope), the outcome and details; never a resident's personal data: every text is masked
(metrics.masking) before it is written.

Entries are chained (access.chain): each holds the hash of the one before it and of its own content; the head of
the chain goes to `<db>.audit-head`, and every entry as a JSON line to `access.audit_file` and/or syslog, for a
collector to ship off the machine. `python -m metrics audit --verify` walks the chain (docs/access.md)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from metrics.masking import mask_text

from . import chain
from .db import AUDIT_ACTIONS, connect, immediate, stamp

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
    """Append one entry, chained onto the latest; its id. `scope` is a Scope.as_dict(); `con` lets a caller write
    it inside its own `immediate` transaction (a lockout with the failure that caused it); without one, the entry
    takes a BEGIN IMMEDIATE transaction of its own (reading the previous hash and inserting under the write lock).
    The head file and the copies are written once the transaction has committed."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"未知的审计操作 / unknown audit action: {action}")
    values = {"at": stamp(now), "login": login, "address": address, "action": action, "target": mask_text(target),
              "scope": json.dumps(_masked(scope), ensure_ascii=False, sort_keys=True) if scope else None,
              "outcome": outcome,
              "details": json.dumps(_masked(details), ensure_ascii=False, sort_keys=True) if details else None}
    own = con is None
    con = con or connect(db)
    try:
        if con.in_transaction:
            return chain.append(con, Path(db), values)
        with immediate(con):
            return chain.append(con, Path(db), values)
    finally:
        if own:
            con.close()


COUNTS = ("rows_read", "rows_new", "rows_updated", "rows_unchanged", "rows_duplicate", "rows_rejected")


def imported(db: Path, result, *, login: str | None, address: str | None = None,
             file_sha256: str | None = None, scope: dict | None = None) -> int:
    """The entry for one import (metrics.ingest.importer.ImportResult, or an ImportFailure): file name, hash, counts,
    and the scope it was confined to (`scope`: {street, community} of a street or community account; none for the
    district); a registry import is a registry_change. An import committed but not published (its snapshot failed:
    a full disk) is entered with outcome `unpublished` and why; the write that publishes it later enters `published`."""
    if isinstance(result, Exception):
        return record(db, "import", login=login, address=address, scope=scope, outcome="failed",
                      details={"error": str(result)})
    action = "registry_change" if result.kind == "compounds" else "import"
    details = {"import_id": result.import_id, "kind": result.kind,
               **{name: getattr(result, name) for name in COUNTS}, "file_sha256": file_sha256}
    published = getattr(result, "published", True)
    if not published:
        details["not_published"] = getattr(result, "not_published", None)
    return record(db, action, login=login, address=address, target=result.file, scope=scope,
                  outcome="ok" if published else "unpublished", details=details)


def _import_entries(con, ids) -> dict[int, set[str]]:
    """import id -> the outcomes of the entries naming it (imports, registry changes, undos)."""
    found: dict[int, set[str]] = {}
    for action, outcome, import_id in con.execute(
            "SELECT action, outcome, CAST(json_extract(details, '$.import_id') AS INTEGER) FROM audit "
            "WHERE action IN ('import', 'registry_change', 'undo_import') AND json_extract(details, '$.import_id') "
            "IS NOT NULL").fetchall():
        if import_id in ids:
            found.setdefault(import_id, set()).add(f"{action}:{outcome}")
    return found


def highest_import_id(db: Path) -> int:
    """The highest import id an entry names (0 without an access file, which is not made for asking): the
    importer's ids start above it, so a restored backup (whose import log ends earlier) never reuses one."""
    from .db import path_for

    if not path_for(Path(db)).exists():
        return 0
    con = connect(db)
    try:
        return int(con.execute("SELECT max(CAST(json_extract(details, '$.import_id') AS INTEGER)) FROM audit "
                               "WHERE action IN ('import', 'registry_change')").fetchone()[0] or 0)
    finally:
        con.close()


RECOVERED = ("已提交，在写入者中断（进程被终止或快照未能发布）后由下一次启动或写入发布 / committed, published by the next start or "
             "write after its writer stopped (killed, or its snapshot failed)")


def recovered(db: Path, imports: list[dict], undone: list[dict]) -> list[int]:
    """Entries for what an earlier write committed and the store published late (store._recover): each import
    (an import_log row) no entry names yet gets its entry, outcome `recovered` (the writer's entry was never
    written: it was killed); one entered as `unpublished` gets `published`; an undo no entry names gets an
    `undo_import` entry, outcome `recovered`. The actor is unknown (login None). The ids of the entries written."""
    con = connect(db)
    written = []
    try:
        seen = _import_entries(con, {int(r["import_id"]) for r in imports + undone})
        for r in imports:
            action = "registry_change" if r["kind"] == "compounds" else "import"
            outcomes = {o.split(":", 1)[1] for o in seen.get(int(r["import_id"]), set())
                        if o.split(":", 1)[0] == action}
            if outcomes & {"ok", "recovered", "published"}:
                continue
            details = {"import_id": int(r["import_id"]), "kind": r["kind"], **{n: r.get(n) for n in COUNTS},
                       "file_sha256": r.get("file_sha256"), "imported_at": r.get("imported_at")}
            if "unpublished" in outcomes:
                written.append(record(db, action, target=r["file_name"], outcome="published",
                                      details={"import_id": int(r["import_id"]), "kind": r["kind"]}, con=con))
            else:
                written.append(record(db, action, target=r["file_name"], outcome="recovered",
                                      details={**details, "recovered": RECOVERED}, con=con))
        for r in undone:
            outcomes = seen.get(int(r["import_id"]), set())
            if outcomes & {"undo_import:ok", "undo_import:recovered", "undo_import:published"}:
                continue
            details = {"import_id": int(r["import_id"]), "kind": r["kind"]}
            if "undo_import:unpublished" in outcomes:
                written.append(record(db, "undo_import", target=r["file_name"], outcome="published", details=details,
                                      con=con))
            else:
                written.append(record(db, "undo_import", target=r["file_name"], outcome="recovered",
                                      details={**details, "recovered": RECOVERED}, con=con))
    finally:
        con.close()
    return written


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
