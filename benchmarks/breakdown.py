"""原因分析 at city scale (issue 22): metrics.breakdown by handling unit, property company, category and request type,
a row's late orders, and the views that ask them (原因分析 by unit and by company, a street's units and its worst
unit's late orders, 总览 with its 原因分析 table, 小区档案 with its sections), at the given number of orders.

    .venv/bin/python benchmarks/breakdown.py --rows 10000000          (make bench; builds the database as scale.py does)
    .venv/bin/python benchmarks/breakdown.py --db benchmarks/work/scale_10000000/scale.duckdb   (a database scale.py built)
    .venv/bin/python benchmarks/breakdown.py --rows 20000 --work /tmp/b --results /tmp/b.json    (smoke run: the tests)

Engine figures are the best of three warm calls. A view's figure is the best of three AppTest script runs of the
page with the engine's answers cleared before each (cold: every engine call of the page answered afresh, as when a
view is first asked on a running server; the frame's facts, cached once per data version, DuckDB's buffers and the
page's modules warm), of three with every cache cleared (cold_all: the frame's facts too, as the first page after
an import), and of three from the cache (warm). The app is started, signed in and each page run once first (a
server's start and a page's first import are not a view's). Also the breakdown's counts from the rollups against the scan of the orders.

Prints a table and writes benchmarks/breakdown_results.json (a list of runs, one per size; --results another file).
Works in benchmarks/work/ (or --work). Asserts nothing."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import ADMIN, add_admin, shape, timed, unlimited  # noqa: E402

from metrics import rollup  # noqa: E402
from metrics.breakdown import BY, breakdown, orders, worst_first  # noqa: E402
from metrics.config import load_config  # noqa: E402
from metrics.database import connect  # noqa: E402
from metrics.demo.exports import write_demo_exports  # noqa: E402
from metrics.ingest.importer import import_file  # noqa: E402
from metrics.kpis import Scope, latest_timestamp  # noqa: E402
from metrics.periods import Period, Window  # noqa: E402

WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "breakdown_results.json"
REPEAT = 3   # a view's figure is the best of three runs (an AppTest run varies by a few tenths of a second)
COUNTS = ("orders_total", "orders_due", "closed_on_time", "closed", "revisited", "late_orders", "dissatisfied_orders",
          "unresolved_orders", "open_orders", "overdue_orders")


def build(rows: int, work_root: Path) -> Path:
    """A database of `rows` generated orders (the demo's distributions, scale.py's shape), imported as a user would
    from the command line, with no per-file size limit (a year of 10M orders is a 500 MB file)."""
    config = unlimited(load_config())
    work = work_root / f"breakdown_{rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = write_demo_exports(work / "csv", messy=False, order_format="csv", **shape(rows))
    db = work / "breakdown.duckdb"
    con = connect(db)
    for kind in ("compounds", "work_orders", "complaints"):
        for k, path in files:
            if k == kind:
                import_file(con, kind, path, config)
    con.execute("CHECKPOINT")
    con.close()
    shutil.rmtree(work / "csv")
    return db


def engine_figures(db: Path) -> dict:
    """metrics.breakdown on the last complete half-year at 数据截至, district and one street, warm."""
    config = load_config()
    con = connect(db, read_only=True)
    as_of = latest_timestamp(con)
    last_year = as_of.year - 1
    window = Window(Period(dt.date(last_year, 7, 1), dt.date(last_year, 12, 31)), as_of)
    street = con.execute("SELECT street FROM compounds ORDER BY street LIMIT 1").fetchone()[0]
    compound = con.execute("SELECT compound_name FROM compounds ORDER BY households DESC LIMIT 1").fetchone()[0]
    out = {"orders": con.execute("SELECT count(*) FROM work_orders").fetchone()[0],
           "window": f"{window.period.start} – {window.period.end}",
           "window_orders": con.execute("SELECT count(*) FROM work_orders WHERE received_at >= ? AND received_at < ?",
                                        [window.start, window.end]).fetchone()[0]}
    for label, scope in (("district", Scope()), ("street", Scope(street=street)), ("compound", Scope(compound=compound))):
        for by in BY:
            seconds, found = timed(lambda: breakdown(con, config, scope, window, by), repeat=3)
            out[f"breakdown_{by}_{label}_s"] = seconds
            out[f"breakdown_{by}_{label}_rows"] = len(found)
    out["breakdown_company_lists_only_s"], _ = timed(lambda: breakdown(con, config, Scope(), window, "company",
                                                                         hours=False), repeat=3)
    worst = worst_first(breakdown(con, config, Scope(street=street), window, "unit"))[0]
    for which in ("late", "dissatisfied", "unresolved"):
        seconds, found = timed(lambda: orders(con, config, Scope(street=street), window, "unit", worst["name"], which),
                               repeat=3)
        out[f"orders_{which}_s"], out[f"orders_{which}_rows"] = seconds, len(found)
    # the counts from the rollups against the scan of the orders (rollup.plan answering nothing)
    ours = {by: breakdown(con, config, Scope(street=street), window, by, hours=False) for by in BY}
    plan, latest = rollup.plan, rollup.latest
    rollup.plan, rollup.latest = (lambda *a, **k: None), (lambda c: None)
    try:
        start = time.perf_counter()
        scanned = {by: breakdown(con, config, Scope(street=street), window, by, hours=False) for by in BY}
        out["breakdown_scan_all_s"] = time.perf_counter() - start
    finally:
        rollup.plan, rollup.latest = plan, latest
    out["rollup_matches_scan"] = all(
        [{k: r[k] for k in ("name", *COUNTS)} for r in ours[by]] == [{k: r[k] for k in ("name", *COUNTS)}
                                                                     for r in scanned[by]] for by in BY)
    con.close()
    return {**out, "street": street, "compound": compound, "worst_unit": worst["name"]}


def view_figures(db: Path, street: str, unit: str, compound: str) -> dict:
    """AppTest runs of the views, cold (the engine's cache cleared) and warm; exceptions counted."""
    os.environ["DASHBOARD_DB"] = str(db)
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from access import sessions
    from ui import engine
    from ui.signin import TOKEN

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as the real server after its first st.navigation call
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.session_state[TOKEN] = sessions.sign_in(db, *ADMIN, address="127.0.0.1").token
    start = time.perf_counter()
    at.run()   # the app's start and the frame's facts: not a view's time
    out = {"app_start_s": time.perf_counter() - start}
    views = [("overview", "pages/overview.py", {}),
             ("causes_unit", "pages/causes.py", {"by": "unit"}),
             ("causes_company", "pages/causes.py", {"by": "company"}),
             ("causes_category", "pages/causes.py", {"by": "category"}),
             ("causes_street_units", "pages/causes.py", {"by": "unit", "street": street}),
             ("causes_street_worst_unit_late", "pages/causes.py", {"by": "unit", "street": street, "row": unit}),
             ("profile", "pages/profile.py", {"compound": compound})]
    exceptions = 0
    for name, page, params in views:
        for key in list(at.query_params):
            if key not in ("period", "lang"):
                del at.query_params[key]
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page).run()   # the page's modules imported, its first chart drawn: a running server's state
        exceptions += len(at.exception)

        def cold():
            engine._engine.clear()
            return at.run()

        def cold_all():
            st.cache_data.clear()
            return at.run()
        out[f"{name}_cold_s"], _ = timed(cold, repeat=REPEAT)
        exceptions += len(at.exception)
        out[f"{name}_cold_all_s"], _ = timed(cold_all, repeat=REPEAT)
        exceptions += len(at.exception)
        out[f"{name}_warm_s"], _ = timed(lambda: at.run(), repeat=REPEAT)
        exceptions += len(at.exception)
    out["apptest_exceptions"] = exceptions
    return out


COLUMNS = ["orders", "window_orders", "breakdown_unit_district_s", "breakdown_company_district_s",
           "breakdown_category_district_s", "orders_late_s", "overview_cold_s", "causes_unit_cold_s",
           "causes_company_cold_s", "causes_street_worst_unit_late_cold_s", "profile_cold_s", "rollup_matches_scan"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--db", type=Path, help="a database built before (scale.py's): measured as it is")
    parser.add_argument("--work", type=Path, default=WORK, help="working folder (default benchmarks/work/)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the figures go (default "
                        "benchmarks/breakdown_results.json, the committed figures: a smoke run names another file)")
    args = parser.parse_args()
    runs = []
    for rows in ([None] if args.db else args.rows):
        result = {"date": dt.date.today().isoformat(),
                  "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
        if args.db:
            db = args.db
        else:
            print(f"building {rows:,} orders …", file=sys.stderr, flush=True)
            result["build_s"], db = timed(lambda: build(rows, args.work))
        from access import accounts

        if accounts.get(db, ADMIN[0]) is None:
            add_admin(db)
        print("engine …", file=sys.stderr, flush=True)
        result.update(engine_figures(db))
        print("views …", file=sys.stderr, flush=True)
        result.update(view_figures(db, result["street"], result["worst_unit"], result["compound"]))
        runs.append(result)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(runs, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(" | ".join(COLUMNS))
    for r in runs:
        print(" | ".join(str(r[c]) if isinstance(r[c], bool) else f"{r[c]:,.3f}" if isinstance(r[c], float)
                         else f"{r[c]:,}" for c in COLUMNS))
    for r in runs:
        print(f"{r['orders']:,} orders, views (cold / warm, s): " + ", ".join(
            f"{name} {r[f'{name}_cold_s']:.3f} / {r[f'{name}_warm_s']:.3f}"
            for name in ("overview", "causes_unit", "causes_company", "causes_category", "causes_street_units",
                         "causes_street_worst_unit_late", "profile")))
        print(f"  slowest view cold: {max(v for k, v in r.items() if k.endswith('_cold_s')):.3f} s; with every "
              f"cache cleared: {max(v for k, v in r.items() if k.endswith('_cold_all_s')):.3f} s; "
              f"AppTest exceptions: {r['apptest_exceptions']}")
    print(f"written {args.results}")


if __name__ == "__main__":
    main()
