"""期数: the issue number of a briefing, one counter per scope, advanced when a briefing is issued.

The counter lives in the access file beside the database (`<db>.access.sqlite`, access.db), not in DuckDB:
a briefing is issued from a dashboard process that only reads DuckDB snapshots, and a DuckDB write would take
the store's write lock and publish a whole new snapshot for one number. SQLite in WAL mode takes this small
write from any process, and BEGIN IMMEDIATE makes two offices clicking at once get two different numbers.
A preview takes no number; the Word and the PDF of one issue share theirs, whether written at once or by two
commands: each number is kept with its edition (scope, period and data) and the files written under it, and an
edition issued again in a format not written yet takes its number again. docs/briefing.md."""
from __future__ import annotations

import json
from pathlib import Path

from access.db import connect, immediate, stamp

SCHEMA = """CREATE TABLE IF NOT EXISTS briefing_issues (
    scope TEXT PRIMARY KEY,          -- the briefing's scope name: a street, a community, or district_name
    last_issue INTEGER NOT NULL,
    issued_at TEXT NOT NULL
)"""
EDITIONS = """CREATE TABLE IF NOT EXISTS briefing_editions (
    edition TEXT PRIMARY KEY,        -- scope, period and data of a briefing (edition()), as JSON
    scope TEXT NOT NULL,             -- the counter's scope name
    issue INTEGER NOT NULL,          -- the number it was last issued under
    written TEXT NOT NULL,           -- the files written under that number: a JSON list of "lang:format"
    issued_at TEXT NOT NULL
)"""


def first_issue(config: dict, scope_name: str) -> int:
    """The number of a scope's first issued briefing: config.yaml briefing.first_issue (an office that has issued
    eleven by hand starts at 12), else 1."""
    return int(((config.get("briefing") or {}).get("first_issue") or {}).get(scope_name, 1))


def edition(scope_name: str, scope: dict, period: tuple, data: dict) -> str:
    """What makes two briefings one: the scope (its name and filters), the period (first and last day) and the data
    (数据截至 and the latest import, briefing.generate.data_mark), as a key."""
    return json.dumps({"scope_name": scope_name, "scope": scope, "period": [str(d) for d in period],
                       "data": {k: None if v is None else str(v) for k, v in data.items()}},
                      ensure_ascii=False, sort_keys=True)


def take(db: Path, scope_name: str, config: dict, edition: str | None = None, files=()) -> int:
    """The issue number of a briefing being issued. With its `edition` and the `files` being written ("zh:docx"):
    the number that edition was issued under when none of these files was written under it (the PDF of the Word
    issued before), else the scope's next number, recorded as taken (first_issue for a scope never issued)."""
    con = connect(Path(db))
    try:
        con.execute(SCHEMA)
        con.execute(EDITIONS)
        with immediate(con):
            if edition is not None:
                found = con.execute("SELECT issue, written FROM briefing_editions WHERE edition = ?", [edition]).fetchone()
                written = set(json.loads(found["written"])) if found else set()
                if found and not written & set(files):
                    con.execute("UPDATE briefing_editions SET written = ? WHERE edition = ?",
                                [json.dumps(sorted(written | set(files)), ensure_ascii=False), edition])
                    return found["issue"]
            row = con.execute("SELECT last_issue FROM briefing_issues WHERE scope = ?", [scope_name]).fetchone()
            number = max(row["last_issue"] + 1, first_issue(config, scope_name)) if row else first_issue(config, scope_name)
            con.execute("INSERT INTO briefing_issues VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET "
                        "last_issue = excluded.last_issue, issued_at = excluded.issued_at", [scope_name, number, stamp()])
            if edition is not None:
                con.execute("INSERT OR REPLACE INTO briefing_editions VALUES (?, ?, ?, ?, ?)",
                            [edition, scope_name, number, json.dumps(sorted(set(files)), ensure_ascii=False), stamp()])
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


def upcoming(db: Path, scope_name: str, config: dict) -> int:
    """The number the scope's next issued briefing will take (the preview says it; only issuing takes it)."""
    done = last(db, scope_name)
    return first_issue(config, scope_name) if done is None else max(done + 1, first_issue(config, scope_name))
