"""Saved views in the sidebar: the account's own and the shared ones its scope covers (access.views), each opened
with one click (ui.links.open_view: its page and address, through the scope seam), and the current page, period and
filters saved under a name, for the account itself or shared with its scope. A preset period is kept by name (上月
stays last month as the data moves on) unless the account fixes it to its dates."""
from __future__ import annotations

import streamlit as st

from access import AccessError
from access import views as saved
from metrics.ingest.uploads import in_language
from ui.connection import user_database
from ui.i18n import t
from ui.links import open_view, view_params
from ui.viewer import account, address, page_name
from ui.words import plain


def _scope_words(who, params: dict, language: str) -> str:
    """The scope a view would be shared with (access.views.view_scope): the account's narrowed by the view's place
    filters, in words."""
    street, community = saved.view_scope(who, params)
    return " ".join(p for p in (street, community) if p) or t("district", language)


def _period_words(params: dict, language: str) -> str:
    period = params.get("period") or "latest_complete"
    if period == "custom":
        return f"{params.get('from', '')} – {params.get('to', '')}"
    return t(period, language)


def render(language: str, filters) -> None:
    """The sidebar's saved views (drawn by ui.sidebar.render under the filters, for a signed-in account)."""
    who = account()
    if who is None:
        return
    db = user_database()
    st.subheader(t("views", language))
    notice = st.session_state.pop("_view_notice", None)
    if notice:
        st.success(notice, icon=":material/bookmark_added:")
    page = page_name() or "overview"
    with st.popover(t("view_save", language), icon=":material/bookmark_add:", use_container_width=True):
        if page not in saved.PAGES:
            st.caption(t("view_not_here", language))
        else:
            _save_form(db, who, page, filters, language)
    views = saved.listed(db, who)
    if not views:
        st.caption(t("views_none", language))
    for v in views:
        own = v["owner"] == who.login
        mark = t("view_by", language, owner=v["owner"]) if not own else (
            t("view_shared_mark", language) if v["shared"] else "")
        label = v["name"] + ((f"（{mark}）" if language == "zh" else f" ({mark})") if mark else "")
        help_text = t("view_open_help", language, page=t(f"page_{v['page']}", language),
                      period=_period_words(v["params"], language))
        left, right = st.columns([6, 1], gap="small") if own else (st.container(), None)
        if left.button(plain(label), key=f"view_open_{v['view_id']}", help=help_text, use_container_width=True):
            open_view(v["page"], v["params"])
        if right is not None and right.button("", key=f"view_delete_{v['view_id']}", icon=":material/delete:",
                                              help=t("view_delete", language, name=plain(v["name"]))):
            saved.delete(db, who, v["view_id"], address=address())
            st.session_state["_view_notice"] = t("view_deleted", language, name=plain(v["name"]))
            st.rerun()


def _save_form(db, who, page: str, filters, language: str) -> None:
    name = st.text_input(t("view_name", language), key="view_name", max_chars=saved.MAX_NAME)
    params = view_params()
    shared = st.checkbox(t("view_shared", language, scope=plain(_scope_words(who, params, language))),
                         key="view_shared")
    relative = True
    if filters.preset != "custom":
        relative = st.checkbox(t("view_relative", language, period=t(filters.preset, language)), value=True,
                               key="view_relative",
                               help=t("view_fixed", language, period=filters.period.label(language)))
    if st.button(t("view_save_button", language), key="view_save_button", type="primary",
                 icon=":material/bookmark_add:"):
        if filters.preset != "custom":
            params.pop("from", None)
            params.pop("to", None)
            if relative:
                params["period"] = filters.preset
            else:
                params.update({"period": "custom", "from": filters.period.start.isoformat(),
                               "to": filters.period.end.isoformat()})
        try:
            view = saved.save(db, who, name, page, params, shared=shared, address=address())
        except AccessError as refused:
            st.error(in_language(str(refused), language), icon=":material/error:")
            return
        st.session_state["_view_notice"] = t("view_saved", language, name=plain(view["name"]))
        st.rerun()
