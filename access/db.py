"""The access file: SQLite in WAL mode beside the DuckDB database (`<db>.access.sqlite`).

Why SQLite and not a table in DuckDB: DuckDB lets one process write a file at a time, and its writes go through
store.writer (a lock, then a snapshot copy of the whole database). A sign-in or an audit entry happens in every
dashboard process many times a minute; SQLite in WAL mode takes writers from many processes (each waits its
turn for a few milliseconds, up to BUSY_TIMEOUT_MS) while readers never wait. Measured in docs/access.md."""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from . import chain

# the access file's API, re-exported: callers import connect, immediate, path_for and stamp from access.db
from .files import BUSY_TIMEOUT_MS, TIME_FORMAT, Connection, immediate, open_file, parse, path_for, stamp  # noqa: F401

# PRAGMA user_version of the access file: 0 before the audit log's hash chain, 1 with it (access.chain)
SCHEMA_VERSION = 1

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
    details TEXT,
    prev_hash TEXT,
    hash TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
@NO_UPDATE@;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除 / the audit log is append-only: no delete'); END;
@CHAIN_TABLE@;
"""
# An entry never changes, with one exception: an entry written without its hash (by a process still running the
# code before the chain, during an upgrade) gets its prev_hash and hash once, its content untouched (access.chain).
NO_UPDATE_TRIGGER = """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
WHEN OLD.hash IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.login IS NOT OLD.login
  OR NEW.address IS NOT OLD.address OR NEW.action IS NOT OLD.action OR NEW.target IS NOT OLD.target
  OR NEW.scope IS NOT OLD.scope OR NEW.outcome IS NOT OLD.outcome OR NEW.details IS NOT OLD.details
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改 / the audit log is append-only: no update'); END"""
# Entries chained after they were written: at the migration of a file made before the chain (every entry it held),
# or an entry written without its hash and chained by the next append. `audit --verify` says which.
CHAIN_TABLE = (
    """CREATE TABLE IF NOT EXISTS audit_chain (
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    chained_at TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('migration', 'unchained'))
)""",
    """CREATE TRIGGER IF NOT EXISTS audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改 / the audit log is append-only: no update'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除 / the audit log is append-only: no delete'); END""")
SCHEMA = SCHEMA.replace("@NO_UPDATE@", NO_UPDATE_TRIGGER).replace("@CHAIN_TABLE@", ";\n".join(CHAIN_TABLE))


def connect(db: Path) -> Connection:
    """A connection to the access file (access.files.open_file); its tables are created on first use, and a file
    made before the audit log's hash chain is migrated (once)."""
    con = open_file(db)
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_no_delete'").fetchone():
        con.executescript(SCHEMA)
    if con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        _migrate(con, Path(db))
    return con


def _migrate(con: Connection, db: Path) -> None:
    """Version 1, the audit log's hash chain: the columns prev_hash and hash, the trigger that lets an unchained
    entry be chained once, the table audit_chain; then every entry the file holds is chained as it stands, and
    audit_chain says so (`reason` migration, its first and last id). Another process may be doing the same: the
    version is read again under the write lock."""
    with immediate(con):
        if con.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        columns = {row[1] for row in con.execute("PRAGMA table_info(audit)")}
        for column in ("prev_hash", "hash"):
            if column not in columns:
                con.execute(f"ALTER TABLE audit ADD COLUMN {column} TEXT")
        con.execute("DROP TRIGGER IF EXISTS audit_no_update")
        con.execute(NO_UPDATE_TRIGGER)
        for statement in CHAIN_TABLE:
            con.execute(statement)
        chained = chain.chain_unchained(con, "migration")
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if chained:
            logging.getLogger("access.audit").warning(
                "audit log %s: %d entries written before the hash chain were chained (ids %d-%d); the chain holds "
                "every entry from here on", path_for(db), len(chained), chained[0]["id"], chained[-1]["id"])
            con.after_commit.append(lambda: chain.publish(db, chained, late=True, syslog=False))


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
        last = copy.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        copy.close()
        con.close()
    tmp.replace(target)
    chain.write_head(Path(out), last)   # the copy's own head: `audit --verify --db <backup>` checks the copy as it was
    return target
