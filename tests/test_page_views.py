"""Saved views in the sidebar and the 提醒 panel, through AppTest (issue 25).

Saved views on the hand-counted fixture (data as of 2024-07-01 12:00; 东街道: 阳光花园 in 东一社区, 幸福里小区 in
东二社区; 西街道: 和平新村 and 翠湖苑 in 西一社区). Alerts on tests/test_alerts.py's data (甲园 below target April-June,
乙苑's complaint spike in June, both 东街道; 丙苑's order spike in June, 西街道)."""
from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from conftest import ROOT, TESTER, sign_in
from streamlit.testing.v1 import AppTest
from test_alerts import KEYS, load

from access import alerts, audit, views
from access import accounts
from metrics.periods import Period, preset_period

PASSWORD = "视图-测试-密码-2024"


def test_relative_periods_resolve_against_the_day_given():
    """上月, 本季度 and 近12个月 as a saved view keeps them: by name, resolved against 数据截至 when opened."""
    assert preset_period("last_month", dt.date(2024, 7, 1)) == Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    assert preset_period("last_month", dt.date(2025, 1, 15)) == Period(dt.date(2024, 12, 1), dt.date(2024, 12, 31))
    assert preset_period("last_month", dt.date(2024, 3, 31)) == Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert preset_period("this_quarter", dt.date(2024, 5, 20)) == Period(dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert preset_period("last_12_months", dt.date(2024, 7, 1)) == Period(dt.date(2023, 8, 1), dt.date(2024, 7, 31))


def street(db, login, name, **place):
    if accounts.get(db, login) is None:
        accounts.add(db, login, PASSWORD, actor=None, role="street", street=name, **place)
    return accounts.get(db, login)


def test_views_are_saved_listed_by_scope_and_audited(tmp_path):
    db = tmp_path / "v.duckdb"
    accounts.add(db, "qu", PASSWORD, actor=None, role="district")
    qu, east, west = accounts.get(db, "qu"), street(db, "dong", "东街道"), street(db, "xi", "西街道")
    accounts.add(db, "dong1", PASSWORD, actor=None, role="community", street="东街道", community="东一社区")
    east_one = accounts.get(db, "dong1")
    mine = views.save(db, qu, "全区上月", "overview", {"period": "last_month", "lang": "en"},
                      now=dt.datetime(2024, 7, 2, 9))
    shared_east = views.save(db, qu, "东街道季度", "trends", {"period": "this_quarter", "street": "东街道"}, shared=True)
    east_own = views.save(db, east, "东一社区档案", "profile", {"community": "东一社区", "compound": "阳光花园"},
                          shared=True)
    assert (mine["params"], mine["street"], mine["shared"]) == ({"period": "last_month"}, None, False)   # lang is no filter
    assert (shared_east["street"], shared_east["community"]) == ("东街道", None)
    assert (east_own["street"], east_own["community"]) == ("东街道", "东一社区")
    names = lambda who: [v["name"] for v in views.listed(db, who)]   # noqa: E731
    assert names(qu) == ["东街道季度", "全区上月", "东一社区档案"]   # its own first, then the shared ones it covers
    assert names(east) == ["东一社区档案", "东街道季度"]
    assert names(east_one) == ["东一社区档案"]   # 东街道季度 shows the whole street: not covered by a community
    assert names(west) == []
    assert views.get(db, west, shared_east["view_id"]) is None
    with pytest.raises(views.AccessError):
        views.delete(db, east, shared_east["view_id"])   # not its own
    again = views.save(db, qu, "全区上月", "compare", {"period": "custom", "from": "2024-01-01", "to": "2024-03-31"})
    assert again["view_id"] == mine["view_id"] and again["page"] == "compare"   # the same name replaces
    views.delete(db, qu, mine["view_id"])
    with pytest.raises(views.AccessError, match="名称"):
        views.save(db, qu, "  ", "overview", {})
    masked = views.save(db, qu, "回访13812345678", "overview", {})
    assert "13812345678" not in masked["name"]
    assert [(e["login"], e["outcome"], e["target"]) for e in audit.entries(db, action="saved_view")] == [
        ("qu", "saved", "全区上月"), ("qu", "saved", "东街道季度"), ("dong", "saved", "东一社区档案"),
        ("qu", "replaced", "全区上月"), ("qu", "deleted", "全区上月"), ("qu", "saved", masked["name"])]


def button_labels(at) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("view_open_")]


def test_the_sidebar_saves_a_view_and_opens_it_again(app, app_db):
    at = app.run()
    at.selectbox(key="f_period").set_value("last_month").run()
    at.selectbox(key="f_street").set_value("东街道").run()
    assert not at.exception
    at.text_input(key="view_name").input("东街道上月")
    at.checkbox(key="view_shared").check()
    at = at.button(key="view_save_button").click().run()
    assert not at.exception
    [view] = [v for v in views.listed(app_db, accounts.get(app_db, TESTER[0])) if v["name"] == "东街道上月"]
    assert (view["page"], view["params"], view["shared"], view["street"]) == (
        "overview", {"period": "last_month", "street": "东街道"}, True, "东街道")
    assert "东街道上月（共享）" in button_labels(at)
    assert "已保存视图“东街道上月”" in [s.value for s in at.success]
    # elsewhere, other filters: the view brings back its page, period and street
    at.button(key="f_reset").click().run()
    at = at.switch_page("pages/trends.py").run()
    assert at.selectbox(key="f_street").value is None or at.selectbox(key="f_street").value == ""
    at = at.button(key=f"view_open_{view['view_id']}").click().run()
    assert not at.exception
    assert at.session_state["_page"] == "overview"
    assert dict(at.query_params) == {"period": "last_month", "street": "东街道"}
    assert (at.selectbox(key="f_period").value, at.selectbox(key="f_street").value) == ("last_month", "东街道")
    # 上月 at 数据截至 2024-07-01 12:00 is June 2024
    assert at.session_state["_filters"].period == Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    entry = [e for e in audit.entries(app_db, action="saved_view") if e["target"] == "东街道上月"][-1]
    assert (entry["login"], entry["outcome"], entry["details"]["shared"]) == (TESTER[0], "saved", True)


def test_a_fixed_period_and_a_street_account_sees_only_what_its_scope_covers(app, app_db, monkeypatch):
    at = app.run()
    at.selectbox(key="f_period").set_value("last_month").run()
    at.text_input(key="view_name").input("六月全区")
    at.checkbox(key="view_shared").check()
    at.checkbox(key="view_relative").uncheck()
    at = at.button(key="view_save_button").click().run()
    qu = accounts.get(app_db, TESTER[0])
    [fixed] = [v for v in views.listed(app_db, qu) if v["name"] == "六月全区"]
    assert fixed["params"] == {"from": "2024-06-01", "period": "custom", "to": "2024-06-30"}
    # a street account: the district's whole-district view is not listed, the one shared with its street is
    views.save(app_db, qu, "西街道视图", "overview", {"street": "西街道"}, shared=True)
    views.save(app_db, qu, "东街道视图", "overview", {"street": "东街道"}, shared=True)
    st.cache_data.clear()
    east = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    sign_in(east, app_db, "dong_views", PASSWORD, role="street", street="东街道")
    east = east.run()
    assert not east.exception
    labels = button_labels(east)
    assert f"东街道视图（{TESTER[0]}共享）" in labels
    assert not any("西街道" in label or "六月全区" in label for label in labels)


@pytest.fixture
def alert_app(tmp_path, monkeypatch):
    """The app on tests/test_alerts.py's data, written through the store as the dashboard finds it."""
    import store
    from metrics.config import load_config

    path = tmp_path / "alerts_app.duckdb"
    with store.writer(path, load_config(), what="fixture") as con:
        load(con, tmp_path, load_config())
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


def signed_in(db, login, **place):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    sign_in(at, db, login, PASSWORD, **place)
    return at.run()


def alert_texts(at) -> list[str]:
    return [m.value for m in at.markdown if "件" in m.value or "低于目标" in m.value]


def test_the_alerts_panel_lists_the_scope_s_alerts_links_them_and_keeps_acknowledgements(alert_app):
    db = alert_app
    at = signed_in(db, "dong", role="street", street="东街道")
    assert not at.exception
    [panel] = at.expander
    assert panel.label == "提醒 · 2条待确认，其中2条为上次访问以来新增"
    assert "首次访问：以下为本账号范围内的全部提醒。" in [c.value for c in at.caption]
    assert alert_texts(at) == [
        "**新** · 甲园按时办结率连续3个月低于目标95.0%（2024年4月80.0%、2024年5月85.0%、2024年6月90.0%）",
        "**新** · 乙苑2024年6月投诉量12件，为前3个月平均（3.0件）的4.0倍"]
    # acknowledged: gone from the panel, audited, and still gone in the next session
    at = at.button(key=f"alert_ack_{KEYS[1]}").click().run()
    assert not at.exception
    assert [e["details"]["keys"] for e in audit.entries(db, action="alert_ack")] == [[KEYS[1]]]
    assert len(alert_texts(at)) == 1
    st.cache_data.clear()
    again = signed_in(db, "dong", role="street", street="东街道")
    assert [e.label for e in again.expander] == ["提醒 · 1条待确认"]   # raised before this visit: not new
    assert alert_texts(again) == ["甲园按时办结率连续3个月低于目标95.0%（2024年4月80.0%、2024年5月85.0%、2024年6月90.0%）"]
    # the link opens the view that shows it: 甲园's profile, April to June
    again = again.button(key=f"alert_open_{KEYS[0]}").click().run()
    assert not again.exception
    assert again.session_state["_page"] == "profile"
    assert dict(again.query_params) == {"compound": "甲园", "period": "custom", "from": "2024-04-01",
                                        "to": "2024-06-30"}
    assert again.session_state["_filters"].period == Period(dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    # another street sees only its own alert; a community account only its community's
    st.cache_data.clear()
    west = signed_in(db, "xi", role="street", street="西街道")
    assert alert_texts(west) == ["**新** · 丙苑2024年6月工单量40件，为前3个月平均（10.0件）的4.0倍"]
    st.cache_data.clear()
    east_two = signed_in(db, "dong2", role="community", street="东街道", community="东二社区")
    assert alert_texts(east_two) == ["**新** · 乙苑2024年6月投诉量12件，为前3个月平均（3.0件）的4.0倍"]
    east_two = east_two.button(key=f"alert_ack_{KEYS[1]}").click().run()   # acknowledged by dong too: per account
    assert not [e for e in east_two.expander if e.label.startswith("提醒")]   # nothing left: no panel
    assert [a["acknowledged_by"] for a in alerts.stored(db, db)] == [[], ["dong", "dong2"], []]
    # the district sees all three, and acknowledges them at once
    st.cache_data.clear()
    qu = signed_in(db, "qu", role="district")
    assert len(alert_texts(qu)) == 3
    qu = qu.button(key="alerts_ack_all").click().run()
    assert not qu.exception and not [e for e in qu.expander if e.label.startswith("提醒")]
    assert audit.entries(db, action="alert_ack")[-1]["details"] == {"keys": KEYS}


def test_a_reply_overdue_in_the_panel_opens_its_supervision(alert_app):
    """督办 #1 on 丁舍-7 (西街道), reply due 2024-07-03; an import moves 数据截至 to 2024-07-05 09:00: 2 days past. The
    west street's panel says so (with its order spike), and 查看 opens 督办 at #1; the east street is not told."""
    import store
    from casework import cases as cw
    from metrics.config import load_config
    from test_alerts import later_orders

    db, config = alert_app, load_config()
    west = accounts.get(db, "xi") or (accounts.add(db, "xi", PASSWORD, actor=None, role="street", street="西街道")
                                      or accounts.get(db, "xi"))
    cw.open_case(db, store.reader(db, config).cursor(), account=west, order_ids=["丁舍-7"], handling_unit="丁舍物业",
                 instruction="三日内回复", reply_due=dt.date(2024, 7, 3), as_of=dt.datetime(2024, 7, 1, 9),
                 now=dt.datetime(2024, 7, 1, 11))
    with store.writer(db, config, what="fixture") as con:
        later_orders(con, db.parent, "7月5日.csv", [["丙苑-J", "2024-07-05 09:00:00", "丙苑", "2024-07-10 09:00:00", "",
                                                   ""]], dt.datetime(2024, 7, 5, 10))
    st.cache_data.clear()
    at = signed_in(db, "xi", role="street", street="西街道")
    assert not at.exception
    assert alert_texts(at) == ["**新** · 丙苑2024年6月工单量40件，为前3个月平均（10.0件）的4.0倍",
                               "**新** · 督办 \\#1（承办单位：丁舍物业）回复期限2024年7月3日已过2天，仍未反馈（工单1件，丁舍）"]
    at = at.button(key="alert_open_supervision_overdue:1").click().run()
    assert not at.exception
    assert at.session_state["_page"] == "supervision"
    assert dict(at.query_params) == {"case": "1"}
    assert "**督办 \\#1（逾期）**" in [m.value for m in at.markdown]   # (plain text: the # escaped)
    st.cache_data.clear()
    east = signed_in(db, "dong", role="street", street="东街道")
    assert not any("督办" in text for text in alert_texts(east))


def test_a_long_list_shows_ten_and_the_rest_on_asking(alert_app, monkeypatch):
    """West sees 丙苑's spike and 12 alerts of a rule made for the test (13): 10 are listed, new first, then by key;
    显示全部13条（另有3条） lists the other 3; 全部知道了 acknowledges all 13, shown or not."""
    from metrics import alerts as rules

    monkeypatch.setitem(rules.RULES, "example", lambda con, config, spec, as_of: [
        {"key": f"example:{i:02d}", "compound_name": "丙苑", "month": "2024-06-01", "figures": {},
         "view": {"page": "overview", "params": {}}} for i in range(12)])
    at = signed_in(alert_app, "xi", role="street", street="西街道")
    assert not at.exception
    acks = lambda at: [b.key for b in at.button if b.key and b.key.startswith("alert_ack_")]   # noqa: E731
    assert acks(at) == [f"alert_ack_example:{i:02d}" for i in range(10)]
    [toggle] = [w for w in at.toggle if w.key == "alerts_show_all"]
    assert toggle.label == "显示全部13条（另有3条）"
    at = toggle.set_value(True).run()
    assert acks(at) == [f"alert_ack_example:{i:02d}" for i in range(12)] + [f"alert_ack_{KEYS[2]}"]
    at = at.button(key="alerts_ack_all").click().run()
    assert not at.exception and len(audit.entries(alert_app, action="alert_ack")[-1]["details"]["keys"]) == 13


def test_the_panel_speaks_english(alert_app):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    sign_in(at, alert_app, "qu_en", PASSWORD, role="district")
    at = at.run()
    assert not at.exception
    assert [e.label for e in at.expander] == ["Alerts · 3 to acknowledge, 3 new since your last visit"]
    assert [m.value for m in at.markdown if "months running" in m.value or "times the average" in m.value] == [
        "**new** · 甲园\\: On-time closure rate below its target 95.0% for 3 months running \\(Apr 2024 80.0%, May 2024 "
        "85.0%, Jun 2024 90.0%\\)",
        "**new** · 乙苑, Jun 2024\\: 12 complaints, 4.0 times the average of the 3 months before \\(3.0\\)",
        "**new** · 丙苑, Jun 2024\\: 40 work orders, 4.0 times the average of the 3 months before \\(10.0\\)"]
    assert [b.label for b in at.button if b.key and b.key.startswith("alert_")] == ["View", "Acknowledge"] * 3


def test_opening_a_view_never_widens_the_scope(app_db, monkeypatch):
    """A view row that names another street (made by hand in the access file, as a hand-made address would be) is
    listed to the street account whose scope the row claims, but opening it goes through the scope seam: refused with
    the one message, audited, nothing of 西街道 shown."""
    from access.db import connect as access_connect

    monkeypatch.setenv("DASHBOARD_DB", str(app_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    sign_in(at, app_db, "dong_wide", PASSWORD, role="street", street="东街道")
    con = access_connect(app_db)
    con.execute("""INSERT INTO saved_views (owner, name, page, params, shared, street, community, created_at, updated_at)
                   VALUES ('dong_wide', '越界', 'overview', '{"street": "西街道"}', 0, '东街道', NULL,
                           '2024-07-02 09:00:00', '2024-07-02 09:00:00')""")
    view_id = con.execute("SELECT view_id FROM saved_views WHERE name = '越界'").fetchone()[0]
    con.close()
    at = at.run()
    at = at.button(key=f"view_open_{view_id}").click().run()
    assert not at.exception
    assert any("无权查看所请求的范围，或该范围不存在" in e.value for e in at.error)
    assert not at.metric and not at.dataframe
    refused = audit.entries(app_db, login="dong_wide", action="access_refused")
    assert [(e["outcome"], e["scope"]) for e in refused] == [("out_of_scope", {"street": "西街道"})]
