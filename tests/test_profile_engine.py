"""metrics.compound_profile on the hand-counted fixture (data as of 2024-07-01 12:00)."""
import datetime as dt

from metrics.compound_profile import complaint_rows, founded_in_window, monthly_activity, resolve_compound
from metrics.kpis import Scope, Window, latest_timestamp
from metrics.periods import Period

AS_OF = dt.datetime(2024, 7, 1, 12)
H1 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), AS_OF)
SUNNY = Scope(compound="阳光花园")


def test_resolve_compound(fixture_con, config):
    assert latest_timestamp(fixture_con) == AS_OF
    resolve = lambda typed: resolve_compound(fixture_con, config, Scope(), H1, typed=typed)  # noqa: E731
    assert resolve("阳光花园") == "阳光花园"
    assert resolve("旭日苑") == "阳光花园"          # registry alias
    assert resolve("阳光　花园") == "阳光花园"      # full-width space
    assert resolve("幸福里") == "幸福里小区"        # without its trailing 小区
    assert resolve("不存在花园") is None
    assert resolve("") is None


def test_monthly_activity_has_every_month(fixture_con, config):
    months = monthly_activity(fixture_con, config, SUNNY, H1)
    # every month the data reaches: from May, the month it starts in (2024-05-20), was January to June with 0s
    assert [m["month"] for m in months] == [dt.date(2024, 5, 1), dt.date(2024, 6, 1)]
    assert [m["orders_total"] for m in months] == [1, 4]      # W10; W1-W4
    assert [m["complaint_count"] for m in months] == [1, 1]   # C3; C1
    assert [m["on_time_closure_rate"] for m in months] == [1.0, 0.75]
    assert [m["satisfaction_rate"] for m in months] == [1.0, 2 / 3]  # W1, W2 of W1-W3


def test_monthly_activity_stops_at_as_of(fixture_con, config):
    year = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), AS_OF)
    months = monthly_activity(fixture_con, config, Scope(compound="和平新村"), year)
    assert months[-1]["month"] == dt.date(2024, 7, 1) and len(months) == 3   # May (the data's first month) to July
    assert months[-1]["orders_total"] == 1  # W11, received 07-01 09:00


def test_complaint_rows(fixture_con, config):
    found = complaint_rows(fixture_con, config, SUNNY, H1)
    assert [r["complaint_id"] for r in found] == ["C3", "C1"]
    assert found[1]["closed_at"] == dt.datetime(2024, 6, 6) and found[1]["order_id"] == "W1"
    assert set(found[0]) == {"complaint_id", "filed_at", "source", "category", "property_company", "status",
                             "closed_at", "order_id"}
    assert [r["complaint_id"] for r in complaint_rows(fixture_con, config, Scope(), H1, limit=2)] == ["C3", "C1"]
    # judged at an earlier moment, C1's closing (06-06) has not happened yet and C4 (06-11) is not filed
    early = Window(H1.period, dt.datetime(2024, 6, 5, 12))
    assert [(r["complaint_id"], r["closed_at"]) for r in complaint_rows(fixture_con, config, Scope(), early)] == [
        ("C3", dt.datetime(2024, 5, 21)), ("C1", None)]


def test_founded_in_window():
    assert founded_in_window(dt.date(2024, 6, 20), H1)
    assert not founded_in_window(dt.date(2023, 1, 1), H1)
    assert not founded_in_window(None, H1)
    early = Window(H1.period, dt.datetime(2024, 6, 10))
    assert not founded_in_window(dt.date(2024, 6, 20), early)  # not yet, as the data stands
