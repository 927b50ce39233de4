"""The real thing: `streamlit run dashboard.py` on the hand-counted fixture, driven by Debian's chromium through
Playwright. Every page in both languages renders without an exception box or an error alert (a full screenshot
of each lands in screenshots/); on 总览 the cards read from the DOM equal the engine's, the street filter reaches
the URL and the cards, and the language switch translates the page.

A database of real imports shows nothing before a sign-in: the tests make a district admin (ADMIN) before the
server starts, and the first page's address leads to the door's sign-in page (gateway/); its cookie keeps the
browser signed in for the rest of the test (each test has a browser context of its own).

Waits are bounded everywhere: the server must answer /_stcore/health within SERVER_START seconds, a page must
settle (script finished, no stale element, every Plotly chart drawn) within SETTLE ms (the first chart takes
6-11 s cold), and the server is terminated (then killed) when the module ends."""
from __future__ import annotations

import ast
import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import fixtures
import pytest
from playwright.sync_api import expect, sync_playwright

from access import accounts
from metrics import formatting as fmt
from metrics.catalog import KPIS
from metrics.database import connect
from metrics.kpis import Scope, Window, kpi_report
from metrics.periods import Period
from ui.i18n import t

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# The Streamlit main area scrolls inside the window: a tall viewport puts the whole page in the screenshot.
VIEWPORT = {"width": 1500, "height": 2600}


def dashboard_pages() -> list[tuple[str, str, str, str]]:
    """dashboard.py's PAGES: (file, title key, icon, url path); read, not imported (importing runs the app)."""
    for node in ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "PAGES" for target in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError("PAGES not found in dashboard.py")


TITLE_KEYS = {url: key for _, key, _, url in dashboard_pages()}
PAGES = list(TITLE_KEYS)
# st.navigation serves its default page at the root: /overview answers "Page not found" and falls back to it.
URLS = {p: "" if p == "overview" else p for p in PAGES}
SERVER_START = 60  # s
SETTLE = 90_000  # ms
H1_2024 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12))
ADMIN = ("browser-admin", "浏览器测试-密码-2024")   # login, password: a district admin in the test databases
SIGNIN_FORM = {"zh": ("登录名", "密码", "登录"), "en": ("Login", "Password", "Sign in")}   # inputs, submit button
CARDS = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate", "orders_total", "complaint_count",
         "party_org_coverage"]

# The page has settled when the script has finished, nothing from the previous run is left (stale), no
# skeleton is waiting and every Plotly chart has drawn its SVG.
SETTLED_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
    if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
    if (document.querySelector("[data-stale='true'], [data-testid='stSkeleton'], [data-testid='stAppSkeleton']"))
        return false;
    return [...document.querySelectorAll("[data-testid='stPlotlyChart']")].every(c => c.querySelector(".main-svg"));
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit not healthy after {seconds} s:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL if it has not gone after 10 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def add_admin(db: Path) -> None:
    """The district admin the browser signs in as (ADMIN), written beside the database before a server reads it."""
    accounts.add(db, *ADMIN, role="district", admin=True, actor=None)


@pytest.fixture(scope="module")
def engine(tmp_path_factory, config):
    """The fixture database and the engine's reports on it, computed before the server takes the file (DuckDB
    lets one process at a time open it)."""
    folder = tmp_path_factory.mktemp("browser")
    con = connect(folder / "app.duckdb")
    fixtures.build(con, folder, config)
    reports = {"all": kpi_report(con, config, Scope(), H1_2024),
               "东街道": kpi_report(con, config, Scope(street="东街道"), H1_2024)}
    con.close()
    add_admin(folder / "app.duckdb")
    return folder / "app.duckdb", reports


@contextlib.contextmanager
def serving(db: Path, folder: Path, port: int | None = None):
    """`streamlit run dashboard.py` on a free port with DASHBOARD_DB = db (its log in folder); yields its base URL
    once healthy and stops it on exit."""
    port = port or free_port()
    log = folder / f"streamlit_{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "dashboard.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, "DASHBOARD_DB": str(db)}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log, SERVER_START)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    """The dashboard on the fixture database; yields its base URL."""
    db, _ = engine
    with serving(db, tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    # launch() gives chromium a fresh temporary user-data dir and removes it on close.
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield b
        finally:
            b.close()


def page_at(viewport: dict):
    """A `page` fixture of this size (zh-CN, 30 s timeouts): `page = page_at(VIEWPORT)` in a module of its own size."""
    @pytest.fixture
    def page(browser):  # noqa: F811
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        context.set_default_timeout(30_000)
        tab = context.new_page()
        yield tab
        context.close()
    return page


page = page_at(VIEWPORT)

# The n-th dataframe of the page (n < 0 counts from the end): its rows, and their texts, header first. The canvas draws
# what its accessible grid holds.
GRID_JS = """(n) => [...document.querySelectorAll("[data-testid='stDataFrame']")].at(n)
    .querySelectorAll("[role='row']").length"""
CELLS_JS = """(n) => [...[...document.querySelectorAll("[data-testid='stDataFrame']")].at(n)
    .querySelectorAll("[role='row']")].map(r => [...r.querySelectorAll("[role='gridcell'], [role='columnheader']")]
    .map(c => c.textContent.trim()))"""


def grid(page, n: int = 0) -> list[list[str]]:  # noqa: F811
    """The text of the n-th dataframe's rows, once it has a row below its header."""
    page.wait_for_function(f"() => ({GRID_JS})({n}) > 1", timeout=SETTLE)
    return page.evaluate(CELLS_JS, n)


def settle(page) -> None:
    """Wait for the rerun to finish; the condition must still hold half a second later (a rerun can follow)."""
    for _ in range(2):
        page.wait_for_function(SETTLED_JS, timeout=SETTLE, polling=100)
        page.wait_for_timeout(500)
    page.wait_for_function(SETTLED_JS, timeout=SETTLE, polling=100)


def sign_in(page, login: str = ADMIN[0], password: str = ADMIN[1], lang: str = "zh", nav: bool = True) -> None:
    """After a full page load: a page's address opened without a session leads to the door's sign-in page (gateway/);
    fill its form and submit it, and wait until the page of the address is drawn and settled. With the session's
    cookie already in the browser (a reload, another tab, a bookmark), the page is drawn at once. `nav`: wait for
    the sidebar's navigation too (a phone's sidebar starts closed)."""
    page.wait_for_load_state()
    if "/signin" in page.url:
        expect(page.locator("h2")).to_have_text(SIGNIN_FORM[lang][2])
        page.fill("#login", login)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda address: "/signin" not in address, timeout=60_000)
    # a dialog (Streamlit's "Page not found" for an address the gate did not register) would make the page inert
    settle(page)
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, f"{page.url}: {dialogs.all_inner_texts()}"
    if nav:
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=SETTLE)
    settle(page)


def assert_clean(page, where: str) -> None:
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, f"{where}: {exceptions.all_inner_texts()}"
    errors = page.locator("[data-testid='stAlert']:has([data-testid='stAlertContentError'])")
    assert errors.count() == 0, f"{where}: {errors.all_inner_texts()}"
    dialogs = page.get_by_role("dialog")  # e.g. Streamlit's "Page not found"
    assert dialogs.count() == 0, f"{where}: {dialogs.all_inner_texts()}"


def open_page(page, url: str, path: str, lang: str) -> None:
    # 2024年上半年 asked by name: the fixture's data starts 2024-05-20, so the default period is June (issue 20)
    page.goto(f"{url}/{URLS[path]}?period=first_half" + ("&lang=en" if lang == "en" else ""), timeout=60_000)
    sign_in(page, lang=lang)
    assert_clean(page, f"/{URLS[path]} ({lang})")
    title = t(TITLE_KEYS[path], lang)
    # The nav entry of this page is the current one, and the page's own title names it.
    expect(page.locator("[data-testid='stSidebarNavLink'][aria-current='page']")).to_have_accessible_name(title)
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text(title)


def metrics(page) -> dict:
    cards = page.locator("[data-testid='stMain'] [data-testid='stMetric']")
    return {card.get_by_test_id("stMetricLabel").inner_text().strip(): card.get_by_test_id("stMetricValue")
            .inner_text().strip() for card in cards.all()}


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_navigation_has_the_pages():
    assert {"overview", "trends", "compare", "party", "profile", "import"} <= set(PAGES)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders(server, page, path, lang):
    open_page(page, server, path, lang)
    screenshot(page, f"{path}_{lang}")


def card_values(report: dict, lang: str) -> dict:
    return {KPIS[name].label(lang): fmt.percent(report[name]) if KPIS[name].kind == "rate" else fmt.count(report[name])
            for name in CARDS}


def test_overview_cards_equal_the_engine(server, engine, page):
    _, reports = engine
    open_page(page, server, "overview", "zh")
    shown = metrics(page)
    # H1 2024 at 07-01 12:00: due 11 (9 closed + W6, W7 overdue), on time 8 (all closed but W2); orders W1-W10,
    # W12, W13; complaints C1-C4; 3 of 4 compounds have a party organisation
    assert (shown["按时办结率"], shown["工单总量"], shown["投诉量"], shown["党组织覆盖率"]) == ("72.7%", "12", "4", "75.0%")
    assert {k: shown[k] for k in card_values(reports["all"], "zh")} == card_values(reports["all"], "zh")
    # open at 07-01 12:00 among H1 orders: W5 not yet due, W7 overdue 1-3 days, W6 over 7 days
    assert [shown[k] for k in ("未到期", "超期1-3天", "超期4-7天", "超期7天以上")] == ["1", "1", "0", "1"]
    # Plotly draws a second title node for a moment during a rerun: count, not a strict text match
    expect(page.locator(".gtitle", has_text="按时办结率、回访率、满意率月度走势")).to_have_count(1)
    expect(page.locator(".gtitle", has_text="各街道按时办结率与满意率")).to_have_count(1)


def test_street_filter_and_language(server, engine, page):
    _, reports = engine
    open_page(page, server, "overview", "zh")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("combobox", name="街道", exact=True).click()
    page.get_by_role("option", name="东街道", exact=True).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('street') === '东街道'", timeout=SETTLE)
    # 东街道 in H1 2024: A W1-W4, W10 and B W5, W6, W13 = 8 orders
    expect(page.locator("[data-testid='stMetric']", has_text="工单总量").get_by_test_id("stMetricValue")).to_have_text("8")
    settle(page)
    assert_clean(page, "overview, street 东街道")
    shown = metrics(page)
    assert {k: shown[k] for k in card_values(reports["东街道"], "zh")} == card_values(reports["东街道"], "zh")

    sidebar.get_by_test_id("stRadio").get_by_text("English", exact=True).click()
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("Overview")
    settle(page)
    assert_clean(page, "overview, English")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert query.get("lang") == ["en"] and query.get("street") == ["东街道"]
    shown = metrics(page)
    assert {k: shown[k] for k in card_values(reports["东街道"], "en")} == card_values(reports["东街道"], "en")
    assert shown["Work orders"] == "8"
    expect(page.locator(".gtitle", has_text="On-time closure, revisit and satisfaction rates by month")).to_have_count(1)
    expect(page.locator("[data-testid='stSidebarNavLink'] p")).to_have_text([t(TITLE_KEYS[p], "en") for p in PAGES])
