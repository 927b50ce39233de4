"""Trend series on the hand-counted fixture, judged at 2024-07-01 12:00 (the app's as-of: W12 closed)."""
import datetime as dt

import pytest

from metrics.kpis import Scope, Window
from metrics.periods import Period
from metrics.trends import buckets, order_series, orders_and_complaints, split_counts, year_over_year

NOON = dt.datetime(2024, 7, 1, 12)
H1_2024 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), NOON)
D = dt.date


def test_buckets_cover_the_period_up_to_the_data():
    assert buckets(H1_2024, "month") == [D(2024, m, 1) for m in range(1, 7)]
    june = Window(Period(D(2024, 6, 1), D(2024, 6, 30)), NOON)
    # 2024-06-01 is a Saturday: its week starts Monday 05-27
    assert buckets(june, "week") == [D(2024, 5, 27), D(2024, 6, 3), D(2024, 6, 10), D(2024, 6, 17), D(2024, 6, 24)]
    this_year = Window(Period(D(2024, 1, 1), D(2024, 12, 31)), NOON)
    assert buckets(this_year, "month")[-1] == D(2024, 7, 1) and len(buckets(this_year, "month")) == 7
    assert buckets(Window(Period(D(2024, 8, 1), D(2024, 8, 31)), NOON), "month") == []
    with pytest.raises(ValueError):
        buckets(H1_2024, "day")


def test_monthly_orders_and_complaints_with_quiet_months(fixture_con, config):
    series = orders_and_complaints(fixture_con, config, Scope(), H1_2024, grain="month")
    # the data starts 2024-05-20 (C3): January to April are before it, not months of 0 orders (were drawn as 0)
    assert [r["month"] for r in series] == [D(2024, 5, 1), D(2024, 6, 1)]
    # W10 in May; W1-W9, W12, W13 in June. C3 in May; C1, C2, C4 in June
    assert [r["orders_total"] for r in series] == [1, 11]
    assert [r["complaint_count"] for r in series] == [1, 3]
    assert series[0]["on_time_closure_rate"] == 1.0
    # a quiet month inside the data is still there, with 0 orders and no rates
    quiet = orders_and_complaints(fixture_con, config, Scope(category="电梯"), H1_2024, grain="month")
    assert [(r["orders_total"], r["on_time_closure_rate"]) for r in quiet] == [(0, None), (1, 1.0)]


def test_weekly_orders(fixture_con, config):
    series = order_series(fixture_con, config, Scope(), H1_2024, grain="week")
    # from the week the data starts in (Monday 05-20; was every week from 01-01)
    assert len(series) == 6 and series[0]["week"] == D(2024, 5, 20)
    weekly = {r["week"]: r["orders_total"] for r in series if r["orders_total"]}
    # W10 (05-31); W1, W13; W2, W8, W6 (Sat 06-15); W9, W3; W4, W7, W5, W12 (Sat 06-29)
    assert weekly == {D(2024, 5, 27): 1, D(2024, 6, 3): 2, D(2024, 6, 10): 3, D(2024, 6, 17): 2, D(2024, 6, 24): 4}


def test_split_by_street_and_by_complaint_category(fixture_con, config):
    by_street = split_counts(fixture_con, config, Scope(), H1_2024, grain="month", by="street")
    assert len(by_street) == 4   # May and June (the data's months) x two streets
    june = {r["street"]: r["count"] for r in by_street if r["month"] == D(2024, 6, 1)}
    may = {r["street"]: r["count"] for r in by_street if r["month"] == D(2024, 5, 1)}
    # 东: A W1-W4, B W5, W6, W13 in June, W10 in May; 西: C W7, W8, W12 and W9 (street from the export)
    assert june == {"东街道": 7, "西街道": 4} and may == {"东街道": 1, "西街道": 0}
    assert [r["street"] for r in by_street[:2]] == ["东街道", "西街道"]  # largest total first
    complaints = split_counts(fixture_con, config, Scope(), H1_2024, grain="month", by="category",
                              dataset="complaints")
    june = [(r["category"], r["count"]) for r in complaints if r["month"] == D(2024, 6, 1)]
    # 物业服务 C1 (+C3 in May) first, then the ties by name
    assert june == [("物业服务", 1), ("噪音扰民", 1), ("环境卫生", 1)]
    with pytest.raises(ValueError):
        split_counts(fixture_con, config, Scope(), H1_2024, dataset="compounds")


def test_year_over_year_aligns_months(fixture_con, config):
    h1_2025 = Window(Period(D(2025, 1, 1), D(2025, 6, 30)), dt.datetime(2025, 7, 1, 12))
    rows = year_over_year(fixture_con, config, Scope(), h1_2025)
    assert [r["month_last_year"] for r in rows] == [D(2024, m, 1) for m in range(1, 7)]
    june = rows[-1]
    assert (june["orders_total"], june["orders_total_last_year"], june["orders_total_change_pct"]) == (0, 11, -100.0)
    assert (june["complaint_count_last_year"], rows[4]["complaint_count_last_year"]) == (3, 1)
    assert rows[0]["orders_total_change_pct"] is None  # no base: no change
    # January 2024 lies before the data (from 2024-05-20): not 0 orders, none recorded; no complaint data in 2025
    assert (rows[0]["orders_total_last_year"], rows[0]["orders_total"]) == (None, 0)
    assert june["complaint_count"] is None and june["complaint_count_change_pct"] is None
    # the data ends mid-June 2025: last year is cut at 2024-06-15 12:00 too (W1, W13, W2, W8, W6; C1, C2, C4)
    running = Window(Period(D(2025, 1, 1), D(2025, 12, 31)), dt.datetime(2025, 6, 15, 12))
    rows = year_over_year(fixture_con, config, Scope(), running)
    assert len(rows) == 6
    assert (rows[-1]["orders_total_last_year"], rows[-1]["complaint_count_last_year"]) == (5, 3)
    this = year_over_year(fixture_con, config, Scope(street="东街道"), H1_2024)
    assert [r["orders_total"] for r in this] == [1, 7]   # May and June: the data's months
    assert all(r["orders_total_last_year"] is None for r in this)   # 2023 is before the data (was 0)
