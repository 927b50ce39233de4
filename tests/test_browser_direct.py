"""A bookmark opened as the first visit of a fresh server: /trends (and /import, whose file once had another
name and was not found) must come with the whole frame (sidebar navigation, language switch, filters), not the
bare page of Streamlit's legacy pages-folder mode. The sign-in form comes first (real data); signed in, the
bookmarked page is drawn."""
import fixtures
import pytest
from test_browser import add_admin, browser, serving, settle, sign_in  # noqa: F401  (fixture)

from metrics.database import connect

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`


@pytest.mark.parametrize("path,title", [("trends", "诉求趋势"), ("import", "数据导入")])
def test_first_visit_straight_to_a_page(tmp_path, config, browser, path, title):
    con = connect(tmp_path / "direct.duckdb")
    fixtures.build(con, tmp_path, config)
    con.close()
    add_admin(tmp_path / "direct.duckdb")
    with serving(tmp_path / "direct.duckdb", tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{url}/{path}", timeout=90_000)
        page.wait_for_selector("h1", timeout=90_000)   # the sign-in form's title
        sign_in(page)
        assert page.locator("h1", has_text=title).count() == 1
        assert page.get_by_role("dialog").count() == 0   # no "Page not found"
        nav = page.locator("[data-testid='stSidebarNav']").inner_text()
        assert "总览" in nav and "数据导入" in nav
        assert page.get_by_text("语言 / Language").count() == 1
        context.close()
