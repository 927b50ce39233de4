"""Every KPI against a hand count of tests/fixtures.py (the row comments there give each verdict)."""
import copy
import datetime as dt

import pytest
from conftest import june

import fixtures
from metrics.kpis import Scope, Window, kpi_report, kpis, open_orders_by_age, order_kpis, order_kpis_by, order_rows
from metrics.names import resolve_compound_name
from metrics.periods import Period

# June 2024 at 2024-07-01 10:00, whole district:
# orders W1-W9, W12, W13 = 11; closed W1 W2 W3 W4 W8 W9 W13 = 7; on time all but W2 = 6;
# due = 7 closed + overdue open W6, W7 = 9; revisited W1 W2 W3 W9 = 4 (W4 unreachable, W8 blank,
# W13 unreadable); satisfied W1 W2 W9 = 3; repeat W8 = 1.
# Close hours 11, 24, 24, 30, 48, 49, 96: median 30; p90 at position 5.4 = 49 + 0.4 * 47 = 67.8.
DISTRICT_JUNE = {
    "orders_total": 11, "closed": 7, "closed_on_time": 6, "orders_due": 9, "revisited": 4,
    "on_time_closure_rate": 6 / 9, "revisit_rate": 4 / 7, "satisfaction_rate": 3 / 4,
    "first_contact_rate": 2 / 3, "resolution_rate": 1 / 3, "repeat_rate": 1 / 11,
    "median_close_hours": 30.0, "p90_close_hours": 67.8, "complaint_count": 3,
    # registry on 2024-06-30: A own branch, B party group (March), C joint branch (06-20), D none
    "compounds_total": 4, "party_org_coverage": 3 / 4, "independent_branch_rate": 1 / 4,
    "owners_committee_rate": 3 / 4, "dual_role_rate": 1 / 2, "fee_collection_rate": 1400 / 1700,
    "eligible_uncovered": ["和平新村", "翠湖苑"],
}


def check(actual: dict, expected: dict):
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value, abs=1e-12), key
        else:
            assert actual[key] == value, key


@pytest.mark.slow
def test_district_june(fixture_con, config):
    check(kpis(fixture_con, config, Scope(), june()), DISTRICT_JUNE)


def test_three_rates_composite(fixture_con, config):
    found = kpis(fixture_con, config, Scope(), june())
    assert found["three_rates_score"] == pytest.approx(0.10 * 2 / 3 + 0.45 * 1 / 3 + 0.45 * 3 / 4)


def test_street_uses_registry_street_when_export_is_blank(fixture_con, config):
    # 东街道: A (W1-W4) and B (W5, W6, W13); closed W1-W4, W13 = 5, on time 4; due 5 + W6 = 6
    check(order_kpis(fixture_con, config, Scope(street="东街道"), june()), {
        "orders_total": 7, "closed": 5, "closed_on_time": 4, "orders_due": 6, "revisited": 3,
        "on_time_closure_rate": 4 / 6, "revisit_rate": 3 / 5, "satisfaction_rate": 2 / 3})


def test_unmatched_compound_still_counts_in_its_street(fixture_con, config):
    # 西街道: W7, W8, W12 (和平新村) and W9 (未知小区, street from the export)
    check(order_kpis(fixture_con, config, Scope(street="西街道"), june()), {
        "orders_total": 4, "closed": 2, "closed_on_time": 2, "orders_due": 3, "on_time_closure_rate": 2 / 3})


def test_compound_by_alias(fixture_con, config):
    name = resolve_compound_name(fixture_con, config, "旭日苑")
    assert name == "阳光花园"
    check(order_kpis(fixture_con, config, Scope(compound=name), june()), {
        "orders_total": 4, "closed": 4, "closed_on_time": 3, "orders_due": 4, "revisited": 3,
        "on_time_closure_rate": 3 / 4, "revisit_rate": 3 / 4, "satisfaction_rate": 2 / 3})


def test_beijing_weights(fixture_con, config):
    beijing = copy.deepcopy(config)
    beijing["satisfaction"]["weights"] = {"satisfied": 1.0, "basically_satisfied": 0.9}
    # W1 1 + W2 0.9 + W9 1 over 4 revisits
    assert order_kpis(fixture_con, beijing, Scope(), june())["satisfaction_rate"] == pytest.approx(2.9 / 4)


def test_zero_denominators_are_null_not_zero(fixture_con, config):
    found = kpis(fixture_con, config, Scope(street="没有的街道"), june())
    assert found["orders_total"] == 0 and found["complaint_count"] == 0 and found["compounds_total"] == 0
    for rate in ("on_time_closure_rate", "revisit_rate", "satisfaction_rate", "repeat_rate", "first_contact_rate",
                 "resolution_rate", "party_org_coverage", "dual_role_rate", "fee_collection_rate"):
        assert found[rate] is None, rate
    assert found["median_close_hours"] is None and found["three_rates_score"] is None


def test_open_orders_by_age(fixture_con, config):
    # open at AS_OF: W5 and W12 not yet due, W7 overdue 2 d 1 h -> 1-3, W6 overdue 11 d 1 h -> over 7
    assert open_orders_by_age(fixture_con, config, Scope(), june()) == {
        "not_yet_due": 2, "overdue_short": 1, "overdue_medium": 0, "overdue_long": 1, "no_deadline": 0}


def test_as_of_override_changes_verdicts(fixture_con, config):
    # at 2024-07-01 12:00 W12 is closed (on time, satisfied): closed 8, on time 7, due 10, revisited 5
    later = june(dt.datetime(2024, 7, 1, 12, 0))
    check(order_kpis(fixture_con, config, Scope(), later), {
        "closed": 8, "closed_on_time": 7, "orders_due": 10, "revisited": 5, "satisfaction_rate": 4 / 5})
    # on 2024-06-12 00:00 only W1, W2 and W13 were received; W1 and W13 closed on time, W2 open and
    # not yet due (06-13)
    early = june(dt.datetime(2024, 6, 12, 0, 0))
    check(order_kpis(fixture_con, config, Scope(), early), {
        "orders_total": 3, "closed": 2, "closed_on_time": 2, "orders_due": 2, "on_time_closure_rate": 1.0})


def test_party_coverage_judged_on_the_reference_day(fixture_con, config):
    # May 2024: C's joint branch (2024-06-20) does not exist yet; dual role: only A has branch + committee
    may = Window(Period(dt.date(2024, 5, 1), dt.date(2024, 5, 31)), fixtures.AS_OF)
    check(kpis(fixture_con, config, Scope(), may), {
        "party_org_coverage": 2 / 4, "dual_role_rate": 1 / 1, "orders_total": 1, "complaint_count": 1})


def test_comparisons_full_month(fixture_con, config):
    report = kpi_report(fixture_con, config, Scope(), june())
    previous = report["previous_period"]
    assert previous["period"]["from"] == "2024-05-01" and previous["period"]["to"] == "2024-05-31"
    # May: W10 only, on time, satisfied; C3 the only complaint
    check(previous, {"orders_total": 1, "closed": 1, "on_time_closure_rate": 1.0, "complaint_count": 1})
    assert previous["changes"]["on_time_closure_rate_pp"] == pytest.approx((6 / 9 - 1) * 100)
    assert previous["changes"]["orders_total_pct"] == pytest.approx(1000.0)
    assert previous["changes"]["complaint_count_pct"] == pytest.approx(200.0)
    last_year = report["same_period_last_year"]
    assert last_year["period"]["from"] == "2023-06-01"
    assert last_year["orders_total"] == 0 and last_year["on_time_closure_rate"] is None
    assert last_year["changes"]["orders_total_pct"] is None and last_year["changes"]["on_time_closure_rate_pp"] is None


def test_comparisons_of_a_running_month_cover_the_same_elapsed_time(fixture_con, config):
    # July 2024 at 07-01 10:00: W11 (07-01 09:00) only; June is cut to 06-01 10:00 -> nothing yet
    july = Window(Period(dt.date(2024, 7, 1), dt.date(2024, 7, 31)), fixtures.AS_OF)
    report = kpi_report(fixture_con, config, Scope(), july)
    assert report["orders_total"] == 1 and report["period"]["truncated"] is True
    assert report["previous_period"]["period"]["as_of"] == "2024-06-01 10:00:00"
    assert report["previous_period"]["orders_total"] == 0
    assert report["previous_period"]["changes"]["orders_total_pct"] is None


def test_order_rows_carry_verdicts(fixture_con, config):
    found = {r["order_id"]: r for r in order_rows(fixture_con, config, Scope(), june())}
    assert len(found) == 11
    assert found["W2"]["is_closed"] and not found["W2"]["is_closed_on_time"]
    assert found["W6"]["is_overdue_open"] and not found["W5"]["is_overdue_open"]
    assert found["W8"]["due_at"] == dt.datetime(2024, 6, 13, 9, 0) and found["W8"]["due_at_derived"]


@pytest.mark.parametrize("scope,expected", [
    (Scope(source="啄木鸟平台"), {"orders_total": 1, "closed_on_time": 1, "satisfaction_rate": 1.0, "complaint_count": 0}),
    (Scope(category="电梯"), {"orders_total": 1, "closed": 1, "orders_due": 1, "repeat_rate": 1.0, "complaint_count": 0}),
    (Scope(request_type="投诉"), {"orders_total": 11, "complaint_count": 3}),  # request type does not filter complaints
    (Scope(community="东一社区"), {"orders_total": 4, "compounds_total": 1, "party_org_coverage": 1.0}),
    (Scope(compound_kind="old"), {"orders_total": 3, "compounds_total": 1, "complaint_count": 1}),
    (Scope(management_mode="cluster_managed"), {"orders_total": 3, "compounds_total": 1, "eligible_uncovered": ["和平新村"]}),
])
def test_scope_dimensions(fixture_con, config, scope, expected):
    check(kpis(fixture_con, config, scope, june()), expected)


def test_complaint_trend_by_month_and_category(fixture_con):
    from metrics.kpis import complaint_counts_by
    window = Window(Period(dt.date(2024, 5, 1), dt.date(2024, 6, 30)), fixtures.AS_OF)
    found = [(r["month"], r["category"], r["complaint_count"])
             for r in complaint_counts_by(fixture_con, Scope(), window, by=["category"], grain="month")]
    assert found == [(dt.date(2024, 5, 1), "物业服务", 1), (dt.date(2024, 6, 1), "噪音扰民", 1),
                     (dt.date(2024, 6, 1), "物业服务", 1), (dt.date(2024, 6, 1), "环境卫生", 1)]


def test_order_kpis_by_street_and_month(fixture_con, config):
    found = {(r["month"], r["street"]): r["orders_total"] for r in
             order_kpis_by(fixture_con, config, Scope(), june(), by=["street"], grain="month")}
    assert found == {(dt.date(2024, 6, 1), "东街道"): 7, (dt.date(2024, 6, 1), "西街道"): 4}
    with pytest.raises(ValueError):
        order_kpis_by(fixture_con, config, Scope(), june(), by=["content"])


def test_no_orders_equals_an_empty_query(fixture_con, config):
    from metrics.kpis import no_orders
    assert no_orders(config) == order_kpis(fixture_con, config, Scope(street="没有的街道"), june())
