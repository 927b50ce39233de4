"""The access file: SQLite in WAL mode beside the DuckDB database (`<db>.access.sqlite`).

Why SQLite and not a table in DuckDB: DuckDB lets one process write a file at a time, and its writes go through
store.writer (a lock, then a snapshot copy of the whole database). A sign-in or an audit entry happens in every
dashboard process many times a minute; SQLite in WAL mode takes writers from many processes (each waits its
turn for a few milliseconds, up to BUSY_TIMEOUT_MS) while readers never wait. Measured in docs/access.md."""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000   # a writer waits this long for another process's write (each takes milliseconds)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
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


def path_for(db: Path) -> Path:
    """The access file of a DuckDB database: beside it, so a backup of the folder keeps both."""
    return Path(str(db) + ".access.sqlite")


class Connection(sqlite3.Connection):
    """A connection that runs `after_commit` callables once its `immediate` transaction has committed (the audit
    log's head file and copies are written only for entries that exist), and drops them on a rollback."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_commit: list = []
        self.in_immediate = False


def connect(db: Path) -> Connection:
    """A connection in autocommit mode (transactions are explicit: `with immediate(con)`); the file and its
    tables are created on first use, and a file made before the audit log's hash chain is migrated (once)."""
    path = path_for(Path(db))
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, factory=Connection)
    con.row_factory = sqlite3.Row
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        con.execute("PRAGMA journal_mode = WAL")   # persistent: set once per file
    con.execute("PRAGMA synchronous = NORMAL")      # WAL + NORMAL: durable across a process crash, fsync at checkpoints
    con.execute("PRAGMA foreign_keys = ON")
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
    from . import chain

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


@contextmanager
def immediate(con: Connection):
    """A write transaction that takes the write lock at its start (BEGIN IMMEDIATE): a read-then-write
    (count a failure, then lock) never deadlocks with another process doing the same; it waits instead. What
    was queued in `con.after_commit` runs after the commit (a failure there is logged, never raised: the
    transaction is done), and is dropped on a rollback."""
    con.execute("BEGIN IMMEDIATE")
    con.in_immediate = True
    try:
        yield con
    except BaseException:
        con.in_immediate = False
        con.after_commit.clear()
        con.execute("ROLLBACK")
        raise
    con.in_immediate = False
    try:
        con.execute("COMMIT")
    except BaseException:
        con.after_commit.clear()
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    pending, con.after_commit[:] = list(con.after_commit), []
    for action in pending:
        try:
            action()
        except Exception:   # the entries are committed; a copy that failed is logged, and `audit --verify` tells
            logging.getLogger("access.audit").exception("after commit: %r", action)


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
        last = copy.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        copy.close()
        con.close()
    tmp.replace(target)
    from .chain import write_head

    write_head(Path(out), last)   # the copy's own head: `audit --verify --db <backup>` checks the copy as it was
    return target
