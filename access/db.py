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

# PRAGMA user_version of the access file: 0 before the audit log's hash chain, 1 with it (access.chain), 2 with the
# 督办 tables (supervision_cases, supervision_case_orders, supervision_feedback) and the audit action supervision_case
# or (a file of the same days made elsewhere) with saved views and alerts, 3 with both: saved views and alerts
# (saved_views, alerts, alert_acks, alert_runs, alert_visits) and the audit actions saved_view and alert_ack. Every
# step is idempotent (CREATE … IF NOT EXISTS; the CHECK rebuilt only when it lacks an action), so a file of either
# version 2 comes up to 3 the same way.
SCHEMA_VERSION = 3

AUDIT_ACTIONS = ("sign_in", "sign_in_failed", "lockout", "sign_out", "import", "registry_change", "account_change",
                 "download", "briefing", "access_refused", "undo_import", "supervision_case", "saved_view", "alert_ack")

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
@CASES@;
@VIEWS_ALERTS@;
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

# 督办 (casework/): what officials write about overdue orders, kept here because every dashboard process writes it
# (docs/supervision.md). Append-only, as the audit log: a 督办 is opened once and never edited, its orders are
# listed once, feedback is added; its state is derived (casework.cases.state), never stored. Every text an official
# types is masked (metrics.masking) before it is written.
CASE_TABLES = (
    """CREATE TABLE IF NOT EXISTS supervision_cases (
    case_id INTEGER PRIMARY KEY AUTOINCREMENT,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('list', 'order', 'compound')),
    street TEXT,
    community TEXT,
    compound_name TEXT,
    handling_unit TEXT NOT NULL,
    instruction TEXT NOT NULL,
    reply_due TEXT NOT NULL,
    CHECK (community IS NULL OR street IS NOT NULL)
)""",
    """CREATE TABLE IF NOT EXISTS supervision_case_orders (
    case_id INTEGER NOT NULL REFERENCES supervision_cases(case_id),
    order_id TEXT NOT NULL,
    PRIMARY KEY (case_id, order_id)
)""",
    "CREATE INDEX IF NOT EXISTS supervision_case_orders_order ON supervision_case_orders(order_id)",
    """CREATE TABLE IF NOT EXISTS supervision_feedback (
    feedback_id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES supervision_cases(case_id),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    replied_on TEXT NOT NULL,
    text TEXT NOT NULL
)""",
    *(f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table}
BEGIN SELECT RAISE(ABORT, '督办记录只能追加，不能{zh} / 督办 records are append-only: no {verb}'); END"""
      for table in ("supervision_cases", "supervision_case_orders", "supervision_feedback")
      for verb, zh in (("update", "修改"), ("delete", "删除"))))
# Saved views (access.views) and alerts (access.alerts): what accounts write, and the alerts the rules raised (kept so
# that an acknowledgement persists). A view's street and community are the scope it shows (the owner's scope narrowed
# by the view's own place filters): a shared view is listed to the accounts whose scope covers it. An alert's key is
# the rule's stable key (metrics.alerts); `db` is the database (its resolved path) the alert was found in.
VIEWS_ALERTS = (
    """CREATE TABLE IF NOT EXISTS saved_views (
    view_id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    page TEXT NOT NULL,
    params TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    street TEXT,
    community TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (owner, name)
)""",
    """CREATE TABLE IF NOT EXISTS alerts (
    db TEXT NOT NULL,
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    street TEXT,
    community TEXT,
    compound_name TEXT,
    month TEXT,
    figures TEXT NOT NULL,
    view TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data_as_of TEXT,
    version INTEGER,
    PRIMARY KEY (db, key)
)""",
    "CREATE INDEX IF NOT EXISTS alerts_raised ON alerts(raised_at)",
    """CREATE TABLE IF NOT EXISTS alert_acks (
    db TEXT NOT NULL,
    key TEXT NOT NULL,
    login TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,
    PRIMARY KEY (db, key, login)
)""",
    """CREATE TABLE IF NOT EXISTS alert_runs (
    db TEXT NOT NULL,
    version INTEGER NOT NULL,
    evaluated_at TEXT NOT NULL,
    found INTEGER NOT NULL,
    PRIMARY KEY (db, version)
)""",
    """CREATE TABLE IF NOT EXISTS alert_visits (
    login TEXT PRIMARY KEY,
    previous TEXT,
    latest TEXT NOT NULL
)""")
SCHEMA = (SCHEMA.replace("@NO_UPDATE@", NO_UPDATE_TRIGGER).replace("@CHAIN_TABLE@", ";\n".join(CHAIN_TABLE))
          .replace("@CASES@", ";\n".join(CASE_TABLES)).replace("@VIEWS_ALERTS@", ";\n".join(VIEWS_ALERTS)))
AUDIT_INDEX = "CREATE INDEX IF NOT EXISTS audit_at ON audit(at)"
AUDIT_NO_DELETE = """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除 / the audit log is append-only: no delete'); END"""


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
    """Bring a file up to SCHEMA_VERSION, each step once, in one write transaction. Another process may be doing
    the same: the version is read again under the write lock."""
    with immediate(con):
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        if version < 1:
            _chain(con, db)
        _actions(con)
        for statement in (*CASE_TABLES, *VIEWS_ALERTS):
            con.execute(statement)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _actions(con: Connection) -> None:
    """Versions 2 and 3: the audit table's CHECK names every action of AUDIT_ACTIONS (supervision_case, saved_view
    and alert_ack are new). SQLite cannot change a CHECK in place: the table is copied into one made with the new
    CHECK, every entry as it is (ids, hashes: the chain is untouched), the old one dropped and the copy renamed; its
    sequence (the next id) is kept, and its index and triggers are made again. Skipped when the CHECK names them all
    already (a file made by this version, whose first opening also passes here)."""
    found = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()[0]
    if all(f"'{a}'" in found for a in AUDIT_ACTIONS):
        return
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    columns = ("id", "at", "login", "address", "action", "target", "scope", "outcome", "details", "prev_hash", "hash")
    table = SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS audit ("):]
    table = table[:table.index(");") + 1].replace("CREATE TABLE IF NOT EXISTS audit (", "CREATE TABLE audit_v2 (")
    con.execute("DROP TABLE IF EXISTS audit_v2")
    con.execute(table)
    con.execute(f"INSERT INTO audit_v2 ({', '.join(columns)}) SELECT {', '.join(columns)} FROM audit")
    con.execute("DROP TABLE audit")   # its triggers and index go with it (a DROP fires no DELETE trigger)
    con.execute("ALTER TABLE audit_v2 RENAME TO audit")
    if seq is not None:
        con.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'audit'", [seq[0]])
    for statement in (AUDIT_INDEX, NO_UPDATE_TRIGGER, AUDIT_NO_DELETE):
        con.execute(statement)


def _chain(con: Connection, db: Path) -> None:
    """Version 1, the audit log's hash chain: the columns prev_hash and hash, the trigger that lets an unchained
    entry be chained once, the table audit_chain; then every entry the file holds is chained as it stands, and
    audit_chain says so (`reason` migration, its first and last id)."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(audit)")}
    for column in ("prev_hash", "hash"):
        if column not in columns:
            con.execute(f"ALTER TABLE audit ADD COLUMN {column} TEXT")
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute(NO_UPDATE_TRIGGER)
    for statement in CHAIN_TABLE:
        con.execute(statement)
    chained = chain.chain_unchained(con, "migration")
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
