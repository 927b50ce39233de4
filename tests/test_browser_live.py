"""The dashboard serving while others write: a command-line import while pages are open shows its new total
on the open page within seconds, without a reload; a page opened while an import holds the database renders
cleanly (before: a raw lock-error traceback with the process id). Every full page load signs in (test_browser's
district admin)."""
from __future__ import annotations

import subprocess
import time

import fixtures
import pytest
from playwright.sync_api import expect, sync_playwright
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    VIEWPORT,
    add_admin,
    assert_clean,
    metrics,
    serving,
    settle,
    sign_in,
)

import store

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

PYTHON = str(ROOT / ".venv" / "bin" / "python")
NEW_ORDER = [["L1", "12345平台", "2024-06-12 09:00", "投诉", "渗水漏水", "", "", "阳光花园", "物业公司", "2024-06-15 09:00",
              "2024-06-13 09:00", "", "满意", "否", "是", "是", "", "", "楼上漏水"]]


@pytest.fixture(scope="module")
def live(tmp_path_factory, config):
    """The fixture database written through the store, and a server on it: (url, db, folder)."""
    folder = tmp_path_factory.mktemp("live")
    db = folder / "app.duckdb"
    with store.writer(db, config, what="fixture") as con:
        fixtures.build(con, folder, config)
    add_admin(db)
    with serving(db, folder) as url:
        yield url, db, folder


@pytest.fixture
def page():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(30_000)
        try:
            yield context.new_page()
        finally:
            browser.close()


def orders_card(page):
    return page.locator("[data-testid='stMetric']", has_text="工单总量").get_by_test_id("stMetricValue")


def test_a_cli_import_shows_on_an_open_page_without_a_reload(live, page):
    url, db, folder = live
    page.goto(f"{url}/?period=first_half", timeout=60_000)
    sign_in(page)
    assert metrics(page)["工单总量"] == "12"
    extra = fixtures.write_csv(folder / "夜间导出.csv", fixtures.ORDER_HEADERS, NEW_ORDER)
    started = time.monotonic()
    done = subprocess.run([PYTHON, "-m", "metrics", "import", "--db", str(db), "--kind", "work_orders", str(extra)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # the page looks for a new snapshot every store.watch_seconds (5 s) and redraws itself
    expect(orders_card(page)).to_have_text("13", timeout=20_000)
    assert time.monotonic() - started < 20
    settle(page)
    assert_clean(page, "overview after a command-line import")
    # the page's head line (the 提醒 panel above it has captions of its own)
    caption = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").filter(
        has_text="数据截至").first.inner_text()
    assert "最近导入" in caption and "从未" not in caption


class Abandoned(Exception):
    """Ends the simulated import without committing it."""


def test_a_page_opened_during_an_import_shows_the_data_before_it(live, page, config):
    url, db, _ = live
    page.goto(url, timeout=60_000)
    sign_in(page)
    before = metrics(page)["工单总量"]
    with pytest.raises(Abandoned):
        with store.writer(db, config, what="一个很长的导入") as con:   # the master is open read-write meanwhile
            con.execute("BEGIN")
            con.execute("DELETE FROM work_orders")                     # half an import, not committed
            for path in ("", "import", "profile"):
                page.goto(f"{url}/{path}", timeout=60_000)
                sign_in(page)
                assert_clean(page, f"/{path} during an import")
            page.goto(url, timeout=60_000)
            sign_in(page)
            assert metrics(page)["工单总量"] == before   # the data before the import, never half of it
            raise Abandoned
