"""Time series for the trend and comparison pages: every month or week of a window, none left out.

order_kpis_by and complaint_counts_by return only the buckets that have rows; a trend line needs the
quiet months too (0 orders, rates "—"), and this year's months set beside the same months a year earlier."""
from __future__ import annotations

import datetime as dt

from metrics.kpis import Scope, Window, complaint_counts_by, order_kpis_by
from metrics.periods import add_months

TREND_GRAINS = ("month", "week")
DATASETS = ("work_orders", "complaints")


def buckets(window: Window, grain: str, first_day: dt.date | None = None) -> list[dt.date]:
    """The first day of every month (or the Monday of every week) from the period's start to its end,
    or to the data's as-of day when that comes first: orders after it do not exist yet. With `first_day` (the
    data's), from the bucket it falls in: a month before the data is no month of 0 orders."""
    if grain not in TREND_GRAINS:
        raise ValueError(f"grain must be one of {TREND_GRAINS}")
    last = min(window.period.end, window.as_of.date())
    start = max(window.period.start, first_day) if first_day else window.period.start
    if last < start:
        return []
    if grain == "month":
        day, step = start.replace(day=1), (lambda d: add_months(d, 1))
    else:
        day, step = start - dt.timedelta(days=start.weekday()), (lambda d: d + dt.timedelta(days=7))
    out = []
    while day <= last:
        out.append(day)
        day = step(day)
    return out


def _first_day(con) -> dt.date | None:
    from metrics.options import data_span
    return data_span(con).first_day


def _empty_orders(con, config: dict, window: Window) -> dict:
    """Order KPIs of no orders at all: counts 0, rates null (the engine's own answer, not a hand-made one)."""
    return order_kpis_by(con, config, Scope(compound="\x00none"), window)[0]


def order_series(con, config: dict, scope: Scope, window: Window, grain: str = "month") -> list[dict]:
    """Order KPIs for every bucket of the window, keyed by the grain's name ('month' or 'week');
    a bucket without orders has 0 orders and null rates."""
    found = {r[grain]: r for r in order_kpis_by(con, config, scope, window, grain=grain)}
    empty = _empty_orders(con, config, window)
    return [{**found.get(day, empty), grain: day} for day in buckets(window, grain, _first_day(con))]


def orders_and_complaints(con, config: dict, scope: Scope, window: Window, grain: str = "month") -> list[dict]:
    """Every bucket's order KPIs with its complaint count beside them."""
    complaints = {r[grain]: r["complaint_count"] for r in complaint_counts_by(con, scope, window, grain=grain)}
    return [{**r, "complaint_count": complaints.get(r[grain], 0)}
            for r in order_series(con, config, scope, window, grain)]


def split_counts(con, config: dict, scope: Scope, window: Window, grain: str = "month", by: str = "category",
                 dataset: str = "work_orders") -> list[dict]:
    """Orders (or complaints) per bucket and value of one dimension, tidy: {grain, by, count} for every
    bucket and every value seen in the window (0 where none). Values run from the largest total down;
    a missing value (an order without a street) is None."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}")
    if dataset == "work_orders":
        found = [{**r, "count": r["orders_total"]}
                 for r in order_kpis_by(con, config, scope, window, by=(by,), grain=grain, hours=False)]
    else:
        found = [{**r, "count": r["complaint_count"]}
                 for r in complaint_counts_by(con, scope, window, by=(by,), grain=grain)]
    totals: dict = {}
    counts = {}
    for r in found:
        totals[r[by]] = totals.get(r[by], 0) + r["count"]
        counts[(r[grain], r[by])] = r["count"]
    values = sorted(totals, key=lambda v: (-totals[v], v is None, v or ""))
    return [{grain: day, by: value, "count": counts.get((day, value), 0)}
            for day in buckets(window, grain, _first_day(con)) for value in values]


def revisit_pending(months, as_of: dt.datetime, config: dict) -> set:
    """The months whose revisit window (config revisit_window_days after the month's end) has not passed at as_of:
    their revisits are still being made, so their revisit and satisfaction rates are not final (December's drop in
    a January export is the lag, not a fall)."""
    days = int(config.get("revisit_window_days", 0))
    return {m for m in months if add_months(m.replace(day=1), 1) + dt.timedelta(days=days) > as_of.date()}


def _change_pct(current: int, earlier: int) -> float | None:
    return None if not earlier else (current - earlier) / earlier * 100


def year_over_year(con, config: dict, scope: Scope, window: Window) -> list[dict]:
    """Monthly orders and complaints of the window beside the same months a year earlier (the window
    compared 'same_period_last_year', cut to the same elapsed time when the data ends inside the period).
    Rows: month, month_last_year, orders_total(_last_year, _change_pct), complaint_count(_last_year, _change_pct);
    changes in percent, null against a zero base. A month the data does not cover from its first day (before the
    data starts; complaints outside the complaint data's months) has null, never 0: it was not recorded."""
    from metrics.kpis import complaint_months
    from metrics.options import data_span

    earlier = window.compared("same_period_last_year")
    orders = {r["month"]: r["orders_total"] for r in order_kpis_by(con, config, scope, window, grain="month")}
    orders_before = {r["month"]: r["orders_total"] for r in order_kpis_by(con, config, scope, earlier, grain="month")}
    complaints = {r["month"]: r["complaint_count"] for r in complaint_counts_by(con, scope, window, grain="month")}
    complaints_before = {r["month"]: r["complaint_count"]
                         for r in complaint_counts_by(con, scope, earlier, grain="month")}
    first_day = data_span(con).first_day
    first_complaint, last_complaint = complaint_months(con)

    def recorded(name: str, month: dt.date) -> bool:
        if first_day is None or month < first_day.replace(day=1):   # the first month counts as far as it goes
            return False
        return name == "orders_total" or (first_complaint is not None and first_complaint <= month <= last_complaint)

    out = []
    for month in buckets(window, "month", first_day):
        before = add_months(month, -12)
        row = {"month": month, "month_last_year": before}
        for name, now, then in (("orders_total", orders, orders_before),
                                ("complaint_count", complaints, complaints_before)):
            row[name] = now.get(month, 0) if recorded(name, month) else None
            row[f"{name}_last_year"] = then.get(before, 0) if recorded(name, before) else None
            row[f"{name}_change_pct"] = (None if row[name] is None or row[f"{name}_last_year"] is None
                                         else _change_pct(row[name], row[f"{name}_last_year"]))
        out.append(row)
    return out
