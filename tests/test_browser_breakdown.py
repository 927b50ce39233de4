"""原因分析 in the real browser: `streamlit run dashboard.py` on tests/breakdown_fixture.py (June 2024, the data's last
month, at 2024-07-01 10:00; min_orders 2, list_size 1) driven by Debian's chromium. A district admin goes from 总览
to the worst handling unit of the worst street and to its late orders in two clicks: 东街道's row in 总览's 原因分析
table (on time 4 of 8, below 西街道's 3 of 5) opens 原因分析 with 东街道's units, the worst first (城管科, late on 3 of
5); a click on 城管科 lists R4, R3, R2. The property companies' 红黑榜 and a company's compounds are one click away.

One server for the module (test_browser.serving: bounded start, stopped at the end); screenshots at 1440 px wide land
in screenshots/ (breakdown_overview.png, breakdown_street_units.png, breakdown_late_orders.png, breakdown_companies.png,
breakdown_en.png)."""
from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from unittest import mock

import pytest
import yaml
from playwright.sync_api import expect
from test_browser import SETTLE, add_admin, assert_clean, browser, screenshot, settle, sign_in  # noqa: F401
from test_browser import page_at, serving

import breakdown_fixture as bf
import xlsx_cells
from metrics.database import connect

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

VIEWPORT = {"width": 1440, "height": 2400}   # the width officials' screens have; tall, so a page is one shot
ROW, HEADER = 35, 35   # Streamlit's dataframe row and header heights (px)
CELLS_JS = """(key) => [...document.querySelectorAll(`.st-key-${key} [role='row']`)]
    .map(r => [...r.querySelectorAll("[role='gridcell'], [role='columnheader']")].map(c => c.textContent.trim()))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("breakdown")
    settings = bf.config_for(config)
    con = connect(folder / "app.duckdb")
    bf.build(con, folder, settings)
    con.close()
    add_admin(folder / "app.duckdb")
    (folder / "config.yaml").write_text(yaml.safe_dump({**settings, "database": str(folder / "app.duckdb")},
                                                       allow_unicode=True), encoding="utf-8")
    with mock.patch.dict(os.environ, {"DASHBOARD_CONFIG": str(folder / "config.yaml")}):
        with serving(folder / "app.duckdb", folder) as url:
            yield url


page = page_at(VIEWPORT)


def grid(page, key: str) -> list[list[str]]:
    """The text of the table drawn with `key` (its accessible grid: the canvas draws what this holds), header first."""
    page.wait_for_function(f"() => ({CELLS_JS})({key!r}).length > 1", timeout=SETTLE)
    return page.evaluate(CELLS_JS, key)


def click_row(page, key: str, row: int, x: int = 16) -> None:
    """Click the table `key`'s row `row` (0: the first under the header) at `x` px from its left edge (16: its
    selection box, a row is chosen there)."""
    table = page.locator(f".st-key-{key} [data-testid='stDataFrame']")
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + HEADER + ROW * row + ROW // 2)


def rounded(rows: list[list[str]], columns: range) -> list[list]:
    """The grid's cells with `columns` as numbers to one decimal (the accessible grid holds a rate's number, the
    canvas draws it as 66.7%)."""
    return [[round(float(c), 1) if i in columns and c else c for i, c in enumerate(r)] for r in rows]


def query(page) -> dict:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).items()}


def test_two_clicks_from_the_overview_to_a_streets_worst_units_late_orders(server, page):
    page.goto(f"{server}/?period=last_month", timeout=60_000)
    sign_in(page)
    assert_clean(page, "overview")
    screenshot(page, "breakdown_overview")
    streets = grid(page, "why_places")
    # 东街道: on time 4 of 8 (城管科 2 of 5, 物业客服 2 of 3); 西街道: 3 of 5 (供水公司 2 of 3, R12 of R12 and R13)
    assert streets[0][:3] == ["街道", "工单总量", "按时办结率"]
    assert rounded([r[:3] for r in streets[1:]], range(2, 3)) == [["东街道", "8", 50.0], ["西街道", "6", 60.0]]

    click_row(page, "why_places", 0)   # the first click: 东街道
    page.wait_for_url("**/causes?*", timeout=SETTLE)
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text("原因分析", timeout=SETTLE)
    settle(page)
    assert_clean(page, "原因分析 of 东街道")
    assert query(page) == {"period": "last_month", "street": "东街道", "by": "unit"}
    screenshot(page, "breakdown_street_units")
    units = grid(page, "ca_rows_unit")
    # 东街道's units, the worst first: 城管科 (65.0, late on 3 of 5) below 物业客服 (70.8)
    assert units[0][:6] == ["名次", "承办单位", "工单总量", "应办结", "超时或超期", "按时办结率"]
    assert rounded([r[:6] for r in units[1:]], range(5, 6)) == [["2", "城管科", "5", "5", "3", 40.0],
                                                                ["1", "物业客服", "3", "3", "1", 66.7]]

    click_row(page, "ca_rows_unit", 0)   # the second click: 城管科, its late orders
    expect(page.get_by_text("城管科：问题工单", exact=True)).to_be_visible(timeout=SETTLE)
    settle(page)
    assert_clean(page, "城管科's late orders")
    assert query(page)["row"] == "城管科"
    screenshot(page, "breakdown_late_orders")
    late = grid(page, "ca_orders")
    assert late[0][:8] == ["工单编号", "小区", "街道", "承办单位", "物业公司", "诉求类别", "状态", "超时天数"]
    # R4 open 19 days past its deadline, R3 closed 2 days late, R2 1 day late
    assert [r[:8] for r in late[1:]] == [["R4", "银杏苑", "东街道", "城管科", "甲物业", "车辆管理", "超期未办结", "19"],
                                         ["R3", "银杏苑", "东街道", "城管科", "甲物业", "车辆管理", "超时办结", "2"],
                                         ["R2", "金桂苑", "东街道", "城管科", "甲物业", "渗水漏水", "超时办结", "1"]]
    assert late[3][8] == "住户电话[手机号]，楼道漏水一周无人处理"   # masked at import

    click_row(page, "ca_rows_unit", 0)   # unticked: the list closes, the address forgets the row
    expect(page.get_by_text("城管科：问题工单", exact=True)).to_have_count(0, timeout=SETTLE)
    settle(page)
    assert "row" not in query(page)


def test_the_companies_lists_and_a_companys_compounds(server, page):
    page.goto(f"{server}/causes?period=last_month&by=company", timeout=60_000)
    sign_in(page)
    assert_clean(page, "原因分析 by company")
    expect(page.get_by_text("物业公司红黑榜", exact=True)).to_be_visible()
    screenshot(page, "breakdown_lists")
    # list_size 1: 乙物业 (丹枫苑) red, 甲物业 (金桂苑 and 银杏苑) black
    assert [r[:3] for r in grid(page, "ca_ca_red")[1:]] == [["1", "乙物业", "丹枫苑"]]
    assert [r[:3] for r in grid(page, "ca_ca_black")[1:]] == [["2", "甲物业", "金桂苑、银杏苑"]]
    click_row(page, "ca_ca_black", 0)
    expect(page.get_by_text("甲物业：问题工单", exact=True)).to_be_visible(timeout=SETTLE)
    settle(page)
    assert_clean(page, "甲物业")
    assert [r[:4] for r in grid(page, "ca_compounds")[1:]] == [["金桂苑", "东街道", "东一社区", "3"],
                                                                ["银杏苑", "东街道", "东二社区", "5"]]
    assert [r[0] for r in grid(page, "ca_orders")[1:]] == ["R4", "R3", "R2", "R11"]
    screenshot(page, "breakdown_companies")

    click_row(page, "ca_compounds", 1)   # 银杏苑: its profile, with its on-time by category and by unit
    page.wait_for_url("**/profile?*", timeout=SETTLE)
    expect(page.locator("[data-testid='stMain'] h2").first).to_contain_text("银杏苑", timeout=SETTLE)
    settle(page)
    assert_clean(page, "银杏苑's profile")
    expect(page.get_by_text("按诉求类别、承办单位", exact=True)).to_be_visible()
    screenshot(page, "breakdown_profile")


def test_in_english(server, page):
    page.goto(f"{server}/causes?period=last_month&by=unit&row=城管科&lang=en", timeout=60_000)
    sign_in(page, lang="en")
    assert_clean(page, "Causes (en)")
    expect(page.get_by_text("城管科: the orders that fell short", exact=True)).to_be_visible()
    assert [r[6] for r in grid(page, "ca_orders")[1:]] == ["Open, overdue", "Closed late", "Closed late"]
    screenshot(page, "breakdown_en")
    # the list's Excel is made when its button is clicked (downloads.download_buttons deferred=True)
    with page.expect_download(timeout=SETTLE) as download:
        page.get_by_test_id("stDownloadButton").get_by_text("Download Excel").last.click()
    assert download.value.suggested_filename == (
        "Orders that fell short (城管科, Closed late or open past the deadline (3))_Whole district_June 2024.xlsx")
    cells = xlsx_cells.read(Path(download.value.path()).read_bytes())["cells"]
    ids = [value for (row, column), (value, _) in sorted(cells.items()) if column == 0]
    assert ids[ids.index("Order id") + 1:] == ["R4", "R3", "R2"]
