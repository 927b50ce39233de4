"""Benchmarks do not rot: every script in benchmarks/ runs at a smoke size, as a subprocess from the repository root,
exits 0 and prints its figures. The figures are never asserted (benchmarks are not timed tests), only that each is
there. A smoke run writes its files into tmp_path: the committed results (benchmarks/*.json) stay as they are.
The scripts that need chromium or Spark are marked slow (pytest.ini)."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


def committed_results() -> dict[str, str]:
    """The figures files in benchmarks/ (results.json, load_results.json, ...) by name: their content's hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(BENCHMARKS.glob("*.json"))}


def run(script: str, *args: str, timeout: float = 300) -> str:
    """Run benchmarks/SCRIPT with ARGS as `make bench` would (cwd the repository root); its standard output once it
    exited 0, the committed results files untouched."""
    before = committed_results()
    done = subprocess.run([sys.executable, f"benchmarks/{script}", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert committed_results() == before, f"{script} wrote to a committed results file"
    return done.stdout


def test_every_script_has_a_test_here():
    scripts = sorted(p.name for p in BENCHMARKS.glob("*.py"))
    source = Path(__file__).read_text(encoding="utf-8")
    assert [s for s in scripts if f'"{s}"' not in source] == []


def test_foundation(tmp_path):
    out = run("foundation.py", "--smoke", "--work", tmp_path / "work")
    for figure in ("demo database build (write exports + import):", "generating 5,000-row CSV:",
                   "import 12345工单_2024.csv: 5,000 rows in", "KPI report with both comparisons, district, year:",
                   "KPI report with both comparisons, one compound, half-year:", "scorecard of 1,200 compounds",
                   "import 12345工单_2024.xlsx: 1,000 rows in", "peak RSS of this process:"):
        assert figure in out, figure
    assert not (tmp_path / "work").exists()   # removed at the end


def test_import_profile(tmp_path):
    """The script that stopped with "Table with name staging_arrow does not exist" after the reader's rewrite."""
    out = run("import_profile.py", "--rows", 20_000, "--work", tmp_path / "work")
    for figure in ("12345工单_2025.csv: 10,000 rows in", "DuckDB's plain load", "CREATE TEMP TABLE staging_rows AS",
                   "(the reader: readers.read_into", "The floor, each into a fresh database file",
                   "our reader alone (readers.read_into", "our typed read (read, trim, type, validate, mask)",
                   "our typed read straight into a table, checkpointed", "the rollups kept by this import",
                   "the whole import"):
        assert figure in out, figure


def test_masking():
    out = run("masking.py", "--rows", 20_000, "--repeat", 1, "--python", 2_000)
    for figure in ("rows 20,000; candidates", "SQL copy of the column", "SQL candidate test alone", "SQL masked copy",
                   "masking (the difference)", "mask_text, 2,000 cells"):
        assert figure in out, figure


def test_access_writes(tmp_path):
    out = run("access_writes.py", "--processes", 2, "--inserts", 20, "--work", tmp_path / "work")
    for figure in ("2 processes × 20 audit entries at once", "40 of 40 stored, 0 errors", "entries/s", "lost: 0",
                   "the design not taken: one entry into DuckDB through store.writer",
                   "a sign-in's password check (argon2id"):
        assert figure in out, figure


def test_store_costs(tmp_path):
    out = run("store_costs.py", "--rows", 5_000, "--work", tmp_path / "work")
    for figure in ("database 5,000 generated orders:", "publish a snapshot (copy + fsync + rename):",
                   "a reader moves to a new snapshot", "write lock handed to a waiting writer:",
                   "a write session with nothing to write", "rewrite the whole file (compaction"):
        assert figure in out, figure
    assert not (tmp_path / "work").exists()


def test_scale(tmp_path):
    """The city-scale benchmark (make bench) at 4,000 orders: its table, its figures file elsewhere than
    benchmarks/results.json. Starts the dashboard and drives chromium."""
    results = tmp_path / "results.json"
    out = run("scale.py", "--rows", 4_000, "--xlsx-rows", 1_000, "--work", tmp_path / "work", "--results", results,
              timeout=600)
    lines = out.splitlines()
    header = ("rows | import_rows_per_s | import_vs_read_csv | overview_s | overview_vs_ceiling | overview_vs_pandas | "
              "scorecard_vs_ceiling | trend_vs_ceiling | page_render_s | filter_change_s | peak_rss_mib | "
              "rollup_matches_scan")
    row = lines[lines.index(header) + 1].split(" | ")
    assert row[0] == "4,000" and row[-1] == "True"   # the rollups' answers equal the scan's
    assert f"written {results}" in out
    (figures,) = json.loads(results.read_text(encoding="utf-8"))
    assert figures["apptest_exceptions"] == 0 and figures["peak_rss_mib"]


def test_breakdown(tmp_path):
    """原因分析 at city scale (make bench) at 20,000 orders: the engine's and the views' figures, the rollups' counts
    equal to the scan's, no view showing an exception."""
    results = tmp_path / "breakdown.json"
    out = run("breakdown.py", "--rows", 20_000, "--work", tmp_path / "work", "--results", results, timeout=900)
    lines = out.splitlines()
    header = ("orders | window_orders | breakdown_unit_district_s | breakdown_company_district_s | "
              "breakdown_category_district_s | orders_late_s | overview_cold_s | causes_unit_cold_s | "
              "causes_company_cold_s | causes_street_worst_unit_late_cold_s | profile_cold_s | rollup_matches_scan")
    row = lines[lines.index(header) + 1].split(" | ")
    assert row[0] == "20,000" and row[-1] == "True"   # the rollups' counts equal the scan's
    assert "slowest view cold:" in out and "AppTest exceptions: 0" in out and f"written {results}" in out
    (figures,) = json.loads(results.read_text(encoding="utf-8"))
    assert figures["apptest_exceptions"] == 0 and figures["window_orders"] > 0 and figures["breakdown_unit_district_rows"]


def test_scale_out(tmp_path):
    """The scale-out benchmark (make bench-scale-out) at 20,000 orders: DuckDB and Spark local build equal files,
    总览 is drawn from the Spark-built one."""
    results = tmp_path / "scale_out.json"
    out = run("scale_out.py", "--rows", 20_000, "--driver-memory", "1g", "--warm", 0, "--timeout", 600,
              "--work", tmp_path / "work", "--results", results, "--clean", timeout=900)
    for figure in ("== Scale-out: 20,000 orders", "lake generated (DuckDB SQL → Parquet)", "rollup job on duckdb",
                   "rollup job on spark", "files equal (counts exact, quantiles ≤1e-12 rel.)  yes",
                   "总览 from the spark file, cold", "cards shown:", f"written: {results}"):
        assert figure in out, figure
    assert not (tmp_path / "work").exists()


def test_ui_timing():
    """The demo in chromium and through AppTest: one warm round, one street."""
    out = run("ui_timing.py", "--rounds", 1, "--streets", 1, timeout=900)
    for figure in ("database: ", "Real browser (Debian chromium", "server start -> overview fully rendered (cold)",
                   "page switch (click in the nav -> settled)", "-> trends", "street filter -> cards show",
                   "AppTest (in process, script run only)", "overview (app start)"):
        assert figure in out, figure
    assert "(shows an exception)" not in out


def test_load_quick(tmp_path):
    """benchmarks/load.py works end to end on a tiny database (--quick: 2 sessions, 1 process, a 2,000-row import):
    every render it counts settled without an error, the import published and both open pages showed the new data
    by themselves. Function only: the figures it prints are never asserted."""
    out = tmp_path / "load.json"
    stdout = run("load.py", "--quick", "--timeout", 240, "--results", out, timeout=300)
    lines = stdout.splitlines()
    header = lines.index("sessions | processes | renders | renders/s | median s | p95 s | errors | open median s | "
                         "switch median s")
    cells = lines[header + 1].split(" | ")
    # 2 sessions on 1 process, each: open 总览 + 2 street picks = 6 renders, none failed
    assert (cells[0], cells[1], cells[2], cells[6]) == ("2", "1", "6", "0")
    assert "2/2 pages" in stdout

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["rows"] == 4000   # the archive: 2 years of 2,000 orders
    (load,) = figures["load"]
    assert (load["renders"], load["errors"], len(load["seconds"])) == (6, 0, 6)
    live = figures["import"]
    assert (live["no_import"]["renders"], live["no_import"]["errors"], live["open_errors"]) == (2, 0, 0)
    assert live["during_import"]["errors"] == 0
    assert live["import_exit"] == 0
    assert "read 2000 = new 2000 + updated 0 + unchanged 0 + duplicate 0 + rejected 0" in live["import_output"]
    assert live["orders_after"] == 6000
    assert live["new_data_pages"] == 2
    # each page's 工单总量 card is the engine's count on the new data for its street, and differs from the old
    assert (live["orders_card_new"], live["orders_card_moved"]) == (2, 2)


def test_hot(tmp_path):
    """"hot.py" --smoke: the script issue 23's figures come from still runs (3,000 + 300 messages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hot_benchmark", BENCHMARKS / "hot.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.run(3_000, 300, tmp_path)
    assert result["full"]["messages_read"] == 3_000 and result["incremental"]["messages_read"] == 300
    assert not result["incremental"]["full"] and result["noop"]["messages_read"] == 0
    assert result["groups_3_residents"] > 0 and result["peak_memory_mib"] > 0
