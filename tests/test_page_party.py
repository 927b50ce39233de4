"""党建覆盖 through AppTest on the hand-counted fixture (data as of 2024-07-01 12:00, default period H1 2024).

Registry on the reference day 2024-06-30: A 阳光花园 own branch (2023), committee, dual role; B 幸福里小区 party
group (2024-03-15), no committee; C 和平新村 joint branch (2024-06-20), 5 members, committee; D 翠湖苑 none,
4 members, committee."""
import datetime as dt
import json

import pytest
from conftest import shown_metrics

from metrics.database import connect
from metrics.kpis import Scope, Window, compound_kpis_by
from metrics.periods import Period

AS_OF = dt.datetime(2024, 7, 1, 12)


def party(app):
    at = app.switch_page("pages/party.py").run()
    assert not at.exception
    return at


def tables(at) -> list:
    """community table, to-do list, new organisations, branch comparison (in page order)."""
    return [d.value for d in at.dataframe]


def spec(at, title: str) -> dict:
    for chart in at.get("plotly_chart"):
        found = json.loads(chart.proto.spec)
        if found["layout"]["title"]["text"] == title:
            return found
    raise AssertionError(f"no chart titled {title}")


@pytest.mark.slow
def test_cards(app):
    at = party(app)
    shown = shown_metrics(at)
    # covered A, B, C of 4; own branch A; committee A, C, D; dual role A of the two with branch and committee (A, C)
    assert shown == {"党组织覆盖率": "75.0%", "独立组建率": "25.0%", "业委会组建率": "75.0%", "“一肩挑”比例": "50.0%"}
    captions = [c.value for c in at.caption]
    assert "3/4个小区 · 目标 100.0%" in captions and "1/2个小区" in captions
    assert at.subheader[0].value == "党建指标（统计日：2024年6月30日）"


def test_by_street_and_by_community(app):
    at = party(app)
    chart = spec(at, "各街道党建指标")
    coverage = next(trace for trace in chart["data"] if trace["name"] == "党组织覆盖率")
    # 东街道: A, B both covered (2/2); 西街道: C covered, D not (1/2)
    assert coverage["x"] == ["东街道", "西街道"] and coverage["y"] == [1.0, 0.5]
    dual = next(trace for trace in chart["data"] if trace["name"] == "“一肩挑”比例")
    assert dual["y"] == [1.0, 0.0]  # 东: A 1/1; 西: C has branch and committee, no dual role: 0/1
    communities = tables(at)[0]
    assert list(communities["社区"]) == ["东一社区", "东二社区", "西一社区"]
    assert list(communities["党组织覆盖率"]) == ["100.0%（1/1）", "100.0%（1/1）", "50.0%（1/2）"]
    assert list(communities["独立组建率"]) == ["100.0%（1/1）", "0.0%（0/1）", "0.0%（0/2）"]
    assert list(communities["业委会组建率"]) == ["100.0%（1/1）", "0.0%（0/1）", "100.0%（2/2）"]
    assert list(communities["“一肩挑”比例"]) == ["100.0%（1/1）", "—（0/0）", "0.0%（0/1）"]
    assert list(communities["应建未建"]) == [0, 0, 2]
    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {"下载 Excel", "下载 CSV"}
    assert len(at.get("download_button")) == 8  # four tables, two formats each


def test_todo_list_and_new_organisations(app):
    at = party(app)
    _, todo, founded, _ = tables(at)
    # 5 and 4 full members, neither with a branch of its own
    assert todo.to_dict("records") == [
        {"小区": "和平新村", "街道": "西街道", "社区": "西一社区", "党员人数": 5, "现有党组织": "联合党支部", "物业公司": "乙物业"},
        {"小区": "翠湖苑", "街道": "西街道", "社区": "西一社区", "党员人数": 4, "现有党组织": "无", "物业公司": "—"},
    ]
    assert list(founded["小区"]) == ["幸福里小区", "和平新村"]
    assert list(founded["成立日期"]) == ["2024-03-15", "2024-06-20"]
    assert list(founded["党组织类型"]) == ["党小组", "联合党支部"]


def test_branch_comparison(app):
    at = party(app)
    comparison = tables(at)[3]
    # With a branch (A, C): 1,500 households; orders A W1-W4, W10 + C W7, W8, W12 = 8; due 8, on time 6 (not W2, W7);
    # revisited W1, W2, W3, W10, W12 = 5, satisfied or basically 4 -> 80.0%; complaints C1, C3 -> 2 per 1,500.
    # Without (B, D): 500 households; orders W5, W6, W13; due W6, W13, on time W13 -> 50.0%; no revisit; C2 -> 2.0.
    assert comparison.to_dict("records") == [
        {"分组": "有党支部", "小区数": 2, "户数": "1,500", "工单总量": 8, "满意率": "80.0%", "按时办结率": "75.0%",
         "投诉量": 2, "每千户投诉量": "1.3"},
        {"分组": "无党支部", "小区数": 2, "户数": "500", "工单总量": 3, "满意率": "—", "按时办结率": "50.0%",
         "投诉量": 1, "每千户投诉量": "2.0"},
    ]
    per_1000 = spec(at, "每千户投诉量")["data"][0]
    assert per_1000["x"] == ["有党支部", "无党支部"] and per_1000["y"] == [1000 * 2 / 1500, 2.0]
    assert per_1000["texttemplate"] == "%{y:.1f}"


def test_last_year_before_the_new_organisations(app, app_db, config):
    app.query_params["period"] = "last_year"
    at = party(app)
    # 2023, judged on 2023-12-31: only A's branch existed (B from 2024-03-15, C from 2024-06-20)
    expected = compound_kpis_by(connect(app_db), config, Scope(),
                                Window(Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)), AS_OF))[0]
    assert expected["party_org_coverage"] == 0.25
    shown = shown_metrics(at)
    assert shown["党组织覆盖率"] == "25.0%"
    assert shown["“一肩挑”比例"] == "100.0%"  # A is then the only compound with a branch and a committee
    _, todo, founded, _ = tables(at)
    assert list(founded["小区"]) == ["阳光花园"]  # its branch dates from 2023-01-01
    assert list(todo["小区"]) == ["和平新村", "翠湖苑"]  # C's joint branch did not exist yet; D has none


def test_street_filter(app):
    app.query_params["street"] = "东街道"
    at = party(app)
    shown = shown_metrics(at)
    assert shown["党组织覆盖率"] == "100.0%" and shown["独立组建率"] == "50.0%"
    assert "没有应建未建的小区。" in [s.value for s in at.success]
    assert list(tables(at)[1]["小区"]) == ["幸福里小区"]  # new organisations; the to-do table is gone


@pytest.mark.slow
def test_no_compounds_in_scope(app):
    app.query_params["street"] = "西街道"
    app.query_params["kind"] = "old"
    at = party(app)
    assert not at.metric
    assert any("没有数据" in i.value for i in at.info)


@pytest.mark.slow
def test_english(app):
    at = party(app)
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    assert at.title[0].value == "Party building"
    shown = shown_metrics(at)
    assert shown["Party-organisation coverage"] == "75.0%" and shown["Dual-role rate"] == "50.0%"
    todo = tables(at)[1]
    assert list(todo["Current party organisation"]) == ["Joint branch", "None"]
    comparison = tables(at)[3]
    assert list(comparison["Group"]) == ["With a branch", "Without a branch"]
    assert "3 of 4 compounds · Target 100.0%" in [c.value for c in at.caption]


@pytest.mark.slow
def test_month_without_new_organisations(app):
    app.query_params["period"] = "this_month"
    at = party(app)
    # July 2024 up to 07-01: nothing founded; coverage judged on 07-01 is as on 06-30
    assert "统计时段内没有新成立的党组织。" in [i.value for i in at.info]
    assert shown_metrics(at)["党组织覆盖率"] == "75.0%"
