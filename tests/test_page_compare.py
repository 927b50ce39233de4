"""小区对比 through AppTest on the hand-counted fixture (data as of 2024-07-01 12:00; default period H1 2024).

阳光花园 in H1: W1, W2 (late), W3, W4, W10 all closed -> on time 4/5; revisited W1, W2, W3, W10 of 5 closed
(W4 unreachable) -> 4/5; satisfied W1, W2 (basically), W10 of 4 -> 75.0%; complaints C1, C3 on 1,000 households.
和平新村: W7 overdue open, W8 on time, W12 closed at 12:00 (= as-of) before its 07-02 deadline -> due 3, on time 2;
closed 2, revisited W12 only -> 50.0%, satisfied 1/1; no complaint; 500 households."""
import json
import re

import pytest
from conftest import shown_metrics  # noqa: F401  (the fixture module)

GREEN, RED = "#E4F2E7", "#FBE4E6"


def open_compare(app, compounds: str | None = "阳光花园,和平新村", **params):
    if compounds is not None:
        app.query_params["compounds"] = compounds
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    return at


def table(at, key: str):
    """The page's tables in order: the side-by-side KPIs and the registry facts (with two picks), the ranking."""
    if key == "compare_ranking":
        return next(d for d in at.dataframe if d.proto.id.endswith("-compare_ranking"))
    return at.dataframe[{"compare_kpis": 0, "compare_facts": 1}[key]]


def kpis(at) -> dict:
    frame = table(at, "compare_kpis").value
    return {row.iloc[0]: list(row.iloc[2:]) for _, row in frame.iterrows()}


def cell_styles(at) -> dict:
    """(row, column) -> css of the styled side-by-side table."""
    styles = table(at, "compare_kpis").proto.arrow_data.styler.styles
    out = {}
    for selectors, css in re.findall(r"([^{}]+)\{([^}]*)\}", styles):
        for cell in re.findall(r"row(\d+)_col(\d+)", selectors):
            out[(int(cell[0]), int(cell[1]))] = css
    return out


def charts_by_title(at) -> dict:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {s["layout"]["title"]["text"]: s for s in specs}


@pytest.mark.slow
def test_two_compounds_side_by_side(app):
    at = open_compare(app)
    assert at.multiselect(key="compare_compounds").value == ["阳光花园", "和平新村"]
    assert at.multiselect(key="compare_compounds").options == ["阳光花园（东街道）", "幸福里小区（东街道）",
                                                                "和平新村（西街道）", "翠湖苑（西街道）",
                                                                "未知小区（西街道，未入台账）"]
    shown = kpis(at)
    assert shown["按时办结率"] == ["80.0%", "66.7%"]
    assert shown["回访率"] == ["80.0%", "50.0%"]
    assert shown["满意率"] == ["75.0%", "100.0%"]
    # A: first contact W1, W2 yes, W3 no -> 2/3; resolved W1 only -> 1/3; C has no such column values
    assert shown["先行联系率"] == ["66.7%", "—"] and shown["解决率"] == ["33.3%", "—"]
    assert shown["工单总量"] == ["5", "3"] and shown["投诉量"] == ["2", "0"]
    assert shown["每千户投诉"] == ["2.0", "0.0"]
    # A: 100 × (0.3·0.8 + 0.4·0.75 + 0.1·0.8 + 0.2·(1 − 2/50)); C: 100 × (0.3·2/3 + 0.4·1 + 0.1·0.5 + 0.2·1)
    assert shown["综合得分"] == ["81.2", "85.0"]
    styles = cell_styles(at)
    # columns: 指标, 目标, 阳光花园, 和平新村; only C's satisfaction (100%) reaches its 90% target
    assert all(RED in styles[(row, col)] for row in range(3) for col in (2, 3) if (row, col) != (2, 3))
    assert GREEN in styles[(2, 3)] and (3, 2) not in styles
    assert any("阳光花园、和平新村的工单少于30件" in c.value for c in at.caption)


def test_radar_trends_and_registry_facts(app):
    at = open_compare(app)
    found = charts_by_title(at)
    radar = {t["name"]: t["r"] for t in found["五率对比"]["data"]}
    assert radar["阳光花园"][:3] == [0.8, 0.8, 0.75] and radar["和平新村"][:3] == [2 / 3, 0.5, 1.0]
    trend = {t["name"]: t["y"] for t in found["工单总量月度走势"]["data"]}
    assert trend == {"阳光花园": [1, 4], "和平新村": [0, 3]}   # May and June: the data starts 2024-05-20
    at.radio(key="compare_trend_kpi").set_value("on_time_closure_rate").run()
    trend = {t["name"]: t["y"] for t in charts_by_title(at)["按时办结率月度走势"]["data"]}
    assert trend["阳光花园"] == [1.0, 0.75] and trend["和平新村"] == [None, 2 / 3]
    facts = table(at, "compare_facts").value.set_index("项目")
    assert list(facts.loc["党组织类型"]) == ["独立党支部", "联合党支部"]
    assert list(facts.loc["党组织成立日期"]) == ["2023-01-01", "2024-06-20"]
    assert list(facts.loc["户数"]) == ["1,000", "500"] and list(facts.loc["小区类型"]) == ["商品房小区", "安置房小区"]
    assert list(facts.loc["业委会"]) == ["是", "是"] and list(facts.loc["物业公司"]) == ["甲物业", "乙物业"]


def test_ranking_of_every_compound_in_scope(app):
    at = open_compare(app, compounds=None)
    ranking = table(at, "compare_ranking").value
    # min_orders 30: every fixture compound is a small sample, none ranked, no list; 未知小区 (W9) is not
    # in the registry and is marked so
    assert len(ranking) == 5
    assert list(ranking["样本"]) == ["样本少"] * 5
    assert dict(zip(ranking["小区"], ranking["未入台账"])) == {"和平新村": "", "幸福里小区": "", "未知小区": "未入台账",
                                                            "翠湖苑": "", "阳光花园": ""}
    assert ranking["排名"].isna().all() and set(ranking["榜单"]) == {""}
    row = ranking.set_index("小区").loc["阳光花园"]
    assert row["按时办结率"] == 80.0 and row["按时办结率区间"] == "37.6%–96.4%"  # Wilson 4 of 5
    assert row["每千户投诉"] == 2.0 and row["每千户工单"] == 5.0
    assert ranking.set_index("小区")["综合得分"].isna()["翠湖苑"]  # no orders: no score, not a perfect one
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 Excel", "下载 CSV"]  # only the ranking: nothing picked yet


def test_picks_ignore_the_street_filter_but_ranking_follows_it(app):
    at = open_compare(app, street="东街道")
    assert kpis(at)["按时办结率"] == ["80.0%", "66.7%"]  # 和平新村 is in 西街道 and still compared
    ranking = table(at, "compare_ranking").value
    assert sorted(ranking["小区"]) == sorted(["阳光花园", "幸福里小区"])


def test_picking_in_the_widget(app):
    at = open_compare(app, compounds=None)
    at.multiselect(key="compare_compounds").set_value(["翠湖苑", "幸福里小区"]).run()
    assert not at.exception
    assert at.query_params["compounds"] == "翠湖苑,幸福里小区"
    # 幸福里小区: W13 on time, W6 overdue open, W5 not yet due -> 1/2; 翠湖苑 has no orders
    assert kpis(at)["按时办结率"] == ["—", "50.0%"] and kpis(at)["综合得分"] == ["—", "55.0"]


def test_fewer_than_two(app):
    at = open_compare(app, compounds="阳光花园")
    assert any("请选择2至6个小区" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    at = open_compare(app, compounds=None)
    assert any("请选择2至6个小区" in i.value for i in at.info)


def test_url_round_trip(app):
    at = open_compare(app, compounds="阳光花园,不存在的小区,和平新村")
    assert at.multiselect(key="compare_compounds").value == ["阳光花园", "和平新村"]
    assert at.multiselect(key="compare_compounds").proto.max_selections == 6
    at.multiselect(key="compare_compounds").select("翠湖苑").run()
    assert not at.exception
    assert at.query_params["compounds"] == "阳光花园,和平新村,翠湖苑"
    assert kpis(at)["按时办结率"] == ["80.0%", "66.7%", "—"]
    at.multiselect(key="compare_compounds").unselect("阳光花园").unselect("和平新村").unselect("翠湖苑").run()
    assert "compounds" not in at.query_params


def test_english(app):
    at = open_compare(app)
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    assert at.title[0].value == "Compare compounds"
    assert at.multiselect(key="compare_compounds").options[0] == "阳光花园 (东街道)"
    shown = kpis(at)
    assert shown["On-time closure rate"] == ["80.0%", "66.7%"] and shown["Composite score"] == ["81.2", "85.0"]
    assert "Five rates compared" in charts_by_title(at)
    ranking = table(at, "compare_ranking").value
    assert list(ranking["Sample"]) == ["Small sample"] * 5
    facts = table(at, "compare_facts").value.set_index("Item")
    assert list(facts.loc["Party organisation"]) == ["Independent branch", "Joint branch"]


def test_a_compound_not_in_the_registry_is_compared(app):
    at = open_compare(app, compounds="阳光花园,未知小区")
    assert not at.exception
    shown = kpis(at)
    # 未知小区 in H1 2024: W9 only, on time, satisfied; complaint C4; no households, so no per-1,000 figure
    assert shown["工单总量"] == ["5", "1"] and shown["按时办结率"] == ["80.0%", "100.0%"]
    assert shown["投诉量"] == ["2", "1"] and shown["每千户投诉"] == ["2.0", "—"]
    facts = table(at, "compare_facts").value.set_index("项目")
    assert list(facts.loc["户数"]) == ["1,000", "—"]
