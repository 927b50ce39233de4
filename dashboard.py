"""红色物业治理看板: page config, the shared sidebar (language and filters) and the navigation."""
import streamlit as st

from ui import state
from ui.i18n import t

PAGES = [("pages/overview.py", "page_overview", ":material/dashboard:", "overview"),
         ("pages/trends.py", "page_trends", ":material/trending_up:", "trends"),
         ("pages/compare.py", "page_compare", ":material/compare_arrows:", "compare"),
         ("pages/party.py", "page_party", ":material/flag:", "party"),
         ("pages/profile.py", "page_profile", ":material/home_work:", "profile"),
         ("pages/briefing.py", "page_briefing", ":material/description:", "briefing"),
         ("pages/import.py", "page_import", ":material/upload_file:", "import")]


def run() -> None:
    st.set_page_config(page_title="红色物业治理看板", page_icon=":material/apartment:", layout="wide")
    state.language_switch()
    lang = state.lang()
    page = st.navigation([st.Page(path, title=t(title, lang), icon=icon, url_path=url, default=(url == "overview"))
                          for path, title, icon, url in PAGES])
    state.render_filters()
    page.run()


run()
