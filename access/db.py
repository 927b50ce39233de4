"""The access file: SQLite in WAL mode beside the DuckDB database (`<db>.access.sqlite`).

Why SQLite and not a table in DuckDB: DuckDB lets one process write a file at a time, and its writes go through
store.writer (a lock, then a snapshot copy of the whole database). A sign-in or an audit entry happens in every
dashboard process many times a minute; SQLite in WAL mode takes writers from many processes (each waits its
turn for a few milliseconds, up to BUSY_TIMEOUT_MS) while readers never wait. Measured in docs/access.md."""
from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000   # a writer waits this long for another process's write (each takes milliseconds)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

AUDIT_ACTIONS = ("sign_in", "sign_in_failed", "lockout", "sign_out", "import", "registry_change", "account_change",
                 "download", "briefing", "access_refused", "undo_import")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS accounts (
    login TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('district', 'street', 'community')),
    street TEXT,
    community TEXT,
    admin INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    CHECK (role = 'district' OR street IS NOT NULL),
    CHECK (role != 'community' OR community IS NOT NULL)
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    login TEXT NOT NULL REFERENCES accounts(login),
    address TEXT,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS address_failures (
    address TEXT PRIMARY KEY,
    failed_count INTEGER NOT NULL DEFAULT 0,
    last_failed TEXT,
    locked_until TEXT
);
CREATE TABLE IF NOT EXISTS login_failures (
    login TEXT NOT NULL,
    address TEXT NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    last_failed TEXT NOT NULL,
    PRIMARY KEY (login, address)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    login TEXT,
    address TEXT,
    action TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in AUDIT_ACTIONS)})),
    target TEXT,
    scope TEXT,
    outcome TEXT NOT NULL,
    details TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改 / the audit log is append-only: no update'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除 / the audit log is append-only: no delete'); END;
"""


def path_for(db: Path) -> Path:
    """The access file of a DuckDB database: beside it, so a backup of the folder keeps both."""
    return Path(str(db) + ".access.sqlite")


def connect(db: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit: `with immediate(con)`); the file and its
    tables are created on first use."""
    path = path_for(Path(db))
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        con.execute("PRAGMA journal_mode = WAL")   # persistent: set once per file
    con.execute("PRAGMA synchronous = NORMAL")      # WAL + NORMAL: durable across a process crash, fsync at checkpoints
    con.execute("PRAGMA foreign_keys = ON")
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_no_delete'").fetchone():
        con.executescript(SCHEMA)
    return con


@contextmanager
def immediate(con: sqlite3.Connection):
    """A write transaction that takes the write lock at its start (BEGIN IMMEDIATE): a read-then-write
    (count a failure, then lock) never deadlocks with another process doing the same; it waits instead."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def stamp(moment: dt.datetime | None = None) -> str:
    return (moment or dt.datetime.now()).strftime(TIME_FORMAT)


def parse(text: str | None) -> dt.datetime | None:
    return dt.datetime.strptime(text, TIME_FORMAT) if text else None


def backup(db: Path, out: Path) -> Path | None:
    """A consistent copy of a database's access file (accounts, sessions, the audit log) beside the backup `out`
    of the database itself, made with SQLite's online backup while other processes write; None when the database
    has no access file yet."""
    source = path_for(Path(db))
    if not source.exists():
        return None
    target = path_for(Path(out))
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con, copy = connect(Path(db)), sqlite3.connect(str(tmp))
    try:
        con.backup(copy)
    finally:
        copy.close()
        con.close()
    tmp.replace(target)
    return target
