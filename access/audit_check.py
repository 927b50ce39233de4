"""The audit log checked: its hash chain walked, its head file and its copies compared (`audit --verify`).

How the chain, the head and the copies are written is access.chain; this module only reads them."""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from .chain import BACKDATE_SLACK, CONTENT, GENESIS, as_dict, entry_hash, head_path, read_head, stored_json
from .db import connect
from .files import parse, path_for


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
           if (stored_json(entry[k]) if k in ("scope", "details") else entry[k]) != copied.get(k)]
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
        entry = as_dict(r)
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
