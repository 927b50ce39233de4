"""Who is at the screen: the gate dashboard.py asks before any page runs, the sign-in form, the first admin's
form and the sign-out button. The rules themselves (hashes, lockout, idle expiry, audit) are access/'s; this
module only draws them.

The session's token is kept in this browser tab's server-side session state: never in a cookie, the address or
the page, so nothing on the user's machine can be copied to open the session. A reload or a new tab signs in
again (an office machine left open ends with the tab or after `access.idle_minutes`)."""
from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAuthError
from streamlit.logger import get_logger

from access import ROLES, AccessError, SignInRefused, accounts, oidc, sessions, settings
from metrics.uploads import in_language
from ui import state
from ui.i18n import register, t

TOKEN = "_access_token"

register({
    "signin_title": ("登录", "Sign in"),
    "signin_intro": ("本看板含真实数据，请使用本单位分配的账号登录。", "This dashboard holds real data: sign in with the account your office gave you."),
    "signin_login": ("登录名", "Login"),
    "signin_password": ("密码", "Password"),
    "signin_submit": ("登录", "Sign in"),
    "signin_demo": ("登录", "Sign in"),
    "signin_demo_note": ("演示数据无需登录即可浏览；登录后按账号范围显示。", "The demo needs no account; signed in, you see your account's scope."),
    "signin_expired": ("{minutes}分钟未操作，已自动退出，请重新登录。", "Signed out after {minutes} minutes without use: please sign in again."),
    "signin_as": ("已登录：{login}（{role}）", "Signed in: {login} ({role})"),
    "signin_scope": ("可查看：{scope}", "Sees: {scope}"),
    "signout": ("退出登录", "Sign out"),
    "signin_cancel": ("返回演示", "Back to the demo"),
    "role_district": ("区级", "district"),
    "role_street": ("街道", "street"),
    "role_community": ("社区", "community"),
    "role_admin": ("管理员", "admin"),
    "whole_district": ("全区", "the whole district"),
    "first_admin_title": ("创建第一个管理员账号", "Create the first admin account"),
    "first_admin_intro": ("本看板尚无账号。请先创建区级管理员账号：它可以导入数据、管理账号和查看审计日志。其他账号可由管理员在“系统管理”页或命令行创建。",
                          "There are no accounts yet. Create the district admin account first: it imports data, manages "
                          "accounts and reads the audit log. Other accounts are made on the Administration page or from the command line."),
    "first_admin_repeat": ("再次输入密码", "Password again"),
    "first_admin_submit": ("创建并登录", "Create and sign in"),
    "first_admin_mismatch": ("两次输入的密码不一致。", "The two passwords differ."),
    "admin_needed": ("此页仅限管理员。账号 {login} 没有管理员权限，此次访问已记录。", "This page is for admins: account {login} is not one. The visit was logged."),
    "admin_sign_in": ("导入数据需要管理员账号，请登录。", "Importing needs an admin account: please sign in."),
    "signin_oidc": ("使用统一身份认证登录", "Sign in with the district's single sign-on"),
    "signin_oidc_broken": ("统一身份认证尚未配置完整（.streamlit/secrets.toml），请联系管理员。",
                           "Single sign-on is not fully configured (.streamlit/secrets.toml): ask an admin."),
})


def role_text(account, lang: str) -> str:
    role = t(f"role_{account.role}", lang)
    return f"{role}·{t('role_admin', lang)}" if account.admin else role


def gate(lang: str):
    """The account of this tab's live session (None on the open demo), or a form to draw instead of the page:
    returns (account, form) where form is None when the page may run."""
    db, config = state.user_database(), state.config()
    token = st.session_state.get(TOKEN)
    account = sessions.current(db, token, config=config) if token else None
    if token and account is None:
        forget_session()
        st.session_state["_signin_notice"] = t("signin_expired", lang, minutes=settings(config)["idle_minutes"])
        _oidc_sign_out()   # else the provider's cookie would sign in again at once
    if account is None:
        _oidc_session(db, config)   # a person the provider signed in: a session, then a rerun
    st.session_state["_account"] = account
    if account is not None:
        _signed_in_box(account, lang)
        return account, None
    if state.facts()["is_demo"]:
        if st.session_state.get("_want_signin"):
            return None, sign_in_form
        if accounts.any_exist(db) or oidc.enabled(config):
            st.sidebar.caption(t("signin_demo_note", lang))
            if st.sidebar.button(t("signin_demo", lang), key="signin_open", icon=":material/login:"):
                st.session_state["_want_signin"] = True
                st.rerun()
        return None, None
    return None, (sign_in_form if accounts.any_exist(db) else first_admin_form)


def session_ended() -> bool:
    """Whether the signed-in session of this tab has ended, looked at without counting as use (the page's
    timer asks every few seconds; asking must not keep an idle session alive)."""
    token = st.session_state.get(TOKEN)
    return bool(token) and sessions.current(state.user_database(), token, config=state.config(), touch=False) is None


def _signed_in_box(account, lang: str) -> None:
    with st.sidebar:
        st.caption(t("signin_as", lang, login=account.login, role=role_text(account, lang)) + " · "
                   + t("signin_scope", lang, scope=t("whole_district", lang) if account.role == "district"
                       else " ".join(p for p in (account.street, account.community) if p)))
        if st.button(t("signout", lang), key="signout", icon=":material/logout:"):
            sessions.sign_out(state.user_database(), st.session_state.pop(TOKEN, None), address=state.address())
            forget_session()
            if _oidc_sign_out():
                st.stop()   # the browser goes to Streamlit's logout, then back to the sign-in form
            st.rerun()


def forget_session() -> None:
    """Everything this tab kept (picks, generated briefings, import results) goes with the account that made it:
    the next person to sign in at this screen starts clean. The language stays."""
    for key in list(st.session_state.keys()):
        if key not in ("lang", "lang_choice"):
            del st.session_state[key]


def sign_in_form() -> None:
    lang = state.lang()
    st.title(f"{t('app_title', lang)} · {t('signin_title', lang)}")
    notice = st.session_state.pop("_signin_notice", None)
    if notice:
        st.info(notice, icon=":material/timer_off:")
    st.caption(t("signin_intro", lang))
    with st.form("signin", enter_to_submit=True):
        login = st.text_input(t("signin_login", lang), key="signin_login", max_chars=64)
        password = st.text_input(t("signin_password", lang), type="password", key="signin_password", max_chars=256)
        submitted = st.form_submit_button(t("signin_submit", lang), type="primary", icon=":material/login:")
    if submitted:
        try:
            session = sessions.sign_in(state.user_database(), login.strip(), password, address=state.address(),
                                       config=state.config())
        except SignInRefused as refused:
            st.error(in_language(str(refused), lang), icon=":material/lock:")
        else:
            _start(session.token)
    _oidc_button(lang)
    if st.session_state.get("_want_signin") and st.button(t("signin_cancel", lang), key="signin_cancel"):
        st.session_state.pop("_want_signin", None)
        st.rerun()


def first_admin_form() -> None:
    """The first start with real data and no account: nothing is shown until a district admin exists."""
    lang = state.lang()
    st.title(f"{t('app_title', lang)} · {t('first_admin_title', lang)}")
    st.info(t("first_admin_intro", lang), icon=":material/admin_panel_settings:")
    with st.form("first_admin"):
        login = st.text_input(t("signin_login", lang), key="first_login", max_chars=64)
        password = st.text_input(t("signin_password", lang), type="password", key="first_password", max_chars=256)
        repeat = st.text_input(t("first_admin_repeat", lang), type="password", key="first_repeat", max_chars=256)
        submitted = st.form_submit_button(t("first_admin_submit", lang), type="primary", icon=":material/person_add:")
    if not submitted:
        return
    if password != repeat:
        st.error(t("first_admin_mismatch", lang))
        return
    db = state.user_database()
    try:
        accounts.add(db, login.strip(), password, role=ROLES[0], admin=True, actor=login.strip(), address=state.address(),
                     first=True)
        session = sessions.sign_in(db, login.strip(), password, address=state.address(), config=state.config())
    except AccessError as refused:
        st.error(in_language(str(refused), lang), icon=":material/error:")
        return
    _start(session.token)


def _start(token: str) -> None:
    for key in ("signin_password", "first_password", "first_repeat", "_want_signin"):
        st.session_state.pop(key, None)
    st.session_state[TOKEN] = token
    st.rerun()


def _provider_signed_in() -> bool:
    """Whether Streamlit's identity cookie (set by st.login's provider) says who is at this browser."""
    return bool(st.user.to_dict().get("is_logged_in"))


def _oidc_session(db, config: dict) -> None:
    """The provider signed someone in and this tab has no session: open one for the account the claims map to
    (access.oidc.sign_in; then a rerun), or keep its refusal for the form. A sign-in at the provider older than
    `access.oidc.max_age_minutes` is forgotten instead (st.logout): a reload then goes through the provider."""
    if not oidc.enabled(config) or not _provider_signed_in() or "_oidc_refused" in st.session_state:
        return
    claims = st.user.to_dict()
    if not oidc.fresh(claims, config):
        st.logout()
        return
    try:
        session = oidc.sign_in(db, claims, config, address=state.address())
    except SignInRefused as refused:   # audited by access.oidc: one entry per attempt, not per rerun
        st.session_state["_oidc_refused"] = str(refused)
        st.session_state["_want_signin"] = True   # the open demo shows the form, with the refusal
    else:
        _start(session.token)


def _oidc_sign_out() -> bool:
    """Sign out of the provider's cookie too (st.logout) when there is one; whether there was."""
    if not _provider_signed_in():
        return False
    st.logout()
    return True


def _oidc_button(lang: str) -> None:
    """The single sign-on button under the sign-in form (when `access.oidc.enabled`), with the last refusal."""
    config = state.config()
    if not oidc.enabled(config):
        return
    refused = st.session_state.get("_oidc_refused")
    if refused:
        st.error(in_language(refused, lang), icon=":material/lock:")
    if st.button(t("signin_oidc", lang), key="signin_oidc", icon=":material/badge:"):
        st.session_state.pop("_oidc_refused", None)
        try:
            st.login(oidc.settings(config)["provider"])
        except StreamlitAuthError:
            get_logger("signin").exception("st.login failed: check .streamlit/secrets.toml")
            st.error(t("signin_oidc_broken", lang), icon=":material/error:")


def require_admin(page: str) -> None:
    """Pages for admins only (导入, 系统管理): anyone else gets the sign-in form, the first admin's form, or a
    refusal that is audited."""
    lang = state.lang()
    account = state.account()
    if account is not None and account.admin:
        return
    if account is None:
        if accounts.any_exist(state.user_database()):
            st.info(t("admin_sign_in", lang), icon=":material/lock:")
            sign_in_form()
        else:
            first_admin_form()
        st.stop()
    state.refuse(t("admin_needed", lang, login=account.login), target=page, outcome="not_admin")
