"""Links between pages keep the period, filters and language (issue 14, defects 2 and 3), through AppTest on the
hand-counted fixture (data as of 2024-07-01 12:00; default period H1 2024).

阳光花园: H1 2024 five orders (W10 in May; W1-W4 in June), June four. 幸福里小区 (东街道): H1 W5, W6, W13, June W6, W13."""
import datetime as dt

import pytest

from conftest import shown_metrics

from metrics import formatting as fmt
from metrics.database import connect
from metrics.kpis import Scope, Window
from metrics.periods import Period

def select_row(i: int) -> dict:
    return {"selection": {"rows": [i], "columns": [], "cells": []}}


@pytest.mark.slow
def test_a_ranking_row_opens_the_profile_for_the_period_and_filters_shown(app):
    app.query_params["period"] = "last_month"
    app.query_params["street"] = "东街道"
    at = app.switch_page("pages/compare.py").run()
    assert not at.exception
    ranking = at.dataframe(key="compare_ranking").value
    assert list(ranking["小区"]) == ["阳光花园", "幸福里小区"]   # unranked (small samples): by orders, 4 and 3
    # a click on 阳光花园's row: the selection a browser sends, read by the page as after a real click
    at.session_state["compare_ranking"] = select_row(0)
    at = at.run()
    assert not at.exception
    assert at.header[0].value == "阳光花园"
    assert dict(at.query_params) == {"compound": "阳光花园", "period": "last_month", "street": "东街道"}
    assert at.selectbox(key="f_period").value == "last_month" and at.selectbox(key="f_street").value == "东街道"
    assert any(c.value.startswith("统计时段：2024年6月。") for c in at.caption)
    assert shown_metrics(at)["工单总量"] == "4"   # June: W1-W4 (H1 would be 5)


def attention_row(name: str, street: str) -> dict:
    return {"compound_name": name, "street": street, "on_time_closure_rate": 0.5, "satisfaction_rate": 0.5,
            "orders_total": 2, "below_target": ["on_time_closure_rate"], "spikes": [], "order_spikes": [],
            "gaps": [{"kpi": "on_time_closure_rate", "rate": 0.5, "target": 0.95, "gap_pp": 45.0, "n": 2,
                      "shortfall": 0.9}], "small_sample": True, "score": 0.0, "rank": 1}


@pytest.mark.slow
def test_an_attention_row_opens_the_profile_for_a_custom_range(app, monkeypatch):
    """总览's 需关注的小区 (the fixture is too small to be flagged: the list is given, the link is the page's)."""
    from ui import engine

    monkeypatch.setitem(engine.ENGINE, "needs_attention", lambda con, cfg, scope, window, **kw: [attention_row("阳光花园", "东街道")])
    for key, value in {"period": "custom", "from": "2024-06-01", "to": "2024-06-15", "source": "12345平台"}.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception
    at.session_state["attention"] = select_row(0)
    at = at.run()
    assert not at.exception
    assert at.header[0].value == "阳光花园"
    assert dict(at.query_params) == {"compound": "阳光花园", "period": "custom", "from": "2024-06-01",
                                     "to": "2024-06-15", "source": "12345平台"}
    assert (at.text_input(key="f_from").value, at.text_input(key="f_to").value) == ("2024-06-01", "2024-06-15")
    assert any(c.value.startswith("统计时段：2024年6月1日至2024年6月15日。") for c in at.caption)
    assert shown_metrics(at)["工单总量"] == "2"   # W1 (06-03), W2 (06-10); H1 would be 5


def test_the_link_carries_the_language(app):
    app.query_params["period"] = "this_year"
    at = app.switch_page("pages/compare.py").run()
    at.radio(key="lang_choice").set_value("English").run()
    names = list(at.dataframe(key="compare_ranking").value["Compound"])
    at.session_state["compare_ranking"] = select_row(names.index("阳光花园"))
    at = at.run()
    assert not at.exception
    assert dict(at.query_params) == {"compound": "阳光花园", "period": "this_year", "lang": "en"}
    assert at.title[0].value == "Compound profile"


def test_switching_language_tells_the_browser_each_choice_in_the_new_language(app):
    """The browser keeps a selectbox's value as the label it shows and sends it back: after a language switch the
    run must send every choice anew in the new language (else the next run finds 上月 among English labels and
    falls back to the first option; tests/test_browser_links.py shows it in chromium)."""
    app.query_params["period"] = "last_month"
    app.query_params["street"] = "东街道"
    at = app.run()
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    period, street = at.selectbox(key="f_period").proto, at.selectbox(key="f_street").proto
    assert (period.set_value, period.raw_value) == (True, "Last month")
    assert (street.set_value, street.raw_value) == (True, "东街道")
    assert dict(at.query_params) == {"period": "last_month", "street": "东街道", "lang": "en"}
    assert shown_metrics(at)["Work orders"] == "7"


# ---- 简报: a download always matches what the page shows (defect 4) ---------------------------------------------

@pytest.fixture
def quick_briefing(monkeypatch):
    """The page's writer replaced by one that writes the scope, period and language it was given (the real one
    draws chart images for seconds and is tested in test_briefing.py); returns the calls."""
    import contextlib

    import briefing.generate
    import briefing.images

    calls = []

    def issue(con, cfg, scope, window, files, lang, **_):
        for fmt, path in files.items():
            calls.append((scope.street, window.period.label("zh"), lang, fmt))
            path.write_bytes(f"{scope.street}|{window.period.label('zh')}|{lang}|{fmt}".encode())
        return files

    monkeypatch.setattr(briefing.generate, "issue_briefing", issue)
    monkeypatch.setattr(briefing.images, "image_server", contextlib.nullcontext)
    return calls


def offered(at) -> dict:
    return {b.proto.label: b for b in at.get("download_button")}


def test_briefing_downloads_belong_to_the_street_shown(app, quick_briefing, downloads):
    app.query_params["street"] = "东街道"
    at = app.switch_page("pages/briefing.py").run()
    at.button(key="briefing_run").click().run()
    assert not at.exception
    assert set(offered(at)) == {"下载 Word", "下载 PDF"}
    east = {n: d for n, d in downloads.items() if "东街道" in n}
    assert sorted(east.values()) == ["东街道|2024年上半年|zh|docx".encode(), "东街道|2024年上半年|zh|pdf".encode()]

    at.selectbox(key="f_street").select("西街道").run()
    assert not at.exception
    assert offered(at) == {}   # 东街道's files are not offered as 西街道's
    assert any(i.value.startswith("范围、时段、语言或数据已变") for i in at.info)
    at.button(key="briefing_run").click().run()
    assert set(offered(at)) == {"下载 Word", "下载 PDF"} and not any(i.value.startswith("范围、时段") for i in at.info)
    assert quick_briefing[-2:] == [("西街道", "2024年上半年", "zh", "docx"), ("西街道", "2024年上半年", "zh", "pdf")]

    at.selectbox(key="f_period").select("last_month").run()   # another period: again nothing to download
    assert offered(at) == {}
    at.selectbox(key="f_period").select("first_half").run()   # back to what the files say: offered again
    assert set(offered(at)) == {"下载 Word", "下载 PDF"}
    at.radio(key="briefing_lang").set_value("en").run()   # the briefing's language
    assert offered(at) == {}


# ---- downloads: numbers stay numbers, the sheet says what it is (defect 5) ---------------------------------------

import xlsx_cells  # noqa: E402


H1_2024 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12))
HEADING = ["统计时段：2024年上半年", "数据截至：2024年7月1日 12:00"]


def stored(number: float | None) -> float | None:
    """A number as the sheet holds it: xlsxwriter writes 16 significant digits (Excel keeps 15); none: a blank."""
    return None if number is None else float(f"{number:.16G}")


@pytest.fixture
def ranked_app(app, tmp_path, monkeypatch, config):
    """The app on the fixture with compounds of 3 orders ranked (min_orders 3 instead of 30) and lists of one (two
    ranked compounds are more than one), so ranks and lists exist."""
    import yaml

    settings = tmp_path / "config.yaml"
    settings.write_text(yaml.safe_dump({**config, "scorecard": {**config["scorecard"], "min_orders": 3, "list_size": 1}},
                                       allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CONFIG", str(settings))
    return app


def test_compare_ranking_download_holds_numbers_with_formats(ranked_app, app_db, downloads):
    from metrics.config import load_config
    from metrics.scorecard import scorecard

    ranked_app.query_params["street"] = "东街道"
    at = ranked_app.switch_page("pages/compare.py").run()
    assert not at.exception
    expected = scorecard(connect(app_db, read_only=True), load_config(), Scope(street="东街道"), H1_2024)
    name = "小区排名（红黑榜）_东街道_2024年上半年"
    assert {f"{name}.xlsx", f"{name}.csv"} <= set(downloads)
    sheet = xlsx_cells.read(downloads[f"{name}.xlsx"])
    cells = sheet["cells"]
    assert [cells[r, 0][0] for r in range(4)] == ["小区排名（红黑榜）", "范围：街道 东街道", *HEADING]
    assert (4, 0) not in cells and (0, 0) in sheet["bold"]
    header = [cells[5, c][0] for c in range(21)]
    assert header == ["排名", "榜单", "小区", "未入台账", "街道", "综合得分", "按时办结率", "按时办结率区间下限",
                      "按时办结率区间上限", "回访率", "回访率区间下限", "回访率区间上限", "满意率", "满意率区间下限",
                      "满意率区间上限", "工单总量", "投诉量", "每千户投诉", "每千户工单", "户数", "样本"]
    assert all((5, c) in sheet["bold"] for c in range(21))
    assert sheet["frozen"] == "A7" and sheet["filter"] == "A6:U8"
    column = {h: c for c, h in enumerate(header)}
    # 阳光花园 ranks first of the two (its composite is higher), by hand: 5 orders, on time 4 of 5, satisfied 3 of 4
    first = {h: cells[6, c] for h, c in column.items()}
    assert first["小区"] == ("阳光花园", "General") and first["排名"] == (1, "0") and first["榜单"][0] == "红榜"
    assert first["按时办结率"] == (0.8, "0.0%") and first["满意率"] == (0.75, "0.0%")
    assert first["工单总量"] == (5, "#,##0") and first["投诉量"] == (2, "#,##0") and first["户数"] == (1000, "#,##0")
    assert first["每千户投诉"] == (2, "0.0") and first["综合得分"][1] == "0.0"
    for row, engine in zip((6, 7), expected):   # every number is the engine's, as a sheet stores it (16 digits)
        got = {h: cells[row, c][0] for h, c in column.items()}
        assert got["小区"] == engine["compound_name"] and got["排名"] == engine["rank"]
        assert got["综合得分"] == stored(engine["composite_score"])
        assert got["按时办结率区间下限"] == stored(engine["on_time_closure_rate_low"])
        assert got["回访率"] == stored(engine["revisit_rate"]) and got["满意率"] == stored(engine["satisfaction_rate"])
    csv_lines = downloads[f"{name}.csv"].decode("utf-8-sig").splitlines()
    assert csv_lines[0] == ",".join(header)   # a plain table: no title block
    assert csv_lines[1] == ("1,红榜,阳光花园,,东街道,81.2,0.8,0.37553462976252533,0.9637758913675698,0.8,0.37553462976252533,"
                            "0.9637758913675698,0.75,0.30064184258240184,0.9544127391902995,5,2,2.0,5.0,1000,")


def test_trends_downloads_hold_rates_and_counts(app, app_db, config, downloads):
    from metrics.kpis import order_kpis_by

    at = app.switch_page("pages/trends.py").run()
    assert not at.exception
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == ["诉求类别", "工单总量", "按时办结率", "满意率"])
    sheet = xlsx_cells.read(downloads["诉求趋势_诉求类别_全区_2024年上半年.xlsx"])
    cells = sheet["cells"]
    assert [cells[r, 0][0] for r in range(4)] == ["诉求趋势_诉求类别", "范围：全区", *HEADING]
    assert [cells[5, c][0] for c in range(4)] == ["诉求类别", "工单总量", "按时办结率", "满意率"]
    assert sheet["frozen"] == "A7"
    engine = sorted(order_kpis_by(connect(app_db, read_only=True), config, Scope(), H1_2024, by=("category",)),
                    key=lambda r: (-r["orders_total"], r["category"] is None, r["category"] or ""))
    assert sheet["filter"] == f"A6:D{6 + len(engine)}"
    for i, r in enumerate(engine):
        assert cells[6 + i, 1] == (r["orders_total"], "#,##0")
        assert cells[6 + i, 2] == (stored(r["on_time_closure_rate"]), "0.0%") if r["on_time_closure_rate"] is not None \
            else cells[6 + i, 2] == (None, "0.0%")
        assert cells[6 + i, 3][1] == "0.0%"
    # the screen keeps its formatting: the same rates as 66.7%
    assert list(shown["按时办结率"]) == [fmt.percent(r["on_time_closure_rate"]) for r in engine]
    trend = xlsx_cells.read(downloads["诉求趋势_走势_全区_2024年上半年.xlsx"])["cells"]
    # H1 2024 by month: orders W10 in May, the other eleven in June; complaints C3 in May, C1, C2, C4 in June
    # from May, the month the data starts in (2024-05-20): no rows of 0 for the months before it
    assert [[trend[r, c][0] for c in range(3)] for r in range(5, 8)] == [
        ["时间", "工单量", "投诉量"], ["2024年5月", 1, 1], ["2024年6月", 11, 3]]
    assert trend[7, 1] == (11, "#,##0") and (8, 0) not in trend
