"""Saved views and the 提醒 panel in chromium (issue 25): save the page, period and filters under a name, go
elsewhere and reload, open the view from the sidebar: the same page, period and street, in the address and the
widgets; the panel lists the district's three alerts of tests/test_alerts.py's data and its 查看 opens the view of one.
Screenshots: screenshots/views_*.png."""
from __future__ import annotations

import urllib.parse

import pytest
from playwright.sync_api import expect
from test_alerts import load
from test_browser import (  # noqa: F401
    add_admin,
    assert_clean,
    browser,
    page,
    screenshot,
    serving,
    settle,
    sign_in,
)

from metrics.database import connect

pytestmark = pytest.mark.slow   # chromium: `make test`, not `make check`


@pytest.fixture(scope="module")
def alert_server(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("browser_views")
    con = connect(folder / "app.duckdb")
    load(con, folder, config)
    con.close()
    add_admin(folder / "app.duckdb")
    with serving(folder / "app.duckdb", folder) as url:
        yield url


def query(page) -> dict:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).items()}


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def combobox(page, name: str) -> str:
    return sidebar(page).get_by_role("combobox", name=name).input_value()


def title(page):
    return page.locator("[data-testid='stMain'] h1").first


def test_a_saved_view_opens_the_same_page_and_filters_after_a_reload(alert_server, page):
    page.goto(f"{alert_server}/trends?period=last_month&street=东街道", timeout=60_000)
    sign_in(page)
    assert_clean(page, "trends")
    expect(title(page)).to_contain_text("诉求趋势")
    # the 提醒 panel: the district's three alerts, new at this first visit
    panel = page.get_by_test_id("stExpander").filter(has_text="提醒")
    expect(panel).to_contain_text("提醒 · 3条待确认，其中3条为上次访问以来新增")
    expect(panel).to_contain_text("甲园按时办结率连续3个月低于目标95.0%（2024年4月80.0%、2024年5月85.0%、2024年6月90.0%）")
    expect(panel).to_contain_text("乙苑2024年6月投诉量12件，为前3个月平均（3.0件）的4.0倍")
    expect(panel).to_contain_text("丙苑2024年6月工单量40件，为前3个月平均（10.0件）的4.0倍")
    screenshot(page, "views_alerts_panel")

    sidebar(page).get_by_test_id("stPopover").get_by_role("button").click()
    body = page.get_by_test_id("stPopoverBody")
    expect(body).to_be_visible()
    body.get_by_role("textbox", name="视图名称").fill("东街道上月趋势")
    body.get_by_role("textbox", name="视图名称").press("Enter")
    settle(page)
    body.get_by_text("共享给东街道范围内的账号").click()
    settle(page)
    screenshot(page, "views_save_form")
    body.get_by_role("button", name="保存").click()
    settle(page)
    saved = sidebar(page).get_by_role("button", name="东街道上月趋势（共享）")
    expect(saved).to_be_visible()
    assert_clean(page, "saved")

    # elsewhere, other filters, a reload: the view is still listed
    page.goto(f"{alert_server}/?period=this_year", timeout=60_000)
    page.reload()
    sign_in(page)
    expect(title(page)).to_contain_text("总览")
    assert combobox(page, "统计时段") == "本年" and combobox(page, "街道") == "全部"
    saved = sidebar(page).get_by_role("button", name="东街道上月趋势（共享）")
    expect(saved).to_be_visible()
    saved.click()
    expect(title(page)).to_contain_text("诉求趋势")
    settle(page)
    assert_clean(page, "opened")
    assert query(page) == {"period": "last_month", "street": "东街道"}
    assert (combobox(page, "统计时段"), combobox(page, "街道")) == ("上月", "东街道")
    screenshot(page, "views_opened")
    page.reload()
    sign_in(page)
    expect(title(page)).to_contain_text("诉求趋势")
    assert query(page) == {"period": "last_month", "street": "东街道"}
    assert (combobox(page, "统计时段"), combobox(page, "街道")) == ("上月", "东街道")

    # an alert's 查看: 甲园's profile over April-June 2024
    panel = page.get_by_test_id("stExpander").filter(has_text="提醒")
    expect(panel.locator("summary")).to_contain_text("提醒 · 3条待确认")   # none new since this session's visit began:
    if not panel.get_by_role("button", name="查看").first.is_visible():   # the panel starts folded
        panel.locator("summary").click()
    panel.get_by_role("button", name="查看").first.click()
    expect(title(page)).to_contain_text("小区档案")
    settle(page)
    assert_clean(page, "alert's view")
    assert query(page) == {"compound": "甲园", "period": "custom", "from": "2024-04-01", "to": "2024-06-30"}
    screenshot(page, "views_alert_opened")
    page.emulate_media(media="print")   # the panel is the screen's: a printed page leaves it out
    expect(page.locator(".st-key-alerts_panel")).to_be_hidden()
    expect(title(page)).to_be_visible()
