"""The two last 提醒 rules in chromium (issue 25): a 督办 reply overdue and a new hot issue, in the district's panel
beside tests/test_alerts.py's three, each 查看 opening what shows it; at 1440 px and on a phone (390 px) the texts
are whole. Screenshots: screenshots/alerts_*.png.

Data: tests/test_alerts.py's (甲园's run, 乙苑's and 丙苑's spikes of June 2024) and a July export: four residents of
甲园 on a mixing plant (1-4 July, with their words), 丙苑-J received 2024-07-05 09:00 (数据截至). 督办 #1 on 丁舍-7,
reply due 2024-07-03, opened on 1 July: 2 days past at 数据截至. June is the latest complete month: the plant is new."""
from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from playwright.sync_api import expect
from test_alerts import ORDER_HEADERS, load
from test_browser import ADMIN, add_admin, assert_clean, browser, page, screenshot, serving, settle, sign_in  # noqa: F401

import fixtures
from access import accounts
from casework import cases as cw
from metrics.database import connect
from metrics.ingest.importer import import_file

pytestmark = pytest.mark.slow   # chromium: `make test`, not `make check`

PLANT = ["小区东边的混凝土搅拌站夜里还在施工，噪音吵得睡不着", "东侧搅拌站半夜轰隆隆响，灰尘也大，请管一管",
         "搅拌站晚上施工噪音太大了，孩子没法睡觉，要求停止夜间作业", "小区旁边的搅拌站天天夜里作业，噪音和粉尘扰民"]
SUPERVISION = "督办 #1（承办单位：丁舍物业）回复期限2024年7月3日已过2天，仍未反馈（工单1件，丁舍）"


@pytest.fixture(scope="module")
def alert_server(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("browser_alerts")
    db = folder / "app.duckdb"
    con = connect(db)
    load(con, folder, config)
    july = [[f"甲园-P{i}", f"2024-07-0{1 + i} 2{i}:00:00", "甲园", f"2024-07-0{6 + i} 2{i}:00:00", "", "", text]
            for i, text in enumerate(PLANT)]
    july.append(["丙苑-J", "2024-07-05 09:00:00", "丙苑", "2024-07-10 09:00:00", "", "", ""])
    import_file(con, "work_orders", fixtures.write_csv(folder / "7月.csv", [*ORDER_HEADERS, "诉求内容"], july), config,
                imported_at=dt.datetime(2024, 7, 5, 10))
    add_admin(db)
    cw.open_case(db, con, account=accounts.get(db, ADMIN[0]), order_ids=["丁舍-7"], handling_unit="丁舍物业",
                 instruction="三日内回复", reply_due=dt.date(2024, 7, 3), as_of=dt.datetime(2024, 7, 1, 9),
                 now=dt.datetime(2024, 7, 1, 11))
    con.close()
    with serving(db, folder) as url:
        yield url


def query(page) -> dict:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).items()}


def panel_of(page):
    return page.get_by_test_id("stExpander").filter(has_text="提醒")


def open_alert(page, text: str) -> None:
    panel = panel_of(page)
    if not panel.get_by_text(text).is_visible():   # the panel starts folded once nothing is new
        panel.locator("summary").click()
    row = panel.get_by_test_id("stHorizontalBlock").filter(has_text=text)
    row.get_by_role("button", name="查看").click()


def test_a_reply_overdue_and_a_new_hot_issue_in_the_panel(alert_server, page):
    page.goto(f"{alert_server}/", timeout=60_000)
    sign_in(page)
    assert_clean(page, "overview")
    panel = panel_of(page)
    expect(panel).to_contain_text("提醒 · 5条待确认，其中5条为上次访问以来新增")
    expect(panel).to_contain_text(SUPERVISION)
    expect(panel).to_contain_text("甲园新出现集中诉求“")
    expect(panel).to_contain_text("”：2024年7月1日以来4位居民反映，工单4件")
    screenshot(page, "alerts_panel_1440")

    open_alert(page, SUPERVISION)
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text("督办")
    settle(page)
    assert_clean(page, "督办 from an alert")
    assert query(page) == {"case": "1"}
    expect(page.get_by_text("督办 #1（逾期）")).to_be_visible()
    screenshot(page, "alerts_supervision_opened")

    page.goto(f"{alert_server}/", timeout=60_000)
    sign_in(page)
    open_alert(page, "甲园新出现集中诉求")
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text("小区档案")
    settle(page)
    assert_clean(page, "profile from an alert")
    assert query(page) == {"compound": "甲园", "period": "custom", "from": "2024-07-01", "to": "2024-07-31"}
    expect(page.get_by_text("搅拌站").first).to_be_visible()   # its hot issue on the profile
    screenshot(page, "alerts_hot_opened")


def test_the_panel_on_a_phone_keeps_every_text_whole(alert_server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(30_000)
    phone = context.new_page()
    try:
        phone.goto(f"{alert_server}/", timeout=60_000)
        sign_in(phone, nav=False)
        panel = panel_of(phone)
        if not panel.get_by_text(SUPERVISION).is_visible():
            panel.locator("summary").click()
        expect(panel.get_by_text(SUPERVISION)).to_be_visible()
        for text in panel.locator("[data-testid='stMarkdownContainer'] p").all():
            box = text.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, text.inner_text()
            assert text.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), text.inner_text()
        screenshot(phone, "alerts_panel_390")
    finally:
        context.close()
