"""Charts (issue 14, defect 8), asserted on the figure specs: a rate axis zoomed to the data with its target lines
labelled, values level (never turned 90°), axes titled with their units, radar rings without labels over the
shapes, briefing images without the title the caption already prints; and a click on a street's bar on 总览
narrows the sidebar's street filter (AppTest, with the selection event a browser sends)."""
from __future__ import annotations

import json

import pytest

import charts
from conftest import shown_metrics

STREETS = [{"street": "东街道", "on_time_closure_rate": 0.84, "satisfaction_rate": 0.91, "orders_total": 4566},
           {"street": "西街道", "on_time_closure_rate": 0.87, "satisfaction_rate": 0.88, "orders_total": 2919}]
TARGETS = {"on_time_closure_rate": 0.95, "revisit_rate": 0.95, "satisfaction_rate": 0.90}
RATES = [("on_time_closure_rate", "按时办结率"), ("satisfaction_rate", "满意率")]


def spec(figure) -> dict:
    return json.loads(figure.to_json())


def annotations(figure) -> list[str]:
    return [a["text"] for a in spec(figure)["layout"].get("annotations", [])]


def test_street_rates_zoom_to_the_data_with_labelled_targets():
    fig = spec(charts.bars(STREETS, "street", RATES, "各街道", percent=True, targets=TARGETS))
    layout = fig["layout"]
    # lowest 84% - 2 points = 82%, down to 80%; highest is the 95% target + 2 points (12% of the 15-point span
    # is only 1.8) = 97%
    assert layout["yaxis"]["range"] == pytest.approx([0.80, 0.97])
    # the unit is a level line beneath the title, never a rotated axis title over the tick labels
    assert layout["title"]["subtitle"]["text"] == "单位：%，自80%起" and "title" not in layout["yaxis"]
    # each at its line's right end, outside the plot, in its series' colour (on-time red, satisfaction blue)
    assert [(a["text"], a["x"], a["xanchor"], a["yanchor"], a["font"]["color"]) for a in layout["annotations"]] == [
        ("目标<br>95%", 1, "left", "bottom", charts.SERIES[0]), ("目标<br>90%", 1, "left", "top", charts.SERIES[1])]
    assert [(s["y0"], s["line"]["color"]) for s in layout["shapes"]] == [(0.95, charts.SERIES[0]), (0.90, charts.SERIES[1])]
    assert layout["margin"]["r"] == charts.TARGET_MARGIN
    assert [(t["textangle"], t["textposition"], t["text"]) for t in fig["data"]] == [
        (0, "outside", ["84.0%", "87.0%"]), (0, "outside", ["91.0%", "88.0%"])]
    assert layout["uniformtext"] == {"minsize": 10, "mode": "hide"}   # a value that does not fit is hidden


def test_rate_range_in_general():
    assert charts.rate_range([0.5, 0.62], [0.6]) == pytest.approx([0.45, 0.62 + 0.12 * 0.17])
    assert charts.rate_range([0.99, 1.0]) == pytest.approx([0.95, 1.02])   # at least 2 points of room above
    assert charts.rate_range([0.01]) == pytest.approx([0.0, 0.03])
    assert charts.rate_range([None]) == [0.0, 1.0]


def test_counts_say_their_unit_in_both_languages():
    zh = spec(charts.bars(STREETS, "street", [("orders_total", "工单总量")], "各街道工单量"))
    assert zh["layout"]["title"]["subtitle"]["text"] == "单位：件"
    assert (zh["data"][0]["textangle"], zh["data"][0]["text"]) == (0, ["4,566", "2,919"])
    assert "range" not in zh["layout"]["yaxis"]   # counts start at zero (autorange)
    en = spec(charts.bars(STREETS, "street", [("orders_total", "Orders")], "By street", horizontal=True, lang="en"))
    assert en["layout"]["title"]["subtitle"]["text"] == "Count" and "title" not in en["layout"]["xaxis"]
    assert (en["data"][0]["textangle"], en["data"][0]["textposition"]) == (0, "outside")
    assert en["layout"]["xaxis"]["range"] == pytest.approx([0, 4566 * 1.15])   # the longest bar's value fits
    per_1000 = spec(charts.bars(STREETS, "street", [("orders_total", "x")], "t", unit="per_1000"))
    assert per_1000["layout"]["title"]["subtitle"]["text"] == "单位：件/千户"


def test_stacked_values_stay_inside_and_level():
    fig = spec(charts.bars(STREETS, "street", [("orders_total", "a"), ("orders_total", "b")], "t", stacked=True))
    assert {(t["textangle"], t["textposition"]) for t in fig["data"]} == {(0, "inside")}


def test_rate_lines_label_every_target_once():
    rows = [{"month": "2025年7月", **{k: 0.86 for k in TARGETS}}]
    series = [(k, label) for k, label in [("on_time_closure_rate", "按时办结率"), ("revisit_rate", "回访率"),
                                          ("satisfaction_rate", "满意率")]]
    fig = charts.lines(rows, "month", series, "走势", percent=True, targets=TARGETS)
    # on-time and revisit share 95%: one grey line; satisfaction's 90% in its colour; at the lines' left end, the
    # highest above its line, the other below
    assert annotations(fig) == ["目标95%", "目标90%"]
    assert [(a["x"], a["xanchor"], a["yanchor"]) for a in spec(fig)["layout"]["annotations"]] == [
        (0, "left", "bottom"), (0, "left", "top")]
    assert [s["line"]["color"] for s in spec(fig)["layout"]["shapes"]] == [charts.TARGET_LINE, charts.SERIES[2]]
    assert spec(fig)["layout"]["title"]["subtitle"]["text"] == "单位：%" and "title" not in spec(fig)["layout"]["yaxis"]
    # one target shared by every line (compare's compounds): one line
    same = charts.lines(rows, "month", [("on_time_closure_rate", "甲"), ("revisit_rate", "乙")], "t", percent=True,
                        targets=TARGETS, lang="en")
    assert annotations(same) == ["Target 95%"]
    counts = spec(charts.lines(rows, "month", [("orders_total", "工单")], "t"))
    assert counts["layout"]["title"]["subtitle"]["text"] == "单位：件"


def test_heatmap_says_its_unit():
    fig = spec(charts.heatmap([{"m": 1, "c": "电梯", "n": 3}], "m", "c", "n", "t"))
    assert fig["data"][0]["colorbar"]["title"]["text"] == "件"


def test_radar_rings_carry_no_labels_over_the_shapes():
    fig = spec(charts.radar([("甲", [0.9, None, 0.7])], ["按时办结率", "回访率", "满意率"], "五率", floor=0.6))
    radial = fig["layout"]["polar"]["radialaxis"]
    assert (radial["showticklabels"], radial["range"], radial["dtick"]) == (False, [0.6, 1], 0.1)
    assert fig["data"][0]["r"] == [0.9, 0.6, 0.7, 0.9]   # no data: at the centre


def test_briefing_images_leave_the_title_to_the_caption(monkeypatch):
    from briefing import images

    drawn = []
    monkeypatch.setattr(images, "_render", lambda figure: drawn.append(figure) or b"png")
    fig = charts.bars(STREETS, "street", RATES, "各街道按时办结率与满意率", percent=True, targets=TARGETS)
    assert images.png(fig) == b"png"
    # the title is the document's caption; the unit stays in the picture as its only title line
    assert drawn[0].layout.title.text == "单位：%，自80%起" and drawn[0].layout.title.subtitle.text is None
    assert drawn[0].layout.margin.t == 36
    assert [a.text for a in drawn[0].layout.annotations] == ["目标<br>95%", "目标<br>90%"]


def click(at, key: str, points: list[dict]) -> None:
    """What the browser sends when a bar of the chart `key` is clicked: its selection as the widget's new value
    (AppTest has no Plotly element to click; this is the same WidgetState a click sends, so on_select runs)."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))   # $$ID-<hash>-<key>
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = json.dumps({"selection": {"points": points, "point_indices": [p["point_index"] for p in points],
                                                 "box": [], "lasso": []}})
    at._run(widget_state=states)


def test_clicking_a_street_bar_narrows_the_street_filter(app):
    at = app.run()
    assert not at.exception
    assert at.selectbox(key="f_street").value == "" and shown_metrics(at)["工单总量"] == "12"
    streets = json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith("-streets")).proto.spec)
    assert streets["data"][0]["x"] == ["东街道", "西街道"]
    click(at, "streets", [{"x": "东街道", "y": 0.8, "curve_number": 0, "point_number": 0, "point_index": 0}])
    assert not at.exception
    # 东街道 in H1 2024: A W1-W4, W10 and B W5, W6, W13 = 8 orders
    assert at.selectbox(key="f_street").value == "东街道"
    assert at.query_params["street"] == "东街道"
    assert shown_metrics(at)["工单总量"] == "8"


def test_clicking_a_street_on_the_orders_chart_too(app):
    at = app.run()
    click(at, "streets_orders", [{"x": "西街道", "y": 3, "curve_number": 0, "point_number": 1, "point_index": 1}])
    assert not at.exception
    assert at.selectbox(key="f_street").value == "西街道" and at.query_params["street"] == "西街道"


def test_count_axes_have_whole_ticks():
    """A briefing's complaints by month (1 and 2) drew ticks at 0.5 and 1.5: counts are whole numbers."""
    few = spec(charts.bars([{"month": "5月", "n": 1}, {"month": "6月", "n": 2}], "month", [("n", "投诉量")], "t"))
    assert (few["layout"]["yaxis"]["tickformat"], few["layout"]["yaxis"]["dtick"]) == (",d", 1)
    many = spec(charts.bars([{"c": "a", "n": 11}, {"c": "b", "n": 4}], "c", [("n", "工单")], "t", horizontal=True))
    assert many["layout"]["xaxis"]["tickformat"] == ",d" and "dtick" not in many["layout"]["xaxis"]
    rates = spec(charts.bars(STREETS, "street", RATES, "t", percent=True))
    assert rates["layout"]["yaxis"]["tickformat"] == ".0%" and "dtick" not in rates["layout"]["yaxis"]


def test_last_years_line_differs_from_this_years_in_more_than_colour():
    rows = [{"month": "7月", "orders_total": 10, "orders_total_last_year": 8}]
    fig = spec(charts.lines(rows, "month", [("orders_total", "2025年下半年"), ("orders_total_last_year", "2024年下半年")],
                            "t", colors={"orders_total_last_year": charts.TARGET_LINE}, earlier={"orders_total_last_year"}))
    this, last = fig["data"]
    assert (this["line"].get("dash"), this["marker"].get("symbol"), this["line"]["width"]) == (None, None, 2.5)
    assert (last["line"]["dash"], last["marker"]["symbol"], last["line"]["width"], last["line"]["color"]) == (
        "dot", "square-open", 1.5, charts.TARGET_LINE)
