"""The page's language: Simplified Chinese first, English as a choice, kept in the session and the address."""
from __future__ import annotations

import streamlit as st

from ui.i18n import t
from ui.links import _set_param


def lang() -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = "en" if st.query_params.get("lang") == "en" else "zh"
    return st.session_state["lang"]


def language_switch() -> None:
    current = lang()
    choice = st.sidebar.radio(t("language", current), ["简体中文", "English"], key="lang_choice", horizontal=True,
                              index=0 if current == "zh" else 1, on_change=_language_changed)
    st.session_state["lang"] = "en" if choice == "English" else "zh"
    _set_param("lang", "en" if st.session_state["lang"] == "en" else None)


def _language_changed() -> None:
    """Switching language changes nothing else. A selectbox, radio or multiselect tells its value to the browser
    and back as its label (format_func): labels in the old language would not match the new options on the next
    run (a page change), and Streamlit would fall back to the first option (the period jumped to 本月 / the
    default). Re-assigning every such value here makes the next run send it to the browser in the new language.
    Only text values and non-empty lists of text: a file uploader's [] or a button's flag may not be assigned."""
    for key in list(st.session_state):
        value = st.session_state[key]
        if isinstance(key, str) and not key.startswith("_") and key != "lang_choice" and (
                isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))):
            st.session_state[key] = value
