"""督办 in the real browser: `streamlit run dashboard.py` on the hand-counted fixture (data as of 2024-07-01 12:00,
default period H1 2024) driven by Debian's chromium, in Chinese and in English, with exact counts:
overdue W6 (12 days, over 7) and W7 (3 days, 1-3, 市政维修中心), due within 3 days W5 (2 days left).
A click on an order's cell shows its history; a click on its compound's cell opens the compound's profile.

One server for the module (test_browser.serving: bounded start, stopped at the end), one page load per language;
screenshots at 1440 px wide land in screenshots/ (supervision_zh.png, supervision_en.png)."""
from __future__ import annotations

import urllib.parse

import fixtures
import pytest
from playwright.sync_api import expect
from test_browser import (  # noqa: F401
    SETTLE,
    add_admin,
    assert_clean,
    browser,
    grid,
    metrics,
    open_page,
    page_at,
    screenshot,
    serving,
    settle,
)

from metrics.database import connect

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

VIEWPORT = {"width": 1440, "height": 2400}   # the width officials' screens have; tall, so the page is one shot
ROW, HEADER = 35, 35   # Streamlit's dataframe row and header heights (px)
# the middle of 工单编号 (width small: 75 px) and of 小区 (medium: 200 px); a point inside 状态, which follows them
ORDER_X, COMPOUND_X, STATUS_X = 37, 75 + 100, 75 + 200 + 40
CARDS = {"zh": {"超期工单": "2", "超期1-3天": "1", "超期4-7天": "0", "超期7天以上": "1", "3天内到期": "1"},
         "en": {"Overdue": "2", "Overdue 1-3 days": "1", "Overdue 4-7 days": "0", "Overdue over 7 days": "1",
                "Due within 3 days": "1"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("supervision")
    con = connect(folder / "app.duckdb")
    fixtures.build(con, folder, config)
    con.close()
    add_admin(folder / "app.duckdb")
    with serving(folder / "app.duckdb", folder) as url:
        yield url


page = page_at(VIEWPORT)


def click_cell(page, row: int, x: int) -> None:
    """Click the queue's row `row` (0 = the first order) at `x` px from its left edge."""
    box = page.get_by_test_id("stDataFrame").first.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + HEADER + ROW * row + ROW // 2)


def test_the_queue_in_chinese(server, page):
    open_page(page, server, "supervision", "zh")
    shown = metrics(page)
    assert {k: shown[k] for k in CARDS["zh"]} == CARDS["zh"]
    rows = grid(page, 0)
    assert rows[0][:5] == ["工单编号", "小区", "状态", "超期天数", "剩余天数"]
    assert [r[:5] for r in rows[1:]] == [["W6", "幸福里小区", "超期7天以上", "12", ""],
                                         ["W7", "和平新村", "超期1-3天", "3", ""],
                                         ["W5", "幸福里小区", "3天内到期", "", "2"]]
    # the count by handling unit (the whole width, below the street table): 物业公司 (W6, W5) before 市政维修中心 (W7)
    assert [r[:3] for r in grid(page, 2)[1:]] == [["物业公司", "1", "0"], ["市政维修中心", "1", "1"]]
    expect(page.locator(".gtitle", has_text="各承办单位超期及临期工单")).to_have_count(1)
    screenshot(page, "supervision_zh")

    click_cell(page, 1, ORDER_X)   # W7's id: its history below the list
    expect(page.get_by_text("工单 W7 的经过", exact=True)).to_be_visible(timeout=SETTLE)
    expect(page.get_by_text("超期3天未办结", exact=True)).to_be_visible()
    settle(page)
    assert_clean(page, "supervision, W7's history")
    screenshot(page, "supervision_history_zh")

    click_cell(page, 0, COMPOUND_X)   # W6's compound: its profile
    page.wait_for_url("**/profile?*", timeout=SETTLE)
    expect(page.locator("[data-testid='stMain'] h2").first).to_contain_text("幸福里小区", timeout=SETTLE)
    settle(page)
    assert_clean(page, "profile from 督办")
    assert urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["compound"] == ["幸福里小区"]


def test_the_queue_in_english(server, page):
    open_page(page, server, "supervision", "en")
    shown = metrics(page)
    assert {k: shown[k] for k in CARDS["en"]} == CARDS["en"]
    rows = grid(page, 0)
    assert rows[0][:5] == ["Order id", "Compound", "Status", "Days overdue", "Days left"]
    assert [r[:4] for r in rows[1:]] == [["W6", "幸福里小区", "Overdue over 7 days", "12"],
                                         ["W7", "和平新村", "Overdue 1-3 days", "3"],
                                         ["W5", "幸福里小区", "Due within 3 days", ""]]
    expect(page.locator(".gtitle", has_text="Overdue and soon-due orders by handling unit")).to_have_count(1)
    screenshot(page, "supervision_en")
    click_cell(page, 0, STATUS_X)   # a cell of W6 that is not its compound (its status)
    expect(page.get_by_text("History of order W6", exact=True)).to_be_visible(timeout=SETTLE)
    expect(page.get_by_text("Open, 12 days overdue", exact=True)).to_be_visible()
    settle(page)
    assert_clean(page, "supervision, W6's history (en)")
