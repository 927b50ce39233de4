"""原因分析 (metrics.breakdown): the KPIs by handling unit, property company, category and request type, counted by
hand on tests/breakdown_fixture.py (June 2024 at 2024-07-01 10:00, min_orders 2, list_size 1); the rows sum to the
scope's totals; the rollups answer what the scan answers; the briefing's company lists say what they said; a
rollups-only file and a database of the rollups' previous layout; the command line's JSON and CSV."""
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys

import pytest
import yaml

import breakdown_fixture as bf
import fixtures
from access import Account
from access.scope import restrict
from conftest import ROOT
from metrics import rollup
from metrics.breakdown import breakdown, lists, orders, worst_first
from metrics.catalog import apply_ratios, ratio
from metrics.database import connect
from metrics.demo import build_demo_database
from metrics.kpis import Scope, Window, kpis, latest_timestamp
from metrics.periods import Period
from metrics.scorecard import assign_ranks, composite_score, red_black, scorecard

JUNE = Window(Period(*bf.JUNE), bf.AS_OF)


@pytest.fixture(scope="module")
def cfg(config):
    return bf.config_for(config)


@pytest.fixture(scope="module")
def con(tmp_path_factory, cfg):
    folder = tmp_path_factory.mktemp("breakdown")
    con = connect(folder / "b.duckdb")
    results = bf.build(con, folder, cfg)
    assert [(k, r.rows_new, r.rows_rejected) for k, r in results.items()] == [
        ("compounds", 4, 0), ("work_orders", 16, 0), ("complaints", 4, 0)]
    assert latest_timestamp(con) == bf.AS_OF
    yield con
    con.close()


def by_name(found):
    return {r["name"]: r for r in found}


def test_handling_units_by_hand(con, cfg):
    found = breakdown(con, cfg, Scope(), JUNE, "unit")
    assert [r["name"] for r in found] == ["供水公司", "物业客服", "城管科", None]
    rows = by_name(found)
    city = rows["城管科"]   # R1-R5: late on 3 of 5 (R2, R3 closed late; R4 open past its deadline)
    assert (city["orders_total"], city["orders_due"], city["closed_on_time"], city["late_orders"]) == (5, 5, 2, 3)
    assert city["on_time_closure_rate"] == pytest.approx(0.4)
    # closed R1, R2, R3, R5, each revisited: satisfied, dissatisfied, basically satisfied (weight 1), satisfied
    assert (city["closed"], city["revisited"], city["revisit_rate"], city["satisfaction_rate"]) == (4, 4, 1.0, 0.75)
    # hours 48, 96, 120, 24: median (48 + 96) / 2; p90 at 0.9 × 3 = 2.7: 96 + 0.7 × 24
    assert city["median_close_hours"] == 72.0 and city["p90_close_hours"] == pytest.approx(112.8)
    assert (city["open_orders"], city["overdue_orders"]) == (1, 1)                     # R4
    assert (city["dissatisfied_orders"], city["unresolved_orders"]) == (1, 2)          # R2; R2 and R3
    # Wilson 95% of 2 of 5: (0.4 + 1.96²/10) / (1 + 1.96²/5) ∓ …
    assert city["on_time_closure_rate_low"] == pytest.approx(0.1176, abs=1e-4)
    assert city["on_time_closure_rate_high"] == pytest.approx(0.7693, abs=1e-4)
    # score: (0.3 × 0.4 + 0.4 × 0.75 + 0.1 × 1) / 0.8 (no complaint part for a unit)
    assert city["composite_score"] == pytest.approx(65.0)
    water, service = rows["供水公司"], rows["物业客服"]
    for unit, median in ((water, 36.0), (service, 24.0)):   # 24, 36, 96 h and 24, 24, 96 h
        assert (unit["orders_total"], unit["orders_due"], unit["closed_on_time"], unit["late_orders"]) == (3, 3, 2, 1)
        assert unit["satisfaction_rate"] == pytest.approx(2 / 3) and unit["revisit_rate"] == 1.0
        assert unit["median_close_hours"] == median
        # (0.3 × 2/3 + 0.4 × 2/3 + 0.1) / 0.8: the same score, one rank
        assert unit["composite_score"] == pytest.approx(70.8333, abs=1e-4)
    assert (water["rank"], service["rank"], city["rank"]) == (1, 1, 3)
    # list_size 1: the tie at the top is cut by the list, so no red list; 城管科 alone at the bottom is the black one
    assert (water["list"], service["list"], city["list"]) == (None, None, "black")
    unknown = rows[None]   # R12 (on time), R13 (open, overdue), R15 (open, not yet due): counted, never ranked
    assert unknown["unknown"] and (unknown["orders_total"], unknown["orders_due"], unknown["closed_on_time"]) == (3, 2, 1)
    assert (unknown["open_orders"], unknown["overdue_orders"], unknown["rank"], unknown["composite_score"]) == (2, 1, None, None)
    assert [r["name"] for r in worst_first(found)] == ["城管科", "供水公司", "物业客服", None]


def test_property_companies_by_hand(con, cfg):
    found = breakdown(con, cfg, Scope(), JUNE, "company")
    assert [r["name"] for r in found] == ["乙物业", "甲物业", None]
    rows = by_name(found)
    jia = rows["甲物业"]   # 金桂苑 R1, R2, R9 and 银杏苑 R3, R4, R5, R10, R11
    assert (jia["compounds"], jia["compound_names"], jia["households"]) == (2, ["金桂苑", "银杏苑"], 1000)
    assert (jia["orders_total"], jia["orders_due"], jia["closed_on_time"], jia["revisited"]) == (8, 8, 4, 7)
    assert jia["satisfaction_rate"] == pytest.approx(5 / 7)   # R1, R5, R9, R10 satisfied, R3 basically
    assert jia["median_close_hours"] == 48.0                   # 24, 24, 24, 48, 96, 96, 120
    # complaints K1, K2 over 1,000 households: 2.0 per 1,000, complaint part 1 − 2/50
    assert (jia["complaint_count"], jia["complaints_per_1000_households"]) == (2, 2.0)
    assert jia["composite_score"] == pytest.approx(100 * (0.3 * 0.5 + 0.4 * 5 / 7 + 0.1 + 0.2 * 0.96))
    yi = rows["乙物业"]    # 丹枫苑 R6-R8 (R16 is July), K3 over 500 households
    assert (yi["compounds"], yi["orders_total"], yi["complaints_per_1000_households"]) == (1, 3, 2.0)
    assert yi["composite_score"] == pytest.approx(100 * (0.3 * 2 / 3 + 0.4 * 2 / 3 + 0.1 + 0.2 * 0.96))
    assert (yi["rank"], yi["list"], jia["rank"], jia["list"]) == (1, "red", 2, "black")
    # 翠竹苑 has no company in the registry (R12, R15), 无名小区 is not in it (R13)
    unknown = rows[None]
    assert (unknown["orders_total"], unknown["compounds"], unknown["rank"], unknown["complaints_per_1000_households"]) == (
        3, 0, None, None)
    red, black = lists(found)
    assert ([r["name"] for r in red], [r["name"] for r in black]) == (["乙物业"], ["甲物业"])


def test_categories_and_request_types_by_hand(con, cfg):
    rows = by_name(breakdown(con, cfg, Scope(), JUNE, "category"))
    assert {n: r["orders_total"] for n, r in rows.items()} == {"渗水漏水": 7, "车辆管理": 2, "供水": 2, "电梯": 2,
                                                               "噪音扰民": 1}
    # 供水 (R6, R7) and 电梯 (R9 due and on time, R15 not yet due) both score 100: rank 1, 1
    assert (rows["供水"]["rank"], rows["电梯"]["rank"], rows["车辆管理"]["rank"], rows["渗水漏水"]["rank"]) == (1, 1, 3, 4)
    assert rows["电梯"]["orders_due"] == 1 and rows["车辆管理"]["on_time_closure_rate"] == 0.0
    assert rows["渗水漏水"]["on_time_closure_rate"] == pytest.approx(3 / 7)       # R1, R5, R10 of 7
    assert rows["渗水漏水"]["satisfaction_rate"] == 0.5                            # R2, R8, R11 dissatisfied of 6
    noise = rows["噪音扰民"]   # one order, all of it good: too few to rank
    assert noise["small_sample"] and noise["rank"] is None and noise["composite_score"] == pytest.approx(100.0)
    assert all(r["list"] is None for r in rows.values())   # no 红黑榜 of categories
    types = by_name(breakdown(con, cfg, Scope(), JUNE, "request_type"))
    assert {n: r["orders_total"] for n, r in types.items()} == {"投诉": 11, "求助": 1, "咨询": 1, "建议": 1}
    assert [n for n, r in types.items() if r["rank"] is not None] == ["投诉"]


@pytest.mark.parametrize("by", ["unit", "company", "category", "request_type"])
def test_rows_sum_to_the_scopes_totals(con, built, cfg, config, by):
    """The unknown row makes the rows sum to kpis' figures: nothing is dropped, nothing counted twice."""
    main, _, _ = built
    h1 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), fixtures.AS_OF)
    for database, settings, window, scope in [
            (con, cfg, JUNE, Scope()), (con, cfg, JUNE, Scope(street="西街道")), (con, cfg, JUNE, Scope(category="渗水漏水")),
            (con, cfg, Window(Period(dt.date(2024, 5, 1), dt.date(2024, 7, 31)), bf.AS_OF), Scope()),
            (main, config, h1, Scope()), (main, config, h1, Scope(street="东街道")), (main, config, h1, Scope(source="12345平台"))]:
        found = breakdown(database, settings, scope, window, by)
        total = kpis(database, settings, scope, window)
        for measure in ("orders_total", "orders_due", "closed_on_time", "closed", "revisited"):
            assert sum(r[measure] for r in found) == total[measure], (by, scope, measure)
        ages = total["open_orders_by_age"]
        assert sum(r["open_orders"] for r in found) == sum(ages.values())
        assert sum(r["overdue_orders"] for r in found) == ages["overdue_short"] + ages["overdue_medium"] + ages["overdue_long"]


def test_the_main_fixtures_unknowns(built, config):
    """tests/fixtures.py: W7 is 市政维修中心's, the rest 物业公司's; 幸福里小区 has no company, 未知小区 no registry row."""
    con, _, _ = built
    units = by_name(breakdown(con, config, Scope(), Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
                                                           fixtures.AS_OF), "unit"))
    assert {n: r["orders_total"] for n, r in units.items()} == {"物业公司": 10, "市政维修中心": 1}
    companies = by_name(breakdown(con, config, Scope(), Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
                                                               fixtures.AS_OF), "company"))
    # 甲物业: 阳光花园 W1-W4; 乙物业: 和平新村 W7, W8, W12; 未知: 幸福里小区 W5, W6, W13 and 未知小区 W9
    assert {n: r["orders_total"] for n, r in companies.items()} == {"甲物业": 4, "乙物业": 3, None: 4}
    assert companies[None]["compound_names"] == []


def test_a_rows_short_orders(con, cfg):
    late = orders(con, cfg, Scope(), JUNE, "unit", "城管科", "late")
    # R4 open since its deadline 06-13 09:00: 18 days 1 hour at 07-01 10:00 = 19 days begun; R3 2 days; R2 1 day
    assert [(o["order_id"], o["days_late"], o["is_closed"]) for o in late] == [("R4", 19, False), ("R3", 2, True),
                                                                            ("R2", 1, True)]
    r2 = late[2]
    assert (r2["compound_name"], r2["handling_unit"], r2["property_company"]) == ("金桂苑", "城管科", "甲物业")
    assert (r2["received_at"], r2["due_at"], r2["closed_at"]) == (dt.datetime(2024, 6, 4, 9), dt.datetime(2024, 6, 7, 9),
                                                                  dt.datetime(2024, 6, 8, 9))
    assert (r2["revisit_result"], r2["resolved"]) == ("dissatisfied", False)
    assert fixtures.PHONE not in r2["content"] and "楼道漏水一周无人处理" in r2["content"]   # masked at import
    assert not any(fixtures.NAME in str(v) or fixtures.PHONE in str(v) for o in late for v in o.values())
    assert [o["order_id"] for o in orders(con, cfg, Scope(), JUNE, "unit", "城管科", "dissatisfied")] == ["R2"]
    assert [o["order_id"] for o in orders(con, cfg, Scope(), JUNE, "unit", "城管科", "unresolved")] == ["R2", "R3"]
    assert [o["order_id"] for o in orders(con, cfg, Scope(), JUNE, "unit", None, "late")] == ["R13"]
    assert [o["order_id"] for o in orders(con, cfg, Scope(), JUNE, "company", "甲物业", "late")] == ["R4", "R3", "R2",
                                                                                                   "R11"]
    assert [o["order_id"] for o in orders(con, cfg, Scope(), JUNE, "company", None, "late")] == ["R13"]
    assert [o["order_id"] for o in orders(con, cfg, Scope(), JUNE, "category", "渗水漏水", "dissatisfied")] == [
        "R2", "R8", "R11"]
    # each list is as long as the row's count of it
    for by in ("unit", "company", "category", "request_type"):
        for row in breakdown(con, cfg, Scope(), JUNE, by):
            for which, measure in (("late", "late_orders"), ("dissatisfied", "dissatisfied_orders"),
                                   ("unresolved", "unresolved_orders")):
                assert len(orders(con, cfg, Scope(), JUNE, by, row["name"], which)) == row[measure], (by, row["name"])


def test_a_street_account_sees_its_streets_units_only(con, cfg):
    east = Account(login="dong", role="street", street="东街道", community=None, admin=False, disabled=False,
                   created_at="2024-07-01 00:00:00", updated_at="2024-07-01 00:00:00")
    scope = restrict(east, Scope(), con)
    units = by_name(breakdown(con, cfg, scope, JUNE, "unit"))
    # 东街道: 金桂苑 and 银杏苑 only: 城管科 R1-R5 and 物业客服 R9-R11; 供水公司 (丹枫苑) and the unknown are 西街道's
    assert {n: r["orders_total"] for n, r in units.items()} == {"城管科": 5, "物业客服": 3}
    assert by_name(breakdown(con, cfg, scope, JUNE, "company"))["甲物业"]["compound_names"] == ["金桂苑", "银杏苑"]
    assert set(by_name(breakdown(con, cfg, scope, JUNE, "company"))) == {"甲物业"}
    assert [o["order_id"] for o in orders(con, cfg, scope, JUNE, "unit", None, "late")] == []


def test_a_window_judged_before_the_data_ends(con, cfg):
    """At 06-12 00:00 R1 is closed on time, R2 and R3 late; R4 (due 06-13) and R5 (received 06-11, closed 06-12
    09:00) are open and not yet due."""
    early = Window(Period(*bf.JUNE), dt.datetime(2024, 6, 12, 0, 0))
    city = by_name(breakdown(con, cfg, Scope(), early, "unit"))["城管科"]
    assert (city["orders_total"], city["orders_due"], city["closed_on_time"], city["open_orders"],
            city["overdue_orders"]) == (5, 3, 1, 2, 0)


class Scans:
    """Rollups off: the plain per-order computation."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def __call__(self, fn, *args, **kwargs):
        with self.monkeypatch.context() as m:
            m.setattr(rollup, "plan", lambda *a, **k: None)
            m.setattr(rollup, "latest", lambda con: None)
            return fn(*args, **kwargs)


def test_the_rollups_answer_what_the_scan_answers(con, cfg, monkeypatch):
    scans = Scans(monkeypatch)
    used = []
    original = rollup.plan
    monkeypatch.setattr(rollup, "plan", lambda *a, **k: used.append(original(*a, **k)) or used[-1])
    for scope in (Scope(), Scope(street="东街道"), Scope(compound="银杏苑"), Scope(category="渗水漏水")):
        for by in ("unit", "company", "category", "request_type"):
            assert breakdown(con, cfg, scope, JUNE, by) == scans(breakdown, con, cfg, scope, JUNE, by), (scope, by)
    assert {p.table for p in used if p is not None} >= {"order_rollup_unit", "order_rollup_compound",
                                                         "order_rollup_category"}


# ---- the demo district ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory, config):
    path = tmp_path_factory.mktemp("breakdown_demo") / "demo.duckdb"
    build_demo_database(path, config, progress=lambda msg: None)
    con = connect(path, read_only=True)
    yield con
    con.close()


def demo_windows(con):
    as_of = latest_timestamp(con)
    return [Window(p, as_of) for p in (Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
                                       Period(dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
                                       Period(dt.date(2024, 1, 1), dt.date(2025, 12, 31)),
                                       Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
                                       Period(dt.date(2025, 3, 10), dt.date(2025, 4, 20)))]


def demo_scopes(con):
    streets = [r["street"] for r in con.execute("SELECT DISTINCT street FROM compounds ORDER BY 1").df().to_dict("records")]
    return [Scope()] + [Scope(street=s) for s in streets] + [Scope(category="物业服务")]


def test_the_demo_rollups_equal_the_scan_and_sum_to_the_totals(demo, config, monkeypatch):
    scans = Scans(monkeypatch)
    for window in demo_windows(demo)[:3]:
        for scope in demo_scopes(demo)[:3]:
            total = kpis(demo, config, scope, window)["orders_total"]
            for by in ("unit", "company", "category", "request_type"):
                found = breakdown(demo, config, scope, window, by)
                assert found == scans(breakdown, demo, config, scope, window, by), (window, scope, by)
                assert sum(r["orders_total"] for r in found) == total


# The briefing's company lists before they came from metrics.breakdown (briefing/content.py until issue 22), kept as
# the reference: each company pooled from the scorecard's compound rows.
POOLED = ("households", "orders_total", "closed_on_time", "orders_due", "revisited", "closed_revisit_tracked",
          "satisfied_weighted", "complaint_count")


def pooled_company_lists(card, config):
    companies = {}
    for row in card:
        name = row.get("property_company")
        if not name:
            continue
        c = companies.setdefault(name, {"property_company": name, "compounds": 0, **{key: 0 for key in POOLED}})
        c["compounds"] += 1
        c["complaints_known"] = c.get("complaints_known") or row.get("complaints_per_1000_households") is not None
        for key in POOLED:
            c[key] += row.get(key) or 0
    out = []
    for c in companies.values():
        c.update(apply_ratios(c, ("on_time_closure_rate", "revisit_rate", "satisfaction_rate")))
        c["complaints_per_1000_households"] = (ratio(1000 * c["complaint_count"], c["households"])
                                               if c.pop("complaints_known") else None)
        c["composite_score"] = composite_score(c, config)
        c["small_sample"] = c["orders_total"] < int(config["scorecard"]["min_orders"])
        out.append(c)
    out.sort(key=lambda c: (c["small_sample"], -(c["composite_score"] or 0), c["property_company"]))
    eligible = [r for r in out if not r["small_sample"] and r["composite_score"] is not None]
    assign_ranks(eligible)
    return red_black(eligible, int(config["scorecard"]["list_size"]))


def said(items):
    """What the briefing prints of a company (briefing/sections.py): name, compounds, score, on-time, satisfaction."""
    return [(c["property_company"], c["compounds"], f"{c['composite_score']:.1f}", c["on_time_closure_rate"],
             c["satisfaction_rate"]) for c in items]


def test_the_briefings_company_lists_say_what_they_said(demo, con, cfg, config):
    from briefing.content import build, company_lists

    checked = 0
    for database, settings, windows, scopes in ((demo, config, demo_windows(demo), demo_scopes(demo)),
                                                 (con, cfg, [JUNE], [Scope(), Scope(street="东街道")])):
        for window in windows:
            for scope in scopes:
                before = pooled_company_lists(scorecard(database, settings, scope, window), settings)
                now = company_lists(database, settings, scope, window)
                assert said(now[0]) == said(before[0]) and said(now[1]) == said(before[1]), (window, scope)
                checked += bool(before[0] or before[1])
    assert checked >= 10   # lists were there to compare, red and black
    made = build(demo, config, Scope(), demo_windows(demo)[0])
    assert said(made.company_red) == said(pooled_company_lists(scorecard(demo, config, Scope(), demo_windows(demo)[0]),
                                                                config)[0])
    assert len(made.company_red) == len(made.company_black) == 5


# ---- a rollups-only file, a database of the previous layout ----------------------------------------------------

def test_a_rollups_only_file_answers_the_counts_and_not_the_hours(con, tmp_path, cfg):
    """Built by the rollup job from the fixture's lake: the same rows without the hours (hours_known false); a row's
    orders need the orders themselves and say so."""
    import store
    from metrics.scale import rollup_job
    from metrics.scale.lake import export

    export(con, tmp_path / "lake")
    out = tmp_path / "rollups.duckdb"
    rollup_job.build(tmp_path / "lake", out, "duckdb", cfg)
    only = store.reader(out, cfg).cursor()
    window = Window(Period(*bf.JUNE), latest_timestamp(only))
    assert window.as_of == bf.AS_OF
    for by in ("unit", "company", "category", "request_type"):
        ours, theirs = breakdown(con, cfg, Scope(), JUNE, by), breakdown(only, cfg, Scope(), window, by)
        hours = ("median_close_hours", "p90_close_hours", "hours_known")
        assert [{k: v for k, v in r.items() if k not in hours} for r in theirs] == \
               [{k: v for k, v in r.items() if k not in hours} for r in ours]
        assert all(r["median_close_hours"] is None and not r["hours_known"] for r in theirs)
    with pytest.raises(rollup.NotInRollups):
        orders(only, cfg, Scope(), window, "unit", "城管科", "late")


def test_a_database_of_the_previous_rollup_layout_is_rebuilt_when_opened(tmp_path, cfg):
    path = tmp_path / "old.duckdb"
    con = connect(path)
    bf.build(con, tmp_path, cfg)
    expected = breakdown(con, cfg, Scope(), JUNE, "unit")
    con.execute("DROP TABLE order_rollup_unit")   # as version 5 left it
    con.execute("UPDATE meta SET value = '5' WHERE key = 'rollup_version'")
    con.close()
    old = connect(path, read_only=True)
    assert not rollup.ready(old)   # read-only, it is scanned meanwhile: the same answers
    assert breakdown(old, cfg, Scope(), JUNE, "unit") == expected
    old.close()
    con = connect(path)   # opened writable (an import, the app's writer, the CLI): the rollups are rebuilt
    assert rollup.ready(con) and con.execute("SELECT sum(orders_total) FROM order_rollup_unit").fetchone()[0] == 16
    assert rollup.plan(con, "work_orders", [], JUNE, ["handling_unit"]).table == "order_rollup_unit"
    assert breakdown(con, cfg, Scope(), JUNE, "unit") == expected
    con.close()


# ---- the command line -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, cfg):
    folder = tmp_path_factory.mktemp("breakdown_cli")
    con = connect(folder / "cli.duckdb")
    bf.build(con, folder, cfg)
    con.close()
    settings = folder / "config.yaml"
    settings.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return folder / "cli.duckdb", settings


def cli(settings, *args):
    return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "DASHBOARD_CONFIG": str(settings),
                                            "DASHBOARD_LOG": os.devnull})


def test_cli_json(cli_db):
    db, settings = cli_db
    done = cli(settings, "breakdown", "--db", db, "--by", "unit", "--from", "2024-06-01", "--to", "2024-06-30",
               "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["by"], found["scope"], found["period"]["as_of"]) == ("unit", {}, "2024-07-01 10:00:00")
    rows = by_name(found["rows"])
    city = rows["城管科"]
    assert (city["orders_total"], city["orders_due"], city["closed_on_time"], city["on_time_closure_rate"]) == (5, 5, 2, 0.4)
    assert (city["revisit_rate"], city["satisfaction_rate"], city["median_close_hours"]) == (1.0, 0.75, 72.0)
    assert (city["open_orders"], city["overdue_orders"], city["rank"], city["list"]) == (1, 1, 3, "black")
    assert city["on_time_closure_rate_low"] == pytest.approx(0.1176, abs=1e-4)
    assert (rows["供水公司"]["rank"], rows["物业客服"]["rank"]) == (1, 1)
    assert rows[None]["unknown"] and rows[None]["orders_total"] == 3
    assert sum(r["orders_total"] for r in found["rows"]) == 14
    # the scope options of kpis, and --as-of
    done = cli(settings, "breakdown", "--db", db, "--by", "company", "--from", "2024-06-01", "--to", "2024-06-30",
               "--street", "东街道", "--as-of", "2024-06-12 00:00")
    rows = by_name(json.loads(done.stdout)["rows"])
    # R1-R5 and R9-R11 received by 06-12 00:00; open then R4, R5 and R11 (both closed 06-12 09:00), overdue R11 (due
    # 06-11 09:00)
    assert list(rows) == ["甲物业"] and rows["甲物业"]["orders_total"] == 8
    assert (rows["甲物业"]["open_orders"], rows["甲物业"]["overdue_orders"]) == (3, 1)


def test_cli_csv(cli_db):
    db, settings = cli_db
    done = cli(settings, "breakdown", "--db", db, "--by", "request-type", "--from", "2024-06-01", "--to", "2024-06-30",
               "--format", "csv")
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["name"], r["orders_total"], r["rank"]) for r in table] == [
        ("投诉", "11", "1"), ("咨询", "1", ""), ("建议", "1", ""), ("求助", "1", "")]
    complaint = table[0]
    assert (complaint["orders_due"], complaint["closed_on_time"], complaint["on_time_closure_rate"]) == ("10", "7", "0.7")
    assert (complaint["satisfaction_rate"], complaint["median_close_hours"], complaint["small_sample"]) == ("0.8", "30.0",
                                                                                                          "False")
    done = cli(settings, "breakdown", "--db", db, "--by", "company", "--from", "2024-06-01", "--to", "2024-06-30",
               "--format", "csv")
    table = {r["name"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert table["甲物业"]["compound_names"] == "金桂苑、银杏苑" and table["甲物业"]["rank"] == "2"
    assert table[""]["unknown"] == "True" and table[""]["orders_total"] == "3"


def test_cli_refuses_what_it_does_not_know(cli_db):
    db, settings = cli_db
    done = cli(settings, "breakdown", "--db", db, "--by", "street", "--from", "2024-06-01", "--to", "2024-06-30")
    assert done.returncode == 2 and "invalid choice" in done.stderr
