"""Who is at the screen: the gate dashboard.py asks before any page runs, the sign-in form, the first admin's
form and the sign-out button. The rules themselves (hashes, lockout, idle expiry, audit) are access/'s; this
module only draws them.

A local account signs in on the door's own page (gateway/, /signin), which sets an HttpOnly, SameSite=Strict
cookie holding the session's token: the script reads it with st.context.cookies, so a reload, a new tab and a
bookmark keep the sign-in, and script code in the page cannot read it. Sign-out goes through the door too
(/signout: the session ends for every tab, the cookie goes). A session of single sign-on (st.login) keeps its
token in the tab's server-side session state, as before; so do the tests' AppTest sessions."""
from __future__ import annotations

import html
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st
from streamlit.errors import StreamlitAuthError
from streamlit.logger import get_logger

from access import SignInRefused, accounts, oidc, sessions, settings
from metrics.ingest.uploads import in_language
from ui import connection, engine, language, viewer
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
    "signin_expired": ("登录已结束（已退出登录，或{minutes}分钟未操作，或账号已停用），请重新登录。",
                       "The session has ended (signed out, {minutes} minutes without use, or the account disabled): "
                       "please sign in again."),
    "signin_as": ("已登录：{login}（{role}）", "Signed in: {login} ({role})"),
    "signin_scope": ("可查看：{scope}", "Sees: {scope}"),
    "signout": ("退出登录", "Sign out"),
    "signin_cancel": ("返回演示", "Back to the demo"),
    "role_district": ("区级", "district"),
    "role_street": ("街道", "street"),
    "role_community": ("社区", "community"),
    "role_admin": ("管理员", "admin"),
    "whole_district": ("全区", "the whole district"),
    "admin_needed": ("此页仅限管理员。账号 {login} 没有管理员权限，此次访问已记录。", "This page is for admins: account {login} is not one. The visit was logged."),
    "admin_sign_in": ("导入数据需要管理员账号，请登录。", "Importing needs an admin account: please sign in."),
    "signin_oidc": ("使用统一身份认证登录", "Sign in with the district's single sign-on"),
    "signin_oidc_broken": ("统一身份认证尚未配置完整（.streamlit/secrets.toml），请联系管理员。",
                           "Single sign-on is not fully configured (.streamlit/secrets.toml): ask an admin."),
})


def role_text(account, lang: str) -> str:
    role = t(f"role_{account.role}", lang)
    return f"{role}·{t('role_admin', lang)}" if account.admin else role


def _token() -> tuple[str | None, bool]:
    """The session token of this browser (the door's cookie) or of this tab (single sign-on, tests), and whether it
    came from the cookie."""
    cookie = st.context.cookies.get(sessions.COOKIE) if st.context.cookies else None
    if cookie:
        return cookie, True
    return st.session_state.get(TOKEN), False


def gate(lang: str):
    """The account of this browser's live session (None on the open demo), or a view to draw instead of the page:
    returns (account, view) where view is None when the page may run."""
    db, config = connection.user_database(), connection.config()
    if st.session_state.pop(SIGNED_OUT, False) and _oidc_sign_out():
        st.stop()   # the browser goes to Streamlit's logout, then back to the door
    token, from_cookie = _token()
    account = sessions.current(db, token, config=config) if token else None
    if token and account is None:
        forget_session()
        st.session_state["_signin_notice"] = t("signin_expired", lang, minutes=settings(config)["idle_minutes"])
        _oidc_sign_out()   # else the provider's cookie would sign in again at once
    if account is None:
        _oidc_session(db, config)   # a person the provider signed in: a session, then a rerun
    st.session_state["_account"] = account
    st.session_state["_by_cookie"] = from_cookie and account is not None
    if account is not None:
        _signed_in_box(account, lang)
        return account, None
    if engine.facts()["is_demo"]:
        if st.session_state.get("_want_signin"):
            return None, sign_in_form
        if accounts.any_exist(db) or oidc.enabled(config):
            st.sidebar.caption(t("signin_demo_note", lang))
            with st.sidebar:
                door_link(t("signin_demo", lang), signin_url(lang))
        return None, None
    return None, sign_in_form


def door_link(label: str, url: str, primary: bool = False) -> None:
    """A link to the door's own pages that opens in this tab (st.link_button opens a new one): static markup of our
    words and our address only, never a value from data."""
    kind = "door-link primary" if primary else "door-link"
    st.html(f'<a class="{kind}" href="{html.escape(url)}">{html.escape(label)}</a>')


def signin_url(lang: str) -> str:
    """The door's sign-in page, leading back to the page and filters shown."""
    url = st.context.url   # the browser's address of this run (None under AppTest)
    if url:
        parts = urlsplit(url)
        here = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    else:
        params = st.query_params.to_dict()
        here = "/" + (st.session_state.get("_page") or "overview") + (f"?{urlencode(params)}" if params else "")
    return f"/signin?next={quote(here, safe='')}" + ("&lang=en" if lang == "en" else "")


def session_ended() -> bool:
    """Whether the signed-in session of this browser has ended (signed out in another tab, idle, disabled), looked
    at without counting as use (the page's timer asks every few seconds; asking must not keep it alive)."""
    if st.session_state.get(SIGNED_OUT):
        return True
    token, _ = _token()
    return bool(token) and sessions.current(connection.user_database(), token, config=connection.config(), touch=False) is None


def _signed_in_box(account, lang: str) -> None:
    with st.sidebar:
        st.caption(t("signin_as", lang, login=account.login, role=role_text(account, lang)) + " · "
                   + t("signin_scope", lang, scope=t("whole_district", lang) if account.role == "district"
                       else " ".join(p for p in (account.street, account.community) if p)))
        if st.session_state.get("_by_cookie"):   # the door ends the session and clears the cookie
            door_link(t("signout", lang), "/signout" + ("?lang=en" if lang == "en" else ""))
        else:   # a callback: it runs even when the click arrives during the page's periodic look for new data
            st.button(t("signout", lang), key="signout", icon=":material/logout:", on_click=_sign_out)


SIGNED_OUT = "_signed_out"


def _sign_out() -> None:
    """The tab's own session (single sign-on, tests) ends; the next run logs out of the provider's cookie too."""
    sessions.sign_out(connection.user_database(), st.session_state.pop(TOKEN, None), address=viewer.address())
    forget_session()
    st.session_state[SIGNED_OUT] = True


def forget_session() -> None:
    """Everything this tab kept (picks, generated briefings, import results) goes with the account that made it:
    the next person to sign in at this screen starts clean. The language stays."""
    for key in list(st.session_state.keys()):
        if key not in ("lang", "lang_choice"):
            del st.session_state[key]


def sign_in_form() -> None:
    """In place of a page without a live session: why, and the way to the door's sign-in page (a page's address
    opened on real data goes there at once; this is seen when a session ends while the tab is open)."""
    lang = language.lang()
    st.title(f"{t('app_title', lang)} · {t('signin_title', lang)}")
    notice = st.session_state.pop("_signin_notice", None)
    if notice:
        st.info(notice, icon=":material/timer_off:")
    st.caption(t("signin_intro", lang))
    door_link(t("signin_submit", lang), signin_url(lang), primary=True)
    _oidc_button(lang)
    if st.session_state.get("_want_signin") and st.button(t("signin_cancel", lang), key="signin_cancel"):
        st.session_state.pop("_want_signin", None)
        st.rerun()


def _start(token: str) -> None:
    for key in ("_want_signin",):
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
        session = oidc.sign_in(db, claims, config, address=viewer.address())
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
    config = connection.config()
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
    lang = language.lang()
    account = viewer.account()
    if account is not None and account.admin:
        return
    if account is None:
        st.info(t("admin_sign_in", lang), icon=":material/lock:")
        sign_in_form()
        st.stop()
    viewer.refuse(t("admin_needed", lang, login=account.login), target=page, outcome="not_admin")
