"""The rollup job (issue 15): the monthly rollups of a lake's clean tables (metrics.scale.lake), built by rollup.build on
DuckDB or on Spark, written into a DuckDB file the dashboard opens as usual. Such a file holds the rollups, the
registry and what each import's file carried, no orders and no complaints: a question the rollups cannot answer
raises rollup.NotInRollups (metrics.db) instead of giving zeros. docs/scale-out.md.

`python -m metrics rollup --engine duckdb|spark --lake DIR --out FILE.duckdb`."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb

import store
from metrics import rollup
from metrics.db import arrow, quote, scalar
from metrics.scale.lake import META, META_SQL, REQUIRED, LakeError, check_lake, read_sql  # noqa: F401
from metrics.schema import DATASETS, ddl

ENGINES = ("duckdb", "spark")
def lake_duckdb(lake: Path):
    """An in-memory DuckDB whose work_orders, complaints and compounds are views over the lake; meta is a table
    (rollup.build writes rollup_version and latest_timestamp into it), empty when the lake has none."""
    check_lake(lake)
    con = duckdb.connect()
    for table in REQUIRED:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM {read_sql(lake, table)}")
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    if (lake / META / "data.parquet").exists():
        con.execute(f"INSERT INTO meta SELECT key, value FROM {read_sql(lake, META)}")
    return con


def build(lake: Path, out: Path, engine: str, config) -> dict:
    """Build every rollup from the lake on `engine` and write the rollups-only file `out`; returns what was written
    (tables and their rows, orders and complaints counted, 数据截至)."""
    lake, out = Path(lake), Path(out)
    if engine == "duckdb":
        door = lake_duckdb(lake)
    elif engine == "spark":
        from metrics.scale.spark import lake_database
        door = lake_database(lake, config)
    else:
        raise ValueError(f"engine must be one of {ENGINES}")
    rollup.build(door)
    return write(door, out, engine=engine, lake=lake, config=config)


# What the file keeps besides the rollup tables: the registry and these meta rows.
META_KEPT = META_SQL.replace("WHERE key LIKE 'import_fields:%'",
                             "WHERE key LIKE 'import_fields:%' OR key IN ('rollup_version', 'latest_timestamp')")


def write(con, out: Path, *, engine: str, lake: Path, config) -> dict:
    """Copy the rollups, the registry and meta's rows from the connection (either engine's) into a new file, then
    put it in `out`'s place as every writer does (store.replace_master: under the write lock, a snapshot published
    for readers). The file is made beside `out` first: a build that fails leaves an existing `out` as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    try:
        target = duckdb.connect(str(tmp))
        try:
            written = _copy(con, target, engine, lake)
            target.execute("CHECKPOINT")
        finally:
            target.close()
        store.replace_master(out, tmp, f"汇总作业 {lake.name} / rollup job", config)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return written


def _copy(con, target, engine: str, lake: Path) -> dict:
    """The schema's tables less the orders and complaints, then the rollups, registry and meta from `con`."""
    for statement in ddl():
        target.execute(statement)
    for table in rollup.SCANNED:
        target.execute(f"DROP TABLE {table}")
    written = {}
    for table in [*rollup.tables(), "compounds"]:
        data = arrow(con, f"SELECT * FROM {quote(table)}")
        target.register("copied", data)
        if table == "compounds":
            target.execute("INSERT INTO compounds BY NAME SELECT * FROM copied")
        else:
            target.execute(f"CREATE TABLE {quote(table)} AS SELECT * FROM copied")
        target.unregister("copied")
        written[table] = data.num_rows
    data = arrow(con, META_KEPT)
    target.register("copied", data)
    target.execute("INSERT INTO meta SELECT key, value FROM copied")
    target.unregister("copied")
    orders = int(scalar(target, "SELECT coalesce(sum(orders_total), 0) FROM order_rollup_compound"))
    complaints = int(scalar(target, "SELECT coalesce(sum(complaint_count), 0) FROM complaint_rollup_compound"))
    first = scalar(target, "SELECT least((SELECT min(month) FROM order_rollup_compound), "
                           "(SELECT min(month) FROM complaint_rollup_compound))")
    built = dt.datetime.now().replace(microsecond=0)
    recorded = {"engine": engine, "lake": str(lake.resolve()), "built_at": built.isoformat(sep=" "),
                "orders": orders, "complaints": complaints, "first_day": first.isoformat() if first else None}
    target.execute("INSERT INTO meta VALUES (?, ?)", [rollup.ONLY_KEY, json.dumps(recorded, ensure_ascii=False)])
    # one import_log row per table read from the lake: the page's 导入时间 is the build, and the file counts as data
    counts = {"compounds": written["compounds"], "work_orders": orders, "complaints": complaints}
    for number, (kind, n) in enumerate(((k, n) for k, n in counts.items() if n), start=1):
        target.execute("""INSERT INTO import_log (import_id, kind, file_name, profile, imported_at, rows_read, rows_new)
                          VALUES (?, ?, ?, 'rollup_job', ?, ?, ?)""",
                       [number, kind, f"{lake.name}/{DATASETS[kind].table}", built, n, n])
    latest = scalar(target, "SELECT value FROM meta WHERE key = 'latest_timestamp'")
    return {"tables": written, "meta": data.num_rows + 1, "orders": orders, "complaints": complaints,
            "latest_timestamp": latest, "engine": engine}
