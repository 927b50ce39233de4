"""The page's address: filters mirrored into the query string (a view can be bookmarked and sent), and links to another page that carry the period and filters along."""
from __future__ import annotations

import streamlit as st

# filter -> URL key
URL_KEYS = {"street": "street", "community": "community", "compound_kind": "kind", "management_mode": "mode",
            "source": "source", "category": "category"}


def _set_param(key: str, value: str | None) -> None:
    if value is None or value == "":
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


LINK_KEYS = ("period", "from", "to", *URL_KEYS.values(), "lang")


def link_params() -> dict:
    """The address of what is shown (period, from/to, the filters, language), for a link to another page: st.switch_page
    drops every widget's state, so the page opened reads the period and filters from these."""
    return {key: st.query_params[key] for key in LINK_KEYS if st.query_params.get(key)}


def switch_page(page: str, **params) -> None:
    """Open another page with the same period, filters and language (link_params) and the page's own parameters;
    the frame's filter widgets start again from that URL (a widget's leftover state would not say the same)."""
    st.session_state["_linked"] = True
    st.switch_page(page, query_params={**link_params(), **params})


def view_params() -> dict:
    """What the address says of the view shown (access.views.VIEW_KEYS: period, from/to, filters, the profile's
    compound, the compared compounds), to save it under a name."""
    from access.views import VIEW_KEYS

    return {key: st.query_params[key] for key in VIEW_KEYS if st.query_params.get(key)}


ALERT_KEYS = ("case",)   # an alert's view may also name one 督办 (casework.alerts); a saved view never does


def open_view(page: str, params: dict) -> None:
    """Open a saved view or an alert's view: its page with exactly its address (not the filters shown now), in the
    language shown. The frame's filter widgets start again from that address, through the scope seam as any address
    does (ui.sidebar.render, ui.engine.ask): a view never widens the account's scope."""
    from access.views import VIEW_KEYS

    st.session_state["_linked"] = True
    kept = {k: str(v) for k, v in params.items() if (k in VIEW_KEYS or k in ALERT_KEYS) and v not in (None, "")}
    if st.query_params.get("lang"):
        kept["lang"] = st.query_params["lang"]
    st.switch_page(f"pages/{page}.py", query_params=kept)


def open_profile(name: str) -> None:
    """A compound's profile from a table row, for the period and filters shown."""
    switch_page("pages/profile.py", compound=name)


def open_causes(by: str = "unit", **params) -> None:
    """原因分析 split by `by` (unit, company, category, request_type) for the period and filters shown, narrowed by
    `params` (street=…: a street's units)."""
    switch_page("pages/causes.py", by=by, **params)
