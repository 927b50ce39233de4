"""督办: open one, record what came back, list them with their state, count them.

- **Open** (`open_case`): the orders it covers (open at 数据截至, inside the account's scope, under no other 督办),
  the responsible unit (承办单位), the instruction (督办意见) and the reply deadline (回复期限, a day). Its place is
  the street (community, compound) all its orders share: a street account's 督办 lies in its street, a district
  account's 督办 over two streets lies in none (only district accounts see it).
- **Record** (`record_feedback`): what came back (反馈), the day it came, by whoever records it. Appended, never
  edited: a correction is another entry.
- **State** (`state`), judged at 数据截至 (the window's as_of) and never stored: 已办结 when every order it covers is
  closed in the current data (a later import closes them: it says so by itself, feedback or not); else 已反馈 when
  feedback was recorded; else 逾期 when the reply deadline's day is over; else 待反馈.
- **Count** (`counts`): the 督办 opened in the period (by the day they were opened) of the scope: how many (N), how
  many have feedback (M), how many are 逾期 (K, reply overdue, no feedback, orders not all closed) at 数据截至; 总览, the
  briefing and `python -m metrics cases` all call it.

Scope: a 督办 is seen and acted on by the accounts whose scope holds its place (access's rule: a district account
everything, a street account its street, a community account its community); one outside the scope and one that
does not exist get the same refusal (CASE_REFUSED). Every change is one audit entry (`supervision_case`), written
in the transaction that makes the change; an act refused for its scope is audited too (outcome `refused`). Texts an
official types are masked (metrics.masking) before they are stored."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from access import NoAccess, audit
from access.db import connect, immediate, stamp
from metrics.kpis import Scope
from metrics.masking import mask_text
from metrics.periods import Period
from metrics.places import write_place
from metrics.supervision import orders_by_id

from . import CASE_REFUSED, ORDERS_REFUSED, ORIGINS, STATES, CaseError

ACTION = "supervision_case"
MAX_ORDERS = 200
MAX_UNIT, MAX_INSTRUCTION, MAX_FEEDBACK = 100, 1000, 2000
DAY = "%Y-%m-%d"


def may_act(account) -> bool:
    """Whether an account may open a 督办 and record feedback (inside its scope): every signed-in account that is not
    disabled. access.ROLES has no read-only role: district, street and community accounts each act on their own
    place. Nobody signed in (the open demo) may not. Should a read-only role come, this is the one place to say so."""
    return account is not None and not getattr(account, "disabled", False)


def account_scope(account) -> Scope:
    """The place an account acts in, as a Scope: the whole district, its street, or its street and community."""
    place = write_place(account)
    return Scope() if place is None else Scope(street=place[0], community=place[1])


def target(case_id) -> str:
    return f"督办 #{case_id}"


# ---- reading -----------------------------------------------------------------------------------------------------

def _where(scope: Scope) -> tuple[str, list]:
    """The 督办 whose place lies inside `scope` (its street, community and compound; other filters do not apply)."""
    clauses, params = [], []
    for column, value in (("street", scope.street), ("community", scope.community),
                          ("compound_name", scope.compound)):
        if value is not None:
            clauses.append(f"c.{column} = ?")
            params.append(value)
    return " AND ".join(clauses) or "1", params


def _read(db: Path, scope: Scope, period: Period | None, case_id: int | None) -> list[dict]:
    where, params = _where(scope)
    if period is not None:
        where += " AND c.opened_at >= ? AND c.opened_at < ?"
        params += [period.start.strftime(DAY), (period.end + dt.timedelta(days=1)).strftime(DAY)]
    if case_id is not None:
        where += " AND c.case_id = ?"
        params.append(int(case_id))
    con = connect(Path(db))
    try:
        con.execute("BEGIN")   # one snapshot for the three reads
        cases = [dict(r) for r in con.execute(f"SELECT * FROM supervision_cases c WHERE {where} ORDER BY c.case_id",
                                              params)]
        orders, feedback = {}, {}
        for r in con.execute(f"""SELECT o.case_id, o.order_id FROM supervision_case_orders o
                                 JOIN supervision_cases c USING (case_id) WHERE {where} ORDER BY o.case_id, o.rowid""",
                             params):
            orders.setdefault(r["case_id"], []).append(r["order_id"])
        for r in con.execute(f"""SELECT f.* FROM supervision_feedback f JOIN supervision_cases c USING (case_id)
                                 WHERE {where} ORDER BY f.feedback_id""", params):
            feedback.setdefault(r["case_id"], []).append(dict(r))
        con.execute("COMMIT")
    finally:
        con.close()
    for c in cases:
        c["order_ids"], c["feedback"] = orders.get(c["case_id"], []), feedback.get(c["case_id"], [])
    return cases


def state(case: dict, orders: dict, as_of: dt.datetime) -> str:
    """A 督办's state at as_of (`orders`: order id -> metrics.supervision.orders_by_id's row at as_of): closed when
    every order it covers is in the data and closed by as_of; else replied when feedback was recorded; else
    overdue when the reply deadline's day ended before as_of's day; else pending."""
    covered = [orders.get(i) for i in case["order_ids"]]
    if covered and all(o is not None and o["closed_at"] is not None for o in covered):
        return "closed"
    if case["feedback"]:
        return "replied"
    if dt.date.fromisoformat(case["reply_due"]) < as_of.date():
        return "overdue"
    return "pending"


def _inside(order: dict, scope: Scope) -> bool:
    return all(value is None or order.get(column) == value for column, value in
               (("street", scope.street), ("community", scope.community), ("compound_name", scope.compound)))


def listing(db: Path, con, scope: Scope, as_of: dt.datetime, period: Period | None = None,
            case_id: int | None = None) -> list[dict]:
    """The 督办 of the scope (opened in `period` when given), each with its state at as_of, its orders as they stood
    then (those inside the scope: an import may have moved one), the ids of those not in the data any more
    (`missing`), its feedback oldest first; overdue replies first, then awaiting a reply, replied, closed, each by
    reply deadline. `con` is a DuckDB cursor (the reader), `db` the database whose access file holds them."""
    cases = _read(db, scope, period, case_id)
    ids = list(dict.fromkeys(i for c in cases for i in c["order_ids"]))
    found = {o["order_id"]: o for o in orders_by_id(con, Scope(), ids, as_of)} if ids else {}
    for c in cases:
        c["state"] = state(c, found, as_of)
        c["orders"] = [found[i] for i in c["order_ids"] if i in found and _inside(found[i], scope)]
        c["missing"] = [i for i in c["order_ids"] if i not in found]
    return sorted(cases, key=lambda c: (STATES.index(c["state"]), c["reply_due"], c["case_id"]))


def case(db: Path, con, scope: Scope, case_id, as_of: dt.datetime) -> dict:
    """One 督办 of the scope; NoAccess (CASE_REFUSED) when it lies outside or does not exist. The caller audits a
    refused look (ui: once per session and request; a rerun is not a new attempt)."""
    try:
        number = int(case_id)
    except (TypeError, ValueError):
        raise NoAccess(CASE_REFUSED, {"case": str(case_id)}) from None
    found = listing(db, con, scope, as_of, case_id=number)
    if not found:
        raise NoAccess(CASE_REFUSED, {**scope.as_dict(), "case": number})
    return found[0]


def counts(db: Path, con, scope: Scope, window) -> dict:
    """督办N件、已反馈M件、逾期未反馈K件 of the scope: the 督办 opened in the window's period (N: `opened`), those with
    feedback (M: `replied`, whatever their state now), those 逾期 at the window's as_of (K: `overdue`); also how
    many are closed and awaiting a reply."""
    return tally(listing(db, con, scope, window.as_of, window.period))


def opened_in(found: list[dict], period: Period) -> list[dict]:
    """The 督办 of a listing opened in `period` (by the day they were opened, as `_read` selects them)."""
    first, last = period.start.strftime(DAY), period.end.strftime(DAY)
    return [c for c in found if first <= c["opened_at"][:10] <= last]


def tally(found: list[dict]) -> dict:
    """The counts of a listing: opened (N), replied (M: with feedback), overdue (K), closed, pending."""
    by_state = {s: sum(1 for c in found if c["state"] == s) for s in STATES}
    return {"opened": len(found), "replied": sum(1 for c in found if c["feedback"]), "overdue": by_state["overdue"],
            "closed": by_state["closed"], "pending": by_state["pending"]}


# ---- writing -----------------------------------------------------------------------------------------------------

def _refused(db: Path, exc: Exception, *, login, address, target_text: str, scope: dict | None, details: dict,
             now) -> None:
    audit.record(db, ACTION, login=login, address=address, target=target_text, scope=scope, outcome="refused",
                 details={**details, "reason": str(exc)}, now=now)


def _typed(text, limit: int, empty: str, long: str) -> str:
    """An official's text as stored: trimmed, masked (phones, ID numbers, e-mail addresses), within `limit`."""
    value = mask_text(str(text or "").strip())
    if not value:
        raise CaseError(empty)
    if len(value) > limit:
        raise CaseError(long)
    return value


def open_case(db: Path, con, *, account, order_ids, handling_unit: str, instruction: str, reply_due: dt.date,
              as_of: dt.datetime, compound: str | None = None, origin: str | None = None,
              address: str | None = None, now: dt.datetime | None = None) -> int:
    """Open a 督办 on `order_ids` (from the 督办 list, one overdue order, or `compound`'s overdue orders) and audit
    it; its number. CaseError for what it asks (no order, an order closed or under another 督办, an empty
    instruction, a deadline before today); NoAccess, audited, when an order lies outside the account's scope or is
    not in the data (one message for both)."""
    now = now or dt.datetime.now()
    login = getattr(account, "login", None)
    ids = list(dict.fromkeys(str(i).strip() for i in (order_ids or ()) if str(i or "").strip()))
    if not may_act(account):
        raise CaseError("请先登录，再发起督办 / sign in to open a 督办")
    if not ids:
        raise CaseError("请选择要督办的工单 / choose the orders to supervise")
    if len(ids) > MAX_ORDERS:
        raise CaseError(f"一次督办最多{MAX_ORDERS}件工单 / at most {MAX_ORDERS} orders in one 督办")
    unit = _typed(handling_unit, MAX_UNIT, "请填写承办单位 / name the responsible unit",
                  f"承办单位最多{MAX_UNIT}个字 / the unit's name is too long")
    text = _typed(instruction, MAX_INSTRUCTION, "请填写督办意见 / write the instruction",
                  f"督办意见最多{MAX_INSTRUCTION}个字 / the instruction is too long")
    if not isinstance(reply_due, dt.date) or isinstance(reply_due, dt.datetime):
        raise CaseError("回复期限应为日期 / the reply deadline is a day")
    if reply_due < now.date():
        raise CaseError("回复期限不能早于今天 / the reply deadline cannot be before today")
    if origin is None:
        origin = "compound" if compound else ("order" if len(ids) == 1 else "list")
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}")
    mine = account_scope(account)
    found = orders_by_id(con, mine, ids, as_of)
    if len(found) != len(ids):
        refusal = NoAccess(ORDERS_REFUSED, {**mine.as_dict(), "orders": ids})
        _refused(db, refusal, login=login, address=address, target_text="督办", scope=mine.as_dict() or None,
                 details={"change": "open", "orders": ids}, now=now)
        raise refusal
    closed = [o["order_id"] for o in found if o["closed_at"] is not None]
    if closed:
        raise CaseError(f"工单 {'、'.join(closed)} 已办结，无需督办 / order {', '.join(closed)} is closed already")
    if compound and any(o["compound_name"] != compound for o in found):
        raise CaseError("所选工单不都属于该小区 / not every order chosen lies in that compound")
    place = {column: (values.pop() if len(values) == 1 else None) for column, values in
             (("street", {o["street"] for o in found}), ("community", {o["community"] for o in found}),
              ("compound_name", {o["compound_name"] for o in found}))}
    if place["street"] is None:
        place["community"] = None
    scope = {k: v for k, v in (("street", place["street"]), ("community", place["community"])) if v}
    acon = connect(Path(db))
    try:
        with immediate(acon):
            taken = [r[0] for r in acon.execute(
                "SELECT DISTINCT order_id FROM supervision_case_orders WHERE order_id IN (SELECT value FROM json_each(?))",
                [json.dumps(ids, ensure_ascii=False)])]
            if taken:
                raise CaseError(f"工单 {'、'.join(sorted(taken))} 已在督办中 / order {', '.join(sorted(taken))} is under "
                                "a 督办 already")
            number = acon.execute(
                """INSERT INTO supervision_cases (opened_at, opened_by, origin, street, community, compound_name,
                                                  handling_unit, instruction, reply_due) VALUES (?,?,?,?,?,?,?,?,?)""",
                [stamp(now), login, origin, place["street"], place["community"], place["compound_name"], unit, text,
                 reply_due.strftime(DAY)]).lastrowid
            acon.executemany("INSERT INTO supervision_case_orders (case_id, order_id) VALUES (?, ?)",
                             [(number, i) for i in ids])
            audit.record(db, ACTION, login=login, address=address, target=target(number), scope=scope or None,
                         details={"change": "open", "case_id": number, "origin": origin, "orders": ids,
                                  "handling_unit": unit, "instruction": text, "reply_due": reply_due.strftime(DAY)},
                         now=now, con=acon)
    finally:
        acon.close()
    return number


def record_feedback(db: Path, *, account, case_id, text: str, replied_on: dt.date, address: str | None = None,
                    now: dt.datetime | None = None) -> int:
    """Record what came back for a 督办 of the account's scope, and audit it; the feedback's number. NoAccess
    (CASE_REFUSED), audited, when the 督办 lies outside the scope or does not exist; CaseError for an empty text
    or a day in the future or before the 督办 was opened."""
    now = now or dt.datetime.now()
    login = getattr(account, "login", None)
    if not may_act(account):
        raise CaseError("请先登录，再记录反馈 / sign in to record feedback")
    mine = account_scope(account)
    where, params = _where(mine)
    acon = connect(Path(db))
    try:
        try:
            number = int(case_id)
        except (TypeError, ValueError):
            number = None
        found = acon.execute(f"SELECT * FROM supervision_cases c WHERE c.case_id = ? AND {where}",
                             [number, *params]).fetchone() if number is not None else None
        if found is None:
            refusal = NoAccess(CASE_REFUSED, {**mine.as_dict(), "case": case_id})
            _refused(db, refusal, login=login, address=address, target_text=target(case_id),
                     scope=mine.as_dict() or None, details={"change": "feedback"}, now=now)
            raise refusal
        value = _typed(text, MAX_FEEDBACK, "请填写反馈内容 / write what came back",
                       f"反馈内容最多{MAX_FEEDBACK}个字 / the feedback is too long")
        if not isinstance(replied_on, dt.date) or isinstance(replied_on, dt.datetime):
            raise CaseError("反馈日期应为日期 / the feedback's day is a day")
        if replied_on > now.date():
            raise CaseError("反馈日期不能晚于今天 / the feedback's day cannot be after today")
        if replied_on.strftime(DAY) < found["opened_at"][:10]:
            raise CaseError("反馈日期不能早于发起督办的日期 / the feedback's day cannot be before the 督办 was opened")
        scope = {k: found[k] for k in ("street", "community") if found[k]}
        with immediate(acon):
            feedback_id = acon.execute(
                "INSERT INTO supervision_feedback (case_id, recorded_at, recorded_by, replied_on, text) VALUES (?,?,?,?,?)",
                [number, stamp(now), login, replied_on.strftime(DAY), value]).lastrowid
            audit.record(db, ACTION, login=login, address=address, target=target(number), scope=scope or None,
                         details={"change": "feedback", "case_id": number, "feedback_id": feedback_id,
                                  "replied_on": replied_on.strftime(DAY), "text": value}, now=now, con=acon)
    finally:
        acon.close()
    return feedback_id
