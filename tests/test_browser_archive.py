"""Issue 25 in the real browser: a briefing issued on the 简报 page is archived; after a reload the archive lists it
(期数, period, by whom) and its Word and PDF download again byte for byte what was issued; a street account sees its
street's archive, another street's account does not. `streamlit run dashboard.py` on the hand-counted fixture driven
by Debian's chromium; screenshots in screenshots/ (briefing_preview_zh.png, briefing_archive_zh.png,
briefing_archive_street.png)."""
from __future__ import annotations

import fixtures
import pytest
from playwright.sync_api import expect
from test_browser import (  # noqa: F401
    SETTLE,
    ADMIN,
    CELLS_JS,
    add_admin,
    assert_clean,
    browser,
    screenshot,
    serving,
    settle,
    sign_in,
)

from access import accounts
from briefing import archive
from metrics.database import connect
from metrics.kpis import Scope

pytestmark = pytest.mark.slow   # chromium: `make test`, not `make check`

VIEWPORT = {"width": 1440, "height": 2400}
EAST = ("dong", "dong-password-2024")
WEST = ("xi", "xi-password-2024")


@pytest.fixture(scope="module")
def served(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("archive")
    db = folder / "app.duckdb"
    con = connect(db)
    fixtures.build(con, folder, config)
    con.close()
    add_admin(db)
    accounts.add(db, *EAST, role="street", street="东街道", actor=None)
    accounts.add(db, *WEST, role="street", street="西街道", actor=None)
    with serving(db, folder) as url:
        yield url, db


def new_page(browser):  # noqa: F811
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(30_000)
    return context, context.new_page()


def download(page, key: str, folder, name: str) -> bytes:
    with page.expect_download(timeout=SETTLE) as info:
        page.locator(f".st-key-{key} button").click()
    saved = folder / name
    info.value.save_as(saved)
    settle(page)   # the audit callback reran the page
    return saved.read_bytes()


def test_issue_reload_download_again_byte_identical(served, browser, tmp_path):  # noqa: F811
    url, db = served
    context, page = new_page(browser)
    try:
        page.goto(f"{url}/briefing?period=first_half&street=东街道", timeout=60_000)
        sign_in(page)
        assert_clean(page, "/briefing")
        expect(page.get_by_text("本范围尚未印发简报。")).to_be_visible()
        main = page.get_by_test_id("stMain")   # the preview's head block, as the files have it
        for text in ("东街道红色物业工作简报（2024年上半年）", "印发时编为第1期", "东街道办事处编",
                     "报送：示范区红色物业工作领导小组办公室", "抄送：各社区党委、居委会"):
            expect(main.get_by_text(text, exact=True)).to_be_visible()
        assert main.locator("[data-testid='stPlotlyChart']").count() == 3   # the files' three charts
        screenshot(page, "briefing_preview_zh")
        page.locator(".st-key-briefing_run button").click()
        expect(page.get_by_text("简报已印发并存档。")).to_be_visible(timeout=SETTLE)
        settle(page)
        issued = {fmt: download(page, f"briefing_{fmt}", tmp_path, f"issued.{fmt}") for fmt in ("docx", "pdf")}
        page.reload()
        sign_in(page)
        settle(page)
        assert_clean(page, "/briefing (reloaded)")
        rows = page.evaluate(CELLS_JS, -1)   # the archive: the page's last table
        assert rows[0][:5] == ["期数", "统计时段", "印发日期", "生成时间", "印发者"]
        assert rows[1][0] == "1" and rows[1][1] == "2024年上半年" and rows[1][4] == ADMIN[0]
        # the files just made are gone with the reload; the archive's are offered
        assert page.locator(".st-key-briefing_pdf").count() == 0
        again = {fmt: download(page, f"archive_{fmt}", tmp_path, f"again.{fmt}") for fmt in ("docx", "pdf")}
        assert again == issued
        [entry] = archive.issued(db, Scope(street="东街道"))
        assert {fmt: archive.file_of(db, entry["id"], fmt, Scope(street="东街道"))[1] for fmt in ("docx", "pdf")} == issued
        screenshot(page, "briefing_archive_zh")
    finally:
        context.close()

    # a street account sees its street's archive; another street's sees none of it
    context, page = new_page(browser)
    try:
        page.goto(f"{url}/briefing?period=first_half", timeout=60_000)
        sign_in(page, *EAST)
        rows = page.evaluate(CELLS_JS, -1)
        assert rows[1][0] == "1" and rows[1][1] == "2024年上半年"
        assert download(page, "archive_pdf", tmp_path, "east.pdf") == issued["pdf"]
        screenshot(page, "briefing_archive_street")
    finally:
        context.close()
    context, page = new_page(browser)
    try:
        page.goto(f"{url}/briefing?period=first_half", timeout=60_000)
        sign_in(page, *WEST)
        expect(page.get_by_text("本范围尚未印发简报。")).to_be_visible()
        assert page.locator(".st-key-archive_pdf").count() == 0
    finally:
        context.close()
    # every download audited, with its scope
    from access import audit

    downloads = [(e["login"], e["target"]) for e in audit.entries(db, action="download")]
    name = "东街道红色物业工作简报（2024年上半年）"
    again = f"{name}_第1期"   # the archive's copies carry their 期数 (not the fresh files' names again)
    assert downloads == [(ADMIN[0], f"{name}.docx"), (ADMIN[0], f"{name}.pdf"), (ADMIN[0], f"{again}.docx"),
                         (ADMIN[0], f"{again}.pdf"), (EAST[0], f"{again}.pdf")]
