"""The 提醒 panel above every page of a signed-in account: the alerts in its scope it has not acknowledged
(access.alerts.for_account), those raised since its last visit marked new, each with a link to the view that shows it
(ui.links.open_view) and a button that acknowledges it (audited); "全部知道了" acknowledges them all.

The rules run here when this version of the data was never judged (access.alerts.refresh: lazily, once per data
version, whichever process or command asks first), before the alerts are read."""
from __future__ import annotations

import streamlit as st
from streamlit.logger import get_logger

from access import AccessError
from access import alerts as stored
from casework import alerts as _supervision_rule  # noqa: F401  registers supervision_overdue (metrics.alerts)
from metrics import alerts as rules
from ui.connection import data_version, database, reader_of, user_database
from ui.i18n import t
from ui.links import open_view
from ui.viewer import account, address
from ui.words import plain

SINCE = "_alerts_since"   # (the moment the previous visit began,) kept for the session: a tuple, its value may be None
SHOWN = 10                # the alerts listed before 显示全部: the demo's district has 56, which pushed the page out of sight
_JUDGED: set = set()      # (database, version) this process has run the rules on


def _refresh(config: dict) -> None:
    """The rules on this data version, unless judged already; a failure is logged and never stops the page (the
    alerts stored before are still listed)."""
    shown, version = database(), data_version()
    if (shown, version) in _JUDGED:
        return
    try:
        stored.refresh(user_database(), reader_of(shown).cursor(), config, shown, version)
    except Exception:
        get_logger("alerts").exception("alert rules failed on %s version %s", shown, version)
    _JUDGED.add((shown, version))


def render(language: str, config: dict) -> None:
    """The panel (nothing when the account has no alert to acknowledge; nothing on the open demo)."""
    who = account()
    if who is None:
        return
    db = user_database()
    _refresh(config)   # first: what it raises is seen in this visit, not new at the next one
    if SINCE not in st.session_state:   # the first page of this session: a visit begins
        st.session_state[SINCE] = (stored.visit(db, who.login),)
    notice = st.session_state.pop("_alerts_notice", None)
    if notice:
        st.toast(notice, icon=":material/done_all:")
    found = stored.for_account(db, who, database())
    if not found:
        return
    since = st.session_state[SINCE][0]
    new = {a["key"] for a in found if since is None or a["raised_at"] > since}
    title = (t("alerts_title_new", language, count=len(found), new=len(new)) if new
             else t("alerts_title", language, count=len(found)))
    with st.container(key="alerts_panel"), st.expander(title, expanded=bool(new),
                                                      icon=":material/notifications_active:"):
        st.caption(t("alerts_since", language, moment=since) if since else t("alerts_first", language))
        ordered = sorted(found, key=lambda a: (a["key"] not in new, a["key"]))   # the new first
        for a in ordered[:SHOWN]:
            _row(a, a["key"] in new, db, who, language)
        if len(ordered) > SHOWN and st.toggle(t("alerts_show_all", language, count=len(ordered),
                                                rest=len(ordered) - SHOWN), key="alerts_show_all"):
            for a in ordered[SHOWN:]:
                _row(a, a["key"] in new, db, who, language)
        if len(found) > 1 and st.button(t("alerts_ack_all", language), key="alerts_ack_all", icon=":material/done_all:"):
            _acknowledge(db, who, [a["key"] for a in found], language)


def _row(a: dict, is_new: bool, db, who, language: str) -> None:
    """One alert: its words (marked new), 查看 (its view) and 知道了 (acknowledged, audited)."""
    text, left_button, right_button = st.columns([6, 1.3, 1.5], vertical_alignment="center")
    mark = f"**{t('alert_new', language)}** · " if is_new else ""
    text.markdown(mark + plain(rules.describe(a, language)))
    if left_button.button(t("alert_open", language), key=f"alert_open_{a['key']}", icon=":material/open_in_new:"):
        open_view(a["view"]["page"], a["view"]["params"])
    if right_button.button(t("alert_ack", language), key=f"alert_ack_{a['key']}", icon=":material/done:"):
        _acknowledge(db, who, [a["key"]], language)


def _acknowledge(db, who, keys: list[str], language: str) -> None:
    try:
        count = stored.acknowledge(db, who, database(), keys, address=address())
    except AccessError:   # an alert gone out of the account's scope meanwhile: the list is drawn again
        count = 0
    st.session_state["_alerts_notice"] = t("alerts_acked", language, count=count)
    st.rerun()
