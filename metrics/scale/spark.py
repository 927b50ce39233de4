"""The Spark side of the one SQL door (issue 15): our SQL stays in DuckDB's dialect and is asked of Spark as is.

`SparkDatabase` is connection-like: `execute(sql, params)` returns a result with `description`, `fetchall`,
`fetchone`, `df` and `fetch_arrow_table`, so metrics.db's `rows`/`one`/`scalar`/`frame`/`arrow`, and with them
every KPI, the scorecard, the trends and rollup.build, run on it unchanged. A statement is parsed by sqlglot
(DuckDB), its parameters become literals in the tree, a few rewrites fix what the translation alone gets wrong, and
Spark runs the result:

- `quantile_cont(x, [0.5, 0.9])` becomes Spark's exact `percentile(x, array(0.5, 0.9))` (never percentile_approx);
- parameters are bound as typed literals built in the tree (values are never pasted into SQL text): a datetime as
  TIMESTAMP_NTZ, a date as DATE, a float as DOUBLE, a list as an array. Spark's own binding of datetimes shifts them
  by the difference between the machine's and the session's zone; our timestamps are naive local times, read from
  Parquet as TIMESTAMP_NTZ, so nothing here depends on a zone (the session's is pinned all the same);
- the statements rollup.build writes with (CREATE TABLE, INSERT ... SELECT/VALUES, INSERT OR REPLACE on a table
  keyed by its first column, DELETE, DROP, temp tables, transactions) act on session tables: DataFrames kept
  materialised (localCheckpoint) and registered as temp views, which the caller copies out (metrics.scale.rollup_job).

Two rewrites the feasibility study needed are no longer needed: our SQL spells seconds between two times as
db.seconds_between (date_diff in microseconds) and the grouping id as a sum of one-column grouping() calls."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

try:   # requirements-spark.txt (`make spark`): a district's dashboard runs without it
    import sqlglot
    from sqlglot import exp
except ImportError:
    sqlglot = exp = None

from metrics.scale.lake import META, PARTITION, check_lake
from metrics.scale.lake import tables as lake_tables

DEFAULTS = {"master": "local[*]", "connect": "", "time_zone": "Asia/Shanghai", "driver_memory": "2g",
            "shuffle_partitions": 8, "conf": {}}


class SparkUnavailable(RuntimeError):
    """Spark cannot start here; the message says what to install."""


def settings(config: dict) -> dict:
    return {**DEFAULTS, **(config.get("spark") or {})}


def session(config: dict):
    """A Spark session as config.yaml `spark` says: Spark Connect when `connect` is set (sc://host:15002), else
    `master` (local[*] out of the box, spark://…, yarn). The session's time zone is always pinned."""
    s = settings(config)
    try:
        from pyspark.sql import SparkSession
        if sqlglot is None:
            raise ImportError("sqlglot")
    except ImportError as e:
        raise SparkUnavailable("未安装 Spark 引擎（pyspark、sqlglot）：请运行 make spark / "
                               "the Spark engine (pyspark, sqlglot) is not installed: run `make spark`") from e
    builder = SparkSession.builder.appName("compound-governance-rollups")
    if s["connect"]:
        builder = builder.remote(s["connect"])
    else:
        if shutil.which("java") is None and not _java_home():
            raise SparkUnavailable("未找到 Java：请运行 make spark（安装 Debian 的 default-jre-headless） / "
                                   "Java not found: run `make spark` (Debian's default-jre-headless)")
        if s["master"]:   # empty: the master spark-submit or spark-defaults.conf gives
            builder = builder.master(s["master"])
        builder = (builder.config("spark.driver.memory", s["driver_memory"]).config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false"))
    for key, value in (s["conf"] or {}).items():
        builder = builder.config(key, str(value))
    spark = builder.getOrCreate()
    if not s["connect"]:
        spark = spark.newSession()   # its own temp views: two doors in one process never see each other's tables
    for key, value in {"spark.sql.session.timeZone": s["time_zone"], "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
                       "spark.sql.shuffle.partitions": str(s["shuffle_partitions"])}.items():
        spark.conf.set(key, value)
    return spark


def _java_home() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home) and (Path(home) / "bin" / "java").exists()


def lake_database(lake: Path, config: dict) -> "SparkDatabase":
    """A door onto a lake (metrics.scale.lake's layout, or a warehouse's own tables in it): work_orders, complaints,
    compounds and meta as the session's tables, the partition column dropped. A lake without meta counts every
    order as coming from a file with 回访结果."""
    lake = Path(lake)
    check_lake(lake)
    door = SparkDatabase(session(config))
    for table, _ in lake_tables():
        folder = lake / table
        if folder.is_dir():
            frame = door.spark.read.parquet(str(folder))
            door.register(table, frame.drop(PARTITION) if PARTITION in frame.columns else frame)
        else:   # only meta may be absent (check_lake)
            door.register(table, door.spark.createDataFrame([], "key STRING, value STRING"))
    return door


# ---- translation ----------------------------------------------------------------------------------------

def literal(value: Any) -> exp.Expression:
    """A bound value as a typed literal node (sqlglot escapes it when the tree is written)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), exp.DataType.Type.DOUBLE)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("timestamps are naive local times / a timestamp with a zone was bound")
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMPNTZ)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[literal(v) for v in value])
    raise TypeError(f"cannot bind a {type(value).__name__}")


def _bind(tree: exp.Expression, params) -> exp.Expression:
    positional = list(params) if isinstance(params, (list, tuple)) else None

    def replace(node):
        if not isinstance(node, exp.Placeholder):
            return node
        if positional is not None:
            if not positional:
                raise IndexError("fewer values bound than placeholders")
            return literal(positional.pop(0))
        name = node.name
        if name not in (params or {}):
            raise KeyError(f"no value bound for ${name}")
        return literal(params[name])
    return tree.transform(replace)


def _rewrite(node: exp.Expression) -> exp.Expression:
    """What sqlglot's translation alone gets wrong for Spark."""
    if isinstance(node, exp.PercentileCont) and node.expression is not None and not isinstance(
            node.parent, exp.WithinGroup):
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    return node


def to_spark(sql: str, params=None) -> str:
    """One DuckDB query as Spark SQL, its parameters bound as literals."""
    return _query_sql(_bind(sqlglot.parse_one(sql, read="duckdb"), params))


def _query_sql(tree: exp.Expression) -> str:
    return tree.transform(_rewrite).sql(dialect="spark")


# ---- the door ---------------------------------------------------------------------------------------------

class Result:
    """A query's answer, with the parts of DuckDB's result metrics.db uses."""

    def __init__(self, frame):
        self._frame = frame
        self._rows = None
        self.description = [(name,) for name in frame.columns] if frame is not None else None

    def _all(self) -> list[tuple]:
        if self._rows is None:
            self._rows = [] if self._frame is None else [tuple(r) for r in self._frame.collect()]
        return self._rows

    def fetchall(self) -> list[tuple]:
        return self._all()

    def fetchone(self):
        found = self._all()
        return found[0] if found else None

    def fetch_arrow_table(self):
        return self._frame.toArrow()

    def df(self):
        return self.fetch_arrow_table().to_pandas()


class SparkDatabase:
    """Our SQL on a Spark session: queries answered by Spark, rollup.build's writes kept as session tables."""

    def __init__(self, spark):
        self.spark = spark
        self.tables: dict[str, Any] = {}

    def cursor(self) -> "SparkDatabase":
        return self

    def close(self) -> None:
        for name in list(self.tables):
            self._drop(name)

    def register(self, name: str, frame) -> None:
        self.tables[name] = frame
        frame.createOrReplaceTempView(name)

    def _drop(self, name: str) -> None:
        if self.tables.pop(name, None) is not None:
            self.spark.catalog.dropTempView(name)

    def sql(self, tree: exp.Expression):
        return self.spark.sql(_query_sql(tree))

    def execute(self, sql: str, params=None) -> Result:
        tree = _bind(sqlglot.parse_one(sql, read="duckdb"), params)
        if isinstance(tree, (exp.Transaction, exp.Commit, exp.Rollback)):
            return Result(None)   # session tables are written out only when the whole build has succeeded
        if isinstance(tree, exp.Create):
            self._create(tree)
        elif isinstance(tree, exp.Insert):
            self._insert(tree)
        elif isinstance(tree, exp.Delete):
            where = tree.args.get("where")
            keep = exp.not_(exp.func("coalesce", where.this, exp.false())) if where else exp.false()
            self.register(tree.this.name, self.sql(exp.select("*").from_(tree.this.name).where(keep)).localCheckpoint())
        elif isinstance(tree, exp.Drop):
            for table in tree.args["tables"]:
                self._drop(table.name)
        else:
            return Result(self.sql(tree))
        return Result(None)

    def _create(self, tree: exp.Create) -> None:
        target = tree.this
        if tree.kind != "TABLE":
            raise NotImplementedError(f"CREATE {tree.kind} is not a statement of rollup.build")
        if isinstance(target, exp.Schema):   # CREATE TABLE t (column type, ...)
            columns = ", ".join(c.sql(dialect="spark") for c in target.expressions)
            self.register(target.this.name, self.spark.createDataFrame([], columns))
        else:                                # CREATE [OR REPLACE] [TEMP] TABLE t AS SELECT ...
            self.register(target.name, self.sql(tree.expression).localCheckpoint())

    def _insert(self, tree: exp.Insert) -> None:
        if not isinstance(tree.this, exp.Table):
            raise NotImplementedError("INSERT with a column list is not a statement of rollup.build")
        name = tree.this.name
        table = self.tables[name]
        source = tree.expression
        added = self.spark.sql(f"SELECT * FROM {_query_sql(source)}") if isinstance(source, exp.Values) else self.sql(source)
        added = added.toDF(*table.columns)
        added = added.select(*[added[f.name].cast(f.dataType) for f in table.schema])
        if tree.args.get("alternative") == "REPLACE":   # keyed by the first column (meta's key)
            key = table.columns[0]
            table = table.join(added.select(key), on=key, how="left_anti").localCheckpoint()
        # only the new rows are computed and kept; the table is the union of kept parts (never recomputed)
        self.register(name, table.unionByName(added.localCheckpoint()))
