"""The archive of issued briefings: each issue's Word and PDF kept exactly as issued, to be downloaded again.

Where the bytes live, and why: in a folder beside the database (`<db>.briefings/`, as the access file is
`<db>.access.sqlite`), one file per document named by its SHA-256 (`<sha256>.pdf`), written once and never
rewritten; what each issue was (scope, 期数, period, 印发日期, when, by whom or by the schedule, each format's file name,
SHA-256 and size) is a row of `briefing_archive` in the access file. Not as BLOBs in the access file: a street's
half-year is about 0.8 MB (Word and PDF), a district issuing monthly for each street and community adds some
15 MB a month, and the access file is the small, hot file every sign-in, session and audit entry writes and every
backup copies whole; kept apart, it stays small and the documents, which never change, are copied once
(`python -m metrics backup` copies the folder beside the backup, files not there yet). Not regenerated on demand:
the data, the config and the code move on, and an office must be able to hand over what it sent. A file whose
bytes no longer match the recorded SHA-256 is refused (ArchiveError), never served as the issued one.
docs/briefing.md, 存档."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

from access.db import connect, immediate, path_for, stamp
from metrics.kpis import Scope

SCHEMA = """CREATE TABLE IF NOT EXISTS briefing_archive (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_name TEXT NOT NULL,        -- the counter's scope name (a street, a community, or district_name)
    street TEXT,                     -- the briefing's scope: both NULL for the district
    community TEXT,
    issue INTEGER NOT NULL,          -- 期数
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    period_label TEXT NOT NULL,      -- 2025年下半年, in the briefing's language
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    issued_on TEXT NOT NULL,         -- 印发日期
    issued_at TEXT NOT NULL,         -- when the files were written
    issued_by TEXT,                  -- the account that issued it on the 简报 page; NULL for the schedule
    via TEXT NOT NULL CHECK (via IN ('page', 'schedule', 'command')),
    files TEXT NOT NULL              -- {format: {name, sha256, bytes}} as JSON
)"""


class ArchiveError(LookupError):
    """No such issued briefing in this scope, or its file is missing or changed."""


def folder_for(db: Path) -> Path:
    """Where the issued files of a database are kept: beside it, as its access file."""
    return Path(str(db) + ".briefings")


def _connect(db: Path):
    con = connect(Path(db))
    con.execute(SCHEMA)
    return con


def keep(db: Path, *, scope: Scope, scope_name: str, issue: int, period, period_label: str, lang: str, title: str,
         issued_on: dt.date, files: dict, issued_by: str | None = None, via: str = "page") -> int:
    """Archive one issued briefing: its files ({format: path}) copied under their SHA-256, one row naming them; the
    row's id. A file already there (the same bytes issued twice) is not written again."""
    folder = folder_for(db)
    folder.mkdir(parents=True, exist_ok=True)
    kept = {}
    for fmt, path in files.items():
        data = Path(path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        target = folder / f"{digest}.{fmt}"
        if not target.exists():
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        kept[fmt] = {"name": Path(path).name, "sha256": digest, "bytes": len(data)}
    con = _connect(db)
    try:
        with immediate(con):
            cur = con.execute(
                "INSERT INTO briefing_archive (scope_name, street, community, issue, period_start, period_end, "
                "period_label, lang, title, issued_on, issued_at, issued_by, via, files) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [scope_name, scope.street, scope.community, issue, str(period.start), str(period.end), period_label,
                 lang, title, issued_on.isoformat(), stamp(), issued_by, via, json.dumps(kept, ensure_ascii=False)])
            return cur.lastrowid
    finally:
        con.close()


def _entry(row) -> dict:
    entry = dict(row)
    entry["files"] = json.loads(entry["files"])
    return entry


def _same_scope(column: str) -> str:
    return f"{column} IS ?"


def issued(db: Path, scope: Scope) -> list[dict]:
    """The briefings issued for exactly this scope (a street's own, not its communities'; the district's when no
    street is given), newest first. Pass the scope already narrowed to the account's (ui.engine.archive)."""
    if not path_for(Path(db)).exists():
        return []
    con = _connect(db)
    try:
        found = con.execute(f"SELECT * FROM briefing_archive WHERE {_same_scope('street')} AND "
                            f"{_same_scope('community')} ORDER BY issue DESC, id DESC",
                            [scope.street, scope.community]).fetchall()
        return [_entry(r) for r in found]
    finally:
        con.close()


def file_of(db: Path, entry_id: int, fmt: str, scope: Scope) -> tuple[str, bytes]:
    """(file name, bytes) of one issued file, exactly as issued: refused when the entry is not of this scope, and
    when the bytes kept no longer hash to the recorded SHA-256."""
    con = _connect(db)
    try:
        row = con.execute(f"SELECT * FROM briefing_archive WHERE id = ? AND {_same_scope('street')} AND "
                          f"{_same_scope('community')}", [entry_id, scope.street, scope.community]).fetchone()
    finally:
        con.close()
    if row is None or fmt not in json.loads(row["files"]):
        raise ArchiveError(f"没有这份简报 / no such briefing: {entry_id} {fmt}")
    meta = json.loads(row["files"])[fmt]
    path = folder_for(db) / f"{meta['sha256']}.{fmt}"
    try:
        data = path.read_bytes()
    except OSError:
        raise ArchiveError(f"存档文件缺失 / the archived file is missing: {meta['name']}") from None
    if hashlib.sha256(data).hexdigest() != meta["sha256"]:
        raise ArchiveError(f"存档文件已被改动，不再是印发时的文件 / the archived file changed since it was issued: "
                           f"{meta['name']}")
    return meta["name"], data


def backup(db: Path, out: Path) -> Path | None:
    """Copy the archive folder beside a backup `out` of the database (files already there are not copied again:
    they never change); None when nothing was issued yet."""
    source = folder_for(db)
    if not source.is_dir():
        return None
    target = folder_for(out)
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.suffix in (".docx", ".pdf") and not (target / path.name).exists():
            shutil.copyfile(path, target / (path.name + ".tmp"))
            os.replace(target / (path.name + ".tmp"), target / path.name)
    return target
