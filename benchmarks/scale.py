"""City-scale benchmark: import, overview KPIs, scorecard and trend, page renders and memory, each against
its ceiling (DuckDB doing the bare minimum) and against pandas, at the given number of orders.

    .venv/bin/python benchmarks/scale.py --rows 10000000      (make bench ROWS=10000000)
    .venv/bin/python benchmarks/scale.py --rows 4000 --xlsx-rows 1000 --work /tmp/scale --results /tmp/scale.json
                                                              (smoke run, under a minute: the tests)

Prints a table and writes benchmarks/results.json (a list of runs, one per size; --results another file).
Works in benchmarks/work/ (or --work). Asserts nothing."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from metrics.config import load_config  # noqa: E402
from metrics.database import connect  # noqa: E402
from metrics.demo.exports import write_demo_exports  # noqa: E402
from metrics.ingest.importer import import_file  # noqa: E402
from metrics.kpis import Scope, kpi_report, latest_timestamp, order_kpis_by  # noqa: E402
from metrics.periods import Period, Window  # noqa: E402
from metrics.scorecard import scorecard  # noqa: E402

WORK = ROOT / "benchmarks" / "work"
ADMIN = ("bench-admin", "基准测试-密码-2026")   # a district admin the browser and the AppTest sign in as
RESULTS = ROOT / "benchmarks" / "results.json"


def timed(fn, repeat: int = 1):
    """Best of `repeat` wall-clock times, and the last value."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def unlimited(config: dict) -> dict:
    """The configuration with no per-file upload limit: a year of 10M orders is a 500 MB CSV, over `uploads.file_mb`
    (200), which the command line's import enforces too since issue 21."""
    return {**config, "uploads": {**(config.get("uploads") or {}), "file_mb": 1_000_000}}


def shape(rows: int) -> dict:
    """Same distributions as the demo, more compounds and years as the archive grows."""
    years = 2 if rows <= 1_000_000 else 5
    # the archive ends with last year: an import refuses dates after its own day (the plausible window)
    return {"n_compounds": max(120, rows // 8_000), "years": years, "orders_per_year": rows // years,
            "start_year": dt.date.today().year - years}


# ---- the ceilings --------------------------------------------------------------------------------

CEILING_OVERVIEW = """
WITH o AS (
  SELECT received_at, closed_at, due_at, revisit_result, is_repeat, revisited_at,
         epoch(closed_at - received_at) / 3600.0 AS h,
         CASE WHEN received_at >= $s0 AND received_at < $e0 THEN 0 WHEN received_at >= $s1 AND received_at < $e1 THEN 1
              WHEN received_at >= $s2 AND received_at < $e2 THEN 2 END AS w
  FROM work_orders WHERE {where} AND ((received_at >= $s0 AND received_at < $e0) OR (received_at >= $s1 AND received_at < $e1)
                                      OR (received_at >= $s2 AND received_at < $e2)) AND received_at <= $as_of)
SELECT w, count(*) AS orders_total,
       count(*) FILTER (closed_at <= $as_of) AS closed,
       count(*) FILTER (closed_at <= $as_of AND (due_at IS NULL OR closed_at <= due_at)) AS on_time,
       count(*) FILTER (closed_at <= $as_of OR due_at <= $as_of) AS due,
       count(*) FILTER (closed_at <= $as_of AND revisit_result IN ('satisfied', 'basically_satisfied', 'dissatisfied')) AS revisited,
       count(*) FILTER (closed_at <= $as_of AND revisit_result IN ('satisfied', 'basically_satisfied')) AS satisfied,
       count(*) FILTER (is_repeat) AS repeats,
       median(h) FILTER (closed_at <= $as_of) AS median_h, quantile_cont(h, 0.9) FILTER (closed_at <= $as_of) AS p90_h,
       count(*) FILTER (w = 0 AND closed_at IS NULL AND due_at < $as_of) AS overdue_open
FROM o GROUP BY w"""

CEILING_SCORECARD = """
SELECT compound_name, count(*) AS orders_total, count(*) FILTER (closed_at <= $as_of) AS closed,
       count(*) FILTER (closed_at <= $as_of AND (due_at IS NULL OR closed_at <= due_at)) AS on_time,
       count(*) FILTER (closed_at <= $as_of OR due_at <= $as_of) AS due,
       count(*) FILTER (closed_at <= $as_of AND revisit_result IN ('satisfied', 'basically_satisfied', 'dissatisfied')) AS revisited,
       count(*) FILTER (closed_at <= $as_of AND revisit_result IN ('satisfied', 'basically_satisfied')) AS satisfied,
       median(epoch(closed_at - received_at) / 3600.0) FILTER (closed_at <= $as_of) AS median_h
FROM work_orders WHERE received_at >= $s0 AND received_at < $e0 AND received_at <= $as_of GROUP BY compound_name"""

CEILING_TREND = """
SELECT date_trunc('month', received_at) AS month, count(*) AS orders_total,
       count(*) FILTER (closed_at <= $as_of AND (due_at IS NULL OR closed_at <= due_at)) AS on_time,
       count(*) FILTER (closed_at <= $as_of OR due_at <= $as_of) AS due,
       count(*) FILTER (closed_at <= $as_of AND revisit_result IN ('satisfied', 'basically_satisfied', 'dissatisfied')) AS revisited,
       count(*) FILTER (closed_at <= $as_of AND revisit_result IN ('satisfied', 'basically_satisfied')) AS satisfied
FROM work_orders WHERE received_at >= $s0 AND received_at < $e0 AND received_at <= $as_of GROUP BY 1"""


def ceiling_overview(con, window: Window, scope: Scope):
    windows = [window, window.compared("previous_period"), window.compared("same_period_last_year")]
    params = {"as_of": window.as_of}
    for i, w in enumerate(windows):
        params[f"s{i}"], params[f"e{i}"] = w.start, w.end
    where = "true"
    if scope.street:
        where, params["street"] = "street = $street", scope.street
    if scope.compound:
        where, params["compound"] = "compound_name = $compound", scope.compound
    con.execute(CEILING_OVERVIEW.format(where=where), params).fetchall()
    con.execute("SELECT count(*) FROM complaints WHERE filed_at >= $s AND filed_at < $e",
                {"s": windows[2].start, "e": window.end}).fetchall()


def pandas_overview(frame, window: Window, scope: Scope) -> dict:
    """What an analyst would write: boolean masks over a DataFrame already in memory."""
    import pandas as pd

    out = {}
    data = frame
    if scope.street:
        data = data[data["street"] == scope.street]
    if scope.compound:
        data = data[data["compound_name"] == scope.compound]
    for name, w in (("current", window), ("previous", window.compared("previous_period")),
                    ("last_year", window.compared("same_period_last_year"))):
        part = data[(data["received_at"] >= w.start) & (data["received_at"] < w.end) & (data["received_at"] <= w.as_of)]
        closed = part["closed_at"].notna() & (part["closed_at"] <= pd.Timestamp(w.as_of))
        on_time = closed & (part["due_at"].isna() | (part["closed_at"] <= part["due_at"]))
        due = closed | (part["due_at"] <= pd.Timestamp(w.as_of))
        revisited = closed & part["revisit_result"].isin(["satisfied", "basically_satisfied", "dissatisfied"])
        satisfied = closed & part["revisit_result"].isin(["satisfied", "basically_satisfied"])
        hours = (part["closed_at"] - part["received_at"]).dt.total_seconds() / 3600
        out[name] = {"orders_total": len(part), "on_time": int(on_time.sum()), "due": int(due.sum()),
                     "revisited": int(revisited.sum()), "satisfied": int(satisfied.sum()),
                     "repeat": int(part["is_repeat"].fillna(False).sum()), "median": hours[closed].median(),
                     "p90": hours[closed].quantile(0.9)}
    return out


def rollup_check(con, config, window: Window, scopes) -> dict:
    """The dashboard's answers (from the rollups) against the plain per-order computation, value by value."""
    from metrics import rollup

    def asked():
        out = [kpi_report(con, config, scope, window) for scope in scopes]
        out.append(scorecard(con, config, Scope(), window))
        out.append(order_kpis_by(con, config, Scope(), window, grain="month"))
        out.append(order_kpis_by(con, config, Scope(), window, by=["street"]))
        return out

    ours = asked()
    plan, latest = rollup.plan, rollup.latest
    rollup.plan, rollup.latest = (lambda *a, **k: None), (lambda c: None)
    try:
        start = time.perf_counter()
        scanned = asked()
        scan_s = time.perf_counter() - start
    finally:
        rollup.plan, rollup.latest = plan, latest

    def leaves(value):
        if isinstance(value, dict):
            return [x for v in value.values() for x in leaves(v)]
        if isinstance(value, list):
            return [x for v in value for x in leaves(v)]
        return [value]
    values = leaves(ours)
    return {"rollup_matches_scan": ours == scanned, "rollup_values_compared": len(values),
            "scan_path_s": scan_s}


def xlsx_import(rows: int, work_root: Path = WORK) -> dict:
    """Import speed of a 200,000-row Excel export (read by fastexcel), with the registry it refers to."""
    config = load_config()
    work = work_root / "xlsx"
    shutil.rmtree(work, ignore_errors=True)
    _, files = timed(lambda: write_demo_exports(work / "files", n_compounds=600, years=2, orders_per_year=rows // 2,
                                                messy=False))
    os.sync()
    con = connect(work / "xlsx.duckdb")
    import_file(con, "compounds", next(p for k, p in files if k == "compounds"), config)
    start = time.perf_counter()
    imported = sum(import_file(con, "work_orders", p, config).rows_read for k, p in files if k == "work_orders")
    seconds = time.perf_counter() - start
    con.close()
    return {"xlsx_rows": imported, "xlsx_import_s": seconds, "xlsx_import_rows_per_s": imported / seconds}


# ---- the app -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_figures(db: Path, street: str) -> dict:
    """AppTest renders of the overview and compare pages and a filter change."""
    os.environ["DASHBOARD_DB"] = str(db)
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as the real server after its first st.navigation call
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    # real data: pages are drawn for a signed-in account only (as tests/conftest.py's sign_in does it)
    from access import sessions
    from ui.signin import TOKEN

    at.session_state[TOKEN] = sessions.sign_in(db, *ADMIN, address="127.0.0.1").token
    page_render_s, _ = timed(lambda: at.run())
    compare_s, _ = timed(lambda: at.switch_page("pages/compare.py").run())
    at.switch_page("pages/overview.py").run()
    filter_s, _ = timed(lambda: at.selectbox(key="f_street").select(street).run())
    return {"page_render_s": page_render_s, "compare_render_s": compare_s, "filter_change_s": filter_s,
            "apptest_exceptions": len(at.exception)}


SETTLED_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    return app && app.getAttribute("data-test-script-state") === "notRunning"
        && !document.querySelector("[data-stale='true'], [data-testid='stSkeleton']");
}"""


def add_admin(db: Path) -> None:
    from access import accounts

    accounts.add(db, *ADMIN, role="district", admin=True, actor=None)


def server_peak_rss(db: Path) -> float | None:
    port = free_port()
    env = {**os.environ, "DASHBOARD_DB": str(db)}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
                               "--server.headless", "true", "--server.fileWatcherType", "none"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"])
            page = browser.new_page()
            # real data: the door's sign-in page first (its cookie then opens every page)
            page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
            page.get_by_label("登录名").fill(ADMIN[0])
            page.get_by_label("密码").fill(ADMIN[1])
            page.get_by_label("密码").press("Enter")
            page.wait_for_url(lambda address: "/signin" not in address, timeout=180_000)
            for path in ("/", "/compare", "/trends", "/party"):
                page.goto(f"http://127.0.0.1:{port}{path}", timeout=180_000)
                page.wait_for_selector("h1", timeout=180_000)
                page.wait_for_function(SETTLED_JS, timeout=180_000)
            browser.close()
        with open(f"/proc/{server.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    return None


# ---- one size ------------------------------------------------------------------------------------

def run(rows: int, work_root: Path = WORK) -> dict:
    config = unlimited(load_config())
    work = work_root / f"scale_{rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result = {"rows": rows, "date": dt.date.today().isoformat(),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    seconds, files = timed(lambda: write_demo_exports(work / "csv", messy=False, order_format="csv", **shape(rows)))
    result["generate_s"] = seconds
    os.sync()   # the generated files on disk first: their write-back would otherwise slow what is timed next
    order_files = [p for k, p in files if k == "work_orders"]
    db = work / "scale.duckdb"
    con = connect(db)
    import_file(con, "compounds", next(p for k, p in files if k == "compounds"), config)
    start = time.perf_counter()
    imported = sum(import_file(con, "work_orders", p, config).rows_read for p in order_files)
    result["import_s"] = time.perf_counter() - start
    result["import_rows_per_s"] = imported / result["import_s"]
    import_file(con, "complaints", next(p for k, p in files if k == "complaints"), config)
    con.execute("CHECKPOINT")
    # the ceiling: DuckDB loading the same files into a database file, as our import does (and, for the
    # record, into memory, which keeps nothing)
    ceiling_db = work / "ceiling.duckdb"
    raw = duckdb.connect(str(ceiling_db))
    ceiling_s, _ = timed(lambda: raw.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?)",
                                             [[str(p) for p in order_files]]).execute("CHECKPOINT"))
    raw.close()
    ceiling_db.unlink()
    raw = duckdb.connect()
    memory_s, _ = timed(lambda: raw.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?)",
                                            [[str(p) for p in order_files]]))
    raw.close()
    result["read_csv_rows_per_s"] = imported / ceiling_s
    result["import_vs_read_csv"] = result["import_rows_per_s"] / result["read_csv_rows_per_s"]
    result["read_csv_memory_rows_per_s"] = imported / memory_s
    result["import_vs_read_csv_memory"] = result["import_rows_per_s"] / result["read_csv_memory_rows_per_s"]

    as_of = latest_timestamp(con)   # 数据截至, the dashboard's default moment
    last_year = as_of.year - 1
    window = Window(Period(dt.date(last_year, 7, 1), dt.date(last_year, 12, 31)), as_of)
    street = con.execute("SELECT street FROM compounds ORDER BY street LIMIT 1").fetchone()[0]
    compound = con.execute("SELECT compound_name FROM compounds ORDER BY households DESC LIMIT 1").fetchone()[0]
    frame = con.execute("""SELECT received_at, closed_at, due_at, revisit_result, is_repeat, street, compound_name
                           FROM work_orders""").df()
    for label, scope in (("district", Scope()), ("street", Scope(street=street)), ("compound", Scope(compound=compound))):
        ours, _ = timed(lambda: kpi_report(con, config, scope, window), repeat=3)
        ceiling, _ = timed(lambda: ceiling_overview(con, window, scope), repeat=3)
        pandas_s, _ = timed(lambda: pandas_overview(frame, window, scope), repeat=2)
        result[f"overview_{label}_s"] = ours
        result[f"overview_{label}_ceiling_s"] = ceiling
        result[f"overview_{label}_pandas_s"] = pandas_s
    result["overview_s"] = result["overview_district_s"]
    result["overview_vs_ceiling"] = result["overview_district_s"] / result["overview_district_ceiling_s"]
    result["overview_vs_pandas"] = result["overview_district_pandas_s"] / result["overview_district_s"]
    del frame
    params = {"as_of": as_of, "s0": window.start, "e0": window.end}
    ours, _ = timed(lambda: scorecard(con, config, Scope(), window), repeat=3)
    ceiling, _ = timed(lambda: con.execute(CEILING_SCORECARD, params).fetchall(), repeat=3)
    result.update(scorecard_s=ours, scorecard_ceiling_s=ceiling, scorecard_vs_ceiling=ours / ceiling)
    ours, _ = timed(lambda: order_kpis_by(con, config, Scope(), window, grain="month"), repeat=3)
    ceiling, _ = timed(lambda: con.execute(CEILING_TREND, params).fetchall(), repeat=3)
    result.update(trend_s=ours, trend_ceiling_s=ceiling, trend_vs_ceiling=ours / ceiling)
    result.update(rollup_check(con, config, window, [Scope(), Scope(street=street), Scope(compound=compound)]))
    con.close()
    add_admin(db)   # the account the browser and the AppTest sign in as (real data opens for an account only)
    # the real server first: an AppTest in this process would hold the database file's lock
    result["peak_rss_mib"] = server_peak_rss(db)
    result.update(app_figures(db, street))
    return result


COLUMNS = ["rows", "import_rows_per_s", "import_vs_read_csv", "overview_s", "overview_vs_ceiling", "overview_vs_pandas",
           "scorecard_vs_ceiling", "trend_vs_ceiling", "page_render_s", "filter_change_s", "peak_rss_mib",
           "rollup_matches_scan"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=WORK, help="working folder (default benchmarks/work/)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the figures go (default "
                        "benchmarks/results.json, the committed figures: a smoke run names another file)")
    args = parser.parse_args()
    runs = []
    print(f"importing a {args.xlsx_rows:,}-row xlsx …", file=sys.stderr, flush=True)
    xlsx = xlsx_import(args.xlsx_rows, args.work)
    for rows in args.rows:
        print(f"running {rows:,} orders …", file=sys.stderr, flush=True)
        runs.append({**run(rows, args.work), **xlsx})
        args.results.write_text(json.dumps(runs, indent=2, default=str), encoding="utf-8")
    print(" | ".join(COLUMNS))
    for r in runs:
        print(" | ".join(str(r[c]) if isinstance(r[c], bool) or r[c] is None else
                         f"{r[c]:,.3f}" if isinstance(r[c], float) else f"{r[c]:,}" for c in COLUMNS))
    if len(runs) > 1:
        a, b = runs[0], runs[-1]
        factor = b["rows"] / a["rows"]
        print(f"growth {a['rows']:,} -> {b['rows']:,} ({factor:.0f}x data):")
        for c in ("import_s", "overview_s", "scorecard_s", "trend_s", "page_render_s", "filter_change_s", "peak_rss_mib"):
            if a.get(c) and b.get(c):
                print(f"  {c}: {a[c]:.3f} -> {b[c]:.3f} ({b[c] / a[c]:.1f}x)")
    print(f"written {args.results}")


if __name__ == "__main__":
    main()
