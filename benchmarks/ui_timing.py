"""UI timing on the demo database: the real server in Debian's chromium (cold first render from server start,
warm page switches, a street filter change until the cards show the new figures) and AppTest render times of
every page. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/ui_timing.py [--rounds 3]
    .venv/bin/python benchmarks/ui_timing.py --rounds 1 --streets 1     (smoke run: the tests)

Uses a copy of data/demo/demo.duckdb, or builds one with `python -m metrics demo --db` when that file is
missing or held by a running server (DuckDB lets one process at a time open a file). The copy is served as the
open demo, as `make run` serves it before anything is imported: the configured demo database (a config.yaml
variant in DASHBOARD_CONFIG), the user's database not there yet. A demo file named by DASHBOARD_DB would be
real data, behind the sign-in."""
from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import duckdb  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from metrics import formatting as fmt  # noqa: E402
from metrics.catalog import KPIS  # noqa: E402
from metrics.config import load_config  # noqa: E402
from metrics.database import connect  # noqa: E402
from metrics.kpis import Scope, Window, kpi_report, latest_timestamp  # noqa: E402
from metrics.options import data_span, filter_options  # noqa: E402
from metrics.periods import latest_complete  # noqa: E402
# the real-browser test's server handling and its "page has settled" condition, so both measure the same thing
from test_browser import (CHROMIUM, CHROMIUM_ARGS, SETTLED_JS, TITLE_KEYS, URLS, VIEWPORT,  # noqa: E402
                          dashboard_pages, free_port, stop, wait_healthy)
from ui.i18n import t  # noqa: E402

DEMO = ROOT / "data" / "demo" / "demo.duckdb"
LIMIT = 120_000  # ms, any single wait


def database(folder: Path) -> tuple[Path, str]:
    copy = folder / "demo.duckdb"
    try:
        duckdb.connect(str(DEMO), read_only=True).close()
        shutil.copy(DEMO, copy)
        return copy, f"copy of {DEMO.relative_to(ROOT)}"
    except (duckdb.Error, FileNotFoundError) as error:
        # duckdb answers a missing file read-only with its own IOException, not FileNotFoundError
        reason = "missing" if isinstance(error, FileNotFoundError) or not DEMO.exists() else "held by another process"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "metrics", "demo", "--db", str(copy)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        return copy, f"built ({DEMO.relative_to(ROOT)} {reason}) in {time.perf_counter() - start:.1f} s"


def open_demo(db: Path, folder: Path) -> dict:
    """The environment that serves `db` as the open demo: a config.yaml variant naming it the demo database, and
    a user's database that does not exist (nothing imported yet)."""
    import yaml

    settings = folder / "config.yaml"
    user = folder / "user" / "dashboard.duckdb"
    settings.write_text(yaml.safe_dump({**load_config(), "demo_database": str(db), "database": str(user)},
                                       allow_unicode=True), encoding="utf-8")
    return {"DASHBOARD_CONFIG": str(settings), "DASHBOARD_DB": str(user)}


def expectations(db: Path, streets: int) -> tuple[str, list[tuple[str, str]], int]:
    """The default period (the latest complete one), and the order card the engine expects per street."""
    con = connect(db, read_only=True)
    as_of = latest_timestamp(con)
    window = Window(latest_complete(as_of, data_span(con))[0], as_of)
    config = load_config()
    chosen = filter_options(con)["street"][:streets]
    expected = [(s, fmt.count(kpi_report(con, config, Scope(street=s), window)["orders_total"])) for s in chosen]
    orders = con.execute("SELECT count(*) FROM work_orders").fetchone()[0]
    con.close()
    return window.period.label("zh"), expected, orders


def settled(page, title: str | None = None) -> None:
    if title is not None:
        page.locator("[data-testid='stMain'] h1", has_text=title).first.wait_for(timeout=LIMIT)
    page.wait_for_function(SETTLED_JS, timeout=LIMIT, polling=50)


def orders_card(page, value: str) -> None:
    label = KPIS["orders_total"].label("zh")
    page.wait_for_function(
        """([label, value]) => [...document.querySelectorAll("[data-testid='stMetric']")].some(m =>
               m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === label &&
               m.querySelector("[data-testid='stMetricValue']")?.innerText.trim() === value)""",
        arg=[label, value], timeout=LIMIT, polling=50)


def pad(text: str, width: int) -> str:
    """Left-justify in a monospace terminal, where a Chinese character takes two columns."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def browser_timings(env: dict, streets: list[tuple[str, str]], rounds: int) -> dict:
    results: dict = {}
    pages = list(TITLE_KEYS)
    with sync_playwright() as p, tempfile.TemporaryDirectory() as logs:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        page = browser.new_page(viewport=VIEWPORT)
        log = Path(logs) / "streamlit.log"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with open(log, "wb") as out:
            start = time.perf_counter()
            server = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "dashboard.py", "--server.port", str(port),
                 "--server.headless", "true", "--server.fileWatcherType", "none"],
                cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            wait_healthy(url, server, log, 60)
            results["server healthy"] = time.perf_counter() - start
            goto = time.perf_counter()
            page.goto(f"{url}/{URLS['overview']}", timeout=LIMIT)
            settled(page, t(TITLE_KEYS["overview"], "zh"))
            results["overview, first full render from goto"] = time.perf_counter() - goto
            results["overview, first full render from server start"] = time.perf_counter() - start

            def switch(path):
                page.locator("[data-testid='stSidebarNavLink']", has_text=t(TITLE_KEYS[path], "zh")).click()
                settled(page, t(TITLE_KEYS[path], "zh"))

            # the pages the sidebar lists (the open demo lists no 系统管理: an admin's page)
            listed = page.locator("[data-testid='stSidebarNavLink']").all_inner_texts()
            pages = [path for path in pages if any(t(TITLE_KEYS[path], "zh") in text for text in listed)]
            results["pages"] = pages
            order = pages[1:] + pages[:1]  # overview -> trends -> ... -> import -> overview
            results["first visit"] = {path: timed(lambda: switch(path)) for path in order}
            results["exception"] = set()
            for path in order:  # a page that stops on an exception is fast for the wrong reason: say so
                switch(path)
                if page.locator("[data-testid='stException']").count():
                    results["exception"].add(path)
            warm = {path: [] for path in order}
            for _ in range(rounds):
                for path in order:
                    warm[path].append(timed(lambda: switch(path)))
            results["warm"] = {path: statistics.median(v) for path, v in warm.items()}

            combo = page.get_by_test_id("stSidebar").get_by_role("combobox", name=t("street", "zh"), exact=True)

            def pick(label, expected):
                combo.click()
                page.get_by_role("option", name=label, exact=True).click()
                orders_card(page, expected)
                settled(page)

            results["street, first time"] = [(s, timed(lambda: pick(s, v))) for s, v in streets]
            results["street, cached"] = [(s, timed(lambda: pick(s, v))) for s, v in streets]
        finally:
            stop(server)
            browser.close()
    return results


def apptest_timings(env: dict, listed: list[str]) -> dict:
    """Each page through AppTest in this process: first visit (cold caches) and second visit."""
    os.environ.update(env)
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    # "missing ScriptRunContext" is expected outside a script run
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)

    # as tests/conftest.py: behave as a real server with st.navigation (AppTest resets this before every run)
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=LIMIT / 1000)
    results = {}
    start = time.perf_counter()
    at.run()
    results["overview (app start)"] = (time.perf_counter() - start, len(at.exception))
    pages = [page for page in dashboard_pages() if page[3] in listed]
    for visit in ("first", "second"):
        for path, _, _, url in pages[1:] + pages[:1]:  # the app starts on the overview
            start = time.perf_counter()
            at.switch_page(path).run()
            results[f"{url} ({visit})"] = (time.perf_counter() - start, len(at.exception))
    return results


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="warm page-switch rounds (median)")
    parser.add_argument("--streets", type=int, default=3, help="streets to pick in the filter")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, origin = database(Path(tmp))
        period, streets, orders = expectations(db, args.streets)
        env = open_demo(db, Path(tmp))
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"database: {origin}; {orders:,} work orders; default period {period}")
        b = browser_timings(env, streets, args.rounds)
        print("\nReal browser (Debian chromium, viewport 1500x2600)          seconds")
        print(f"  server start -> /_stcore/health ok                        {b['server healthy']:6.2f}")
        print(f"  server start -> overview fully rendered (cold)            "
              f"{b['overview, first full render from server start']:6.2f}")
        print(f"    of which goto -> fully rendered                         "
              f"{b['overview, first full render from goto']:6.2f}")
        print(f"\n  page switch (click in the nav -> settled)   first visit   warm, median of {args.rounds}")
        for path in b["warm"]:
            note = "  (shows an exception)" if path in b["exception"] else ""
            print(f"    -> {path:<38} {b['first visit'][path]:10.2f} {b['warm'][path]:14.2f}{note}")
        print("\n  street filter -> cards show the engine's figure   first time   cached")
        for (street, first), (_, cached) in zip(b["street, first time"], b["street, cached"]):
            print(f"    {pad(street, 44)} {first:8.2f} {cached:10.2f}")
        print(f"    median{'':<38} {statistics.median(x for _, x in b['street, first time']):8.2f} "
              f"{statistics.median(x for _, x in b['street, cached']):10.2f}")
        a = apptest_timings(env, b["pages"])
        print("\nAppTest (in process, script run only)                       seconds  exceptions")
        for name, (seconds, errors) in a.items():
            print(f"  {name:<56} {seconds:6.2f}  {errors}")


if __name__ == "__main__":
    main()
