"""Where an import's time goes: every SQL statement the importer runs, timed, for the last order file of a
generated archive (the others are imported first, so the last one meets a table of its full size).

    .venv/bin/python benchmarks/import_profile.py --rows 10000000

Prints the statements by time taken, and DuckDB's plain load of the same file for comparison. Asserts nothing."""
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

from metrics.config import load_config  # noqa: E402
from metrics.db import connect  # noqa: E402
from metrics.demo_exports import write_demo_exports  # noqa: E402
from metrics.importer import import_file  # noqa: E402
from scale import WORK, shape  # noqa: E402


class Timed:
    """A connection that adds up the time of each statement (by its first words)."""

    def __init__(self, con):
        self._con = con
        self.seconds = collections.Counter()

    def execute(self, sql, *args):
        start = time.perf_counter()
        result = self._con.execute(sql, *args)
        self.seconds[re.sub(r"\s+", " ", sql.strip())[:100]] += time.perf_counter() - start
        return result

    def __getattr__(self, name):
        return getattr(self._con, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    work = WORK / f"profile_{args.rows}"
    shutil.rmtree(work, ignore_errors=True)
    files = write_demo_exports(work / "csv", messy=False, order_format="csv", **shape(args.rows))
    os.sync()
    config = load_config()
    con = connect(work / "profile.duckdb")
    import_file(con, "compounds", next(p for k, p in files if k == "compounds"), config)
    orders = [p for k, p in files if k == "work_orders"]
    for path in orders[:-1]:
        import_file(con, "work_orders", path, config)
    timed = Timed(con)
    start = time.perf_counter()
    rows = import_file(timed, "work_orders", orders[-1], config).rows_read
    total = time.perf_counter() - start
    con.close()
    plain = duckdb.connect(str(work / "plain.duckdb"))
    start = time.perf_counter()
    plain.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(orders[-1])]).execute("CHECKPOINT")
    ceiling = time.perf_counter() - start
    plain.close()
    print(f"{orders[-1].name}: {rows:,} rows in {total:.2f} s ({rows / total:,.0f} rows/s); "
          f"DuckDB's plain load {ceiling:.2f} s; ratio {ceiling / total:.3f}")
    for sql, seconds in timed.seconds.most_common(args.top):
        print(f"{seconds:7.2f}  {sql}")
    print(f"{total - sum(timed.seconds.values()):7.2f}  (Python between statements, the file's hash)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
