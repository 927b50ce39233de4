"""The rollups answer exactly what a scan of the orders answers, for every question they take, and they
follow every import (new rows, updated rows moving between months, a new registry)."""
import datetime as dt
import itertools

import pytest

import fixtures
from metrics import rollup
from metrics.database import connect
from metrics.db import rows
from metrics.demo import build_demo_database
from metrics.ingest.importer import import_file
from metrics.kpis import (
    Scope,
    complaint_counts_by,
    kpi_report,
    latest_timestamp,
    open_orders_by_age,
    order_kpis_by,
    window_for,
)
from metrics.periods import Period, Window
from metrics.scorecard import scorecard
from metrics.trends import year_over_year


@pytest.fixture(scope="module")
def demo(tmp_path_factory, config):
    path = tmp_path_factory.mktemp("rollup") / "demo.duckdb"
    build_demo_database(path, config, progress=lambda msg: None)
    con = connect(path, read_only=True)
    yield con
    con.close()


class Scans:
    """Answer with rollups off (the plain per-order computation), counting how often they were used."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.used = 0
        original = rollup.plan

        def counted(*args, **kwargs):
            found = original(*args, **kwargs)
            self.used += found is not None
            return found
        monkeypatch.setattr(rollup, "plan", counted)

    def __call__(self, fn, *args, **kwargs):
        with self.monkeypatch.context() as m:
            m.setattr(rollup, "plan", lambda *a, **k: None)
            m.setattr(rollup, "latest", lambda con: None)
            return fn(*args, **kwargs)


@pytest.fixture
def scans(monkeypatch):
    return Scans(monkeypatch)


def demo_windows(con):
    as_of = latest_timestamp(con)
    assert as_of == dt.datetime(2025, 12, 31, 17, 54)  # the demo's 数据截至
    periods = [Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30)), Period(dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
               Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)), Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
               Period(dt.date(2025, 2, 1), dt.date(2025, 5, 31)),        # four months: no cube cell
               Period(dt.date(2025, 3, 10), dt.date(2025, 4, 20)),       # days: no rollup at all
               Period(dt.date(2025, 12, 1), dt.date(2026, 2, 28))]       # runs past the data
    windows = [Window(p, as_of) for p in periods]
    running = Window(Period(dt.date(2025, 12, 1), dt.date(2025, 12, 31)), dt.datetime(2025, 12, 20, 12, 0))
    return windows + [running, running.compared("same_period_last_year"),
                      Window(Period(dt.date(2025, 10, 1), dt.date(2025, 12, 31)), as_of + dt.timedelta(days=3))]


@pytest.mark.slow
def test_order_kpis_equal_the_scan_for_every_window_scope_and_split(demo, config, scans):
    street, community, compound = rows(demo, """SELECT street, community, compound_name FROM compounds
                                                ORDER BY households DESC LIMIT 1""")[0].values()
    scopes = [Scope(), Scope(street=street), Scope(community=community), Scope(compound=compound),
              Scope(street=street, compound=compound), Scope(category="渗水漏水"), Scope(source="12345平台"),
              Scope(compound_kind="老旧小区"), Scope(street=street, request_type="投诉"),
              Scope(compound_kind="老旧小区", category="渗水漏水")]
    splits = [((), None), (("street",), None), (("compound_name",), None), (("category",), None),
              (("community", "source"), None), ((), "month"), ((), "quarter"), ((), "week"), (("street",), "month"),
              (("handling_unit",), None)]
    compared = 0
    for window, scope, (by, grain) in itertools.product(demo_windows(demo), scopes, splits):
        ours = order_kpis_by(demo, config, scope, window, by=by, grain=grain)
        assert ours == scans(order_kpis_by, demo, config, scope, window, by=by, grain=grain), (window, scope, by, grain)
        compared += 1
    assert compared == 10 * 10 * 10
    assert scans.used > 400   # most of them were answered by the rollups


@pytest.mark.slow
def test_complaints_open_orders_report_scorecard_and_trend_equal_the_scan(demo, config, scans):
    street = rows(demo, "SELECT min(street) AS s FROM compounds")[0]["s"]
    for window in demo_windows(demo):
        for scope in (Scope(), Scope(street=street), Scope(category="噪音扰民")):
            for by, grain in (((), None), (("compound_name",), None), ((), "month"), (("source",), "month")):
                assert complaint_counts_by(demo, scope, window, by, grain) == \
                    scans(complaint_counts_by, demo, scope, window, by, grain)
            assert open_orders_by_age(demo, config, scope, window) == \
                scans(open_orders_by_age, demo, config, scope, window)
            assert kpi_report(demo, config, scope, window) == scans(kpi_report, demo, config, scope, window)
        assert scorecard(demo, config, Scope(), window) == scans(scorecard, demo, config, Scope(), window)
        assert year_over_year(demo, config, Scope(), window) == scans(year_over_year, demo, config, Scope(), window)
    assert scans.used > 100


def test_the_data_moment_is_recorded_at_import(demo, scans):
    assert rollup.latest(demo) == scans(latest_timestamp, demo) == dt.datetime(2025, 12, 31, 17, 54)


def test_which_questions_the_rollups_take(demo):
    as_of = latest_timestamp(demo)
    half = Window(Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30)), as_of)
    plan = rollup.plan(demo, "work_orders", [], half)
    assert plan == rollup.Plan("order_rollup_compound", dt.date(2025, 1, 1), dt.date(2025, 7, 1), False)
    assert rollup.cube_cells(half, plan, [], (), None) == ("half_year", "")
    assert rollup.cube_cells(half, plan, ["street"], ("compound_name",), None) == ("half_year", "street,compound_name")
    assert rollup.cube_cells(half, plan, [], (), "quarter") == ("quarter", "")
    assert rollup.cube_cells(half, plan, ["compound_kind"], (), None) is None
    assert rollup.plan(demo, "work_orders", ["category"], half).table == "order_rollup_category"
    assert rollup.plan(demo, "work_orders", ["compound_name", "category"], half) is None
    assert rollup.plan(demo, "work_orders", ["compound_kind", "category"], half) is None
    assert rollup.plan(demo, "work_orders", [], half, ("handling_unit",)) is None
    assert rollup.plan(demo, "work_orders", [], half, (), "week") is None
    earlier = Window(half.period, as_of - dt.timedelta(minutes=1))   # judged before the data's moment
    assert rollup.plan(demo, "work_orders", [], earlier) is None
    december = Window(Period(dt.date(2025, 12, 1), dt.date(2026, 1, 31)), as_of)   # past the data's end
    assert rollup.plan(demo, "work_orders", [], december) == rollup.Plan(
        "order_rollup_compound", dt.date(2025, 12, 1), dt.date(2026, 1, 1), True)


def _orders_csv(folder, name, data):
    return fixtures.write_csv(folder / name, fixtures.ORDER_HEADERS, data)


def test_rollups_follow_updates_that_move_orders_between_months(tmp_path, config, scans):
    con = connect(tmp_path / "t.duckdb")
    fixtures.build(con, tmp_path, config)
    settled = dt.datetime(2024, 7, 1, 12, 0)   # the fixture's latest timestamp (its AS_OF is earlier)
    june = Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), settled)
    may = Window(Period(dt.date(2024, 5, 1), dt.date(2024, 5, 31)), settled)
    before = {w: order_kpis_by(con, config, Scope(), w)[0] for w in (may, june)}
    # W1 was received in June: the new export says May 30 (still before its close); W6 (open, overdue) closes
    w1 = fixtures._order("W1", "2024-05-30 09:00", "2024-06-06 09:00", "2024-06-05 10:00", "满意", first="是",
                         resolved="是")
    w6 = fixtures._order("W6", "2024-06-15 09:00", "2024-06-20 09:00", "2024-06-30 09:00", "满意",
                         compound="幸福里小区")
    result = import_file(con, "work_orders", _orders_csv(tmp_path, "更新.csv", [w1, w6]), config)
    assert (result.rows_updated, result.rows_new) == (2, 0)
    after = {w: order_kpis_by(con, config, Scope(), w)[0] for w in (may, june)}
    assert after[may]["orders_total"] == before[may]["orders_total"] + 1
    assert after[june]["orders_total"] == before[june]["orders_total"] - 1
    assert after[june]["closed"] == before[june]["closed"]             # W1 left June closed, W6 closed in June
    assert open_orders_by_age(con, config, Scope(), june)["overdue_long"] == 0   # W6 was the only one > 7 days
    for w in (may, june):
        assert [after[w]] == scans(order_kpis_by, con, config, Scope(), w)
        assert kpi_report(con, config, Scope(street="东街道"), w) == \
            scans(kpi_report, con, config, Scope(street="东街道"), w)
    assert scans.used >= 8
    con.close()


def test_a_new_registry_moves_orders_in_the_rollups_too(tmp_path, config, scans):
    con = connect(tmp_path / "t.duckdb")
    fixtures.build(con, tmp_path, config)
    june = Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), latest_timestamp(con))
    east = order_kpis_by(con, config, Scope(street="东街道"), june)[0]["orders_total"]
    # 阳光花园 moves to 西街道 in the new registry
    moved = [list(c) for c in fixtures.COMPOUNDS]
    moved[0][2] = "西街道"
    import_file(con, "compounds", fixtures.write_csv(tmp_path / "台账2.csv", fixtures.COMPOUND_HEADERS, moved), config)
    sunshine = scans(order_kpis_by, con, config, Scope(compound="阳光花园", street="西街道"), june)[0]["orders_total"]
    assert sunshine > 0
    assert order_kpis_by(con, config, Scope(street="东街道"), june)[0]["orders_total"] == east - sunshine
    for scope in (Scope(street="东街道"), Scope(street="西街道"), Scope(compound="阳光花园")):
        assert order_kpis_by(con, config, scope, june, by=("compound_name",)) == \
            scans(order_kpis_by, con, config, scope, june, by=("compound_name",))
    assert scans.used >= 4
    con.close()


def test_a_failed_import_leaves_the_rollups_as_they_were(tmp_path, config):
    con = connect(tmp_path / "t.duckdb")
    fixtures.build(con, tmp_path, config)
    snapshot = {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in rollup.tables()}
    bad = tmp_path / "坏.csv"
    bad.write_text("没有表头的文件\n1,2,3\n", encoding="utf-8")
    with pytest.raises(Exception):
        import_file(con, "work_orders", bad, config)
    assert {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in rollup.tables()} == snapshot
    con.close()


def test_a_database_from_before_the_rollups_gets_them_when_opened(tmp_path, config, scans):
    path = tmp_path / "old.duckdb"
    con = connect(path)
    fixtures.build(con, tmp_path, config)
    for table in rollup.tables():
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM meta WHERE key IN ('rollup_version', 'latest_timestamp')")
    june = Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12, 0))
    expected = scans(kpi_report, con, config, Scope(), june)
    con.close()
    con = connect(path, read_only=True)       # read-only: no rollups, the scan answers
    assert rollup.plan(con, "work_orders", [], june) is None
    assert kpi_report(con, config, Scope(), june) == expected
    con.close()
    con = connect(path)                        # writable: built on opening
    assert rollup.plan(con, "work_orders", [], june) is not None
    assert kpi_report(con, config, Scope(), june) == expected
    assert window_for(con, june.period.start, june.period.end).as_of == june.as_of
    con.close()


@pytest.mark.slow
def test_street_cells_of_the_quantile_cube_hold_when_a_compound_has_orders_in_two_streets(tmp_path, config):
    """Street × compound and street × community cells are copied from the compound and community cells where
    all of a compound's (community's) closed orders carry one street; the others are computed. Every cell
    must equal the quantiles of its own orders."""
    con = connect(tmp_path / "t.duckdb")
    fixtures.build(con, tmp_path, config)
    # 阳光花园 (东街道 in the registry) gets two June orders the export files under 西街道; an unknown compound
    # gets one with no street at all and one in 东街道
    extra = [fixtures._order("X1", "2024-06-04 09:00", "2024-06-09 09:00", "2024-06-04 19:00", street="西街道"),
             fixtures._order("X2", "2024-06-05 09:00", "2024-06-09 09:00", "2024-06-06 15:30", street="西街道"),
             fixtures._order("X3", "2024-06-05 09:00", "2024-06-09 09:00", "2024-06-05 12:00", compound="无名小区"),
             fixtures._order("X4", "2024-06-07 09:00", "2024-06-09 09:00", "2024-06-07 10:00", compound="无名小区",
                             street="东街道")]
    import_file(con, "work_orders", _orders_csv(tmp_path, "两个街道.csv", extra), config)
    expected = rows(con, f"""
        SELECT 'month' AS kind, CAST(date_trunc('month', received_at) AS DATE) AS period_start, street, community,
               compound_name, quantile_cont({rollup.CLOSE_HOURS}, [0.5, 0.9]) AS q
        FROM work_orders WHERE closed_at IS NOT NULL
        GROUP BY GROUPING SETS ((period_start, street, community), (period_start, street, compound_name))
        ORDER BY ALL""")
    found = rows(con, """SELECT kind, period_start, street, community, compound_name,
                                [median_close_hours, p90_close_hours] AS q
                         FROM close_hours_cube WHERE kind = 'month' AND grouping_set IN ('street,community',
                                                                                          'street,compound_name')
                         ORDER BY ALL""")
    assert found == expected
    sunshine = {(r["street"], r["period_start"].month): r["q"] for r in found
                if r["compound_name"] == "阳光花园"}
    assert sunshine[("西街道", 6)] == [(10 + 30.5) / 2, 10 + 0.9 * 20.5]   # X1 10 h, X2 30.5 h
    nameless = {r["street"]: r["q"] for r in found if r["compound_name"] is None and r["community"] is None
                and r["period_start"].month == 6}
    assert nameless[None] == [3.0, 3.0] and nameless["东街道"][0] == 1.0
    con.close()
