"""Time series for the trend and comparison pages: every month or week of a window, none left out.

order_kpis_by and complaint_counts_by return only the buckets that have rows; a trend line needs the
quiet months too (0 orders, rates "—"), and this year's months set beside the same months a year earlier."""
from __future__ import annotations

import datetime as dt

from .kpis import Scope, Window, complaint_counts_by, order_kpis_by
from .periods import add_months

TREND_GRAINS = ("month", "week")
DATASETS = ("work_orders", "complaints")


def buckets(window: Window, grain: str) -> list[dt.date]:
    """The first day of every month (or the Monday of every week) from the period's start to its end,
    or to the data's as-of day when that comes first: orders after it do not exist yet."""
    if grain not in TREND_GRAINS:
        raise ValueError(f"grain must be one of {TREND_GRAINS}")
    last = min(window.period.end, window.as_of.date())
    start = window.period.start
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


def _empty_orders(con, config: dict, window: Window) -> dict:
    """Order KPIs of no orders at all: counts 0, rates null (the engine's own answer, not a hand-made one)."""
    return order_kpis_by(con, config, Scope(compound="\x00none"), window)[0]


def order_series(con, config: dict, scope: Scope, window: Window, grain: str = "month") -> list[dict]:
    """Order KPIs for every bucket of the window, keyed by the grain's name ('month' or 'week');
    a bucket without orders has 0 orders and null rates."""
    found = {r[grain]: r for r in order_kpis_by(con, config, scope, window, grain=grain)}
    empty = _empty_orders(con, config, window)
    return [{**found.get(day, empty), grain: day} for day in buckets(window, grain)]


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
            for day in buckets(window, grain) for value in values]


def _change_pct(current: int, earlier: int) -> float | None:
    return None if not earlier else (current - earlier) / earlier * 100


def year_over_year(con, config: dict, scope: Scope, window: Window) -> list[dict]:
    """Monthly orders and complaints of the window beside the same months a year earlier (the window
    compared 'same_period_last_year', cut to the same elapsed time when the data ends inside the period).
    Rows: month, month_last_year, orders_total(_last_year, _change_pct), complaint_count(_last_year, _change_pct);
    changes in percent, null against a zero base."""
    earlier = window.compared("same_period_last_year")
    orders = {r["month"]: r["orders_total"] for r in order_kpis_by(con, config, scope, window, grain="month")}
    orders_before = {r["month"]: r["orders_total"] for r in order_kpis_by(con, config, scope, earlier, grain="month")}
    complaints = {r["month"]: r["complaint_count"] for r in complaint_counts_by(con, scope, window, grain="month")}
    complaints_before = {r["month"]: r["complaint_count"]
                         for r in complaint_counts_by(con, scope, earlier, grain="month")}
    out = []
    for month in buckets(window, "month"):
        before = add_months(month, -12)
        row = {"month": month, "month_last_year": before}
        for name, now, then in (("orders_total", orders, orders_before),
                                ("complaint_count", complaints, complaints_before)):
            row[name], row[f"{name}_last_year"] = now.get(month, 0), then.get(before, 0)
            row[f"{name}_change_pct"] = _change_pct(row[name], row[f"{name}_last_year"])
        out.append(row)
    return out
