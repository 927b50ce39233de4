"""Single sign-on (access.oidc, issue 12): the mapping from a provider's claims to an account, exact accounts and
exact refusals; the session it opens (made and updated from the claims, audited, disabled here stays refused, no
password ever signs it in, idle expiry and sign-out as for a local account); the gate through AppTest with
st.user seeded; and the whole flow in chromium against a small OpenID Connect provider on 127.0.0.1
(tests/oidc_provider.py): button -> provider -> callback -> 总览 of the account's street -> sign-out.

Fixture streets (tests/fixtures.py): 东街道 (东一社区, 东二社区) and 西街道 (西一社区)."""
from __future__ import annotations

import copy
import datetime as dt
import secrets
import time

import pytest
import streamlit as st
import yaml
from playwright.sync_api import expect, sync_playwright
from streamlit.testing.v1 import AppTest

import fixtures
from conftest import ROOT, shown_metrics
from oidc_provider import Provider
from test_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, assert_clean, free_port, metrics, serving, settle

from access import AccessError, SignInRefused, accounts, audit, oidc, sessions
from access.db import connect as access_connect
from metrics.config import load_config
from metrics.database import connect

NOW = dt.datetime(2026, 12, 1, 9, 0)
OIDC = {"enabled": True, "provider": "testsso", "max_age_minutes": 30, "login_claim": "preferred_username",
        "role_claim": "groups", "roles": {"看板-区级": "district", "看板-街道": "street", "看板-社区": "community"},
        "street_claim": "street", "community_claim": "community", "admin_claim": "groups",
        "admin_value": "看板-管理员"}
CONFIG = {"access": {"idle_minutes": 30, "oidc": OIDC}}
METHOD = {"method": "oidc", "provider": "testsso"}
DONG = {"sub": "u-1001", "preferred_username": "zhang.dong", "groups": ["全体员工", "看板-街道"], "street": "东街道",
        "community": "东一社区"}


def with_oidc(base: dict, **changes) -> dict:
    config = copy.deepcopy(base)
    config.setdefault("access", {})["oidc"] = {**OIDC, **changes}
    return config


def entries(db) -> list[tuple]:
    return [(e["login"], e["action"], e["target"], e["outcome"], e["details"]) for e in audit.entries(db)]


# --- the mapping --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("claims,expected", [
    (DONG, oidc.Identity("zhang.dong", "street", "东街道", None, False)),   # a street account keeps no community
    ({"preferred_username": "wang", "groups": "看板-区级", "street": "东街道"},
     oidc.Identity("wang", "district", None, None, False)),               # a district account keeps no street
    ({"preferred_username": "li@gov.cn", "groups": ["看板-社区"], "street": " 西街道 ", "community": "西一社区"},
     oidc.Identity("li@gov.cn", "community", "西街道", "西一社区", False)),
    ({"preferred_username": "chen", "groups": ["看板-区级", "看板-管理员"]},
     oidc.Identity("chen", "district", None, None, True)),
    ({"preferred_username": "zhao", "groups": ["看板-管理员", "看板-街道"], "street": "东街道"},
     oidc.Identity("zhao", "street", "东街道", None, True)),
])
def test_claims_map_to_the_account(claims, expected):
    assert oidc.identity(claims, CONFIG) == expected


@pytest.mark.parametrize("claims,message", [
    ({"groups": ["看板-区级"]},
     "统一身份认证未提供登录名（preferred_username） / the provider sent no login (preferred_username)"),
    ({"preferred_username": "zhang dong", "groups": ["看板-区级"]},
     "统一身份认证的登录名“zhang dong”不符合要求（字母、汉字、数字和 _ . @ -，最长64个字符） / the provider's login "
     "zhang dong is not a valid login"),
    ({"preferred_username": "li", "groups": ["全体员工"]},
     "账号 li 在统一身份认证中没有本看板的角色（groups：全体员工），请联系管理员 / account li has no role of this dashboard "
     "at the provider"),
    ({"preferred_username": "li"},
     "账号 li 在统一身份认证中没有本看板的角色（groups：无），请联系管理员 / account li has no role of this dashboard at "
     "the provider"),
    ({"preferred_username": "li", "groups": ["看板-街道", "看板-区级"], "street": "东街道"},
     "账号 li 在统一身份认证中对应多个角色（district、street），请联系管理员 / account li maps to several roles at the "
     "provider"),
    ({"preferred_username": "li", "groups": ["看板-街道"], "community": "东一社区"},
     "账号 li 是街道角色，但统一身份认证未提供街道（street），请联系管理员 / account li has the street role but no street "
     "(street)"),
    ({"preferred_username": "li", "groups": ["看板-社区"], "street": "东街道", "community": ""},
     "账号 li 是社区角色，但统一身份认证未提供社区（community），请联系管理员 / account li has the community role but no "
     "community (community)"),
])
def test_claims_that_map_to_no_account_are_refused(claims, message):
    with pytest.raises(AccessError) as refused:
        oidc.identity(claims, CONFIG)
    assert str(refused.value) == message


def test_admin_right_by_a_true_claim_or_not_at_all():
    config = with_oidc({}, admin_claim="dashboard_admin", admin_value=None)
    base = {"preferred_username": "wang", "groups": ["看板-区级"]}
    assert [oidc.identity({**base, "dashboard_admin": v}, config).admin for v in (True, "true", False, "no")] == [
        True, True, False, False]
    # the defaults name no admin claim: nobody is admin through the provider, whatever it sends
    default = {"access": {"oidc": {"enabled": True, "role_claim": "groups", "roles": {"看板-区级": "district"}}}}
    assert oidc.identity({**base, "groups": ["看板-区级", "看板-管理员"]}, default).admin is False
    assert oidc.settings(default)["provider"] == "sso" and oidc.enabled({}) is False


def test_a_provider_sign_in_is_fresh_for_max_age_minutes():
    at = NOW.timestamp()
    assert [oidc.fresh({"iat": at - s}, CONFIG, NOW) for s in (0, 30 * 60, 30 * 60 + 1)] == [True, True, False]
    assert oidc.fresh({}, CONFIG, NOW) is False and oidc.fresh({"iat": "x"}, CONFIG, NOW) is False


def test_the_shipped_config_has_single_sign_on_off():
    assert oidc.settings(load_config())["enabled"] is False


# --- the session it opens -----------------------------------------------------------------------------------------

def test_first_sign_in_makes_the_account_and_a_session(tmp_path):
    db = tmp_path / "app.duckdb"
    session = oidc.sign_in(db, DONG, CONFIG, address="10.0.0.7", now=NOW)
    assert (session.account.login, session.account.role, session.account.street, session.account.community,
            session.account.admin) == ("zhang.dong", "street", "东街道", None, False)
    assert sessions.current(db, session.token, config=CONFIG, now=NOW) == session.account
    with access_connect(db) as con:
        assert con.execute("SELECT password_hash FROM accounts WHERE login = 'zhang.dong'").fetchone()[0] == "!oidc"
    assert entries(db) == [
        ("oidc:testsso", "account_change", "zhang.dong", "ok",
         {"change": "add", "method": "oidc", "role": "street", "street": "东街道", "community": None, "admin": False}),
        ("zhang.dong", "sign_in", None, "ok", METHOD)]


def test_later_sign_ins_follow_the_claims_and_audit_a_change(tmp_path):
    db = tmp_path / "app.duckdb"
    oidc.sign_in(db, DONG, CONFIG, address=None, now=NOW)
    oidc.sign_in(db, DONG, CONFIG, address=None, now=NOW)   # the same claims: no account_change
    moved = {**DONG, "groups": ["看板-社区"], "street": "西街道", "community": "西一社区"}
    session = oidc.sign_in(db, moved, CONFIG, address=None, now=NOW)
    assert (session.account.role, session.account.street, session.account.community) == ("community", "西街道", "西一社区")
    assert [(login, action) for login, action, *_ in entries(db)] == [
        ("oidc:testsso", "account_change"), ("zhang.dong", "sign_in"), ("zhang.dong", "sign_in"),
        ("oidc:testsso", "account_change"), ("zhang.dong", "sign_in")]
    assert entries(db)[3][4] == {
        "change": "claims", "method": "oidc",
        "before": {"role": "street", "street": "东街道", "community": None, "admin": False},
        "after": {"role": "community", "street": "西街道", "community": "西一社区", "admin": False}}


def test_an_account_disabled_here_stays_refused(tmp_path):
    db = tmp_path / "app.duckdb"
    first = oidc.sign_in(db, DONG, CONFIG, address=None, now=NOW)
    accounts.disable(db, "zhang.dong", actor="admin")
    assert sessions.current(db, first.token, config=CONFIG, now=NOW) is None   # its session ended with it
    with pytest.raises(SignInRefused) as refused:
        oidc.sign_in(db, {**DONG, "groups": ["看板-区级", "看板-管理员"]}, CONFIG, address="10.0.0.7", now=NOW)
    assert (str(refused.value), refused.value.reason) == (
        "账号 zhang.dong 已停用，请联系管理员 / account zhang.dong is disabled: ask an admin", "disabled")
    assert entries(db)[-1] == ("zhang.dong", "sign_in_failed", "zhang.dong", "disabled", METHOD)
    made = accounts.get(db, "zhang.dong")
    assert (made.disabled, made.role, made.admin) == (True, "street", False)   # the refused claims changed nothing


def test_a_local_account_is_not_taken_over_by_the_provider(tmp_path):
    db = tmp_path / "app.duckdb"
    accounts.add(db, "admin", "本地管理员-密码-1", role="district", admin=True, actor=None)
    with pytest.raises(SignInRefused) as refused:
        oidc.sign_in(db, {"preferred_username": "admin", "groups": ["看板-街道"], "street": "东街道"}, CONFIG,
                     address=None, now=NOW)
    assert refused.value.reason == "local_account"
    assert str(refused.value).startswith("账号 admin 是本看板的本地账号，不能通过统一身份认证登录")
    assert (accounts.get(db, "admin").role, accounts.get(db, "admin").admin) == ("district", True)
    assert entries(db)[-1] == ("admin", "sign_in_failed", "admin", "local_account", METHOD)


def test_no_password_signs_in_an_account_of_single_sign_on(tmp_path):
    db = tmp_path / "app.duckdb"
    oidc.sign_in(db, DONG, CONFIG, address=None, now=NOW)
    for password in ("!oidc", "", "任意密码-12345678"):
        with pytest.raises(SignInRefused) as refused:
            sessions.sign_in(db, "zhang.dong", password, address=None, config=CONFIG, now=NOW)
        assert refused.value.reason == "bad_credentials"
    with pytest.raises(AccessError) as refused:
        accounts.set_password(db, "zhang.dong", "新的密码-12345678", actor="admin")
    assert str(refused.value).startswith("账号 zhang.dong 通过统一身份认证登录，不能设置密码")
    assert accounts.external(db, "zhang.dong") is True


def test_unmapped_claims_are_audited(tmp_path):
    db = tmp_path / "app.duckdb"
    with pytest.raises(SignInRefused) as refused:
        oidc.sign_in(db, {"preferred_username": "li", "groups": ["全体员工"]}, CONFIG, address="10.0.0.8", now=NOW)
    assert refused.value.reason == "oidc_unmapped"
    assert entries(db) == [(None, "sign_in_failed", "li", "oidc_unmapped", {**METHOD, "reason": str(refused.value)})]
    assert accounts.get(db, "li") is None


def test_idle_expiry_and_sign_out_as_for_a_local_account(tmp_path):
    db = tmp_path / "app.duckdb"
    first = oidc.sign_in(db, DONG, CONFIG, address=None, now=NOW)
    assert sessions.current(db, first.token, config=CONFIG, now=NOW + dt.timedelta(minutes=31)) is None
    second = oidc.sign_in(db, DONG, CONFIG, address=None, now=NOW)
    assert sessions.sign_out(db, second.token, now=NOW) is True
    assert [(a, o) for _, a, _, o, _ in entries(db)][-3:] == [("sign_out", "expired"), ("sign_in", "ok"),
                                                            ("sign_out", "ok")]


# --- the gate (AppTest, st.user seeded as Streamlit's identity cookie would) --------------------------------------

@pytest.fixture
def gate(store_db, tmp_path, monkeypatch, config):
    """An AppTest of dashboard.py on the fixture's real data with single sign-on switched on (a local admin exists,
    so the gate shows the sign-in form)."""
    path = tmp_path / "oidc.yaml"
    path.write_text(yaml.safe_dump(with_oidc(config), allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CONFIG", str(path))
    monkeypatch.setenv("DASHBOARD_DB", str(store_db))
    accounts.add(store_db, "admin", "本地管理员-密码-1", role="district", admin=True, actor=None)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), store_db
    st.cache_resource.clear()
    st.cache_data.clear()


def signed_in_at_provider(claims: dict, issued: float | None = None) -> dict:
    return {"is_logged_in": True, "provider": "testsso", "iss": "http://127.0.0.1:1", "aud": "dashboard",
            "iat": int(issued if issued is not None else time.time()), **claims}


def button(at, label):
    return next(b for b in at.button if b.label == label)


@pytest.mark.slow
def test_gate_opens_the_session_of_the_claims(gate):
    at, db = gate
    at.user = signed_in_at_provider(DONG)
    at.run()
    assert not at.exception
    assert at.sidebar.caption[0].value == "已登录：zhang.dong（街道） · 可查看：东街道"
    at.selectbox(key="f_period").select("first_half").run()
    assert shown_metrics(at)["工单总量"] == "8"   # 东街道 in H1 2024
    assert at.selectbox(key="f_street").options == ["全部", "东街道"]
    assert [(login, action) for login, action, *_ in entries(db)] == [
        (None, "account_change"), ("oidc:testsso", "account_change"), ("zhang.dong", "sign_in")]
    at.run()   # a rerun uses the session: no second sign-in
    assert [a for _, a, *_ in entries(db)].count("sign_in") == 1


@pytest.mark.slow
def test_gate_shows_a_refusal_once_audited_and_the_form(gate):
    at, db = gate
    at.user = signed_in_at_provider({"preferred_username": "li", "groups": ["全体员工"]})
    at.run()
    at.run()
    assert not at.exception
    assert at.title[0].value == "红色物业治理看板 · 登录" and shown_metrics(at) == {}
    assert at.error[0].value == "账号 li 在统一身份认证中没有本看板的角色（groups：全体员工），请联系管理员"
    assert [(a, o) for _, a, _, o, _ in entries(db)].count(("sign_in_failed", "oidc_unmapped")) == 1
    assert button(at, "使用统一身份认证登录")


@pytest.mark.slow
def test_gate_forgets_a_stale_provider_sign_in(gate):
    at, db = gate
    at.user = signed_in_at_provider(DONG, issued=time.time() - 31 * 60)
    at.run()
    assert not at.exception
    assert at.user == {"is_logged_in": False}   # st.logout: the browser goes through the provider again
    assert at.title[0].value == "红色物业治理看板 · 登录"
    assert [a for _, a, *_ in entries(db)] == ["account_change"]   # the local admin only: nothing signed in


@pytest.mark.slow
def test_sign_out_of_a_single_sign_on_session_logs_out_of_the_cookie(gate):
    at, db = gate
    at.user = signed_in_at_provider(DONG)
    at.run()
    button(at, "退出登录").click().run()
    assert not at.exception
    assert at.user == {"is_logged_in": False}
    assert entries(db)[-1][:2] == ("zhang.dong", "sign_out")


@pytest.mark.slow
def test_idle_expiry_of_a_single_sign_on_session_logs_out_of_the_cookie(gate):
    at, db = gate
    at.user = signed_in_at_provider(DONG)
    at.run()
    with access_connect(db) as con:
        con.execute("UPDATE sessions SET last_seen = '2000-01-01 00:00:00'")
    at.run()
    assert not at.exception
    assert at.user == {"is_logged_in": False}
    assert at.info[0].value == "登录已结束（已退出登录，或30分钟未操作，或账号已停用），请重新登录。"
    assert entries(db)[-1][1:4] == ("sign_out", None, "expired")


@pytest.mark.slow
def test_the_button_without_secrets_says_so(gate):
    at, _ = gate
    at.run()
    button(at, "使用统一身份认证登录").click().run()
    assert not at.exception
    assert at.error[0].value == "统一身份认证尚未配置完整（.streamlit/secrets.toml），请联系管理员。"


@pytest.mark.slow
def test_no_button_while_single_sign_on_is_off(store_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(store_db))
    monkeypatch.delenv("DASHBOARD_CONFIG", raising=False)
    accounts.add(store_db, "admin", "本地管理员-密码-1", role="district", admin=True, actor=None)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.user = signed_in_at_provider(DONG)   # a cookie is ignored too
    at.run()
    assert not at.exception
    assert [b.label for b in at.button if b.label == "使用统一身份认证登录"] == []
    assert at.title[0].value == "红色物业治理看板 · 登录" and accounts.get(store_db, "zhang.dong") is None
    st.cache_resource.clear()
    st.cache_data.clear()


# --- the whole flow in chromium against a provider on loopback -----------------------------------------------------

@pytest.mark.slow   # LibreOffice / chromium
def test_browser_signs_in_through_the_provider(tmp_path, monkeypatch, config):
    """click -> /auth/login -> provider /authorize -> /oauth2callback -> /token (PKCE, nonce, RS256 ID token) ->
    the dashboard signed in as a street account whose 总览 shows its street only -> sign-out clears the cookie."""
    db = tmp_path / "app.duckdb"
    con = connect(db)
    fixtures.build(con, tmp_path, config)
    con.close()
    accounts.add(db, "admin", "本地管理员-密码-1", role="district", admin=True, actor=None)

    port = free_port()
    redirect = f"http://127.0.0.1:{port}/oauth2callback"
    with Provider("dashboard", "client-secret-for-tests", redirect, DONG) as provider:
        settings_path = tmp_path / "oidc.yaml"
        settings_path.write_text(yaml.safe_dump(with_oidc(config), allow_unicode=True), encoding="utf-8")
        secrets_path = tmp_path / "secrets.toml"   # not the repo's .streamlit/: the server is pointed at this file
        secrets_path.write_text(
            f'[auth]\nredirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n\n'
            f'[auth.testsso]\nclient_id = "dashboard"\nclient_secret = "client-secret-for-tests"\n'
            f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n', encoding="utf-8")
        monkeypatch.setenv("DASHBOARD_CONFIG", str(settings_path))
        monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets_path))
        with serving(db, tmp_path, port) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
            try:
                context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
                context.set_default_timeout(30_000)
                page = context.new_page()
                page.goto(url, timeout=60_000)   # real data: the door's sign-in page first
                expect(page.locator("h2")).to_have_text("登录")
                page.get_by_role("link", name="使用统一身份认证登录").click()
                sidebar = page.get_by_test_id("stSidebar")
                expect(sidebar.get_by_text("已登录：zhang.dong（街道） · 可查看：东街道")).to_be_visible(timeout=90_000)
                settle(page)
                assert_clean(page, "总览 after single sign-on")
                assert page.url.rstrip("/") == url   # back at the dashboard's home, no code or state left
                # 东街道 in June 2024, the default period: 7 orders (A W1-W4; B W5, W6, W13)
                assert metrics(page)["工单总量"] == "7"
                sidebar.get_by_role("combobox", name="街道", exact=True).click()
                expect(page.get_by_role("option")).to_have_text(["全部", "东街道"])
                page.keyboard.press("Escape")
                assert provider.requests[:1] == ["GET /.well-known/openid-configuration"]
                assert {"GET /authorize", "POST /token", "GET /jwks"} <= set(provider.requests)
                assert provider.refusals == []
                cookies = {c["name"] for c in context.cookies()}
                assert "_streamlit_user" in cookies

                settle(page)
                page.get_by_role("button", name="退出登录").click()
                # st.logout: Streamlit's logout clears its cookie, then the dashboard's address leads to the door
                expect(page.locator("h2")).to_have_text("登录", timeout=60_000)
                assert "_streamlit_user" not in {c["name"] for c in context.cookies()}
                page.reload()   # no cookie left: the reload goes to the door's sign-in page
                expect(page.locator("h2")).to_have_text("登录")
                context.close()
            finally:
                browser.close()
    assert [(login, action, outcome) for login, action, _, outcome, _ in entries(db)] == [
        (None, "account_change", "ok"), ("oidc:testsso", "account_change", "ok"), ("zhang.dong", "sign_in", "ok"),
        ("zhang.dong", "sign_out", "ok")]
    assert audit.entries(db)[2]["details"] == METHOD
