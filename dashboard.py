"""红色物业治理看板: page config, the sign-in gate, the shared sidebar (language and filters) and the navigation.

`streamlit run dashboard.py` finds the App at the bottom and serves it (uvicorn imports this file as a module):
the door's routes and middleware (gateway/) around this same file, which Streamlit runs as the script of every
session (`__main__`)."""
import uuid

import streamlit as st
from streamlit.logger import get_logger

from ui import alerts, connection, language, sidebar, signin, style
from ui.i18n import t

PAGES = [("pages/overview.py", "page_overview", ":material/dashboard:", "overview"),
         ("pages/causes.py", "page_causes", ":material/troubleshoot:", "causes"),
         ("pages/trends.py", "page_trends", ":material/trending_up:", "trends"),
         ("pages/compare.py", "page_compare", ":material/compare_arrows:", "compare"),
         ("pages/party.py", "page_party", ":material/flag:", "party"),
         ("pages/profile.py", "page_profile", ":material/home_work:", "profile"),
         ("pages/hot.py", "page_hot", ":material/forum:", "hot"),
         ("pages/supervision.py", "page_supervision", ":material/assignment_late:", "supervision"),
         ("pages/briefing.py", "page_briefing", ":material/description:", "briefing"),
         ("pages/import.py", "page_import", ":material/upload_file:", "import"),
         ("pages/admin.py", "page_admin", ":material/admin_panel_settings:", "admin")]
ADMIN_PAGES = ("import", "admin")   # listed for admins (and for the first admin's sign-in on the open demo)


def run() -> None:
    st.set_page_config(page_title="红色物业治理看板", page_icon=":material/apartment:", layout="wide")
    language.language_switch()
    lang = language.lang()
    style.inject(lang)   # static CSS only: phone cards, print layout, the upload box's words
    account, form = signin.gate(lang)
    # before a sign-in every page is registered (none is shown): the address's page opens once signed in
    listed = [p for p in PAGES if form or p[3] not in ADMIN_PAGES or (account.admin if account else p[3] == "import")]
    page = st.navigation([st.Page(path, title=t(title, lang), icon=icon, url_path=url, default=(url == "overview"))
                          for path, title, icon, url in listed], position="hidden" if form else "sidebar")
    st.session_state["_page"] = page.url_path or "overview"
    try:
        if form:   # the address's page and filters wait in the URL until the sign-in is done
            form()
            return
        sidebar.render()
        alerts.render(lang, connection.config())   # 提醒: the account's alerts not yet acknowledged, above the page
        page.run()
    except Exception:   # st.rerun and st.stop are not Exceptions: they pass
        error_id = uuid.uuid4().hex[:8]
        get_logger("dashboard").exception("error %s on page %s", error_id, page.url_path)
        st.error(t("error_id", lang, id=error_id), icon=":material/error:")
        raise   # Streamlit's own notice follows, its details withheld (client.showErrorDetails = "none")


if __name__ == "__main__":   # the script of a session
    run()
else:   # imported by the server: the App around the script (sign-in page and cookie, headers, upload limit)
    from streamlit.runtime.pages_manager import PagesManager

    import gateway

    # the pages are st.navigation's from the first request on: a fresh server would otherwise take the pages/ folder
    # for Streamlit's legacy multipage mode until the first run of the script left it, and the first visitor's
    # first click after that run was lost (its rerun drawn for a page the browser no longer showed)
    PagesManager.uses_pages_directory = False

    app = st.App("dashboard.py", routes=gateway.routes(), middleware=gateway.middleware())
