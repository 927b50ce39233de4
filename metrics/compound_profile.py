"""One compound seen whole (小区档案): which registry compound a typed name means, its month-by-month
activity over a period, and its complaint records (none of them carries personal data)."""
from __future__ import annotations

import datetime as dt

from metrics.db import rows
from metrics.kpis import Scope, _window_params, complaint_counts_by, complaint_months, order_kpis_by
from metrics.names import resolve_compound_name
from metrics.periods import Window


def resolve_compound(con, config: dict, scope: Scope, window: Window, typed: str = "") -> str | None:
    """The registry name for a name or alias from a link or the URL; None when nothing (or two) match.
    Takes scope and window only to share the cached-call signature; neither changes the answer."""
    return resolve_compound_name(con, config, typed) if typed else None


def monthly_activity(con, config: dict, scope: Scope, window: Window) -> list[dict]:
    """Every month of the period the data reaches (from the month it starts in, up to as_of), quiet months
    included: orders, complaints (null in a month the complaint data does not cover), on-time and satisfaction
    rates (null where nothing was due or revisited)."""
    from metrics.trends import _first_day, buckets

    orders = {r["month"]: r for r in order_kpis_by(con, config, scope, window, grain="month")}
    complaints = {r["month"]: r["complaint_count"] for r in complaint_counts_by(con, scope, window, grain="month")}
    first, last = complaint_months(con)
    out = []
    for month in buckets(window, "month", _first_day(con)):
        found = orders.get(month, {})
        covered = first is not None and first <= month <= last
        out.append({"month": month, "orders_total": found.get("orders_total", 0),
                    "complaint_count": complaints.get(month, 0) if covered else None,
                    "on_time_closure_rate": found.get("on_time_closure_rate"),
                    "satisfaction_rate": found.get("satisfaction_rate")})
    return out


def complaint_rows(con, config: dict, scope: Scope, window: Window, limit: int | None = None) -> list[dict]:
    """Complaints filed in the window, newest last; a closing time after as_of is not known yet."""
    where, params = scope.where("complaints")
    limit_sql = "LIMIT $limit" if limit else ""
    return rows(con, f"""
        SELECT complaint_id, filed_at, source, category, property_company, status,
               CASE WHEN closed_at <= $as_of THEN closed_at END AS closed_at, order_id
        FROM complaints
        WHERE filed_at >= $start AND filed_at < $end AND filed_at <= $as_of AND {where}
        ORDER BY filed_at, complaint_id {limit_sql}""", {**params, **_window_params(window), "limit": limit})


def founded_in_window(founded_on: dt.date | None, window: Window) -> bool:
    """Whether a founding date falls inside the period as far as the data reaches (to mark it on a chart)."""
    return founded_on is not None and window.period.start <= founded_on <= window.reference_date
