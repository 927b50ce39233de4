"""The access file on disk: where it lives, a connection to it, its write transaction and its time stamps.

The lowest room of access/: the schema and its migration (access.db), the audit log's hash chain (access.chain) and
its check (access.audit_check) all stand on it."""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000   # a writer waits this long for another process's write (each takes milliseconds)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


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


def open_file(db: Path) -> Connection:
    """A connection in autocommit mode (transactions are explicit: `with immediate(con)`), WAL, the file created on
    first use; its tables are access.db's business (`access.db.connect`)."""
    path = path_for(Path(db))
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, factory=Connection)
    con.row_factory = sqlite3.Row
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        con.execute("PRAGMA journal_mode = WAL")   # persistent: set once per file
    con.execute("PRAGMA synchronous = NORMAL")      # WAL + NORMAL: durable across a process crash, fsync at checkpoints
    con.execute("PRAGMA foreign_keys = ON")
    return con


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
