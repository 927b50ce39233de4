"""小区对比 through AppTest on the hand-counted fixture (H1 2024 at 2024-07-01 12:00)."""


def open_compare(app):
    at = app.run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    return at


def test_asks_for_two_to_six(app):
    at = open_compare(app)
    assert any("请选择2至6个小区" in i.value for i in at.info)
    ranking = next(d.value for d in at.dataframe if "综合得分" in d.value.columns)
    assert len(ranking) == 4  # every registry compound, all small samples (fewer than 30 orders)


def test_two_compounds_side_by_side(app):
    at = open_compare(app)
    at.multiselect(key="compare_compounds").set_value(["阳光花园", "和平新村"]).run()
    assert not at.exception
    assert at.query_params["compounds"] == "阳光花园,和平新村"
    text = " ".join(str(d.value.to_dict()) for d in at.dataframe)
    # 阳光花园: W1 W2 W3 W4 W10 all closed, W2 late -> 4/5 = 80.0%;
    # 和平新村: W8 and W12 (closed 07-01 12:00) on time, W7 overdue open -> 2/3 = 66.7%
    assert "80.0%" in text and "66.7%" in text
    assert len(at.get("plotly_chart")) >= 2  # radar and monthly trends


def test_pick_from_the_url_and_english(app):
    app.query_params["compounds"] = "翠湖苑,幸福里小区"
    at = app.run()
    at.switch_page("pages/compare.py").run()
    assert at.multiselect(key="compare_compounds").value == ["翠湖苑", "幸福里小区"]
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    assert at.title[0].value == "Compare compounds"
