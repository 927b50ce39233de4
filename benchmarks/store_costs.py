"""What the many-readers-one-writer design costs on a database of a given size: publishing a snapshot after a
write (copy and fsync), a reader moving to a new snapshot (open read-only and answer a first query), the hand-over
of the write lock to a waiting writer, and rewriting a bloated file; and, for the design not taken, how long
readers would be shut out if they had to close for every write (the write itself).

    .venv/bin/python benchmarks/store_costs.py --db benchmarks/work/scale_10000000/scale.duckdb

The database is copied into benchmarks/work/store_costs/ first; the original is not touched."""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import store  # noqa: E402
from metrics.config import load_config  # noqa: E402
from metrics.kpis import Scope, kpi_report, window_for  # noqa: E402
from metrics.periods import parse_date  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "store_costs"


def timed(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    config = load_config()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    db = WORK / "costs.duckdb"
    shutil.copyfile(args.db, db)
    size_mb = db.stat().st_size / 2**20
    print(f"database {args.db.name}: {size_mb:,.0f} MiB")

    publish = timed(lambda: store._publish(db))
    print(f"publish a snapshot (copy + fsync + rename): {publish:.2f} s = {size_mb / publish:,.0f} MiB/s")

    newest = store.current_snapshot(db)
    year = window_for(duckdb.connect(str(newest), read_only=True), parse_date("2025-01-01"), parse_date("2025-12-31"))

    def swap():
        con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
        kpi_report(con, config, Scope(), year)
        con.close()

    print(f"a reader moves to a new snapshot (open read-only + overview report): {timed(swap):.3f} s")

    def handover():
        waited = []

        def second():
            start = time.perf_counter()
            with store.write_lock(db, "second", config):
                waited.append(time.perf_counter() - start)

        with store.write_lock(db, "first", config):
            thread = threading.Thread(target=second)
            thread.start()
            time.sleep(0.5)
            released = time.perf_counter()
        thread.join()
        return time.perf_counter() - released

    gaps = [handover() for _ in range(5)]
    print(f"write lock handed to a waiting writer: {statistics.median(gaps) * 1000:.0f} ms after release")

    def empty_write():
        with store.writer(db, config, what="bench"):
            pass

    print(f"a write session with nothing to write (lock, open, checkpoint, publish): {timed(empty_write):.2f} s")
    con = duckdb.connect(str(db))
    print(f"rewrite the whole file (compaction, COPY FROM DATABASE): {timed(lambda: _compact_copy(con, db), 1):.2f} s")
    con.close()
    shutil.rmtree(WORK, ignore_errors=True)


def _compact_copy(con, db: Path) -> None:
    target = db.with_name("compacted.duckdb")
    target.unlink(missing_ok=True)
    con.execute("ATTACH ? AS compacted", [str(target)])
    name = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f'COPY FROM DATABASE "{name}" TO compacted')
    con.execute("DETACH compacted")
    target.unlink()


if __name__ == "__main__":
    main()
