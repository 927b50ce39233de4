"""Links and the language in a real browser (issue 14, defect 3): switching language changes nothing else, also on
the next page change, where the browser sends the period back as the label it shows (AppTest cannot show this: it
sends the label of the current run). One `streamlit run dashboard.py` on the hand-counted fixture."""
from __future__ import annotations

import urllib.parse

import pytest
from playwright.sync_api import expect
from test_browser import SETTLE, assert_clean, browser, engine, metrics, page, server, settle, sign_in  # noqa: F401

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`


def query(page) -> dict:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).items()}


def shown_period(page) -> str:
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name="统计时段").or_(
        page.get_by_test_id("stSidebar").get_by_role("combobox", name="Period")).input_value()


def test_switching_language_keeps_the_period_and_street_on_the_next_page(server, page):
    page.goto(f"{server}/?period=last_month&street=东街道", timeout=60_000)
    sign_in(page)
    assert shown_period(page) == "上月"
    # June 2024 in 东街道: 阳光花园 W1-W4, 幸福里小区 W5, W6, W13
    assert metrics(page)["工单总量"] == "7"

    page.get_by_test_id("stSidebar").get_by_test_id("stRadio").get_by_text("English", exact=True).click()
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("Overview")
    settle(page)
    assert shown_period(page) == "Last month"   # the browser shows the new language's label (it showed 上月)
    assert query(page) == {"period": "last_month", "street": "东街道", "lang": "en"}

    page.locator("[data-testid='stSidebarNavLink']", has_text="Trends").click()
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("Trends")
    settle(page)
    assert_clean(page, "trends after English")
    assert query(page) == {"period": "last_month", "street": "东街道", "lang": "en"}
    assert shown_period(page) == "Last month"
    assert metrics(page)["Work orders"] == "7"

    page.locator("[data-testid='stSidebarNavLink']", has_text="Overview").click()
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("Overview")
    settle(page)
    assert query(page) == {"period": "last_month", "street": "东街道", "lang": "en"}
    assert metrics(page)["Work orders"] == "7"
