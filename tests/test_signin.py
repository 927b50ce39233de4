"""The dashboard's gate, through AppTest on the hand-counted fixture (东街道: 阳光花园 in 东一社区, 幸福里小区 in 东二社区;
西街道: 和平新村 and 翠湖苑 in 西一社区): the first admin's form on real data without accounts, the sign-in form, the
scope of a street and a community account on every page and URL, refusals audited once, sign-out, idle expiry."""
import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import ROOT, TESTER, shown_metrics, sign_in

from access import accounts, audit, sessions
from access.db import connect as access_connect
from metrics import formatting as fmt
from metrics.database import connect
from metrics.kpis import Scope, Window, kpi_report
from metrics.periods import Period
from ui.signin import TOKEN

H1_2024 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12))
PASSWORD = "东街道-密码-2024"
REFUSED = "无权查看所请求的范围，或该范围不存在"   # access.scope.NO_ACCESS in Chinese: it names nothing


@pytest.fixture
def fresh(store_db, monkeypatch):
    """An AppTest on a database of real imports that has no account yet."""
    monkeypatch.setenv("DASHBOARD_DB", str(store_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), store_db
    st.cache_resource.clear()
    st.cache_data.clear()


def button(at, label):
    return next(b for b in at.button if b.label == label)


def actions(db, **filters) -> list[tuple]:
    return [(e["login"], e["action"], e["outcome"]) for e in audit.entries(db, **filters)]


def door_links(at) -> list[str]:
    """The links to the door's pages (ui/signin.door_link) drawn on the page."""
    return [h.proto.body for h in at.get("html") if h.proto.body.startswith('<a class="door-link')]


def test_real_data_shows_nothing_before_a_sign_in_at_the_door(fresh):
    """The door (gateway/) sends every page's address to its sign-in page first (tests/test_gateway.py); a tab
    that reaches the script without a session (one that ended while it was open) shows only the way there."""
    at, db = fresh
    at.run()
    assert not at.exception
    assert at.title[0].value == "红色物业治理看板 · 登录"
    assert shown_metrics(at) == {} and not at.dataframe and not at.get("plotly_chart")
    assert door_links(at) == ['<a class="door-link primary" href="/signin?next=%2Foverview">登录</a>']
    assert not at.text_input   # no password is typed into the script: only the door's page sets the cookie


@pytest.mark.slow
def test_street_account_sees_its_street_on_every_page(app, app_db, config):
    sign_in(app, app_db, "dong_street", PASSWORD, role="street", street="东街道")
    at = app.run()
    assert not at.exception
    assert at.selectbox(key="f_street").options == ["全部", "东街道"]
    assert at.selectbox(key="f_community").options == ["全部", "东一社区", "东二社区"]
    report = kpi_report(connect(app_db), config, Scope(street="东街道"), H1_2024)
    shown = shown_metrics(at)
    assert shown["工单总量"] == fmt.count(report["orders_total"]) == "8"
    assert shown["按时办结率"] == fmt.percent(report["on_time_closure_rate"])
    assert shown["党组织覆盖率"] == fmt.percent(report["party_org_coverage"])
    for page in ("trends", "compare", "party", "profile", "briefing"):
        at = at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        text = " ".join(str(e.value) for e in at.get("markdown") + at.get("caption") + at.get("title"))
        frames = " ".join(str(f.value.to_dict()) for f in at.dataframe)
        for outside in ("西街道", "西一社区", "和平新村", "翠湖苑"):
            assert outside not in text and outside not in frames, (page, outside)
    at = at.switch_page("pages/compare.py").run()
    assert at.multiselect(key="compare_compounds").options == ["阳光花园（东街道）", "幸福里小区（东街道）"]


def test_a_hand_made_url_for_another_street_is_refused_and_audited_once(app, app_db):
    sign_in(app, app_db, "dong_street", PASSWORD, role="street", street="东街道")
    before = len(audit.entries(app_db))
    app.query_params["street"] = "西街道"
    at = app.run()
    assert not at.exception
    assert at.error[0].value == REFUSED
    assert shown_metrics(at) == {}
    at.run()   # the same page again: one attempt, one entry
    refused = audit.entries(app_db)[before:]
    assert [(e["login"], e["action"], e["outcome"], e["scope"]) for e in refused] == [
        ("dong_street", "access_refused", "out_of_scope", {"street": "西街道"})]


@pytest.mark.parametrize("param,value", [
    ("compound", "和平新村"), ("compounds", "阳光花园,翠湖苑"),
    # issue 21: a name nobody knows gets the same answer (it said 台账和工单、投诉中都没有名为…, or was dropped)
    ("compound", "篡改小区"), ("compounds", "阳光花园,篡改小区"),
])
def test_profile_and_compare_urls_of_another_street_or_of_nothing_are_refused_alike(app, app_db, param, value):
    sign_in(app, app_db, "dong_street", PASSWORD, role="street", street="东街道")
    app.run()
    page = "profile" if param == "compound" else "compare"
    app.query_params[param] = value
    at = app.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [REFUSED]
    assert audit.entries(app_db, action="access_refused")[-1]["scope"] == {"compound": value.split(",")[-1]}


def test_an_alias_of_another_streets_compound_does_not_reveal_its_registry_name(app, app_db):
    """阳光小区 is the registry alias of 阳光花园 (东街道): a 西街道 account asking for it learns nothing, not the name."""
    sign_in(app, app_db, "xi_street", PASSWORD, role="street", street="西街道")
    app.run()
    app.query_params["compound"] = "阳光小区"
    at = app.switch_page("pages/profile.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [REFUSED]
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "header", "error", "selectbox") for e in at.get(kind))
    assert "阳光花园" not in shown


def test_community_account_sees_its_community(app, app_db, config):
    sign_in(app, app_db, "dong2", PASSWORD, role="community", street="东街道", community="东二社区")
    at = app.run()
    assert not at.exception
    assert at.selectbox(key="f_community").options == ["全部", "东二社区"]
    report = kpi_report(connect(app_db), config, Scope(street="东街道", community="东二社区"), H1_2024)
    assert shown_metrics(at)["工单总量"] == fmt.count(report["orders_total"])
    app.query_params["compound"] = "阳光花园"   # 东一社区, same street
    at = at.switch_page("pages/profile.py").run()
    assert at.error[0].value == REFUSED


def test_a_street_account_has_no_import_or_admin_page(app, app_db):
    sign_in(app, app_db, "dong_street", PASSWORD, role="street", street="东街道")
    at = app.run()
    for page in ("import", "admin"):   # not registered: no menu entry, and its path routes nowhere
        with pytest.raises(ValueError, match=f"Could not find a navigation page for '.*pages/{page}.py'"):
            at.switch_page(f"pages/{page}.py")


def test_sign_out_ends_the_session_and_forgets_the_tab(app, app_db):
    at = app.run()
    token = at.session_state[TOKEN]
    button(at, "退出登录").click().run()
    assert not at.exception
    assert at.title[0].value == "红色物业治理看板 · 登录"
    assert TOKEN not in at.session_state
    assert sessions.current(app_db, token) is None
    assert actions(app_db)[-1] == (TESTER[0], "sign_out", "ok")


def test_an_idle_session_ends_with_a_notice(app, app_db):
    at = app.run()
    con = access_connect(app_db)
    con.execute("UPDATE sessions SET last_seen = '2000-01-01 00:00:00'")
    con.close()
    at.run()
    assert at.title[0].value == "红色物业治理看板 · 登录"
    assert at.info[0].value == "登录已结束（已退出登录，或30分钟未操作，或账号已停用），请重新登录。"
    assert actions(app_db)[-1] == (TESTER[0], "sign_out", "expired")


def test_admin_page_shows_and_exports_the_audit_log(app, app_db):
    at = app.run().switch_page("pages/admin.py").run()
    assert not at.exception
    assert at.title[0].value == "系统管理"
    table = at.dataframe[0].value
    assert list(table.columns) == ["时间", "账号", "地址", "操作", "对象", "范围", "结果", "详情"]
    assert table.iloc[0]["操作"] == "登录" and table.iloc[0]["账号"] == TESTER[0]
    at.selectbox(key="adm_action").select("sign_in").run()
    assert set(at.dataframe[0].value["操作"]) == {"登录"}



def test_the_audit_log_says_outcomes_and_details_in_words(app, app_db):
    """Issue 25: the page showed ok, expired, out_of_scope and idle_minutes=1 as stored."""
    audit.record(app_db, "sign_out", login="xi_user", outcome="expired", details={"idle_minutes": 1})
    audit.record(app_db, "access_refused", login="xi_user", target="overview", outcome="out_of_scope")
    audit.record(app_db, "sign_in_failed", login="xi_user", outcome="bad_credentials", details={"reason": "disabled"})
    at = app.run().switch_page("pages/admin.py").run()
    newest = at.dataframe[0].value.head(3)   # newest first
    assert list(newest["结果"]) == ["账号或密码错误", "超出权限范围", "超时自动退出"]
    assert list(newest["详情"].fillna("—")) == ["原因：账号已停用", "—", "空闲分钟数：1"]
    newest = at.radio(key="lang_choice").set_value("English").run().dataframe[0].value.head(3)
    assert list(newest["Outcome"]) == ["wrong login or password", "outside the account's scope", "expired (idle)"]
    assert list(newest["Details"].fillna("—")) == ["reason: account disabled", "—", "idle minutes: 1"]


@pytest.mark.slow
def test_the_demo_is_open_and_its_import_page_leads_to_the_door(demo_app):
    at, _, user = demo_app
    at.run()
    assert not at.exception
    assert shown_metrics(at)["工单总量"] == "11"   # at once, with nobody signed in (the default: June 2024)
    assert door_links(at) == []   # no account exists to sign in with
    at = at.switch_page("pages/import.py").run()
    assert not at.exception
    assert at.title[-1].value == "红色物业治理看板 · 登录"   # the door makes the first admin (test_gateway.py)
    assert door_links(at) == ['<a class="door-link primary" href="/signin?next=%2Fimport">登录</a>']
    assert not at.file_uploader   # no upload before an admin signs in


def test_on_the_demo_a_street_account_may_sign_in_and_sees_its_street(demo_app):
    at, _, user = demo_app
    accounts.add(user, "xi", PASSWORD, role="street", street="西街道", actor=None)
    at.run()
    assert door_links(at) == ['<a class="door-link" href="/signin?next=%2Foverview">登录</a>']
    sign_in(at, user, "xi", PASSWORD)   # as the door's cookie would: the session of xi
    at.selectbox(key="f_period").select("first_half").run()
    assert not at.exception
    assert at.selectbox(key="f_street").options == ["全部", "西街道"]
    assert shown_metrics(at)["工单总量"] == "4"   # 西街道 in H1 2024: W7, W8, W9, W12


def test_the_refusal_offers_the_way_back_to_the_accounts_scope(app, app_db):
    sign_in(app, app_db, "dong_street", PASSWORD, role="street", street="东街道")
    app.query_params["street"] = "西街道"
    at = app.run()
    assert at.error[0].value == REFUSED
    button(at, "返回本账号可查看的范围").click().run()
    assert not at.exception and not at.error
    assert "street" not in at.query_params
    assert shown_metrics(at)["工单总量"] == "8"
    # the scope shown is the account's, not 全区 (the page's head line, below the 提醒 panel's words)
    assert [c.value for c in at.caption if "范围：" in c.value][0].endswith("范围：街道 东街道")


def test_a_street_admin_manages_its_street_only(app, app_db):
    from access.scope import manages

    sign_in(app, app_db, "dong_admin", PASSWORD, role="street", street="东街道", admin=True)
    if accounts.get(app_db, "xi_user") is None:
        accounts.add(app_db, "xi_user", PASSWORD, role="street", street="西街道", actor=None)
    at = app.run().switch_page("pages/admin.py").run()
    assert not at.exception
    accounts_shown = list(at.dataframe[1].value["账号"])
    assert "xi_user" not in accounts_shown and "tester" not in accounts_shown and "dong_admin" in accounts_shown
    assert all(login in accounts_shown for login in at.dataframe[0].value["账号"].dropna())   # its accounts' entries
    me = accounts.get(app_db, "dong_admin")
    assert [manages(me, *place) for place in (("community", "东街道", "东一社区"), ("street", "东街道", None),
                                              ("street", "西街道", None), ("district", None, None))] == [True, True, False, False]
    at.selectbox(key="adm_new_role").select("district")
    at.text_input(key="adm_new_login").input("wider")
    at.text_input(key="adm_new_password").input("足够长的密码-2024")
    next(b for b in at.button if b.label == "创建账号").click().run()
    assert at.error[0].value == "账号 dong_admin 只能管理本街道（社区）范围内的账号，此次操作已记录。"
    assert accounts.get(app_db, "wider") is None
    assert audit.entries(app_db, action="access_refused")[-1]["outcome"] == "account_outside_scope"


def test_the_admin_page_refuses_a_place_the_data_does_not_know_as_users_add_does(app, app_db):
    """The community list names every community; one under another street was accepted (issue 21)."""
    def create(at, login, community):
        at.selectbox(key="adm_new_role").select("community")
        at.selectbox(key="adm_new_street").select("东街道")
        at.selectbox(key="adm_new_community").select(community)
        at.text_input(key="adm_new_login").input(login)
        at.text_input(key="adm_new_password").input("足够长的密码-2024")
        return button(at, "创建账号").click().run()

    at = create(app.run().switch_page("pages/admin.py").run(), "wrong_place", "西一社区")
    assert not at.exception
    assert [e.value for e in at.error] == ["未知的社区“西一社区”（东街道）；东街道的社区：东一社区、东二社区"]
    assert accounts.get(app_db, "wrong_place") is None
    refused = audit.entries(app_db, action="account_change")[-1]
    assert (refused["login"], refused["target"], refused["outcome"]) == (TESTER[0], "wrong_place", "refused")
    at = create(at, "right_place", "东二社区")
    assert "已创建账号 right_place。" in [s.value for s in at.success]
    assert accounts.get(app_db, "right_place").community == "东二社区"


def test_every_audit_action_has_its_words(app, app_db):
    """An action without a label stopped 系统管理 with a KeyError at its first entry (supervision_case had none)."""
    from access.db import AUDIT_ACTIONS
    for action in AUDIT_ACTIONS:
        audit.record(app_db, action, login="xi_user")
    at = app.run().switch_page("pages/admin.py").run()
    assert not at.exception
    shown = set(at.dataframe[0].value["操作"])
    assert {"督办", "保存视图", "确认提醒", "撤销导入"} <= shown and not shown & set(AUDIT_ACTIONS)
