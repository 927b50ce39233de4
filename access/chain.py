"""The audit log's hash chain, its head file and its copies off the access file (docs/access.md, 哈希链).

- Every entry holds `prev_hash`, the hash of the entry before it (GENESIS for the first), and `hash`, SHA-256 of
  `prev_hash`, a newline and its content: the JSON array [id, at, login, address, action, target, scope, outcome,
  details] of the values as stored (compact separators, UTF-8). Editing an entry breaks its own hash; deleting one
  breaks the link of the next; neither can be hidden without recomputing every hash after it.
- Recomputing the chain is possible for anyone who can write the file (the rule is public): so the latest entry's
  id and hash, the head, is also written to `<db>.audit-head` on every append, a file a transaction on the access
  file cannot touch. `verify` compares the two.
- Every entry also goes, as one JSON line, to a file a log collector ships off the machine (`access.audit_file`,
  `<db>.audit.jsonl` by default) and/or to syslog (`access.audit_syslog`). `verify(against=...)` compares the
  database with such a copy.

An entry is appended in a BEGIN IMMEDIATE transaction (read the previous hash, insert): two processes never chain
onto the same entry. The head file and the copies are written after the commit (access.db.immediate runs
`after_commit`), in one critical section (an exclusive flock on the head file), the head only ever moving forward:
an entry exists in them only once it exists in the database, and a process killed between the two leaves the head
one entry behind, which `verify` allows (it then says how many entries follow the head)."""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
from contextlib import contextmanager
from logging.handlers import SysLogHandler
from pathlib import Path

from .files import stamp

GENESIS = "0" * 64
CONTENT = ("id", "at", "login", "address", "action", "target", "scope", "outcome", "details")
# A caller may stamp an entry with the moment its work began (a sign-in: before the password check, which takes
# seconds on a busy machine, and a wait for the write lock); an entry earlier than the one before it by more than
# this is out of order (back-dated).
BACKDATE_SLACK = dt.timedelta(minutes=2)
HEAD_SIZE = 256                       # the head file is rewritten in place, always this many bytes
SYSLOG_IDENT = "dashboard-audit: "    # syslog's tag (journalctl -t dashboard-audit, rsyslog's $programname)
LOG = logging.getLogger("access.audit")


def head_path(db: Path) -> Path:
    """Where the head of a database's audit log is kept: `<db>.audit-head`, beside the access file."""
    return Path(str(db) + ".audit-head")


def _config() -> dict:
    from metrics.config import load_config

    try:
        return load_config()
    except (OSError, ValueError):
        return {}


def copy_path(db: Path, config: dict | None = None) -> Path | None:
    """The JSON-lines copy of the audit log: `access.audit_file` (a relative path is taken from the database's
    folder); null: `<db>.audit.jsonl`; false: none."""
    from . import settings

    value = settings(config if config is not None else _config()).get("audit_file")
    if value is False or value == "":
        return None
    if value is None:
        return Path(str(db) + ".audit.jsonl")
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else Path(db).parent / path


def canonical(entry) -> bytes:
    """An entry's content as it is hashed: the stored values in CONTENT's order, as a compact JSON array."""
    return json.dumps([entry[k] for k in CONTENT], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(prev_hash: str | None, entry) -> str:
    return hashlib.sha256((prev_hash or "").encode("ascii", "replace") + b"\n" + canonical(entry)).hexdigest()


def as_dict(r) -> dict:
    return {k: r[k] for k in (*CONTENT, "prev_hash", "hash")}


def chain_unchained(con, reason: str, now: dt.datetime | None = None) -> list[dict]:
    """Chain the entries after the last chained one that have no hash yet, in id order, inside the caller's write
    transaction, and record them in audit_chain (`migration`: a file made before the chain; `unchained`: entries
    an older version of the code wrote during an upgrade, or someone inserted by hand). The entries chained."""
    last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    if last is None or last["hash"] is not None:
        return []
    anchor = con.execute("SELECT id, hash FROM audit WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
    prev = anchor["hash"] if anchor else GENESIS
    rows = con.execute(f"SELECT {', '.join(CONTENT)} FROM audit WHERE id > ? ORDER BY id",
                       [anchor["id"] if anchor else 0]).fetchall()
    chained = []
    for r in rows:
        entry = {k: r[k] for k in CONTENT}
        digest = entry_hash(prev, entry)
        con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, entry["id"]])
        chained.append({**entry, "prev_hash": prev, "hash": digest})
        prev = digest
    con.execute("INSERT INTO audit_chain (first_id, last_id, chained_at, reason) VALUES (?, ?, ?, ?)",
                [chained[0]["id"], chained[-1]["id"], stamp(now), reason])
    return chained


def append(con, db: Path, values: dict) -> int:
    """Insert one entry (`values`: CONTENT but id) chained onto the latest, inside the caller's `immediate`
    transaction; its head and copies are queued for after the commit. Its id: one past the highest ever given
    (sqlite_sequence), so an entry deleted from the end leaves a gap."""
    if not getattr(con, "in_immediate", False):
        raise RuntimeError("an audit entry is appended inside access.db.immediate (BEGIN IMMEDIATE)")
    late = chain_unchained(con, "unchained")
    last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    entry = {"id": max(seq[0] if seq else 0, last["id"] if last else 0) + 1, **values}
    entry["prev_hash"] = last["hash"] if last else GENESIS
    entry["hash"] = entry_hash(entry["prev_hash"], entry)
    columns = (*CONTENT, "prev_hash", "hash")
    con.execute(f"INSERT INTO audit ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [entry[k] for k in columns])
    if late:
        con.after_commit.append(lambda: publish(db, late, late=True))
    con.after_commit.append(lambda: publish(db, [entry]))
    return entry["id"]


def stored_json(text):
    """scope or details as stored (JSON text) as a value; text that is not JSON stays text."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def line(db: Path, entry: dict, *, late: bool = False, ascii_only: bool = False) -> str:
    """An entry as one JSON line of the copies: `db` (the database's file name: one collector may gather several),
    the content (scope and details as JSON values), prev_hash and hash; `chained_late` when it was chained after
    it was written (a migration, an entry written without its hash)."""
    out = {"db": Path(db).name, **{k: (stored_json(entry[k]) if k in ("scope", "details") else entry[k]) for k in CONTENT},
           "prev_hash": entry["prev_hash"], "hash": entry["hash"]}
    if late:
        out["chained_late"] = True
    return json.dumps(out, ensure_ascii=ascii_only, separators=(",", ":"))


@contextmanager
def _locked_head(db: Path, exclusive: bool):
    """The head file open for reading and writing, under an flock (exclusive to write it and the copy)."""
    fd = os.open(head_path(db), os.O_RDWR | os.O_CREAT, 0o666)
    with os.fdopen(fd, "r+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield f


def _parse_head(data: bytes) -> dict | None:
    try:
        head = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not (isinstance(head, dict) and isinstance(head.get("id"), int) and isinstance(head.get("hash"), str)):
        return None
    return head


def _write_head(f, entry) -> None:
    text = json.dumps({"id": entry["id"], "hash": entry["hash"]}, separators=(", ", ": "))
    os.pwrite(f.fileno(), (text.ljust(HEAD_SIZE - 1) + "\n").encode("ascii"), 0)
    f.truncate(HEAD_SIZE)


def write_head(db: Path, last) -> None:
    """The head of a copied access file (metrics backup): its latest entry, (id, hash) or a row; none when empty."""
    if last is None:
        head_path(db).unlink(missing_ok=True)
        return
    with _locked_head(db, exclusive=True) as f:
        _write_head(f, {"id": last[0], "hash": last[1]})


def read_head(db: Path) -> tuple[str, dict | None]:
    """("missing", None), ("unreadable", None) or ("ok", {"id", "hash"})."""
    if not head_path(db).exists():
        return "missing", None
    with open(head_path(db), "rb") as f:
        fcntl.flock(f, fcntl.LOCK_SH)
        head = _parse_head(f.read())
    return ("ok", head) if head else ("unreadable", None)


_SYSLOG: dict[str, SysLogHandler] = {}


def _syslog(address: str) -> SysLogHandler:
    """A handler for `access.audit_syslog`: a socket path (/dev/log: journald or the local rsyslog) or host[:port]
    (UDP, 514 by default); facility authpriv, tag dashboard-audit."""
    if address not in _SYSLOG:
        if address.startswith("/"):
            target = address
        else:
            host, _, port = address.rpartition(":")
            target = (host.strip("[]"), int(port)) if host else (address, 514)
        handler = SysLogHandler(address=target, facility=SysLogHandler.LOG_AUTHPRIV)
        handler.ident = SYSLOG_IDENT
        handler.append_nul = False   # journald and rsyslog need no NUL: none ends up in a log file
        _SYSLOG[address] = handler
    return _SYSLOG[address]


def publish(db: Path, entries: list[dict], *, late: bool = False, syslog: bool = True,
            config: dict | None = None) -> None:
    """After the commit: the entries as JSON lines to the copy, the head moved forward to the last of them (both
    under the head file's exclusive lock), then each to syslog. A failure is logged, never raised: the entries are
    in the database, and `audit --verify` shows what a copy lacks."""
    if not entries:
        return
    db = Path(db)
    config = config if config is not None else _config()
    copy = copy_path(db, config)
    try:
        with _locked_head(db, exclusive=True) as f:
            if copy is not None:
                try:
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    with open(copy, "a", encoding="utf-8") as out:   # opened per write: logrotate may move it
                        out.write("".join(line(db, e, late=late) + "\n" for e in entries))
                except OSError:
                    LOG.exception("audit copy %s: entries %s not written", copy, [e["id"] for e in entries])
            f.seek(0)
            head = _parse_head(f.read())
            last = max(entries, key=lambda e: e["id"])
            if head is None or head["id"] < last["id"]:
                _write_head(f, last)
    except OSError:
        LOG.exception("audit head %s: not written", head_path(db))
    address = syslog and (_settings(config).get("audit_syslog") or None)
    if address:
        try:
            handler = _syslog(str(address))
            for e in entries:
                handler.handle(logging.makeLogRecord({"msg": line(db, e, late=late, ascii_only=True),
                                                      "levelno": logging.INFO, "levelname": "INFO"}))
        except (OSError, ValueError):
            LOG.exception("audit syslog %s: entries not sent", address)


def _settings(config: dict) -> dict:
    from . import settings

    return settings(config)
