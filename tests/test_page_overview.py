"""总览 through AppTest on the hand-counted fixture (data as of 2024-07-01 12:00, W12 closed)."""
import datetime as dt
import json

from conftest import ROOT, shown_metrics, sign_in

from metrics import formatting as fmt
from metrics.database import connect
from metrics.kpis import Scope, Window, kpi_report
from metrics.periods import Period

H1_2024 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12))


def test_cards_equal_the_engine(app, app_db, config):
    at = app.run()
    assert not at.exception
    shown = shown_metrics(at)
    # H1 2024 at 07-01 12:00: due 11 (9 closed + W6, W7 overdue), on time 8 (all closed but W2)
    assert shown["按时办结率"] == "72.7%"
    report = kpi_report(connect(app_db), config, Scope(), H1_2024)
    assert shown["回访率"] == fmt.percent(report["revisit_rate"])
    assert shown["满意率"] == fmt.percent(report["satisfaction_rate"])
    assert shown["工单总量"] == "12" and shown["投诉量"] == "4" and shown["党组织覆盖率"] == "75.0%"
    # open at 07-01 12:00 among H1 orders: W5 not yet due, W7 overdue 2 d 3 h -> 3 days, W6 over 7 days
    assert (shown["未到期"], shown["超期1-3天"], shown["超期4-7天"], shown["超期7天以上"]) == ("1", "1", "0", "1")
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "按时办结率、回访率、满意率月度走势" in titles and "各街道按时办结率与满意率" in titles


def test_street_filter_url_and_english(app):
    at = app.run()
    at.selectbox(key="f_street").select("东街道").run()
    assert not at.exception
    # 东街道 in H1 2024: A W1-W4, W10 and B W5, W6, W13 = 8 orders
    assert shown_metrics(at)["工单总量"] == "8"
    assert at.query_params["street"] == "东街道"
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    assert shown_metrics(at)["Work orders"] == "8"
    assert at.title[0].value == "Overview"


def test_filters_come_from_the_url(app):
    app.query_params["street"] = "西街道"
    app.query_params["period"] = "this_month"
    at = app.run()
    assert not at.exception
    # July 2024 up to 07-01 12:00 in 西街道: W11 only
    assert shown_metrics(at)["工单总量"] == "1"
    assert at.selectbox(key="f_street").value == "西街道"


def test_empty_period_says_so(app):
    app.query_params["period"] = "last_year"
    at = app.run()
    assert not at.exception
    # no orders in 2023 but the registry has 4 compounds: cards show "—", not 0
    assert shown_metrics(at)["按时办结率"] == "—"


def test_filter_that_selects_nothing(app):
    app.query_params["category"] = "电梯"
    app.query_params["kind"] = "old"
    at = app.run()
    assert not at.exception
    assert any("没有数据" in i.value for i in at.info)


import pytest  # noqa: E402


@pytest.mark.parametrize("params,orders", [
    ({"community": "东一社区"}, "5"),              # 阳光花园: W1-W4, W10
    ({"kind": "old"}, "3"),                        # 幸福里小区: W5, W6, W13
    ({"mode": "cluster_managed"}, "3"),            # 和平新村: W7, W8, W12 (W11 is July)
    ({"source": "啄木鸟平台"}, "1"),                 # W9
    ({"category": "电梯"}, "1"),                     # W8
    ({"period": "this_month"}, "1"),               # July 2024 up to 07-01 12:00: W11
    ({"period": "last_month"}, "11"),              # June 2024
    ({"period": "this_quarter"}, "1"),             # Q3 2024: W11
    ({"period": "second_half"}, "1"),
    ({"period": "this_year"}, "13"),               # W1-W13
    ({"period": "custom", "from": "2024-06-01", "to": "2024-06-15"}, "5"),  # W1, W2, W6, W8, W13
])
def test_every_filter_from_the_url(app, params, orders):
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception
    assert shown_metrics(at)["工单总量"] == orders


def test_custom_range_widget(app):
    """The custom range is two Chinese-labelled text boxes (no calendar in the browser's language); days typed the
    ways people write them are read and written back as 2024-06-01."""
    at = app.run()
    at.selectbox(key="f_period").select("custom").run()
    assert [(w.label, w.placeholder) for w in at.sidebar.text_input] == [("开始日期", "2024-01-01"), ("结束日期", "2024-01-01")]
    assert not at.sidebar.get("date_input")
    at.text_input(key="f_from").input("2024年6月1日").run()
    at.text_input(key="f_to").input("2024/6/15").run()
    assert not at.exception and not at.warning
    assert shown_metrics(at)["工单总量"] == "5"
    assert (at.query_params["period"], at.query_params["from"], at.query_params["to"]) == ("custom", "2024-06-01", "2024-06-15")
    assert (at.text_input(key="f_from").value, at.text_input(key="f_to").value) == ("2024-06-01", "2024-06-15")


def test_custom_range_refuses_a_text_that_is_no_date(app):
    """A text that is no date keeps the day shown before, with a Chinese word that echoes the text escaped."""
    at = app.run()
    at.selectbox(key="f_period").select("custom").run()
    at.text_input(key="f_from").input("2024-06-01").run()
    at.text_input(key="f_to").input("2024-06-15").run()
    at.text_input(key="f_to").input("6月<b>15").run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["“6月\\<b\\>15”不是日期，请按 2024-01-01 的格式填写；仍按 2024-06-15 显示。"]
    assert (at.query_params["from"], at.query_params["to"]) == ("2024-06-01", "2024-06-15")
    assert shown_metrics(at)["工单总量"] == "5"


JANUARY_ORDERS = [
    # H2 2024: two orders, the data starting on its first day; January 2025 (running at 数据截至 2025-01-20 16:00): one
    ["J1", "12345平台", "2024-07-01 09:00", "投诉", "渗水漏水", "东街道", "", "翠湖苑", "", "", "", "", "", "", "", "", "", "", ""],
    ["J2", "12345平台", "2024-12-30 09:00", "投诉", "电梯", "东街道", "", "翠湖苑", "", "", "", "", "", "", "", "", "", "", ""],
    ["J3", "12345平台", "2025-01-20 16:00", "投诉", "电梯", "东街道", "", "翠湖苑", "", "", "", "", "", "", "", "", "", "", ""],
]


@pytest.fixture
def january_app(tmp_path, monkeypatch):
    """Orders only (no registry), ending 2025-01-20 16:00."""
    import fixtures
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from metrics.config import load_config
    from metrics.ingest.importer import import_file

    con = connect(tmp_path / "jan.duckdb")
    import_file(con, "work_orders", fixtures.write_csv(tmp_path / "工单.csv", fixtures.ORDER_HEADERS, JANUARY_ORDERS),
                load_config(), rejection_dir=tmp_path)
    con.close()
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "jan.duckdb"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    sign_in(at, tmp_path / "jan.duckdb")
    yield at
    st.cache_resource.clear()
    st.cache_data.clear()


def test_default_period_is_the_latest_complete_half_year(january_app):
    at = january_app.run()
    assert not at.exception
    assert at.selectbox(key="f_period").value == "latest_complete"
    assert at.selectbox(key="f_period").options[0] == "默认：2024年下半年（最近一个完整的半年）"
    assert "统计时段：2024年下半年（最近一个完整的半年）" in at.caption[0].value
    assert shown_metrics(at)["工单总量"] == "2"      # J1, J2 (J3 is January 2025)
    assert "period" not in at.query_params


@pytest.mark.parametrize("preset,orders,label", [
    ("last_12_months", "3", "2024年2月1日至2025年1月31日"),   # J1-J3
    ("all_data", "3", "2024年7月1日至2025年1月20日"),
])
def test_last_12_months_and_all_data_presets(january_app, preset, orders, label):
    january_app.query_params["period"] = preset
    at = january_app.run()
    assert not at.exception
    assert shown_metrics(at)["工单总量"] == orders
    assert f"统计时段：{label}" in at.caption[0].value


def test_a_hand_made_address_with_impossible_dates_is_brought_into_range(app):
    """?period=custom&from=0001-01-01&to=9999-12-31 raised an OverflowError (a comparison a year before year 1)."""
    app.query_params["period"] = "custom"
    app.query_params["from"] = "0001-01-01"
    app.query_params["to"] = "9999-12-31"
    at = app.run()
    assert not at.exception
    high = (dt.date.today() + dt.timedelta(days=1)).isoformat()   # the plausible window: the import's day + 1
    assert (at.query_params["from"], at.query_params["to"]) == ("2000-01-01", high)
    assert [w.value for w in at.warning if "网址中的日期" in w.value] == [
        f"网址中的日期超出可查询的范围（2000-01-01 至 {high}），已按 2000-01-01 至 {high} 显示"]
    # every stored order, W1-W13, is received by 数据截至 (07-01 12:00; W11 at 09:00)
    assert shown_metrics(at)["工单总量"] == "13"


def test_an_error_shows_an_id_and_never_its_details(app, monkeypatch, caplog):
    """Users saw tracebacks with paths and process ids: now an error id, the details in the server log."""
    import logging
    import re

    import tomllib

    import ui.engine

    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/secret/path, pid 4242")

    monkeypatch.setattr(ui.engine, "ask", broken)
    server_log = logging.getLogger("test.server_log")
    server_log.addHandler(caplog.handler)
    monkeypatch.setattr("streamlit.logger.get_logger", lambda name: server_log)   # caplog stands for the log
    at = app.run()
    [shown] = [e.value for e in at.error]
    found = re.fullmatch(r"页面出错，已记录。请将错误编号 ([0-9a-f]{8}) 告知管理员。", shown)
    assert found and "secret" not in shown
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert logged and "boom in /srv/secret/path" in str(logged[0].exc_info[1])   # the details: the server log
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
