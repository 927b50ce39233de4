"""What a database says of its rollups (metrics.rollup): the version of their layout, the data's latest moment,
and whether the file holds the rollups only (metrics.scale.rollup_job). Read from the meta table with the
connection's own execute, so the SQL door (metrics.db) can ask it without a circle: a question for the orders asked
of a rollups-only file becomes NotInRollups, in words, here."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import re

import duckdb

import store

VERSION = "5"   # 5: orders from files with 是否重复诉求 and 办结时间 counted (repeat and close inputs); 4: hours to close as whole microseconds (db.seconds_between, the same on Spark); 3: fields each import carried, negative durations left out, compounds not in the registry carry their name (metrics.names), re-matched once


_PINNED: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("rollup_meta", default=None)


def meta(con) -> dict:
    """rollup_version, latest_timestamp and rollups_only of the connection's meta table (pinned: as read once)."""
    pinned = _PINNED.get()
    if pinned is not None and pinned[0] is con:
        return pinned[1]
    found = con.execute("SELECT key, value FROM meta WHERE key IN "
                        f"('rollup_version', 'latest_timestamp', '{ONLY_KEY}')").fetchall()
    return {key: value for key, value in found}


# ---- a file of rollups only (metrics.scale.rollup_job) -----------------------------------------------------

# The meta key of a file the rollup job wrote: JSON of the engine, the lake, when, the orders and complaints counted
# and the first day of the data. Such a file has no work_orders and no complaints table.
ONLY_KEY = "rollups_only"
SCANNED = ("work_orders", "complaints")
_MISSING = re.compile(r"Table with name (work_orders|complaints) does not exist")


class NotInRollups(store.StoreError):
    """A question for the orders or complaints themselves, asked of a file that holds the monthly rollups only:
    said in words (what cannot be answered, what can), so it is never an empty answer."""


def only(con) -> dict | None:
    """What the rollup job recorded, when the connection's database is one of its rollups-only files, else None."""
    try:   # a database being created has no meta yet
        value = meta(con).get(ONLY_KEY)
    except duckdb.Error:
        return None
    return json.loads(value) if value else None


def refuse_scan(con, error: Exception) -> None:
    """Called by metrics.db with DuckDB's missing-table error: on a rollups-only file, raise NotInRollups instead."""
    missing = _MISSING.search(str(error))
    if missing is None:
        return
    recorded = only(con)
    if recorded is None:
        return
    raise NotInRollups(not_in_rollups_text(missing.group(1), latest(con))) from None


def not_in_rollups_text(table: str, settled: dt.datetime | None) -> str:
    """What a rollups-only file cannot answer and what it can, Chinese then English ("中文 / English")."""
    at = f"{settled:%Y-%m-%d %H:%M}" if settled else "?"
    what_zh, what_en = ("逐条工单", "the orders themselves") if table == "work_orders" else ("逐条投诉", "the complaints themselves")
    return (f"此数据库只含月度汇总（由汇总作业从数据湖生成），这个问题需要{what_zh}，无法回答："
            f"不按整月的自定义时段、按周或按日统计、按承办单位或物业公司细分、工单明细与督办清单、"
            f"早于数据截至的时点（如进行中时段的同期对比）。"
            f"可以回答：截至数据截至（{at}）的整月时段（月、季度、半年、年、全部数据），"
            f"全区、街道、社区、小区范围，按月、季度、年统计。 / "
            f"This database holds the monthly rollups only (built from the lake by the rollup job), and this question "
            f"needs {what_en}: a custom range not on month boundaries, a week or day grain, a split by handling unit or "
            f"property company, order lists and supervision, or a moment before the data's latest "
            f"(a running period's comparisons) cannot be answered. It answers whole months (month, quarter, half-year, "
            f"year, all data) judged at the data's latest moment ({at}), for the district, a street, a community or a "
            f"compound, by month, quarter or year.")


def ready(con) -> bool:
    """The rollups exist in their current layout."""
    return meta(con).get("rollup_version") == VERSION


@contextlib.contextmanager
def pinned(con):
    """Read the rollups' state once for a whole report (a dozen questions asked of one database state)."""
    token = _PINNED.set((con, meta(con)))
    try:
        yield
    finally:
        _PINNED.reset(token)



def latest(con) -> dt.datetime | None:
    """The data's latest timestamp as recorded at the last import (None when unknown)."""
    value = meta(con).get("latest_timestamp")
    return dt.datetime.fromisoformat(value) if value else None


