"""红色物业治理看板: page config, the shared sidebar and the navigation; pages do the rest."""
import streamlit as st

from ui import state
from ui.i18n import t


def run() -> None:
    st.set_page_config(page_title="红色物业治理看板", page_icon=":material/apartment:", layout="wide")
    lang = state.lang()
    with st.sidebar:
        choice = st.radio(t("language", lang), ["简体中文", "English"], key="lang_choice", horizontal=True,
                          index=0 if lang == "zh" else 1)
        st.session_state["lang"] = "en" if choice == "English" else "zh"
        st.query_params["lang"] = st.session_state["lang"]
    lang = state.lang()
    page = st.navigation([st.Page("pages/overview.py", title=t("overview", lang), icon=":material/dashboard:",
                                  default=True)])
    page.run()


run()
