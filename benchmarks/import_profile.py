"""Where an import's time goes: every SQL statement the importer runs, timed, for the last order file of a
generated archive (the others are imported first, so the last one meets a table of its full size).

    .venv/bin/python benchmarks/import_profile.py --rows 10000000
    .venv/bin/python benchmarks/import_profile.py --rows 20000 --work /tmp/profile     (smoke run: the tests)

Prints the statements by time taken, DuckDB's plain load of the same file for comparison, and the floor: what
reading, typing and writing the file cost with nothing else of the import (each into a fresh database file), so
the part of the 2x budget that is left for the rollups can be read off. Asserts nothing.

The importer reads a file with metrics.ingest.readers.read_into (Arrow, every cell as text), registers it with DuckDB as
readers.SOURCE and types it with one SELECT over that; the floors therefore read the file the same way on their
fresh connection before timing the typed SELECT.
Works in benchmarks/work/profile_ROWS/ (or --work), removed at the end."""
from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import duckdb  # noqa: E402
from scale import WORK, shape  # noqa: E402

from metrics import rollup  # noqa: E402
from metrics.config import load_config  # noqa: E402
from metrics.database import connect  # noqa: E402
from metrics.demo.exports import write_demo_exports  # noqa: E402
from metrics.ingest import importer  # noqa: E402
from metrics.ingest.header_profiles import header_score_for  # noqa: E402
from metrics.ingest.importer import import_file  # noqa: E402
from metrics.ingest.readers import ROWS_TABLE, read_into  # noqa: E402

TYPED_READ = f"CREATE TEMP TABLE {ROWS_TABLE} AS "


class Timed:
    """A connection that adds up the time of each statement (by its first words)."""

    def __init__(self, con):
        self._con = con
        self.seconds = collections.Counter()
        self.typed_read = None   # the statement that reads the file into its typed copy, and its parameters

    def execute(self, sql, *args):
        start = time.perf_counter()
        result = self._con.execute(sql, *args)
        self.seconds[re.sub(r"\s+", " ", sql.strip())[:100]] += time.perf_counter() - start
        if sql.startswith(TYPED_READ):
            self.typed_read = (sql[len(TYPED_READ):], args[0] if args else [])
        return result

    def __getattr__(self, name):
        return getattr(self._con, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--work", type=Path, help="working folder (default benchmarks/work/profile_ROWS), removed")
    args = parser.parse_args()
    work = args.work or WORK / f"profile_{args.rows}"
    shutil.rmtree(work, ignore_errors=True)
    files = write_demo_exports(work / "csv", messy=False, order_format="csv", **shape(args.rows))
    os.sync()
    config = load_config()
    con = connect(work / "profile.duckdb")
    import_file(con, "compounds", next(p for k, p in files if k == "compounds"), config)
    orders = [p for k, p in files if k == "work_orders"]
    for path in orders[:-1]:
        import_file(con, "work_orders", path, config)
    timed, refresh, rollup_seconds = Timed(con), rollup.refresh, []

    def timed_refresh(*args, **kwargs):   # the rollups' share: everything rollup.refresh does for this import
        start = time.perf_counter()
        refresh(*args, **kwargs)
        rollup_seconds.append(time.perf_counter() - start)

    rollup.refresh = timed_refresh
    read, read_seconds = importer.read_into, []

    def timed_read(*args, **kwargs):   # the reader's share: the file into an Arrow table registered as SOURCE
        start = time.perf_counter()
        raw = read(*args, **kwargs)
        read_seconds.append(time.perf_counter() - start)
        return raw

    importer.read_into = timed_read
    start = time.perf_counter()
    try:
        rows = import_file(timed, "work_orders", orders[-1], config).rows_read
    finally:
        rollup.refresh, importer.read_into = refresh, read
    total = time.perf_counter() - start
    con.close()
    path = orders[-1]
    typed_sql, typed_params = timed.typed_read
    score = header_score_for(config, "work_orders")
    ceiling = fresh_load(work, "CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)], checkpoint=True)
    floor = {
        "DuckDB's plain load (read_csv, typed by its sniffer, into a table, checkpointed)": ceiling,
        "DuckDB's reader alone: every cell as text, into memory": fresh_load(
            work, "CREATE TEMP TABLE t AS SELECT * FROM read_csv(?, header = false, all_varchar = true, "
                  "strict_mode = false)", [str(path)]),
        "our reader alone (readers.read_into: Arrow, every cell as text, registered)": fresh_load(
            work, None, [], read=(path, score)),
        "our typed read (read, trim, type, validate, mask), into memory": fresh_load(
            work, "CREATE TEMP TABLE t AS " + typed_sql, typed_params, read=(path, score)),
        "our typed read straight into a table, checkpointed: the floor of any import that checks": fresh_load(
            work, "CREATE TABLE t AS " + typed_sql, typed_params, read=(path, score), checkpoint=True),
    }
    print(f"{orders[-1].name}: {rows:,} rows in {total:.2f} s ({rows / total:,.0f} rows/s); "
          f"DuckDB's plain load {ceiling:.2f} s; ratio {ceiling / total:.3f}")
    for sql, seconds in timed.seconds.most_common(args.top):
        print(f"{seconds:7.2f}  {sql}")
    print(f"{sum(read_seconds):7.2f}  (the reader: readers.read_into, the file into Arrow, before the statements)")
    print(f"{total - sum(timed.seconds.values()) - sum(read_seconds):7.2f}  "
          "(Python between statements, the file's hash)")
    rollups = sum(rollup_seconds)
    print("\nThe floor, each into a fresh database file (x the plain load; the target allows 2.00):")
    for label, seconds in floor.items():
        print(f"{seconds:7.2f}  {seconds / ceiling:5.2f}x  {label}")
    print(f"{rollups:7.2f}  {rollups / ceiling:5.2f}x  the rollups kept by this import (rollup.refresh)")
    print(f"{total:7.2f}  {total / ceiling:5.2f}x  the whole import")
    shutil.rmtree(work, ignore_errors=True)


def fresh_load(work: Path, sql: str | None, params: list, *, read: tuple | None = None,
               checkpoint: bool = False) -> float:
    """Seconds `sql` takes in a new database file (and its checkpoint), the best of two runs. With `read`
    (path, header score) the file is first read as the importer reads it (readers.read_into, registered as
    readers.SOURCE, which the typed SELECT reads), inside the time."""
    best = float("inf")
    for attempt in range(2):
        target = work / f"load_{attempt}.duckdb"
        con = duckdb.connect(str(target))
        start = time.perf_counter()
        if read:
            read_into(con, *read)
        if sql:
            con.execute(sql, params)
        if checkpoint:
            con.execute("CHECKPOINT")
        best = min(best, time.perf_counter() - start)
        con.close()
        target.unlink()
    return best


if __name__ == "__main__":
    main()
