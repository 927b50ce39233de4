"""督办 Supervision of overdue orders: the orders still open at as_of that are past their deadline, and those due
within `supervision.due_within_days` days, for a scope and window; their counts by handling unit and by street;
one order's history. One SQL definition of "open" and "overdue" for all of it, the same as 总览's open orders by
age (metrics.kpis.open_orders_by_age): an order received in the window by as_of, not closed by as_of; overdue
when its deadline lies before as_of, by days begun (ceil), bucketed by `open_order_age_buckets`. An open order
without a deadline (无时限: a profile with `derive_due_at: false`) is never in the queue: it is a section of its own
(no_deadline), by days open at as_of, days begun as well. No personal data: the columns are the ones the schema
keeps, content masked."""
from __future__ import annotations

import datetime as dt

from metrics.db import one, rows, seconds_between
from metrics.kpis import Scope, _window_params
from metrics.periods import Window

WHICH = ("all", "overdue", "due_soon")
BY = ("handling_unit", "street", "community", "compound_name", "category")
STATUSES = ("overdue_long", "overdue_medium", "overdue_short", "due_soon")
# "" in a filter of units or categories stands for a blank one (not given in the export)
BLANK = ""


def due_within_days(config: dict) -> int:
    """N of "due within N days" (config supervision.due_within_days)."""
    return int(config["supervision"]["due_within_days"])


def _open_sql(scope: Scope, window: Window, units=(), categories=()) -> tuple[str, dict]:
    """The condition of an open order of the scope and window narrowed by the page's units and categories, and
    its parameters (values bound): what the queue and the no-deadline section share."""
    where, params = scope.where("work_orders")
    params.update(_window_params(window))
    chosen = "true"
    if units:
        chosen += " AND list_contains($units, coalesce(handling_unit, ''))"
        params["units"] = list(units)
    if categories:
        chosen += " AND list_contains($categories, coalesce(category, ''))"
        params["categories"] = list(categories)
    return f"""(closed_at IS NULL OR closed_at > $as_of)
               AND received_at >= $start AND received_at < $end AND received_at <= $as_of
               AND {chosen} AND {where}""", params


def _queue_sql(config: dict, scope: Scope, window: Window, which: str = "all", units=(), categories=()) -> tuple[str, dict]:
    """The queue as a subquery and its parameters: every filter in one place, values bound."""
    if which not in WHICH:
        raise ValueError(f"which must be one of {WHICH}")
    low, high = config["open_order_age_buckets"]
    open_sql, params = _open_sql(scope, window, units, categories)
    params.update({"low": low, "high": high, "soon": window.as_of + dt.timedelta(days=due_within_days(config))})
    chosen = {"all": "true", "overdue": "due_at < $as_of", "due_soon": "due_at >= $as_of"}[which]
    return f"""(
        SELECT *, CASE WHEN days_overdue > $high THEN 'overdue_long' WHEN days_overdue > $low THEN 'overdue_medium'
                       WHEN days_overdue >= 1 THEN 'overdue_short' ELSE 'due_soon' END AS status
        FROM (SELECT order_id, street, community, compound_name, compound_raw, handling_unit, category, received_at,
                     due_at,
                     CASE WHEN due_at < $as_of THEN CAST(ceil({seconds_between('due_at', '$as_of')} / 86400) AS BIGINT) END AS days_overdue,
                     CASE WHEN due_at >= $as_of THEN CAST(ceil({seconds_between('$as_of', 'due_at')} / 86400) AS BIGINT) END AS days_left
              FROM work_orders
              WHERE {open_sql} AND due_at IS NOT NULL AND due_at <= $soon AND {chosen})
    )""", params


def _no_deadline_sql(scope: Scope, window: Window, units=(), categories=()) -> tuple[str, dict]:
    """The open orders without a deadline as a subquery: days open at as_of, days begun (ceil), as the queue's."""
    open_sql, params = _open_sql(scope, window, units, categories)
    return f"""(
        SELECT order_id, street, community, compound_name, compound_raw, handling_unit, category, received_at,
               CAST(ceil({seconds_between('received_at', '$as_of')} / 86400) AS BIGINT) AS days_open
        FROM work_orders
        WHERE {open_sql} AND due_at IS NULL
    )""", params


def queue(con, config: dict, scope: Scope, window: Window, which: str = "all", units: tuple = (),
          categories: tuple = (), limit: int | None = None) -> list[dict]:
    """The 督办 list: most days overdue first, then the soonest due; `units` and `categories` narrow it ("" = blank)."""
    source, params = _queue_sql(config, scope, window, which, units, categories)
    limit_sql = ""
    if limit:
        limit_sql, params["limit"] = "LIMIT $limit", limit
    return rows(con, f"""SELECT order_id, street, community, compound_name, compound_raw, handling_unit, category,
                                received_at, due_at, days_overdue, days_left, status
                         FROM {source} ORDER BY days_overdue DESC NULLS LAST, due_at, order_id {limit_sql}""", params)


def _counts_select() -> str:
    return """count(*) FILTER (WHERE status <> 'due_soon') AS overdue,
              count(*) FILTER (WHERE status = 'overdue_short') AS overdue_short,
              count(*) FILTER (WHERE status = 'overdue_medium') AS overdue_medium,
              count(*) FILTER (WHERE status = 'overdue_long') AS overdue_long,
              count(*) FILTER (WHERE status = 'due_soon') AS due_soon,
              count(*) AS total,
              max(days_overdue) AS max_days_overdue"""


def counts_by(con, config: dict, scope: Scope, window: Window, by: str = "handling_unit", units: tuple = (),
              categories: tuple = ()) -> list[dict]:
    """Overdue (by bucket) and due-soon orders per handling unit (or street ...): the unit holding the most
    overdue orders first. A blank unit or street is a group of its own (None)."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    source, params = _queue_sql(config, scope, window, "all", units, categories)
    return rows(con, f"""SELECT {by}, {_counts_select()} FROM {source} GROUP BY {by}
                         ORDER BY overdue DESC, total DESC, {by} NULLS LAST""", params)


def totals(con, config: dict, scope: Scope, window: Window, units: tuple = (), categories: tuple = ()) -> dict:
    """The queue's counts in one row (its overdue buckets equal open_orders_by_age's without page filters; `total`
    is overdue + due soon), and the open orders without a deadline: `no_deadline` (equal to open_orders_by_age's
    without page filters) and the most days one of them is open (`no_deadline_max_days`, None without any)."""
    source, params = _queue_sql(config, scope, window, "all", units, categories)
    found = one(con, f"SELECT {_counts_select()} FROM {source}", params)
    source, params = _no_deadline_sql(scope, window, units, categories)
    found.update(one(con, f"SELECT count(*) AS no_deadline, max(days_open) AS no_deadline_max_days FROM {source}",
                     params))
    return found


def no_deadline(con, config: dict, scope: Scope, window: Window, units: tuple = (), categories: tuple = (),
                limit: int | None = None) -> list[dict]:
    """The open orders without a deadline (无时限), most days open first (then the earliest received); `units` and
    `categories` narrow them as they narrow the queue ("" = blank)."""
    source, params = _no_deadline_sql(scope, window, units, categories)
    limit_sql = ""
    if limit:
        limit_sql, params["limit"] = "LIMIT $limit", limit
    return rows(con, f"""SELECT order_id, street, community, compound_name, compound_raw, handling_unit, category,
                                received_at, days_open
                         FROM {source} ORDER BY days_open DESC, received_at, order_id {limit_sql}""", params)


def no_deadline_by(con, config: dict, scope: Scope, window: Window, by: str = "handling_unit") -> list[dict]:
    """The open orders without a deadline per handling unit (or street ...): the most first; a blank one is None."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    source, params = _no_deadline_sql(scope, window)
    return rows(con, f"""SELECT {by}, count(*) AS no_deadline, max(days_open) AS max_days_open FROM {source}
                         GROUP BY {by} ORDER BY no_deadline DESC, {by} NULLS LAST""", params)


def order_history(con, config: dict, scope: Scope, window: Window, order_id: str = "") -> dict | None:
    """One order of the scope as it stood at as_of: where, who handles it, and its events (received, due, closed,
    revisited) in time order; a closing or revisit after as_of is not known yet. None outside the scope. Only
    fields the schema keeps (no caller, no phone; the content as masked at import). The window's period does not
    apply: an order's history is the same whichever period lists it."""
    where, params = scope.where("work_orders")
    found = one(con, f"""
        SELECT order_id, source, request_type, category, street, community, compound_name, compound_raw,
               handling_unit, received_at, due_at, due_at_derived, is_repeat, content,
               CASE WHEN closed_at <= $as_of THEN closed_at END AS closed_at,
               CASE WHEN closed_at <= $as_of AND (revisited_at IS NULL OR revisited_at <= $as_of)
                    THEN revisit_result END AS revisit_result,
               CASE WHEN closed_at <= $as_of AND revisited_at <= $as_of THEN revisited_at END AS revisited_at
        FROM work_orders WHERE order_id = $order_id AND received_at <= $as_of AND {where}""",
        {**params, "order_id": order_id, "as_of": window.as_of})
    if not found:
        return None
    as_of, due, closed = window.as_of, found["due_at"], found["closed_at"]
    if closed is not None:
        found["state"] = "no_deadline_closed" if due is None else ("closed_on_time" if closed <= due else "closed_late")
    else:
        found["state"] = "no_deadline_open" if due is None else ("overdue" if due < as_of else "pending")
    found["days_overdue"] = _days(as_of - due) if closed is None and due is not None and due < as_of else None
    events = [("received", found["received_at"]), ("due", due), ("closed", closed), ("revisited", found["revisited_at"])]
    found["events"] = [{"event": e, "at": at} for e, at in sorted((e for e in events if e[1] is not None),
                                                                  key=lambda e: e[1])]
    return found


def _days(span: dt.timedelta) -> int:
    """Days begun, as the SQL's ceil(epoch / 86400)."""
    whole, rest = divmod(span, dt.timedelta(days=1))
    return whole + (1 if rest else 0)
