"""督办 engine (metrics.supervision) on the hand-counted fixture, counted by hand.

Open at AS_OF (07-01 10:00) among June's orders: W6 (幸福里小区, due 06-20 09:00: 11 d 1 h -> 12 days begun, over 7),
W7 (和平新村, 市政维修中心, due 06-29 09:00: 2 d 1 h -> 3 days, 1-3), W12 (和平新村, due 07-02 09:00: 23 h left -> 1
day), W5 (幸福里小区, due 07-03 09:00: 1 d 23 h left -> 2 days). W11 (received 07-01 09:00, due 07-04 09:00) is July.

无时限 (the `undated` database: the fixture with fixtures.NO_DEADLINE_ORDERS, deriving no deadline), open at AS_OF:
N1 (和平新村, 市政维修中心, 电梯, since 01-15 08:00: 168 d 2 h -> 169 days), N2 (幸福里小区, since 06-20 10:00: 11 days to the
hour), N3 (阳光花园, no unit, since 06-30 22:00: 12 h -> 1 day; closed 11:00), N5 (2023-11-01 09:00: 244 days), N6
(July, 09:30: 30 min -> 1 day). N4 and W8 have no deadline but are closed."""
import datetime as dt

import pytest
from conftest import june

from metrics.kpis import Scope, Window, open_orders_by_age
from metrics.periods import Period
from metrics.database import connect
from metrics.supervision import counts_by, due_within_days, no_deadline, no_deadline_by, order_history, queue, totals

AT_NOON = dt.datetime(2024, 7, 1, 12)
YEAR = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), dt.datetime(2024, 7, 1, 10))


@pytest.fixture(scope="module")
def undated(tmp_path_factory, config):
    import fixtures

    folder = tmp_path_factory.mktemp("undated")
    con = connect(folder / "undated.duckdb")
    fixtures.build_no_deadline(con, folder, config)
    yield con
    con.close()


def ids(found):
    return [r["order_id"] for r in found]


def test_the_queue_of_june(fixture_con, config):
    found = queue(fixture_con, config, Scope(), june())
    assert ids(found) == ["W6", "W7", "W12", "W5"]   # most days overdue first, then the soonest due
    assert [(r["days_overdue"], r["days_left"], r["status"]) for r in found] == [
        (12, None, "overdue_long"), (3, None, "overdue_short"), (None, 1, "due_soon"), (None, 2, "due_soon")]
    w7 = found[1]
    assert (w7["street"], w7["community"], w7["compound_name"], w7["handling_unit"], w7["category"]) == (
        "西街道", "西一社区", "和平新村", "市政维修中心", "渗水漏水")
    assert (w7["received_at"], w7["due_at"]) == (dt.datetime(2024, 6, 26, 9), dt.datetime(2024, 6, 29, 9))
    # W5 was exported as 幸福里: the registry's name, and the spelling as exported
    assert (found[3]["compound_name"], found[3]["compound_raw"]) == ("幸福里小区", "幸福里")


def test_overdue_or_due_soon_only(fixture_con, config):
    assert ids(queue(fixture_con, config, Scope(), june(), which="overdue")) == ["W6", "W7"]
    assert ids(queue(fixture_con, config, Scope(), june(), which="due_soon")) == ["W12", "W5"]
    # the year up to 10:00 takes in W11 (received 09:00, due 07-04 09:00: 2 d 23 h -> 3 days, within 3)
    found = queue(fixture_con, config, Scope(), YEAR, which="due_soon")
    assert [(r["order_id"], r["days_left"]) for r in found] == [("W12", 1), ("W5", 2), ("W11", 3)]


def test_due_within_comes_from_config(fixture_con, config):
    assert due_within_days(config) == 3
    one_day = {**config, "supervision": {"due_within_days": 1}}
    assert ids(queue(fixture_con, one_day, Scope(), june())) == ["W6", "W7", "W12"]   # W5 is 1 d 23 h away
    none_ahead = {**config, "supervision": {"due_within_days": 0}}
    assert ids(queue(fixture_con, none_ahead, Scope(), june())) == ["W6", "W7"]


def test_the_moment_decides(fixture_con, config):
    # at 12:00 W12 is closed (07-01 12:00) and W7 is 2 d 3 h overdue (still 3 days begun)
    found = queue(fixture_con, config, Scope(), june(AT_NOON))
    assert [(r["order_id"], r["days_overdue"], r["days_left"]) for r in found] == [
        ("W6", 12, None), ("W7", 3, None), ("W5", None, 2)]
    # on 06-25 12:00 W6 is 5 d 3 h overdue -> 6 days (4-7); W4 (received 08:00, closed 06-26) is open, due 06-28 08:00 in
    # 2 d 20 h -> 3 days; W5, W7 and W12 are not received yet
    early = Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 6, 25, 12))
    assert [(r["order_id"], r["status"], r["days_overdue"], r["days_left"])
            for r in queue(fixture_con, config, Scope(), early)] == [
        ("W6", "overdue_medium", 6, None), ("W4", "due_soon", None, 3)]


def test_page_filters_narrow(fixture_con, config):
    assert ids(queue(fixture_con, config, Scope(), june(), units=("市政维修中心",))) == ["W7"]
    assert ids(queue(fixture_con, config, Scope(), june(), units=("物业公司",), which="overdue")) == ["W6"]
    assert ids(queue(fixture_con, config, Scope(), june(), categories=("电梯",))) == []
    assert ids(queue(fixture_con, config, Scope(), june(), units=("",))) == []   # no blank unit in the fixture
    assert ids(queue(fixture_con, config, Scope(), june(), limit=2)) == ["W6", "W7"]


def test_scope(fixture_con, config):
    assert ids(queue(fixture_con, config, Scope(street="东街道"), june())) == ["W6", "W5"]
    assert ids(queue(fixture_con, config, Scope(compound="和平新村"), june())) == ["W7", "W12"]
    assert ids(queue(fixture_con, config, Scope(category="电梯"), june())) == []


def test_counts_by_handling_unit_and_street(fixture_con, config):
    by_unit = counts_by(fixture_con, config, Scope(), june())
    assert [(r["handling_unit"], r["overdue"], r["overdue_short"], r["overdue_medium"], r["overdue_long"],
             r["due_soon"], r["total"], r["max_days_overdue"]) for r in by_unit] == [
        ("物业公司", 1, 0, 0, 1, 2, 3, 12),          # W6 over 7 days; W12, W5 due soon
        ("市政维修中心", 1, 1, 0, 0, 0, 1, 3)]        # W7
    by_street = counts_by(fixture_con, config, Scope(), june(), by="street")
    assert [(r["street"], r["overdue"], r["due_soon"], r["total"]) for r in by_street] == [
        ("东街道", 1, 1, 2), ("西街道", 1, 1, 2)]
    # at 12:00 (W12 closed): 东街道 W6 + W5, 西街道 W7 only
    assert [(r["street"], r["total"]) for r in counts_by(fixture_con, config, Scope(), june(AT_NOON), by="street")] == [
        ("东街道", 2), ("西街道", 1)]
    with pytest.raises(ValueError):
        counts_by(fixture_con, config, Scope(), june(), by="content")


@pytest.mark.parametrize("scope", [Scope(), Scope(street="东街道"), Scope(street="西街道"), Scope(compound="幸福里小区")])
@pytest.mark.parametrize("as_of", [dt.datetime(2024, 6, 25, 12), dt.datetime(2024, 7, 1, 10), AT_NOON])
def test_overdue_counts_agree_with_the_overview(fixture_con, config, scope, as_of):
    """总览's open orders by age and the queue count the same overdue orders, bucket by bucket."""
    window = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), as_of)
    ages = open_orders_by_age(fixture_con, config, scope, window)
    found = totals(fixture_con, config, scope, window)
    assert {k: found[k] for k in ("overdue_short", "overdue_medium", "overdue_long")} == {
        k: ages[k] for k in ("overdue_short", "overdue_medium", "overdue_long")}


def test_totals(fixture_con, config):
    assert totals(fixture_con, config, Scope(), june()) == {
        "overdue": 2, "overdue_short": 1, "overdue_medium": 0, "overdue_long": 1, "due_soon": 2, "total": 4,
        "max_days_overdue": 12, "no_deadline": 0, "no_deadline_max_days": None}
    assert totals(fixture_con, config, Scope(category="电梯"), june())["total"] == 0


def test_history_of_an_open_order(fixture_con, config):
    found = order_history(fixture_con, config, Scope(), june(), order_id="W7")
    assert (found["state"], found["days_overdue"], found["handling_unit"], found["compound_name"]) == (
        "overdue", 3, "市政维修中心", "和平新村")
    assert found["events"] == [{"event": "received", "at": dt.datetime(2024, 6, 26, 9)},
                               {"event": "due", "at": dt.datetime(2024, 6, 29, 9)}]


def test_history_knows_nothing_after_as_of(fixture_con, config):
    # W12 closed 07-01 12:00 with 满意: at 10:00 still open, not yet due; at 12:00 closed on time
    assert order_history(fixture_con, config, Scope(), june(), order_id="W12")["state"] == "pending"
    assert order_history(fixture_con, config, Scope(), june(), order_id="W12")["revisit_result"] is None
    noon = order_history(fixture_con, config, Scope(), june(AT_NOON), order_id="W12")
    assert (noon["state"], noon["revisit_result"], [e["event"] for e in noon["events"]]) == (
        "closed_on_time", "satisfied", ["received", "closed", "due"])


def test_history_without_personal_data(fixture_con, config):
    import fixtures

    found = order_history(fixture_con, config, Scope(), june(), order_id="W1")
    assert (found["state"], found["closed_at"], found["revisit_result"]) == (
        "closed_on_time", dt.datetime(2024, 6, 5, 10), "satisfied")
    text = repr(found)
    for personal in (fixtures.NAME, fixtures.PHONE, fixtures.ID_NUMBER):
        assert personal not in text
    assert found["content"] == "我叫[个人信息]，电话[手机号]，身份证[身份证号]，楼上漏水"
    assert not {"complainant", "phone", "诉求人", "联系电话"} & set(found)


def test_history_stays_in_scope(fixture_con, config):
    assert order_history(fixture_con, config, Scope(street="东街道"), june(), order_id="W7") is None
    assert order_history(fixture_con, config, Scope(street="西街道"), june(), order_id="W7")["order_id"] == "W7"
    assert order_history(fixture_con, config, Scope(), june(), order_id="W99") is None
    # W8 had no deadline in the export: 电梯's 24 h gives one (derived), closed on time
    w8 = order_history(fixture_con, config, Scope(), june(), order_id="W8")
    assert (w8["due_at"], w8["due_at_derived"], w8["state"]) == (dt.datetime(2024, 6, 13, 9), True, "closed_on_time")


def test_unknown_which_is_refused(fixture_con, config):
    with pytest.raises(ValueError):
        queue(fixture_con, config, Scope(), june(), which="everything")


def test_open_orders_without_a_deadline(undated, config):
    # June at 10:00: N2 (11 days to the hour) and N3 (12 h -> 1 day); N4 and W8 are closed
    found = no_deadline(undated, config, Scope(), june())
    assert [(r["order_id"], r["days_open"]) for r in found] == [("N2", 11), ("N3", 1)]
    n3 = found[1]
    assert (n3["street"], n3["community"], n3["compound_name"], n3["handling_unit"], n3["category"], n3["received_at"]) == (
        "东街道", "东一社区", "阳光花园", None, "渗水漏水", dt.datetime(2024, 6, 30, 22))
    # the year: N1 most days open first; N3 and N6 both 1 day, the earlier received first
    found = no_deadline(undated, config, Scope(), YEAR)
    assert [(r["order_id"], r["days_open"]) for r in found] == [("N1", 169), ("N2", 11), ("N3", 1), ("N6", 1)]
    assert (found[0]["street"], found[0]["compound_name"], found[0]["handling_unit"], found[0]["category"]) == (
        "西街道", "和平新村", "市政维修中心", "电梯")
    # H1 at 12:00: N3 is closed (11:00), N2 is 11 d 2 h open -> 12 days
    h1_noon = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), AT_NOON)
    assert [(r["order_id"], r["days_open"]) for r in no_deadline(undated, config, Scope(), h1_noon)] == [
        ("N1", 169), ("N2", 12)]
    # all the data (from 2023-11-01): N5, 243 d 3 h at 12:00 -> 244 days
    everything = Window(Period(dt.date(2023, 11, 1), dt.date(2024, 7, 1)), AT_NOON)
    assert [(r["order_id"], r["days_open"]) for r in no_deadline(undated, config, Scope(), everything)] == [
        ("N5", 244), ("N1", 169), ("N2", 12), ("N6", 1)]


def test_orders_without_a_deadline_are_not_in_the_queue(undated, config):
    assert ids(queue(undated, config, Scope(), YEAR)) == ["W6", "W7", "W12", "W5", "W11"]
    assert totals(undated, config, Scope(), june()) == {
        "overdue": 2, "overdue_short": 1, "overdue_medium": 0, "overdue_long": 1, "due_soon": 2, "total": 4,
        "max_days_overdue": 12, "no_deadline": 2, "no_deadline_max_days": 11}
    assert {k: v for k, v in totals(undated, config, Scope(), YEAR).items() if k.startswith("no_deadline")} == {
        "no_deadline": 4, "no_deadline_max_days": 169}
    # 电梯 in June: nothing overdue or due soon, nothing without a deadline open (W8 closed)
    assert totals(undated, config, Scope(category="电梯"), june())["no_deadline"] == 0
    assert totals(undated, config, Scope(category="电梯"), june())["no_deadline_max_days"] is None


@pytest.mark.parametrize("scope", [Scope(), Scope(street="东街道"), Scope(compound="和平新村")])
@pytest.mark.parametrize("as_of", [dt.datetime(2024, 6, 25, 12), dt.datetime(2024, 7, 1, 10), AT_NOON])
def test_no_deadline_count_agrees_with_the_overview(undated, config, scope, as_of):
    window = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), as_of)
    assert totals(undated, config, scope, window)["no_deadline"] == open_orders_by_age(
        undated, config, scope, window)["no_deadline"]


def test_no_deadline_narrowed_like_the_queue(undated, config):
    def found(**kw):
        return ids(no_deadline(undated, config, kw.pop("scope", Scope()), kw.pop("window", YEAR), **kw))

    assert found(units=("",)) == ["N3"]                       # a blank handling unit
    assert found(units=("市政维修中心",)) == ["N1"]
    assert found(units=("物业公司",), categories=("供暖",)) == ["N6"]
    assert found(scope=Scope(street="东街道")) == ["N2", "N3"]
    assert found(scope=Scope(street="西街道")) == ["N1", "N6"]
    assert found(limit=2) == ["N1", "N2"]
    assert totals(undated, config, Scope(), YEAR, units=("物业公司",))["no_deadline"] == 2      # N2, N6
    assert totals(undated, config, Scope(), YEAR, units=("物业公司",))["no_deadline_max_days"] == 11


def test_no_deadline_by_handling_unit(undated, config):
    assert [(r["handling_unit"], r["no_deadline"], r["max_days_open"]) for r in
            no_deadline_by(undated, config, Scope(), YEAR)] == [
        ("物业公司", 2, 11), ("市政维修中心", 1, 169), (None, 1, 1)]
    assert [(r["category"], r["no_deadline"]) for r in no_deadline_by(undated, config, Scope(), YEAR, by="category")] == [
        ("渗水漏水", 2), ("供暖", 1), ("电梯", 1)]
    with pytest.raises(ValueError):
        no_deadline_by(undated, config, Scope(), YEAR, by="content")


def test_history_of_an_order_without_a_deadline(undated, config):
    found = order_history(undated, config, Scope(), june(), order_id="N1")
    assert (found["state"], found["due_at"], found["days_overdue"]) == ("no_deadline_open", None, None)
    assert [e["event"] for e in found["events"]] == ["received"]
