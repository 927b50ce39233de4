"""系统管理 Administration (admins only): the audit log with its filters and export, and the accounts."""
import datetime as dt

import pandas as pd
import streamlit as st

from access import ROLES, AccessError, accounts, audit
from access.db import AUDIT_ACTIONS
from access.scope import manages
from metrics.ingest.uploads import in_language
from metrics.kpis import Scope
from ui import connection, downloads, engine, frame, language, sidebar, signin, viewer
from ui.i18n import register, t

register({
    "adm_audit_title": ("审计日志", "Audit log"),
    "adm_audit_caption": ("登录、导入、下载、简报、撤销和被拒绝的访问都记录在此，只能追加，不能修改或删除。",
                          "Sign-ins, imports, downloads, briefings, undos and refused access: append-only, never changed or deleted."),
    "adm_from": ("起始日期", "From"),
    "adm_to": ("截止日期", "To"),
    "adm_login": ("账号", "Account"),
    "adm_action": ("操作", "Action"),
    "adm_all": ("全部", "All"),
    "adm_count": ("共 {n} 条（最多显示 {limit} 条，导出含全部）", "{n} entries (at most {limit} shown; the export has all)"),
    "adm_none": ("所选条件下没有记录。", "No entries for these filters."),
    "adm_col_at": ("时间", "Time"),
    "adm_col_login": ("账号", "Account"),
    "adm_col_address": ("地址", "Address"),
    "adm_col_action": ("操作", "Action"),
    "adm_col_target": ("对象", "Target"),
    "adm_col_scope": ("范围", "Scope"),
    "adm_col_outcome": ("结果", "Outcome"),
    "adm_col_details": ("详情", "Details"),
    "adm_accounts_title": ("账号", "Accounts"),
    "adm_col_role": ("角色", "Role"),
    "adm_col_street": ("街道", "Street"),
    "adm_col_community": ("社区", "Community"),
    "adm_col_disabled": ("已停用", "Disabled"),
    "adm_col_locked": ("锁定至", "Locked until"),
    "adm_col_updated": ("更新时间", "Updated"),
    "adm_add_title": ("新建账号", "New account"),
    "adm_admin": ("管理员权限", "Admin right"),
    "adm_add": ("创建账号", "Create account"),
    "adm_added": ("已创建账号 {login}。", "Account {login} created."),
    "adm_change_title": ("停用、启用或重置密码", "Disable, enable or reset a password"),
    "adm_pick": ("选择账号", "Account"),
    "adm_disable": ("停用", "Disable"),
    "adm_enable": ("启用并解除锁定", "Enable and unlock"),
    "adm_new_password": ("新密码", "New password"),
    "adm_reset": ("重置密码", "Reset password"),
    "adm_changed": ("账号 {login} 已更新。", "Account {login} updated."),
    "adm_outside": ("账号 {login} 只能管理本街道（社区）范围内的账号，此次操作已记录。", "Account {login} manages only accounts inside its own street (community): this attempt was logged."),
    "adm_not_self": ("不能停用自己的账号。", "You cannot disable your own account."),
    **{f"act_{a}": pair for a, pair in {
        "sign_in": ("登录", "sign in"), "sign_in_failed": ("登录失败", "failed sign-in"), "lockout": ("锁定", "lockout"),
        "sign_out": ("退出", "sign out"), "import": ("导入", "import"), "registry_change": ("台账变更", "registry change"),
        "account_change": ("账号变更", "account change"), "download": ("下载", "download"),
        "briefing": ("生成简报", "briefing"), "access_refused": ("拒绝访问", "refused access"),
        "undo_import": ("撤销导入", "undo import")}.items()},
})
LIMIT = 2000


def audit_table(entries: list[dict], lang: str) -> pd.DataFrame:
    def text(value):
        if not value:
            return None
        return "，".join(f"{k}={v}" for k, v in value.items() if v not in (None, "", [], {}))
    return pd.DataFrame({
        t("adm_col_at", lang): [e["at"] for e in entries],
        t("adm_col_login", lang): [e["login"] for e in entries],
        t("adm_col_address", lang): [e["address"] for e in entries],
        t("adm_col_action", lang): [t(f"act_{e['action']}", lang) for e in entries],
        t("adm_col_target", lang): [e["target"] for e in entries],
        t("adm_col_scope", lang): [text(e["scope"]) for e in entries],
        t("adm_col_outcome", lang): [e["outcome"] for e in entries],
        t("adm_col_details", lang): [text(e["details"]) for e in entries],
    })


def accounts_table(found: list, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("adm_col_login", lang): [a.login for a in found],
        t("adm_col_role", lang): [signin.role_text(a, lang) for a in found],
        t("adm_col_street", lang): [a.street for a in found],
        t("adm_col_community", lang): [a.community for a in found],
        t("adm_col_disabled", lang): [t("yes" if a.disabled else "no", lang) for a in found],
        t("adm_col_locked", lang): [a.locked_until for a in found],
        t("adm_col_updated", lang): [a.updated_at for a in found],
    })


def show_audit(db, lang: str) -> None:
    st.subheader(t("adm_audit_title", lang))
    st.caption(t("adm_audit_caption", lang))
    today = dt.date.today()
    left, middle, right, last = st.columns(4)
    # typed days, not st.date_input: its calendar would speak the browser's language (sidebar.date_box)
    start, said_start = sidebar.date_box(left, t("adm_from", lang), "adm_from", today - dt.timedelta(days=30),
                                       dt.date(2000, 1, 1), today, lang)
    end, said_end = sidebar.date_box(middle, t("adm_to", lang), "adm_to", today, dt.date(2000, 1, 1), today, lang)
    logins = [a.login for a in managed(db, viewer.account())]
    login = right.selectbox(t("adm_login", lang), ["", *logins], key="adm_login",
                            format_func=lambda v: v or t("adm_all", lang))
    action = last.selectbox(t("adm_action", lang), ["", *AUDIT_ACTIONS], key="adm_action",
                            format_func=lambda v: t(f"act_{v}", lang) if v else t("adm_all", lang))
    for said in (said_start, said_end):
        if said:
            st.warning(said, icon=":material/event_busy:")
    found = audit.entries(db, start=start, end=end, login=login or None, action=action or None)
    if viewer.account().role != "district":   # an admin of one street reads the entries of its street's accounts
        found = [e for e in found if e["login"] in logins]
    if not found:
        st.info(t("adm_none", lang))
        return
    st.caption(t("adm_count", lang, n=len(found), limit=LIMIT))
    table = audit_table(found, lang)
    st.dataframe(table.tail(LIMIT).iloc[::-1], hide_index=True, placeholder="—", key="adm_audit")
    downloads.download_buttons(table, f"{t('adm_audit_title', lang)}_{start}_{end}", "adm_audit_dl", Scope(), period=False)


def show_accounts(db, me, lang: str) -> None:
    st.subheader(t("adm_accounts_title", lang))
    found = managed(db, me)
    st.dataframe(accounts_table(found, lang), hide_index=True, placeholder="—", key="adm_accounts")
    options = engine.facts()["options"]
    left, right = st.columns(2)
    with left.form("adm_add_form", clear_on_submit=True):
        st.markdown(f"**{t('adm_add_title', lang)}**")
        login = st.text_input(t("signin_login", lang), max_chars=64, key="adm_new_login")
        role = st.selectbox(t("adm_col_role", lang), ROLES, key="adm_new_role", format_func=lambda r: t(f"role_{r}", lang))
        street = st.selectbox(t("adm_col_street", lang), ["", *options["street"]], key="adm_new_street")
        community = st.selectbox(t("adm_col_community", lang), ["", *sorted({c["community"] for c in options["community"]
                                                                              if c["community"]})], key="adm_new_community")
        admin = st.checkbox(t("adm_admin", lang), key="adm_new_admin")
        password = st.text_input(t("signin_password", lang), type="password", max_chars=256, key="adm_new_password")
        submitted = st.form_submit_button(t("adm_add", lang), icon=":material/person_add:")
        if submitted and not manages(me, role, street or None, community or None):
            viewer.refuse(t("adm_outside", lang, login=me.login), target="admin", outcome="account_outside_scope",
                         requested={"role": role, "street": street or None, "community": community or None})
        elif submitted:
            def create():   # a street or community the data does not know is refused as `users add` refuses it
                accounts.check_place(db, login.strip(), role, street or None, community or None, engine.known_places(),
                                     actor=me.login, address=viewer.address())
                accounts.add(db, login.strip(), password, role=role, street=street or None,
                             community=community or None, admin=admin, actor=me.login, address=viewer.address())

            _account_change(create, t("adm_added", lang, login=login.strip()), lang)
    with right.form("adm_change_form", clear_on_submit=True):
        st.markdown(f"**{t('adm_change_title', lang)}**")
        who = st.selectbox(t("adm_pick", lang), [a.login for a in found], key="adm_change_login")
        password = st.text_input(t("adm_new_password", lang), type="password", max_chars=256, key="adm_change_password")
        a, b, c = st.columns(3)
        disable = a.form_submit_button(t("adm_disable", lang))
        enable = b.form_submit_button(t("adm_enable", lang))
        reset = c.form_submit_button(t("adm_reset", lang))
        if disable and who == me.login:
            st.error(t("adm_not_self", lang))
        elif disable:
            _account_change(lambda: accounts.disable(db, who, actor=me.login, address=viewer.address()),
                            t("adm_changed", lang, login=who), lang)
        elif enable:
            _account_change(lambda: accounts.enable(db, who, actor=me.login, address=viewer.address()),
                            t("adm_changed", lang, login=who), lang)
        elif reset:
            _account_change(lambda: accounts.set_password(db, who, password, actor=me.login, address=viewer.address()),
                            t("adm_changed", lang, login=who), lang)


def managed(db, me) -> list:
    """The accounts this admin's right reaches (access.scope.manages): all for a district admin, its own
    street's or community's otherwise."""
    return [a for a in accounts.listing(db) if manages(me, a.role, a.street, a.community)]


def _account_change(change, done: str, lang: str) -> None:
    try:
        change()
    except AccessError as refused:
        st.error(in_language(str(refused), lang), icon=":material/error:")
    else:
        st.success(done, icon=":material/check:")


lang = language.lang()
frame.page_header("page_admin")
signin.require_admin("admin")
db = connection.user_database()
audit_tab, accounts_tab = st.tabs([t("adm_audit_title", lang), t("adm_accounts_title", lang)])
with audit_tab:
    show_audit(db, lang)
with accounts_tab:
    show_accounts(db, viewer.account(), lang)
