"""Real 311 exports from Boston and New York import through config profiles, without code per city."""
import csv
import datetime as dt

import pytest

from conftest import REALDATA
from metrics.database import connect
from metrics.ingest.importer import import_file
from metrics.kpis import Scope, Window, kpis, order_rows, window_for
from metrics.periods import Period

BOSTON = REALDATA / "boston311-2022-01-sample.csv"
NYC = REALDATA / "nyc311-2024-04-16-sample.csv"


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "real.duckdb")
    yield c
    c.close()


def test_boston_on_time_verdict_agrees_with_bostons_own_on_every_closed_case(con, config):
    result = import_file(con, "work_orders", BOSTON, config)
    assert (result.profile, result.rows_read, result.rows_new, result.rows_rejected) == ("boston", 100, 100, 0)
    as_of = dt.datetime(2022, 4, 25, 14, 30, 31)  # the latest closed_dt of the export
    window = Window(Period(dt.date(2022, 1, 1), dt.date(2022, 1, 31)), as_of)
    ours = {r["order_id"]: r for r in order_rows(con, config, Scope(), window)}
    with open(BOSTON, encoding="utf-8") as f:
        theirs = {r["case_enquiry_id"]: r for r in csv.DictReader(f)}
    closed = [i for i, r in theirs.items() if r["case_status"] == "Closed"]
    assert len(closed) == 85
    without_target = [i for i in closed if not theirs[i]["target_dt"].strip()]
    assert len(without_target) == 8   # Boston calls them ONTIME; without a deadline we give no verdict
    for order_id in closed:
        assert ours[order_id]["is_closed"], order_id
        expected = None if order_id in without_target else theirs[order_id]["ontime"] == "ONTIME"
        assert ours[order_id]["is_closed_on_time"] == expected, order_id
    found = kpis(con, config, Scope(), window)
    # 85 closed, 77 with a target, 72 of them ONTIME; of 15 open cases 11 are past target_dt at as_of and due;
    # one with target 2022-05-20 (after as_of) is not yet due and 3 have no target (无时限)
    assert (found["orders_total"], found["closed"], found["closed_on_time"], found["orders_due"]) == (100, 85, 72, 88)
    assert found["on_time_closure_rate"] == 72 / 88
    assert found["open_orders_by_age"]["no_deadline"] == 3 and found["open_orders_by_age"]["not_yet_due"] == 1
    # no 回访结果 column in Boston's export: the revisit rate is null, not 0.0%, and says why
    assert found["revisit_rate"] is None and found["satisfaction_rate"] is None
    assert found["missing_inputs"]["revisit_rate"] == ["revisit_result"]
    assert "on_time_closure_rate" not in found["missing_inputs"]
    # no 先行联系 / 是否解决 columns in Boston's export: null, not 0
    assert found["first_contact_rate"] is None and found["resolution_rate"] is None
    assert found["three_rates_score"] is None


def test_nyc_without_deadlines_or_revisits_shows_no_rate_it_cannot_back(con, config):
    import_file(con, "work_orders", NYC, config)
    window = window_for(con, dt.date(2024, 4, 1), dt.date(2024, 4, 30))   # judged at 2024-04-16 03:03:15
    found = kpis(con, config, Scope(), window)
    # 292 closed, none with a due_date: no on-time verdict (was 292/292 = 100%); the 16 with a due_date
    # are open and due in May; the other 692 open orders have no deadline (were counted 未到期)
    assert (found["orders_total"], found["closed"], found["orders_due"], found["orders_with_deadline"]) == (1000, 292, 0, 16)
    assert found["on_time_closure_rate"] is None and found["revisit_rate"] is None
    assert found["open_orders_by_age"] == {"not_yet_due": 16, "overdue_short": 0, "overdue_medium": 0,
                                           "overdue_long": 0, "no_deadline": 692}


def test_boston_neighbourhood_plays_the_compound(con, config):
    import_file(con, "work_orders", BOSTON, config)
    top = con.execute("""SELECT compound_raw, count(*) FROM work_orders GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""").fetchone()
    assert top == ("Dorchester", 15)
    # Boston writes an empty field as a single space: stored as blank
    assert con.execute("SELECT count(*) FROM work_orders WHERE content = ' ' OR compound_raw = ' '").fetchone()[0] == 0


def test_nyc_multiline_quoted_fields_and_iso_milliseconds(con, config):
    result = import_file(con, "work_orders", NYC, config)
    assert (result.profile, result.rows_read, result.rows_new, result.rows_rejected) == ("nyc", 1000, 1000, 0)
    first = con.execute("""SELECT received_at, street, compound_raw, handling_unit FROM work_orders
                           WHERE order_id = '60879417'""").fetchone()
    assert first == (dt.datetime(2024, 4, 16, 3, 3, 15), "QUEENS", "13 QUEENS", "DOT")
    with_due = con.execute("SELECT count(*) FROM work_orders WHERE due_at IS NOT NULL").fetchone()[0]
    assert with_due == 16
