"""Many dashboard processes writing the access file (SQLite, WAL) at once: audit entries per second, the latency
of one entry, and whether any is lost; beside them what the design not taken would cost (an entry written into
the DuckDB database through store.writer: the lock, a checkpoint and a published snapshot per entry), and what a
sign-in costs (argon2id with the production parameters).

    .venv/bin/python benchmarks/access_writes.py [--processes 4] [--inserts 500] [--work DIR]
    .venv/bin/python benchmarks/access_writes.py --processes 2 --inserts 20 --work /tmp/aw     (smoke run: the tests)

Works in benchmarks/work/access_writes/ (or --work; created afresh). Figures: docs/access.md."""
from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import store  # noqa: E402
from access import audit  # noqa: E402
from access.db import connect, path_for  # noqa: E402
from metrics.config import load_config  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "access_writes"


def _worker(db: Path, n: int, inserts: int, barrier, results) -> None:
    """One dashboard process: `inserts` audit entries, each on a connection of its own (as the dashboard does)."""
    barrier.wait(timeout=60)
    latencies, errors = [], 0
    for i in range(inserts):
        start = time.perf_counter()
        try:
            audit.record(db, "download", login=f"worker{n}", address=f"10.0.0.{n}", target="工单明细.xlsx",
                         scope={"street": "映川街道"}, details={"i": i, "rows": 1234})
        except Exception:   # a busy timeout would land here: counted, and the entry is then missing
            errors += 1
        latencies.append(time.perf_counter() - start)
    results.put((n, latencies, errors))


def concurrent_inserts(db: Path, processes: int, inserts: int) -> dict:
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(processes + 1), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(db, n, inserts, barrier, results)) for n in range(processes)]
    for w in workers:
        w.start()
    barrier.wait(timeout=60)
    start = time.perf_counter()
    found = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - start
    for w in workers:
        w.join(timeout=60)
    latencies = sorted(x for _, lat, _ in found for x in lat)
    con = connect(db)
    stored = con.execute("SELECT count(*) FROM audit WHERE action = 'download'").fetchone()[0]
    per_worker = dict(con.execute("SELECT login, count(*) FROM audit WHERE action = 'download' GROUP BY login"))
    con.close()
    return {"elapsed": elapsed, "expected": processes * inserts, "stored": stored,
            "errors": sum(e for _, _, e in found), "per_worker": per_worker,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "max_ms": latencies[-1] * 1000}


def duckdb_writer_entry(db: Path, config: dict, repeat: int = 5) -> float:
    """One audit-like row written into a (small) DuckDB database through the store: the design not taken."""
    runs = []
    for i in range(repeat):
        start = time.perf_counter()
        with store.writer(db, config, what="audit entry") as con:
            con.execute("CREATE TABLE IF NOT EXISTS audit_probe (happened_at TIMESTAMP, login VARCHAR, action VARCHAR)")
            con.execute("INSERT INTO audit_probe VALUES (now(), ?, 'download')", [f"probe{i}"])
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def sign_in_cost(repeat: int = 5) -> float:
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    hashed = hasher.hash("一个足够长的密码-2026")
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        hasher.verify(hashed, "一个足够长的密码-2026")
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--inserts", type=int, default=500, help="audit entries per process")
    parser.add_argument("--work", type=Path, default=WORK, help="working folder (created afresh)")
    args = parser.parse_args()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "app.duckdb"
    connect(db).close()   # the access file and its tables, before the race

    r = concurrent_inserts(db, args.processes, args.inserts)
    print(f"{args.processes} processes × {args.inserts} audit entries at once into {path_for(db).name} (WAL):")
    print(f"  {r['stored']:,} of {r['expected']:,} stored, {r['errors']} errors, per process "
          f"{sorted(r['per_worker'].values())}")
    print(f"  {r['elapsed']:.2f} s: {r['stored'] / r['elapsed']:,.0f} entries/s; one entry (connect + insert + "
          f"commit) p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms")
    lost = r["expected"] - r["stored"]
    print(f"  lost: {lost}")

    config = load_config()
    entry = duckdb_writer_entry(work / "probe.duckdb", config)
    print(f"the design not taken: one entry into DuckDB through store.writer (lock, write, checkpoint, publish a "
          f"snapshot of a near-empty database): {entry * 1000:.0f} ms, one process at a time, and queued behind any "
          f"import (minutes at a million rows)")
    print(f"a sign-in's password check (argon2id, 64 MiB, 3 passes, 4 lanes): {sign_in_cost() * 1000:.0f} ms")
    if lost or r["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
