"""A bookmark opened as the first visit of a fresh server: /trends must come with the whole frame (sidebar
navigation, language switch, filters), not the bare page of Streamlit's legacy pages-folder mode."""
from test_browser import browser, serving, settle  # noqa: F401  (fixture)

import fixtures
from metrics.db import connect


def test_first_visit_straight_to_a_page(tmp_path, config, browser):
    con = connect(tmp_path / "direct.duckdb")
    fixtures.build(con, tmp_path, config)
    con.close()
    with serving(tmp_path / "direct.duckdb", tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{url}/trends", timeout=90_000)
        page.wait_for_selector("h1", timeout=90_000)
        settle(page)
        assert page.locator("h1", has_text="诉求趋势").count() == 1
        nav = page.locator("[data-testid='stSidebarNav']").inner_text()
        assert "总览" in nav and "数据导入" in nav
        assert page.get_by_text("语言 / Language").count() == 1
        context.close()
