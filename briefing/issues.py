"""期数: the issue number of a briefing, one counter per scope, advanced when a briefing is issued.

The counter lives in the access file beside the database (`<db>.access.sqlite`, access.db), not in DuckDB:
a briefing is issued from a dashboard process that only reads DuckDB snapshots, and a DuckDB write would take
the store's write lock and publish a whole new snapshot for one number. SQLite in WAL mode takes this small
write from any process, and BEGIN IMMEDIATE makes two offices clicking at once get two different numbers.
A preview takes no number; the Word and the PDF of one issue share theirs. docs/briefing.md."""
from __future__ import annotations

from pathlib import Path

from access.db import connect, immediate, stamp

SCHEMA = """CREATE TABLE IF NOT EXISTS briefing_issues (
    scope TEXT PRIMARY KEY,          -- the briefing's scope name: a street, a community, or district_name
    last_issue INTEGER NOT NULL,
    issued_at TEXT NOT NULL
)"""


def first_issue(config: dict, scope_name: str) -> int:
    """The number of a scope's first issued briefing: config.yaml briefing.first_issue (an office that has issued
    eleven by hand starts at 12), else 1."""
    return int(((config.get("briefing") or {}).get("first_issue") or {}).get(scope_name, 1))


def take(db: Path, scope_name: str, config: dict) -> int:
    """The next issue number of this scope, recorded as taken (first_issue for a scope never issued)."""
    con = connect(Path(db))
    try:
        con.execute(SCHEMA)
        with immediate(con):
            row = con.execute("SELECT last_issue FROM briefing_issues WHERE scope = ?", [scope_name]).fetchone()
            number = max(row["last_issue"] + 1, first_issue(config, scope_name)) if row else first_issue(config, scope_name)
            con.execute("INSERT INTO briefing_issues VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET "
                        "last_issue = excluded.last_issue, issued_at = excluded.issued_at", [scope_name, number, stamp()])
        return number
    finally:
        con.close()


def last(db: Path, scope_name: str) -> int | None:
    """The last number issued for a scope, None before the first."""
    con = connect(Path(db))
    try:
        con.execute(SCHEMA)
        row = con.execute("SELECT last_issue FROM briefing_issues WHERE scope = ?", [scope_name]).fetchone()
        return row["last_issue"] if row else None
    finally:
        con.close()
