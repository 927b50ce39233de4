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
import gzip
import hashlib
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from logging.handlers import SysLogHandler
from pathlib import Path

from .db import parse, path_for, stamp

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


def _row(r) -> dict:
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


def _parsed(text):
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
    out = {"db": Path(db).name, **{k: (_parsed(entry[k]) if k in ("scope", "details") else entry[k]) for k in CONTENT},
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


# ---- verify ------------------------------------------------------------------------------------------------------


def _ids(first: int, last: int | None = None) -> tuple[str, str]:
    if last is None or last == first:
        return f"第{first}条", f"entry {first}"
    return f"第{first}–{last}条", f"entries {first}-{last}"


def _were(first: int, last: int | None) -> str:
    return "was" if last is None or last == first else "were"


@dataclass(frozen=True)
class Finding:
    """What verify found about an entry (or a range of ids: `id` to `last`), or about the log as a whole (id None)."""
    id: int | None
    zh: str
    en: str
    last: int | None = None

    def __str__(self) -> str:
        if self.id is None:
            return f"{self.zh} / {self.en}"
        zh, en = _ids(self.id, self.last)
        return f"{zh} {en}: {self.zh} / {self.en}"


@dataclass
class Verdict:
    entries: int = 0
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_copies(paths, db: Path, verdict: Verdict) -> dict[int, list[dict]]:
    """The entries of JSON-lines copies (plain or .gz; a syslog file's lines too: the JSON from the first `{`),
    by id; lines of another database's log are left out."""
    found: dict[int, list[dict]] = {}
    other = unreadable = 0
    for path in paths:
        path = Path(path)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            for text in f:
                text = text.strip().strip("\x00").strip()
                if not text:
                    continue
                try:
                    entry = json.loads(text[text.index("{"):])
                except ValueError:
                    unreadable += 1
                    continue
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
                    unreadable += 1
                elif entry.get("db", db.name) != db.name:
                    other += 1
                else:
                    found.setdefault(entry["id"], []).append(entry)
    if other:
        verdict.notes.append(Finding(None, f"副本中另有{other}条属于其他数据库，未核对",
                                     f"{other} lines of the copy belong to another database's log: not compared"))
    if unreadable:
        verdict.notes.append(Finding(None, f"副本中有{unreadable}行不是审计条目，已跳过",
                                     f"{unreadable} lines of the copy are not audit entries: skipped"))
    return found


def _differences(entry: dict, copied: dict) -> list[str]:
    out = [k for k in CONTENT
           if (_parsed(entry[k]) if k in ("scope", "details") else entry[k]) != copied.get(k)]
    return out + [k for k in ("prev_hash", "hash") if entry[k] != copied.get(k)]


def _ranges(ids: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def verify(db: Path, against=()) -> Verdict:
    """Walk the chain of a database's audit log oldest first; check the head file, and compare with the copies in
    `against`. Problems (any makes the log untrustworthy from that entry on) and notes, ordered by id.

    The head file and the copies are read before the database: both are written after an entry's commit, so
    whatever they hold is in the database by then (entries after them are newer, not missing)."""
    from .db import connect

    db = Path(db)
    verdict = Verdict()
    head_state, head = read_head(db)
    copies = _read_copies(against, db, verdict) if against else None
    if not path_for(db).exists():
        if head:
            verdict.problems.append(Finding(None, f"访问文件 {path_for(db)} 不存在，但头文件记录到第{head['id']}条（审计日志被删除）",
                                            f"the access file {path_for(db)} is missing, but the head file records "
                                            f"entries up to {head['id']} (the audit log was deleted)"))
        return verdict
    con = connect(db)
    try:
        con.execute("BEGIN")   # one snapshot for the walk and its look-ups
        _walk(con, db, verdict, head_state, head, copies)
        con.execute("COMMIT")
    finally:
        con.close()
    key = lambda f: (f.id is None, f.id or 0)  # noqa: E731
    verdict.problems = _merged(sorted(verdict.problems, key=key))
    verdict.notes.sort(key=key)
    return verdict


def _merged(findings: list[Finding]) -> list[Finding]:
    """Findings that say the same of consecutive entries as one range (entries 6-40 differ from the copy)."""
    out: list[Finding] = []
    for f in findings:
        before = out[-1] if out else None
        if (before and f.id is not None and before.id is not None and (before.zh, before.en) == (f.zh, f.en)
                and f.id == (before.last or before.id) + 1):
            out[-1] = Finding(before.id, f.zh, f.en, f.last or f.id)
        else:
            out.append(f)
    return out


def _walk(con, db: Path, verdict: Verdict, head_state: str, head: dict | None, copies) -> None:
    chained_late = con.execute("SELECT first_id, last_id, chained_at, reason FROM audit_chain "
                               "ORDER BY first_id").fetchall()
    migrated = max((r["last_id"] for r in chained_late if r["reason"] == "migration"), default=0)
    for r in chained_late:
        zh, en = _ids(r["first_id"], r["last_id"])
        if r["reason"] == "migration":
            verdict.notes.append(Finding(
                None, f"{zh}写于哈希链启用之前，{r['chained_at']}打开文件时补入链中：链只证明它们此后未被改动，不证明此前；"
                f"链自第{r['first_id']}条起覆盖全部条目",
                f"{en} {_were(r['first_id'], r['last_id'])} written before the hash chain existed and chained when "
                f"the file was opened on {r['chained_at']}: the chain proves them unchanged since then, not before; "
                f"it covers every entry from {r['first_id']} on"))
        else:
            verdict.notes.append(Finding(
                r["first_id"], f"写入时没有哈希（升级期间旧版本所写，或手工插入），{r['chained_at']}由下一次写入补入链中",
                f"written without a hash (by an older version during an upgrade, or by hand), chained on "
                f"{r['chained_at']} by the next append", r["last_id"]))
    prev = chained = None
    pre_chain_gaps, pre_chain_order = [], []
    compared = before = after = 0
    lo, hi = (min(copies), max(copies)) if copies else (None, None)
    seen_ids = set()
    for r in con.execute(f"SELECT {', '.join(CONTENT)}, prev_hash, hash FROM audit ORDER BY id"):
        entry = _row(r)
        i = entry["id"]
        verdict.entries += 1
        seen_ids.add(i)
        before_chain = i <= migrated
        if entry["hash"] is None:
            verdict.problems.append(Finding(i, "没有哈希：不是看板写入的（手工插入）",
                                            "no hash: not written by the dashboard (inserted by hand)"))
        elif entry_hash(entry["prev_hash"], entry) != entry["hash"]:
            verdict.problems.append(Finding(i, "内容被修改：哈希与内容不符",
                                            "content edited: its hash does not match its content"))
        expected_id = prev["id"] + 1 if prev else 1
        # an entry links to the latest entry before it that has a hash (an unchained one is named on its own)
        linked = entry["prev_hash"] == (chained["hash"] if chained else GENESIS)
        owner = None if linked or entry["prev_hash"] is None else con.execute(
            "SELECT id FROM audit WHERE hash = ? AND id != ? LIMIT 1", [entry["prev_hash"], i]).fetchone()
        if linked:
            link_zh = link_en = ""
        elif owner:
            link_zh = f"前一哈希属于第{owner['id']}条：条目被重新排列或重新编号"
            link_en = f"its previous hash is entry {owner['id']}'s: entries were reordered or renumbered"
        else:
            link_zh = "前一哈希不属于任何一条：其前的条目被删除或替换"
            link_en = "its previous hash matches no entry: the entry before it was deleted or replaced"
        if i != expected_id:
            zh, en = _ids(expected_id, i - 1)
            if before_chain and linked:
                pre_chain_gaps.append((expected_id, i - 1))
            else:
                verdict.problems.append(Finding(
                    i, f"之前的{zh}缺失（已被删除）" + (f"；{link_zh}" if link_zh else ""),
                    f"{en} before it {'is' if expected_id == i - 1 else 'are'} missing (deleted)"
                    + (f"; {link_en}" if link_en else "")))
        elif link_zh and entry["hash"] is not None:
            verdict.problems.append(Finding(i, link_zh, link_en))
        if prev is not None:
            try:
                late = parse(entry["at"]) < parse(prev["at"]) - BACKDATE_SLACK
            except (TypeError, ValueError):
                late = False   # an unreadable time is content: its hash says so
            if late and before_chain:
                pre_chain_order.append(i)
            elif late:
                verdict.problems.append(Finding(
                    i, f"时间 {entry['at']} 早于第{prev['id']}条的 {prev['at']}：顺序错乱或时间倒填",
                    f"its time {entry['at']} is earlier than entry {prev['id']}'s {prev['at']}: out of order or "
                    f"back-dated"))
        if copies is not None:
            if i in copies:
                differing = [_differences(entry, c) for c in copies[i]]
                if all(differing):
                    fields = "、".join(differing[-1])
                    verdict.problems.append(Finding(i, f"与副本不同（{fields}）",
                                                    f"differs from the copy ({', '.join(differing[-1])})"))
                else:
                    compared += 1
            elif i < lo:
                before += 1
            elif i > hi:
                after += 1
            else:
                verdict.problems.append(Finding(i, "不在副本中：未经看板写入", "not in the copy: not written through the "
                                                "dashboard"))
        prev = entry
        chained = entry if entry["hash"] is not None else chained
    for first, last in pre_chain_gaps:
        zh, en = _ids(first, last)
        verdict.notes.append(Finding(None, f"{zh}在启用哈希链之前已经缺失",
                                     f"{en} {_were(first, last)} already missing when the chain was made"))
    if pre_chain_order:
        verdict.notes.append(Finding(
            None, f"启用哈希链之前的条目中有{len(pre_chain_order)}条时间早于前一条（第{pre_chain_order[0]}条起）",
            f"{len(pre_chain_order)} entries written before the chain are earlier than the one before them (from "
            f"entry {pre_chain_order[0]})"))
    _check_head(con, db, verdict, head_state, head, prev)
    if copies is not None:
        for first, last in _ranges([i for i in copies if i not in seen_ids]):
            verdict.problems.append(Finding(first, "在副本中，但数据库中没有（已被删除）",
                                            "in the copy but not in the database (deleted)", last))
        verdict.notes.append(Finding(
            None, f"与副本核对：{compared}条一致，{before}条早于副本、{after}条晚于副本未核对",
            f"compared with the copy: {compared} entries match; {before} before it and {after} after it not compared"))


def _check_head(con, db: Path, verdict: Verdict, state: str, head: dict | None, last: dict | None) -> None:
    name = head_path(db).name
    if state == "missing":
        if last is not None:
            verdict.problems.append(Finding(None, f"头文件 {head_path(db)} 不存在：无法排除整条链被重新计算",
                                            f"the head file {head_path(db)} is missing: a recomputed chain cannot be "
                                            "ruled out"))
        return
    if state == "unreadable":
        verdict.problems.append(Finding(None, f"头文件 {head_path(db)} 无法读取（被改写）",
                                        f"the head file {head_path(db)} is unreadable (overwritten)"))
        return
    k = head["id"]
    found = con.execute("SELECT hash FROM audit WHERE id = ?", [k]).fetchone()
    if last is None or k > last["id"]:
        first = last["id"] + 1 if last else 1
        verdict.problems.append(Finding(first, f"缺失（已被删除）：头文件 {name} 记录到第{k}条",
                                        f"missing (deleted): the head file {name} records entries up to {k}", k))
    elif found is None:
        verdict.problems.append(Finding(k, f"缺失（已被删除）：头文件 {name} 记录了它",
                                        f"missing (deleted): the head file {name} records it"))
    elif found["hash"] != head["hash"]:
        verdict.problems.append(Finding(
            k, f"哈希与头文件 {name} 记录的不同：链在此条或更早处被重新计算（用 --against 与外送的副本核对，可找出起点）",
            f"its hash is not the one the head file {name} records: the chain was recomputed at or before it "
            f"(compare with the shipped copy, --against, to find where)"))
    elif last["id"] > k:
        after = con.execute("SELECT count(*) FROM audit WHERE id > ?", [k]).fetchone()[0]
        verdict.notes.append(Finding(None, f"头文件记录到第{k}条，其后还有{after}条（刚写入，或写入头文件前进程中断）",
                                     f"the head file records entries up to {k}; {after} more "
                                     f"{'follows' if after == 1 else 'follow'} it (just written, or a process stopped "
                                     f"before it wrote the head)"))
