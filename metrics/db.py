"""The one way SQL reaches DuckDB: statements with bound parameters, identifiers through `quote`.

Helpers run on the connection they are given (temp tables and transactions are per connection);
threads pass their own `con.cursor()`."""
from __future__ import annotations

import re
from typing import Any, Sequence

import duckdb

from metrics.rollup_state import refuse_scan


def seconds_between(start: str, end: str) -> str:
    """SQL for the seconds from `start` to `end` (DOUBLE), spelled so that it means the same on DuckDB and, through
    metrics.scale.spark's translation, on Spark: whole microseconds over a million (epoch(end - start) is DuckDB's own
    and rounds differently in the last bit)."""
    return f"CAST(date_diff('microsecond', {start}, {end}) AS DOUBLE) / 1000000"


def quote(identifier: str) -> str:
    """Quote an identifier (a column name from a file or from config) for SQL text."""
    return '"' + str(identifier).replace('"', '""') + '"'


def bind(sql: str, params: Sequence[Any] | dict | None):
    """Named parameters the statement uses (DuckDB refuses unused ones), or positional as given."""
    if isinstance(params, dict):
        used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
        return {k: v for k, v in params.items() if k in used}
    return params or []


def execute(con, sql: str, params: Sequence[Any] | dict | None = None):
    """Run a statement. Asked of a rollups-only file (metrics.scale.rollup_job), a question that needs the orders or
    complaints themselves raises rollup.NotInRollups, saying what the file can answer, never an empty answer."""
    try:
        return con.execute(sql, bind(sql, params))
    except duckdb.CatalogException as exc:
        refuse_scan(con, exc)
        raise


def rows(con, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
    """Run a query and return its rows as dicts."""
    result = execute(con, sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, r)) for r in result.fetchall()]


def one(con, sql: str, params: Sequence[Any] | dict | None = None) -> dict:
    found = rows(con, sql, params)
    return found[0] if found else {}


def scalar(con, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
    return execute(con, sql, params).fetchone()[0]


def frame(con, sql: str, params: Sequence[Any] | dict | None = None):
    """A query's result as a pandas DataFrame (for pages and exports)."""
    return execute(con, sql, params).df()


def arrow(con, sql: str, params: Sequence[Any] | dict | None = None):
    """A query's result as an Arrow table (a table copied between engines: metrics.scale.rollup_job). DuckDB 2.0 calls it
    to_arrow_table (and warns of the copy it makes: a rollup is small); metrics.scale.spark's results fetch_arrow_table."""
    import warnings

    result = execute(con, sql, params)
    fetch = getattr(result, "fetch_arrow_table", None) or result.to_arrow_table
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        return fetch()
