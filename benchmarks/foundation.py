"""Foundation benchmark: import speed (1,000,000-row CSV, 200,000-row xlsx), KPI query time at
1,000,000 orders, and the demo database build time. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/foundation.py [--rows 1000000] [--xlsx-rows 200000] [--work DIR]
    .venv/bin/python benchmarks/foundation.py --smoke     (seconds: 5,000 rows, 1,000 xlsx rows, a small demo)

Works in benchmarks/work/foundation/ (or --work), created afresh and removed at the end; writes no results file.
"""
from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metrics.config import load_config  # noqa: E402
from metrics.database import connect  # noqa: E402
from metrics.demo import build_demo_database  # noqa: E402
from metrics.demo.exports import write_demo_exports  # noqa: E402
from metrics.ingest.importer import import_file  # noqa: E402
from metrics.kpis import Scope, kpi_report, window_for  # noqa: E402
from metrics.scorecard import scorecard  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "foundation"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=WORK, help="working folder (created afresh, removed at the end)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (the demo at 2,000 orders a year): "
                        "checks that the script runs, the figures mean nothing")
    args = parser.parse_args()
    demo_options = {}
    if args.smoke:
        args.rows, args.xlsx_rows, demo_options = 5_000, 1_000, {"orders_per_year": 2_000}
    config = load_config()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"machine: {platform.machine()}, {platform.python_version()}, date {dt.date.today()}")

    seconds, _ = timed(lambda: build_demo_database(work / "demo" / "demo.duckdb", config, progress=lambda m: None,
                                                    **demo_options))
    print(f"demo database build (write exports + import): {seconds:.1f} s")

    seconds, files = timed(lambda: write_demo_exports(work / "csv", n_compounds=1200, years=1,
                                                      orders_per_year=args.rows, messy=False, order_format="csv"))
    print(f"generating {args.rows:,}-row CSV: {seconds:.1f} s")
    con = connect(work / "big.duckdb")
    for kind, path in files:
        seconds, result = timed(lambda: import_file(con, kind, path, config))
        print(f"import {path.name}: {result.rows_read:,} rows in {seconds:.1f} s = {result.rows_read / seconds:,.0f} rows/s")
    con.execute("CHECKPOINT")

    one_year = window_for(con, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    half = window_for(con, dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    street = con.execute("SELECT street FROM compounds ORDER BY street LIMIT 1").fetchone()[0]
    compound = con.execute("SELECT compound_name FROM compounds ORDER BY households DESC LIMIT 1").fetchone()[0]
    for label, scope, window in (("district, year", Scope(), one_year), ("district, half-year", Scope(), half),
                                 ("one street, half-year", Scope(street=street), half),
                                 ("one compound, half-year", Scope(compound=compound), half)):
        kpi_report(con, config, scope, window)  # warm
        seconds, report = timed(lambda: kpi_report(con, config, scope, window))
        print(f"KPI report with both comparisons, {label}: {seconds * 1000:.0f} ms ({report['orders_total']:,} orders)")
    seconds, card = timed(lambda: scorecard(con, config, Scope(), half))
    print(f"scorecard of {len(card):,} compounds, half-year: {seconds * 1000:.0f} ms")
    con.close()

    # the first year's order workbook holds every source (only the last year's 啄木鸟 orders go to a CSV)
    seconds, files = timed(lambda: write_demo_exports(work / "xlsx", n_compounds=600, years=2,
                                                      orders_per_year=args.xlsx_rows, messy=False))
    print(f"generating xlsx exports: {seconds:.1f} s")
    con = connect(work / "xlsx.duckdb")
    registry = next(p for k, p in files if k == "compounds")
    workbook = next(p for k, p in files if k == "work_orders")
    import_file(con, "compounds", registry, config)
    seconds, result = timed(lambda: import_file(con, "work_orders", workbook, config))
    print(f"import {workbook.name}: {result.rows_read:,} rows in {seconds:.1f} s = {result.rows_read / seconds:,.0f} rows/s")
    con.close()
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
