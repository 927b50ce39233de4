"""Numbers shown only when data stands behind them: a KPI whose input the export lacks is null (and says
which column), open orders without a deadline are 无时限, and ties share a rank and stay off the lists."""
import copy
import datetime as dt
import json

import pytest

import fixtures
from briefing.content import build as build_briefing
from briefing.sections import sections
from conftest import june
from metrics.catalog import missing_text
from metrics.database import connect
from metrics.ingest.importer import import_file
from metrics.kpis import Scope, kpi_report, kpis, open_orders_by_age, window_for
from metrics.scorecard import assign_ranks, red_black, scorecard, why_unranked

REVISIT_COLUMNS = ("回访时间", "回访结果", "是否先行联系", "是否解决")


def _without(columns, headers=fixtures.ORDER_HEADERS, data=fixtures.ORDERS):
    keep = [i for i, h in enumerate(headers) if h not in columns]
    return [headers[i] for i in keep], [[row[i] for i in keep] for row in data]


def _import(con, folder, config, headers, data, name="工单.csv", complaints=True):
    import_file(con, "compounds", fixtures.write_csv(folder / "小区台账.csv", fixtures.COMPOUND_HEADERS,
                                                     fixtures.COMPOUNDS), config)
    import_file(con, "work_orders", fixtures.write_csv(folder / name, headers, data), config)
    if complaints:
        import_file(con, "complaints", fixtures.write_csv(folder / "投诉.csv", fixtures.COMPLAINT_HEADERS,
                                                          fixtures.COMPLAINTS), config)


@pytest.fixture
def no_revisit(tmp_path, config):
    """The fixture's orders exported without 回访时间, 回访结果, 是否先行联系, 是否解决; no complaints file."""
    con = connect(tmp_path / "no_revisit.duckdb")
    _import(con, tmp_path, config, *_without(REVISIT_COLUMNS), complaints=False)
    yield con
    con.close()


@pytest.fixture
def no_deadline(tmp_path, config):
    """The fixture's orders without 办结时限, under a profile that derives none (like Boston's and NYC's)."""
    plain = copy.deepcopy(config)
    plain["profiles"]["default"]["derive_due_at"] = False
    con = connect(tmp_path / "no_deadline.duckdb")
    _import(con, tmp_path, plain, *_without(("办结时限",)))
    yield con, plain
    con.close()


def test_without_a_revisit_column_the_revisit_rates_are_null_and_say_why(no_revisit, config):
    # June: 7 closed (W1 W2 W3 W4 W8 W9 W13), none from a file with 回访结果: was 0/7 = 0.0%
    latest = window_for(no_revisit, dt.date(2024, 6, 1), dt.date(2024, 6, 30))   # at 07-01 12:00: rollup path
    # at 10:00 (scan path) 7 closed, on time 6 of 9 due; at 12:00 W12 is closed too: 8, on time 7 of 10
    for window, closed, on_time in ((june(), 7, 6 / 9), (latest, 8, 7 / 10)):
        found = kpis(no_revisit, config, Scope(), window)
        assert found["closed"] == closed and found["on_time_closure_rate"] == on_time
        assert found["revisit_rate"] is None and found["satisfaction_rate"] is None
        assert found["closed_revisit_tracked"] == 0 and found["orders_revisit_tracked"] == 0
        # the file had no 是否先行联系 / 是否解决 either, and no complaints file was imported: each says so
        assert found["missing_inputs"] == {
            "revisited": ["revisit_result"], "revisit_rate": ["revisit_result"], "satisfaction_rate": ["revisit_result"],
            "first_contact_rate": ["revisit_result", "first_contact"], "resolution_rate": ["revisit_result", "resolved"],
            "three_rates_score": ["revisit_result", "first_contact", "resolved"], "complaint_count": ["complaints"]}
        assert found["revisited"] is None and found["complaint_count"] is None
    assert "回访结果" in missing_text(["revisit_result"], "zh")
    assert missing_text(["revisit_result"], "zh") == "数据中没有“回访结果”列，无法计算，显示为“—”。"


def test_mixed_platforms_count_revisits_only_where_the_export_has_the_column(tmp_path, config):
    """12345 exports 回访结果, a second platform does not: its closed orders stay out of the denominator."""
    con = connect(tmp_path / "mixed.duckdb")
    _import(con, tmp_path, config, fixtures.ORDER_HEADERS, fixtures.ORDERS)
    other = [["X1", "网格上报", "2024-06-04 09:00", "渗水漏水", "阳光花园", "2024-06-07 09:00", "2024-06-05 09:00"],
             ["X2", "网格上报", "2024-06-06 09:00", "渗水漏水", "阳光花园", "2024-06-09 09:00", "2024-06-10 09:00"]]
    import_file(con, "work_orders", fixtures.write_csv(
        tmp_path / "网格.csv", ["工单编号", "来源渠道", "受理时间", "诉求类别", "小区", "办结时限", "办结时间"], other), config)
    district = kpis(con, config, Scope(), june())
    # closed 7 + X1 + X2 = 9, but revisited 4 over the 7 from the file with the column (was 4/9)
    assert (district["closed"], district["closed_revisit_tracked"], district["revisited"]) == (9, 7, 4)
    assert district["revisit_rate"] == 4 / 7 and district["missing_inputs"] == {}
    # on time: the 6 of before + X1 (X2 late) over 9 + 2 due
    assert district["on_time_closure_rate"] == 7 / 11
    grid = kpis(con, config, Scope(source="网格上报"), june())
    assert grid["revisit_rate"] is None and grid["missing_inputs"]["revisit_rate"] == ["revisit_result"]
    con.close()


def test_without_deadlines_no_on_time_rate_and_open_orders_are_their_own_bucket(no_deadline):
    con, config = no_deadline
    found = kpis(con, config, Scope(), june())
    # was: 7 closed all "on time" = 100%, and W5 W6 W7 W12 open as 未到期; then 0 on time of 0 due, now "—" for both
    assert (found["closed"], found["closed_on_time"], found["orders_due"], found["orders_with_deadline"]) == (7, None, None, 0)
    assert found["on_time_closure_rate"] is None
    assert found["missing_inputs"]["on_time_closure_rate"] == ["due_at"]
    assert found["revisit_rate"] == 4 / 7 and "revisit_rate" not in found["missing_inputs"]
    assert open_orders_by_age(con, config, Scope(), june()) == {
        "not_yet_due": 0, "overdue_short": 0, "overdue_medium": 0, "overdue_long": 0, "no_deadline": 4}
    # at the data's moment (rollup path) W12 is closed: 3 open, all without a deadline
    latest = window_for(con, dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    assert open_orders_by_age(con, config, Scope(), latest)["no_deadline"] == 3
    assert kpis(con, config, Scope(), latest)["on_time_closure_rate"] is None
    assert "办结时限" in missing_text(["due_at"], "zh")


def test_briefing_does_not_write_a_rate_the_data_lacks(no_revisit, config):
    b = build_briefing(no_revisit, config, Scope(), june())
    assert "回访率" not in b.headline and "满意率" not in b.headline
    assert "按时办结率66.7%" in b.headline
    kpis_section = next(s for s in sections(b) if s["key"] == "kpis")
    revisit_row = next(r for r in kpis_section["tables"][0]["rows"] if r[0] == "回访率")
    assert revisit_row[1] == "—"
    # W5 W12 not yet due, W6 W7 overdue at 2024-07-01 10:00
    assert kpis_section["paragraphs"] == [
        "截至数据时点，在办工单4件，其中未到期2件、超期2件。",
        "回访率、满意率：数据中没有“回访结果”列，无法计算，显示为“—”。",
        "投诉量：未导入投诉数据，无法计算，显示为“—”。"]


@pytest.mark.slow
def test_briefing_names_open_orders_without_a_deadline(no_deadline):
    con, config = no_deadline
    b = build_briefing(con, config, Scope(), june())
    assert "按时办结率" not in b.headline
    paragraphs = next(s for s in sections(b) if s["key"] == "kpis")["paragraphs"]
    assert paragraphs[0] == "截至数据时点，在办工单4件，其中未到期0件、超期0件、无时限4件。"
    assert paragraphs[1].startswith("按时办结率：数据中没有“办结时限”")


@pytest.mark.slow
def test_cli_json_writes_null_and_the_missing_column(no_revisit, config):
    report = json.loads(json.dumps(kpi_report(no_revisit, config, Scope(), june()), default=str))
    assert report["revisit_rate"] is None and report["missing_inputs"]["revisit_rate"] == ["revisit_result"]
    assert report["open_orders_by_age"]["no_deadline"] == 0


def test_equal_scores_share_a_rank():
    rows = [{"composite_score": s} for s in (80.0, 80.0, 70.0)]
    assign_ranks(rows)
    assert [r["rank"] for r in rows] == [1, 1, 3]
    rows = [{"composite_score": s} for s in (90.0, 80.0, 80.0, 80.0, 60.0)]
    assign_ranks(rows)
    assert [r["rank"] for r in rows] == [1, 2, 2, 2, 5]


def test_lists_take_whole_ties_or_leave_them_out():
    def scored(*scores):
        return [{"composite_score": s, "name": i} for i, s in enumerate(scores)]

    def names(rows):
        return [r["name"] for r in rows]

    red, black = red_black(scored(90, 80, 80, 70, 60), 2)
    assert names(red) == [0] and names(black) == [4, 3]         # the 80-80 tie straddles the red cut-off
    red, black = red_black(scored(90, 80, 80, 70, 60), 3)
    assert names(red) == [0, 1, 2] and names(black) == [4, 3]
    red, black = red_black(scored(75, 75, 75, 75), 2)           # everyone equal: no list can be drawn
    assert red == [] and black == []
    red, black = red_black(scored(90, 70, 50, 50), 1)
    assert names(red) == [0] and black == []                    # the bottom tie does not fit one place


def test_scorecard_without_revisits_or_complaints_scores_the_parts_present(no_revisit, config):
    small = copy.deepcopy(config)
    small["scorecard"]["min_orders"] = 3
    small["scorecard"]["list_size"] = 1
    # by default a composite needs two rates: with on-time alone nothing is scored, and the reason is said
    card = scorecard(no_revisit, small, Scope(), june())
    assert [r["composite_score"] for r in card] == [None] * 5 and not any(r["list"] for r in card)
    assert why_unranked(card, small, kpis(no_revisit, small, Scope(), june())["missing_inputs"]) == (
        "综合得分需要按时办结率、满意率、回访率中至少2项，本期数据只有按时办结率（数据中没有“回访结果”列），"
        "无法计算综合得分，不排红黑榜；下表按工单量排列。")
    # unscored, the table runs by what exists: orders (A 4; C and B 3 each, C first by its shorter median: 11 h
    # against 48 h; the unregistered 未知小区 1; D none), was alphabetical
    assert [r["compound_name"] for r in card] == ["阳光花园", "和平新村", "幸福里小区", "未知小区", "翠湖苑"]
    small["scorecard"]["min_rates"] = 1   # an office that ranks by one rate says so in its config
    card = {r["compound_name"]: r for r in scorecard(no_revisit, small, Scope(), june())}
    a, b, c, d = card["阳光花园"], card["幸福里小区"], card["和平新村"], card["翠湖苑"]
    # no revisit column, no complaints file: only the on-time part. A 3/4; B W13 on time, W6 overdue = 1/2;
    # C W8 on time, W7 overdue = 1/2 (W12 still open at 10:00). Was: revisit 0.0% and 0 complaints scored.
    assert a["complaints_per_1000_households"] is None
    assert (a["composite_score"], b["composite_score"], c["composite_score"]) == pytest.approx((75.0, 50.0, 50.0))
    assert (a["rank"], b["rank"], c["rank"], d["rank"]) == (1, 2, 2, None)
    assert (a["list"], b["list"], c["list"], d["list"]) == ("red", None, None, None)
