"""督办 as a closed loop (issue 22): an account opens a 督办 on overdue orders (the orders it covers, the responsible
unit, an instruction, a reply deadline), records what came back, and the 督办's state follows: 待反馈, 已反馈,
已办结 (derived from the orders' closed_at in the current data, never set by hand), 逾期 (the reply deadline passed
without feedback).

Where it lives: the tables are in the access file (access.db: supervision_cases, supervision_case_orders,
supervision_feedback), SQLite in WAL mode, because every dashboard process writes them and none of them may wait
behind an import holding DuckDB's one writer; the orders' state is read from the DuckDB reader
(metrics.supervision.orders_by_id). A floor of its own between the briefing and `charts | access`
(docs/architecture.md): it needs access (the file, the audit log, the scope) and metrics; the briefing, ui and the
command line use it. docs/supervision.md says the whole loop."""
from __future__ import annotations

from access import AccessError

# the states, in the order the page lists open 督办: overdue replies first
STATES = ("overdue", "pending", "replied", "closed")
STATE_WORDS = {"overdue": ("逾期", "Reply overdue"), "pending": ("待反馈", "Awaiting reply"),
               "replied": ("已反馈", "Replied"), "closed": ("已办结", "Closed")}
ORIGINS = ("list", "order", "compound")
# One message for a 督办 outside the account's scope and for one that does not exist (no oracle, as
# access.scope.NO_ACCESS): it repeats no number and no name.
CASE_REFUSED = "无权查看或办理该督办，或该督办不存在 / the 督办 does not exist or is outside this account's scope"
ORDERS_REFUSED = ("工单不存在、不在本账号范围或尚未受理 / an order does not exist, is outside this account's scope or was "
                  "not received by the data's moment")


class CaseError(AccessError):
    """A 督办 request refused for what it asks (an empty instruction, a closed order, a deadline in the past): the
    message, Chinese first, can be shown as it is."""


def state_word(state: str, lang: str = "zh") -> str:
    zh, en = STATE_WORDS[state]
    return zh if lang == "zh" else en
