"""Many readers, one writer, measured in a real browser: N sessions against one and two `streamlit run dashboard.py`
processes, and page renders with 20 sessions open while a 500,000-row command-line import runs versus without it.

    .venv/bin/python benchmarks/load.py                 (make bench runs it after scale.py)
    .venv/bin/python benchmarks/load.py --quick         (tiny database, 2 sessions: checks that the pieces work)

Streamlit draws a page over a websocket (the script reruns on the server, the browser draws what it sends), so an
HTTP load tool such as locust would time nothing a user waits for: each session here is a Playwright browser
context (one chromium, many contexts). A render is the time from the action (opening 总览, or picking a street)
until the page has settled: script finished, nothing stale, every chart drawn (tests/test_browser.py's SETTLED_JS).
Prints tables and writes benchmarks/load_results.json. Asserts nothing; every wait is bounded and every server,
import and browser it starts is stopped."""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

import store  # noqa: E402
from access import accounts  # noqa: E402
from metrics import formatting as fmt  # noqa: E402
from metrics.config import load_config  # noqa: E402
from metrics.demo.exports import write_demo_exports  # noqa: E402
from metrics.ingest.importer import import_file  # noqa: E402
from metrics.kpis import Scope, Window, kpi_report, latest_timestamp  # noqa: E402
from metrics.options import data_span, filter_options  # noqa: E402
from metrics.periods import latest_complete  # noqa: E402

WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "load_results.json"
CHROMIUM = "/usr/bin/chromium"
# tests/test_browser.py's flags, and no throttling of pages that are not in front (the watch for new data is a
# timer in each page)
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]
VIEWPORT = {"width": 1280, "height": 900}   # a laptop's; a taller page costs chromium's compositor CPU
RENDER_TIMEOUT = 120          # s, one render (a timeout counts as an error)
SERVER_START = 90             # s
ORDERS_CARD = "工单总量"
LOGIN = ("load", "load-test-密码-2026")   # the district account every session signs in with
# tests/test_browser.py: the script has finished, the websocket is up, nothing stale or waiting, every chart drawn
SETTLED_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
    if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
    if (document.querySelector("[data-stale='true'], [data-testid='stSkeleton'], [data-testid='stAppSkeleton']"))
        return false;
    return [...document.querySelectorAll("[data-testid='stPlotlyChart']")].every(c => c.querySelector(".main-svg"));
}"""
ERRORS_JS = """() => [...document.querySelectorAll("[data-testid='stException'], "
    + "[data-testid='stAlert']:has([data-testid='stAlertContentError'])")].map(e => e.textContent.slice(0, 200))"""
# textContent, not innerText: no layout forced on every poll of 20 pages
SHOWS_JS = """(text) => { const main = document.querySelector("[data-testid='stMain']");
    return !!main && main.textContent.includes(text) && (%s)(); }""" % SETTLED_JS
ERRORS: list[str] = []        # what the error boxes said, and timeouts: the first few go into the results


def shape(rows: int) -> dict:
    """scale.py's shape (the demo's distributions), plus one more year: the file the live import brings."""
    years = 2 if rows <= 1_000_000 else 5
    return {"n_compounds": max(120, rows // 8_000), "years": years + 1, "orders_per_year": rows // years}


def p95(values: list[float]) -> float | None:
    """Nearest rank: the value 95% of the renders did not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def summary(renders: list[float], errors: int, seconds: float | None = None) -> dict:
    out = {"renders": len(renders), "errors": errors, "seconds": [round(r, 3) for r in renders],
           "median_s": statistics.median(renders) if renders else None, "p95_s": p95(renders)}
    if seconds is not None:
        out["wall_s"] = seconds
        out["renders_per_s"] = len(renders) / seconds if seconds else None
    return out


# ---- the database --------------------------------------------------------------------------------

def build_database(rows: int, work: Path) -> tuple[Path, Path, dict]:
    """The demo-like archive of `rows` orders (and its complaints up to its last year) written through
    store.writer, and the next year's orders as a CSV for the live import; returns (db, live file, facts)."""
    config = load_config()
    build = {**config, "store": {**(config.get("store") or {}), "write_threads": os.cpu_count()}}
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    # the live file is last year's: a year still running would have orders after the import's clock (refused)
    start_year = dt.date.today().year - shape(rows)["years"]
    files = write_demo_exports(work / "csv", messy=False, order_format="csv", start_year=start_year, **shape(rows))
    orders = [p for k, p in files if k == "work_orders"]
    base, live = orders[:-1], orders[-1]
    complaints = next(p for k, p in files if k == "complaints")
    # complaints filed in the live file's year would move 数据截至 ahead of the archive's orders: left out
    live_year = start_year + shape(rows)["years"] - 1
    kept = work / "csv" / "投诉记录_archive.csv"
    raw = duckdb.connect()
    raw.execute(f"""COPY (SELECT * FROM read_csv(?, all_varchar = true, header = true) WHERE "投诉时间" < ?)
                    TO '{kept}' (HEADER, DELIMITER ',')""", [str(complaints), f"{live_year}-01-01"])
    raw.close()
    os.sync()
    db = work / "load.duckdb"
    with store.writer(db, build, what="benchmark archive") as con:
        import_file(con, "compounds", next(p for k, p in files if k == "compounds"), build)
        archived = sum(import_file(con, "work_orders", p, build).rows_read for p in base)
        import_file(con, "complaints", kept, build)
    accounts.add(db, *LOGIN, role="district", actor=None)   # the sessions sign in as a district account
    snapshot = store.current_snapshot(db)
    con = duckdb.connect(str(snapshot), read_only=True)
    streets = filter_options(con)["street"]
    as_of = latest_timestamp(con)
    con.close()
    return db, live, {"archive_orders": archived, "streets": streets, "as_of": as_of, "live_year": live_year,
                      "build_s": time.perf_counter() - started}



def shown(db: Path, streets: list[str]) -> dict:
    """What 总览 shows on the newest snapshot with the default period: the header's 数据截至 line, and the
    工单总量 card for the whole district (None) and each street; with the number of orders in the database."""
    config = load_config()
    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    moment = latest_timestamp(con)
    window = Window(latest_complete(moment, data_span(con))[0], moment)
    cards = {street: fmt.count(kpi_report(con, config, Scope(street=street), window)["orders_total"])
             for street in [None, *streets]}
    orders = con.execute("SELECT count(*) FROM work_orders").fetchone()[0]
    con.close()
    return {"as_of": f"数据截至：{fmt.as_of(moment, 'zh')}", "cards": cards, "orders": orders}


def snapshot_number(db: Path) -> int:
    try:
        return json.loads((store.snapshot_dir(db) / "CURRENT").read_text())["number"]
    except (FileNotFoundError, ValueError):
        return 0


# ---- servers -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, "DASHBOARD_DB": str(db)}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    stop(process)
    raise RuntimeError(f"streamlit not healthy after {SERVER_START} s:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL if it has not gone after 10 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# ---- one session ---------------------------------------------------------------------------------

class Session:
    """One browser context on one server: opens 总览 and picks streets, timing each render."""

    def __init__(self, browser, url: str, streets: list[str], offset: int):
        self.browser, self.url, self.streets, self.offset = browser, url, streets, offset
        self.context = self.page = None
        self.street = None
        self.card = None          # 工单总量 as last shown
        self.switches = 0

    async def open(self) -> tuple[float | None, int]:
        """Open 总览; (render seconds or None on a timeout, errors)."""
        self.context = await self.browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        self.context.set_default_timeout(RENDER_TIMEOUT * 1000)
        self.page = await self.context.new_page()
        try:
            # a database of real imports shows the sign-in form first: the render timed is the page after it
            await self.page.goto(self.url, timeout=RENDER_TIMEOUT * 1000)
            await self.page.get_by_label("登录名").fill(LOGIN[0])
            await self.page.get_by_label("密码").fill(LOGIN[1])
            start = time.perf_counter()
            await self.page.get_by_label("密码").press("Enter")
            await self.page.locator("[data-testid='stMetric']", has_text=ORDERS_CARD).first.wait_for()
            end = await self.settled()
        except Exception as exc:   # a timeout or a closed page: an error of this render
            ERRORS.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            return None, 1
        return end - start, await self.errors()

    async def switch(self) -> tuple[float | None, int]:
        """Pick the next street in the sidebar; (render seconds or None on a timeout, errors)."""
        street = self.streets[(self.offset + self.switches) % len(self.streets)]
        if street == self.street:
            self.switches += 1
            street = self.streets[(self.offset + self.switches) % len(self.streets)]
        self.switches += 1
        page = self.page
        try:
            await page.get_by_test_id("stSidebar").get_by_role("combobox", name="街道", exact=True).click()
            option = page.get_by_role("option", name=street, exact=True)
            await option.wait_for()
            start = time.perf_counter()
            await option.click()
            await page.wait_for_function("(s) => new URLSearchParams(location.search).get('street') === s",
                                         arg=street, timeout=RENDER_TIMEOUT * 1000, polling=50)
            end = await self.settled()
        except Exception as exc:
            ERRORS.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            return None, 1
        self.street = street
        return end - start, await self.errors()

    async def settled(self) -> float:
        """When the page first settled, once it still has half a second later (a rerun that follows counts)."""
        deadline = time.monotonic() + RENDER_TIMEOUT
        while True:
            left = max(1.0, deadline - time.monotonic())
            await self.page.wait_for_function(SETTLED_JS, timeout=left * 1000, polling=50)
            end = time.perf_counter()
            await self.page.wait_for_timeout(500)
            if await self.page.evaluate(SETTLED_JS):
                return end
            if time.monotonic() > deadline:
                raise TimeoutError("page did not settle")

    async def errors(self) -> int:
        """Exception boxes and error alerts on the page (each counts as an error of this render; their text
        is kept in ERRORS)."""
        try:
            texts = await self.page.evaluate(ERRORS_JS)
            card = self.page.locator("[data-testid='stMetric']", has_text=ORDERS_CARD).first
            self.card = (self.street, (await card.get_by_test_id("stMetricValue").inner_text(timeout=30_000)).strip())
        except Exception as exc:
            texts = [f"{type(exc).__name__}: {str(exc)[:200]}"]
        ERRORS.extend(texts)
        return len(texts)

    async def close(self) -> None:
        if self.context is not None:
            try:
                await self.context.close()
            except Exception:
                pass


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)


async def warm(browser, urls: list[str]) -> None:
    """One page load per server first: the first chart after a server start is cold (6-11 s) and not a
    figure of load."""
    for url in urls:
        s = Session(browser, url, ["-"], 0)
        try:
            await s.open()
        finally:
            await s.close()


# ---- the load test -------------------------------------------------------------------------------

async def load_test(browser, urls: list[str], streets: list[str], sessions: int, switches: int) -> dict:
    """`sessions` contexts at once, split between the servers in turn; each opens 总览, then picks `switches`
    streets, each action as soon as the last render settled (no think time)."""
    opens: list[float] = []
    picks: list[float] = []
    errors = 0

    async def one(i: int) -> None:
        nonlocal errors
        s = Session(browser, urls[i % len(urls)], streets, i)
        try:
            seconds, bad = await s.open()
            errors += bad
            if seconds is not None:
                opens.append(seconds)
            for _ in range(switches):
                seconds, bad = await s.switch()
                errors += bad
                if seconds is not None:
                    picks.append(seconds)
        finally:
            await s.close()

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(sessions)))
    return {"sessions": sessions, "processes": len(urls), "switches": switches,
            **summary(opens + picks, errors, time.perf_counter() - start),
            "open_median_s": statistics.median(opens) if opens else None,
            "switch_median_s": statistics.median(picks) if picks else None}


# ---- render during import ------------------------------------------------------------------------

async def during_import(result: dict, browser, url: str, db: Path, live: Path, streets: list[str],
                        open_sessions: int, clickers: int, baseline: int, work: Path, deadline: float) -> None:
    """`open_sessions` pages on 总览; `clickers` of them at a time pick streets in turn: `baseline` renders
    without an import, then renders while `python -m metrics import` brings the live file, until it publishes.
    Then how long each open page takes to show the new data by itself (its watch re-checks every
    store.watch_seconds)."""
    sessions = [Session(browser, url, streets, i * 3) for i in range(open_sessions)]
    result.update(open_sessions=open_sessions, clickers=clickers)
    importer = None
    try:
        opened = []
        for batch in range(0, open_sessions, 4):   # 4 at a time: 20 cold pages at once only thrash the 2 cores
            opened += await asyncio.gather(*(s.open() for s in sessions[batch:batch + 4]))
        result["open_errors"] = sum(bad for _, bad in opened)
        progress(f"{open_sessions} sessions open (median open {fmt_s(statistics.median([o for o, _ in opened if o] or [0]))} s)")
        turn = 0

        async def clicking(stop_when, until_count: int | None):
            """Renders by `clickers` workers, each taking the next idle session, until stop_when() is true or
            until_count renders were made; (render, start, end) triples and errors."""
            nonlocal turn
            done, errors, busy = [], 0, set()

            async def worker():
                nonlocal turn, errors
                while not stop_when() and (until_count is None or len(done) < until_count) \
                        and time.monotonic() < deadline:
                    while turn % open_sessions in busy:
                        turn += 1
                    i = turn % open_sessions
                    turn += 1
                    busy.add(i)
                    start = time.perf_counter()
                    seconds, bad = await sessions[i].switch()
                    busy.discard(i)
                    errors += bad
                    if seconds is not None:
                        done.append((seconds, start, time.perf_counter()))
            await asyncio.gather(*(worker() for _ in range(clickers)))
            return done, errors

        quiet, quiet_errors = await clicking(lambda: False, baseline)
        result["no_import"] = summary([r for r, _, _ in quiet], quiet_errors)
        progress(f"no import: {len(quiet)} renders, median {fmt_s(result['no_import']['median_s'])} s; importing …")

        # the import, as a scheduled job would run it (the CLI lowers its own priority: store.import_nice)
        old = shown(db, streets)
        before = snapshot_number(db)
        log = open(work / "import.log", "wb")
        started = time.perf_counter()
        importer = subprocess.Popen([sys.executable, "-m", "metrics", "import", "--db", str(db), "--kind", "work_orders",
                                     str(live)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        published = {}

        async def watch_publish():
            while time.monotonic() < deadline:
                if "at" not in published and snapshot_number(db) > before:
                    published["at"] = time.perf_counter()
                if importer.poll() is not None:
                    published["exit"] = time.perf_counter()
                    if "at" not in published and snapshot_number(db) > before:
                        published["at"] = published["exit"]
                    return
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch_publish())
        busy_renders, busy_errors = await clicking(lambda: "at" in published or watcher.done(), None)
        if "at" not in published:
            raise RuntimeError(f"the import published nothing:\n{(work / 'import.log').read_text(errors='replace')}")
        t_pub = published["at"]
        result["import_to_publish_s"] = t_pub - started
        inside = [r for r, s, e in busy_renders if s >= started and e <= t_pub]
        result["during_import"] = summary(inside, busy_errors)
        a, b = result["no_import"], result["during_import"]
        result["median_ratio"] = b["median_s"] / a["median_s"] if a["median_s"] and b["median_s"] else None
        result["p95_ratio"] = b["p95_s"] / a["p95_s"] if a["p95_s"] and b["p95_s"] else None
        progress(f"import published after {t_pub - started:.1f} s: {len(inside)} renders during it, median "
                 f"{fmt_s(b['median_s'])} s; waiting for the open pages to show the new data …")

        # the open pages find the new data by themselves: 数据截至 moves to the live file's last moment
        text = shown(db, [])["as_of"]

        async def shows(s: Session):
            try:
                await s.page.wait_for_function(SHOWS_JS, arg=text, polling=100,
                                               timeout=min(RENDER_TIMEOUT, max(1.0, deadline - time.monotonic())) * 1000)
                return time.perf_counter() - t_pub
            except Exception:
                return None

        delays = await asyncio.gather(*(shows(s) for s in sessions))
        seen = [d for d in delays if d is not None]
        result["new_data_pages"] = len(seen)
        result["new_data_median_s"] = statistics.median(seen) if seen else None
        result["new_data_max_s"] = max(seen) if seen else None
        # and their 工单总量 card is the new data's count for the street each page is on
        after = shown(db, streets)
        result["orders_after"] = after["orders"]
        await asyncio.gather(*(s.errors() for s in sessions))
        result["orders_card_new"] = sum(s.card == (s.street, after["cards"].get(s.street)) for s in sessions)
        result["orders_card_moved"] = sum(after["cards"][s.street] != old["cards"][s.street] for s in sessions)
        await watcher
        result["import_exit"] = importer.poll()
        result["import_s"] = published["exit"] - started if "exit" in published else None
        lines = (work / "import.log").read_text(errors="replace").splitlines()
        result["import_output"] = next((line for line in lines if " read " in line), lines[-1] if lines else "")
    finally:
        if importer is not None:
            stop(importer)
        for s in sessions:
            await s.close()


# ---- the run -------------------------------------------------------------------------------------

async def run(args, out: dict) -> None:
    """Fills `out` as each part finishes (what was measured survives a run cut short by --timeout)."""
    from playwright.async_api import async_playwright

    deadline = time.monotonic() + args.timeout
    work = WORK / ("load_quick" if args.quick else f"load_{args.rows}")
    progress(f"building a {args.rows:,}-order database and a {shape(args.rows)['orders_per_year']:,}-order file …")
    db, live, facts = build_database(args.rows, work)
    out.update({"date": dt.date.today().isoformat(), "rows": facts["archive_orders"],
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                "streets": len(facts["streets"]), "build_s": facts["build_s"], "load": [],
                "load_average_at_start": os.getloadavg()[0]})   # anything else running skews every figure
    servers = []

    def left(margin: float = 0) -> float:
        return max(1.0, deadline - margin - time.monotonic())

    try:
        async with async_playwright() as p:
            browser = await launch(p)
            try:
                for processes in args.processes:
                    progress(f"load test: {args.sessions} sessions, {processes} process(es) …")
                    started = [start_server(db, work / f"server_{processes}_{i}.log") for i in range(processes)]
                    servers += [proc for proc, _ in started]
                    urls = [u for _, u in started]
                    await asyncio.wait_for(warm(browser, urls), timeout=left())
                    out["load"].append(await asyncio.wait_for(
                        load_test(browser, urls, facts["streets"], args.sessions, args.switches), timeout=left()))
                    r = out["load"][-1]
                    progress(f"{r['renders']} renders, {r['renders_per_s']:.2f}/s, median {fmt_s(r['median_s'])} s, "
                             f"p95 {fmt_s(r['p95_s'])} s, errors {r['errors']}")
                    for proc, _ in started:
                        stop(proc)
                if not args.no_import:
                    progress(f"render during import: opening {args.open_sessions} sessions …")
                    proc, url = start_server(db, work / "server_import.log")
                    servers.append(proc)
                    await asyncio.wait_for(warm(browser, [url]), timeout=left())
                    out["import"] = {"live_rows": shape(args.rows)["orders_per_year"]}
                    # its own waits end 30 s before the run's: it reports what it has rather than being cut off
                    await asyncio.wait_for(
                        during_import(out["import"], browser, url, db, live, facts["streets"], args.open_sessions,
                                      args.clickers, args.baseline, work, deadline - 30),
                        timeout=left())
            finally:
                await browser.close()
    except asyncio.TimeoutError:
        out["timed_out"] = True
        progress(f"cut short after --timeout {args.timeout:.0f} s")
    finally:
        for proc in servers:
            stop(proc)
        out["load_average_at_end"] = os.getloadavg()[0]
        out["error_texts"] = ERRORS[:20]


def progress(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def fmt_s(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(out: dict) -> None:
    """The tables; parts a run cut short did not reach are said to be missing."""
    if "rows" not in out:
        return
    print(f"database: {out['rows']:,} orders, {out['streets']} streets ({out['machine']}, {out['date']}; load average "
          f"{out['load_average_at_start']:.1f} at the start, {out.get('load_average_at_end', 0):.1f} at the end)")
    print("load test: each session opens 总览, then picks streets; sessions split between the processes' ports")
    print("sessions | processes | renders | renders/s | median s | p95 s | errors | open median s | switch median s")
    for r in out["load"]:
        print(f"{r['sessions']} | {r['processes']} | {r['renders']} | {r['renders_per_s']:.2f} | {fmt_s(r['median_s'])} "
              f"| {fmt_s(r['p95_s'])} | {r['errors']} | {fmt_s(r['open_median_s'])} | {fmt_s(r['switch_median_s'])}")
    r = out.get("import")
    if r is None:
        return
    print(f"render during import: {r.get('open_sessions')} sessions open on 总览 (errors opening them: "
          f"{r.get('open_errors')}), {r.get('clickers')} picking streets in turn")
    print("phase | renders | median s | p95 s | errors")
    for label, key in (("no import", "no_import"), (f"{r['live_rows']:,}-row import", "during_import")):
        part = r.get(key)
        print(f"{label} | {part['renders']} | {fmt_s(part['median_s'])} | {fmt_s(part['p95_s'])} | {part['errors']}"
              if part else f"{label} | not reached")
    if "median_ratio" in r:
        ratio = ["-" if v is None else f"{v:.2f}x" for v in (r["median_ratio"], r["p95_ratio"])]
        print(f"ratio during / without import: median {ratio[0]}, p95 {ratio[1]} (target at most 3x)")
        print(f"import: published {r['import_to_publish_s']:.1f} s after its start")
    if "new_data_pages" in r:
        print(f"new data on open pages: {r['new_data_pages']}/{r['open_sessions']} pages, median "
              f"{fmt_s(r['new_data_median_s'])} s, max {fmt_s(r['new_data_max_s'])} s after publication; "
              f"{ORDERS_CARD} shows the new count on {r['orders_card_new']}/{r['open_sessions']} pages "
              f"({r['orders_card_moved']} of them on a street whose count changed)")
    if "import_exit" in r:
        print(f"import: finished after {fmt_s(r['import_s'])} s, exit {r['import_exit']}; {r['import_output'].strip()}")
    for text in out.get("error_texts", [])[:5]:
        print(f"error: {text}")
    if out.get("timed_out"):
        print("cut short by --timeout: the parts above are all that was measured")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="orders in the database (the live import: half)")
    parser.add_argument("--sessions", type=int, default=10, help="load test: browser contexts at once")
    parser.add_argument("--switches", type=int, default=4, help="load test: street picks per session")
    parser.add_argument("--processes", type=int, nargs="*", default=[1, 2], help="load test configurations "
                        "(none: only the render during import)")
    parser.add_argument("--open-sessions", type=int, default=20, help="render during import: pages open")
    parser.add_argument("--clickers", type=int, default=2, help="render during import: sessions clicking at once")
    parser.add_argument("--baseline", type=int, default=40, help="render during import: renders without it")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
    parser.add_argument("--results", type=Path, help=f"where to write the figures (default {RESULTS.name}; "
                                                     "--quick writes none unless given)")
    parser.add_argument("--quick", action="store_true", help="a tiny database, 2 sessions, 1 process")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.sessions, args.switches, args.processes = 4_000, 2, 2, [1]
        args.open_sessions, args.clickers, args.baseline = 2, 1, 2
    out: dict = {}
    asyncio.run(run(args, out))
    report(out)
    target = args.results or (None if args.quick else RESULTS)
    if target and out:
        target.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        print(f"written {target}")
    if out.get("timed_out"):
        sys.exit(1)


if __name__ == "__main__":
    main()
