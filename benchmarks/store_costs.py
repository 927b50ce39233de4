"""What the many-readers-one-writer design costs on a database of a given size: publishing a snapshot after a
write (copy and fsync), a reader moving to a new snapshot (open read-only and answer a first query), the hand-over
of the write lock to a waiting writer, and rewriting a bloated file; and, for the design not taken, how long
readers would be shut out if they had to close for every write (the write itself).

    .venv/bin/python benchmarks/store_costs.py --db benchmarks/work/scale_10000000/scale.duckdb
    .venv/bin/python benchmarks/store_costs.py --rows 5000 --work /tmp/costs     (smoke run, seconds: the tests)

The database is copied into benchmarks/work/store_costs/ (or --work) first; the original is not touched. With
--rows instead of --db a database of that many generated orders (the demo's distributions, as scale.py) is built
there. The folder is removed at the end."""
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
sys.path.insert(0, str(ROOT / "benchmarks"))

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
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=Path, help="the database to measure (copied first)")
    source.add_argument("--rows", type=int, help="build a database of this many generated orders instead")
    parser.add_argument("--work", type=Path, default=WORK, help="working folder (created afresh, removed at the end)")
    args = parser.parse_args()
    config = load_config()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "costs.duckdb"
    if args.db:
        shutil.copyfile(args.db, db)
        name = args.db.name
    else:
        build(db, args.rows, work / "exports", config)
        name = f"{args.rows:,} generated orders"
    size_mb = db.stat().st_size / 2**20
    print(f"database {name}: {size_mb:,.0f} MiB")

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
    shutil.rmtree(work, ignore_errors=True)


def build(db: Path, rows: int, folder: Path, config: dict) -> None:
    """A database of `rows` orders from the demo generator (scale.py's shape), imported as files are."""
    from scale import shape

    from metrics.database import connect
    from metrics.demo.exports import write_demo_exports
    from metrics.ingest.importer import import_file

    files = write_demo_exports(folder, messy=False, order_format="csv", **shape(rows))
    con = connect(db)
    for kind, path in files:
        import_file(con, kind, path, config)
    con.execute("CHECKPOINT")
    con.close()
    shutil.rmtree(folder, ignore_errors=True)


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
