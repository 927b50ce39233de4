"""The lake layout of the clean tables (issue 15): work_orders, complaints and compounds as Parquet, the first two
partitioned by the month of their main time (受理时间, 投诉时间), so a city's warehouse can hold the same tables, or
make them with its own ETL, and compute the same KPIs on Spark. docs/scale-out.md.

The partition column is `lake_month` ('YYYY-MM'), not `month`: a hive partition column joins the table's columns
when the lake is read, and `month` is an alias our queries give (order_kpis_by grain="month")."""
from __future__ import annotations

import shutil
from pathlib import Path

from metrics.db import quote
from metrics.schema import DATASETS

PARTITION = "lake_month"
# What each import's file carried (rollup.FIELDS_KEY rows of meta): an order from a file without 回访结果 is outside
# the revisit rate. A warehouse's own ETL may leave this table out: then every order counts as from a file with it.
META = "meta"
META_SQL = "SELECT key, value FROM meta WHERE key LIKE 'import_fields:%' ORDER BY key"


REQUIRED = ("work_orders", "complaints", "compounds")


class LakeError(ValueError):
    """A lake the job cannot read (no such folder, a table missing); the message names the folder."""


def check_lake(lake: Path) -> None:
    """The lake's folder and its three tables exist (meta may be absent: a warehouse's own ETL may leave it out)."""
    if not lake.is_dir():
        raise LakeError(f"数据湖目录不存在：{lake} / no such lake folder: {lake}")
    for table in REQUIRED:
        folder = lake / table
        if not folder.is_dir() or not any(folder.rglob("*.parquet")):
            raise LakeError(f"数据湖 {lake} 缺少表 {table}（应有 {folder}/ 下的 Parquet 文件） / "
                            f"the lake {lake} has no table {table} (Parquet files under {folder}/)")


def tables() -> list[tuple[str, str | None]]:
    """(table, the timestamp column it is partitioned by, None for the registry and meta) in a fixed order."""
    return [(d.table, d.main_timestamp) for d in DATASETS.values()] + [(META, None)]


def _path(path: Path) -> str:
    """A folder as a SQL string literal (COPY takes no bound parameter for its target; quotes are doubled)."""
    return "'" + str(path).replace("'", "''") + "'"


def export(con, out: Path) -> dict[str, int]:
    """Write every clean table under `out/<table>/` (Parquet; orders and complaints in `lake_month=YYYY-MM/`
    folders) and return the rows written per table. The folder is written whole: a table's old folder is replaced
    only after its new one is complete."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, timestamp in tables():
        final, tmp = out / table, out / f".{table}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        source = f"({META_SQL})" if table == META else quote(table)
        if timestamp:
            con.execute(f"""COPY (SELECT *, strftime({quote(timestamp)}, '%Y-%m') AS {PARTITION} FROM {quote(table)})
                            TO {_path(tmp)} (FORMAT parquet, PARTITION_BY ({PARTITION}), OVERWRITE_OR_IGNORE)""")
        else:
            con.execute(f"COPY {source} TO {_path(tmp / 'data.parquet')} (FORMAT parquet)")
        written[table] = int(con.execute(f"SELECT count(*) FROM {source}").fetchone()[0])
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    return written


def read_sql(out: Path, table: str) -> str:
    """The DuckDB expression that reads a table back from the lake (its partition column dropped)."""
    folder = Path(out) / table
    if (folder / "data.parquet").exists():
        return f"read_parquet({_path(folder / 'data.parquet')})"
    return f"(SELECT * EXCLUDE ({PARTITION}) FROM read_parquet({_path(folder / '*' / '*.parquet')}, hive_partitioning = true))"
