"""诉求趋势 through AppTest on the hand-counted fixture (H1 2024 at 2024-07-01 12:00)."""
import json

from conftest import shown_metrics


def open_trends(app):
    at = app.run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    return at


def table_with(at, first_column):
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def chart(at, title_part):
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(s for s in specs if title_part in s["layout"]["title"]["text"])


def test_monthly_orders_and_complaints(app):
    at = open_trends(app)
    trend = table_with(at, "时间")
    # W10 in May; W1-W9, W12, W13 in June. Complaints: C3 in May; C1, C2, C4 in June
    assert trend["时间"].tolist() == ["2024年1月", "2024年2月", "2024年3月", "2024年4月", "2024年5月", "2024年6月"]
    assert trend["工单量"].tolist() == [0, 0, 0, 0, 1, 11]
    assert trend["投诉量"].tolist() == [0, 0, 0, 0, 1, 3]
    assert shown_metrics(at)["工单总量"] == "12"


def test_split_by_street(app):
    at = open_trends(app)
    at.radio(key="trend_split").set_value("street").run()
    assert not at.exception
    spec = chart(at, "工单量")
    by_name = {trace["name"]: trace for trace in spec["data"]}
    june = by_name["东街道"]["x"].index("2024年6月")
    # June: 东街道 W1-W6, W13 = 7; 西街道 W7-W9, W12 = 4
    assert by_name["东街道"]["y"][june] == 7 and by_name["西街道"]["y"][june] == 4


def test_weeks_add_up_to_the_period(app):
    at = open_trends(app)
    at.radio(key="trend_grain").set_value("week").run()
    assert not at.exception
    assert table_with(at, "时间")["工单量"].sum() == 12


def test_focusing_a_category_narrows_every_figure(app):
    at = open_trends(app)
    at.selectbox(key="trend_focus").select("电梯").run()
    assert not at.exception
    # W8 is the only 电梯 order; no complaint is filed under 电梯
    assert shown_metrics(at)["工单总量"] == "1"
    assert at.query_params["category"] == "电梯"
    at.switch_page("pages/overview.py").run()
    assert shown_metrics(at)["工单总量"] == "1"


def test_english(app):
    at = open_trends(app)
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    assert at.title[0].value == "Trends" and shown_metrics(at)["Work orders"] == "12"


def test_empty_period_says_so(app):
    app.query_params["period"] = "last_year"
    at = app.run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    assert any("没有数据" in i.value for i in at.info)
