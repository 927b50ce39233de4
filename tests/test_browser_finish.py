"""Issue 25, the finish, in chromium on the demo district (its 需关注 holds ten compounds; the hand-counted fixture
has none with the 30 orders a score needs): 总览 on a phone (390 px: delta chips whole, 需关注 with its reasons,
month labels clear of the legend, the sidebar closed after navigating), in English at 1440 px (no reason cut) and
printed (the reasons whole, no click hints). Screenshots land in screenshots/ to look at."""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import SCREENSHOTS, assert_clean, browser, serving, settle  # noqa: F401

from metrics.demo import build_demo_database

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, config):
    """The dashboard as `make run` opens it with nothing imported: the demo district, open without a sign-in."""
    folder = tmp_path_factory.mktemp("finish")
    demo, user = folder / "demo" / "demo.duckdb", folder / "user" / "dashboard.duckdb"
    demo.parent.mkdir()
    build_demo_database(demo, config, progress=lambda message: None)
    settings = folder / "config.yaml"
    settings.write_text(yaml.safe_dump({**config, "demo_database": str(demo), "database": str(user)},
                                       allow_unicode=True), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DASHBOARD_CONFIG", str(settings))   # the server's environment (serving copies os.environ)
        with serving(user, folder) as url:
            yield url


def open_page(browser, url: str, viewport: dict, **context):
    ctx = browser.new_context(viewport=viewport, locale="zh-CN", **context)
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    page.goto(url, timeout=90_000)
    try:
        settle(page)
    except PlaywrightTimeout:   # the first run on a fresh demo file, on a machine shared with other work
        settle(page)
    assert_clean(page, url)
    return page


def shoot(page, name: str) -> None:
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(max(height, 844), 8000)})
    settle(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


CUT = """(selector) => [...document.querySelectorAll(selector)].filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText)"""


def test_the_overview_on_a_phone(browser, demo_server):
    page = open_page(browser, demo_server, PHONE, user_agent=IPHONE_UA, is_mobile=True, has_touch=True)
    try:
        # a change in words is whole in its chip (下降0.5个… before)
        deltas = page.locator("[data-testid='stMetricDelta'] p")
        assert deltas.count() >= 5
        assert page.evaluate(CUT, "[data-testid='stMetricDelta'] p, [data-testid='stMetricDeltaDescription'] p") == []
        # 需关注: ten compounds, each with its reasons in words inside the screen
        items = page.locator("[class*='st-key-attention-']")
        assert items.count() == 10
        first = items.first
        first.scroll_into_view_if_needed()
        text = first.inner_text()
        assert re.search(r"严重程度得分：\d+\.\d", text) and re.search(r"按时办结率\d+\.\d%，低于目标\d+\.\d个百分点", text)
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # the monthly chart: its legend lies below the slanted month labels, not over them
        chart = page.locator("[data-testid='stPlotlyChart']", has=page.locator(".gtitle", has_text="月度走势")).first
        chart.scroll_into_view_if_needed()
        ticks = [t.bounding_box() for t in chart.locator(".xtick text").all()]
        legend = chart.locator(".legend").bounding_box()
        assert ticks and legend["y"] >= max(t["y"] + t["height"] for t in ticks) - 1
        # the unit is a level line beneath the title (no rotated axis title over the tick labels)
        assert chart.locator(".ytitle").count() == 0
        assert "单位：%" in [t.text_content() for t in chart.locator(".infolayer text").all()]
        shoot(page, "finish_overview_390.png")
        # after navigating from the sidebar the page is shown, not the sidebar over it
        page.set_viewport_size(PHONE)
        sidebar = page.get_by_test_id("stSidebar")
        page.locator("[data-testid='stExpandSidebarButton']").first.click()
        page.wait_for_function("() => document.querySelector(\"[data-testid='stSidebar']\").dataset.collapsed === 'false'")
        sidebar.get_by_test_id("stSidebarNavLink").filter(has_text="诉求趋势").click()
        settle(page)
        assert page.url.split("?")[0].endswith("/trends") and sidebar.get_attribute("data-collapsed") == "true"
    finally:
        page.context.close()


def test_english_reasons_are_whole_on_a_desktop(browser, demo_server):
    page = open_page(browser, f"{demo_server}/?lang=en", DESKTOP)
    try:
        items = page.locator("[class*='st-key-attention-']")
        assert items.count() == 10
        assert "pp below target" in items.first.inner_text()
        assert page.evaluate(CUT, "[class*='st-key-attention-'] p") == []
        shoot(page, "finish_overview_1440_en.png")
    finally:
        page.context.close()


def test_printing_the_overview_keeps_the_reasons_and_drops_the_hints(browser, demo_server, tmp_path):
    page = open_page(browser, demo_server, DESKTOP)
    try:
        reasons = [line for line in page.locator("[class*='st-key-attention-'] [data-testid='stCaptionContainer']")
                   .first.inner_text().splitlines()[1:] if line.strip()]
        assert reasons
        page.emulate_media(media="print")
        pdf = tmp_path / "overview.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(pdf), "-"], capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        printed = re.sub(r"\s+", "", done.stdout.decode("utf-8"))
        assert all(re.sub(r"\s+", "", line) in printed for line in reasons), (reasons, printed[-2000:])
        assert "点击小区名称可打开该小区档案" not in printed and "点击街道的柱形" not in printed
        assert "需关注的小区" in printed
    finally:
        page.context.close()
