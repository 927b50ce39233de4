"""Monthly rollups maintained at import, so the dashboard's questions cost the same at ten million orders
as at ten thousand.

The rollups hold each order's verdict as it stands once the data is complete (closed or not, on time,
revisit answer ...). That is the verdict at the data's own moment (数据截至, the latest timestamp), because
nothing in the data happens after it. A question is answered from them only when it is asked at that
moment or later, over whole months, and by dimensions a rollup keeps; anything else (a comparison cut
to the same elapsed time, a week grain, a handling unit) is answered by scanning the orders, as before.
Both ways give the same numbers, to the last digit (tests/test_rollup.py).

- order / complaint rollups: counts by month and a set of dimensions;
- open_work_orders: orders without a closing time, for 应办结 (due by as_of) and open orders by age;
- close_hours_cube: exact median and 90th percentile of hours to close, computed by DuckDB at import
  for every month, quarter, half-year and year and the scopes officials look at (whole district,
  street, community, compound, compounds of a street, communities of a street).

A rollup is rebuilt for the months an import touched (the registry rebuilds all: it moves orders
between compounds) inside the import's transaction, so it is never out of step with the orders."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from metrics.db import rows, seconds_between
from metrics.rollup_state import (  # noqa: F401
    ONLY_KEY,
    SCANNED,
    VERSION,
    NotInRollups,
    latest,
    not_in_rollups_text,
    only,
    pinned,
    ready,
)
from metrics.rollup_state import meta as _meta

REVISIT_ANSWERS = ("satisfied", "basically_satisfied", "dissatisfied")

ORDER_ROLLUPS = (
    ("order_rollup_compound", ("street", "community", "compound_name", "compound_kind", "management_mode")),
    ("order_rollup_category", ("street", "community", "category", "source", "request_type")),
)
COMPLAINT_ROLLUPS = (
    ("complaint_rollup_compound", ("street", "community", "compound_name", "compound_kind", "management_mode")),
    ("complaint_rollup_category", ("street", "community", "category", "source")),
)
OPEN_COLUMNS = ("received_at", "due_at", "street", "community", "compound_name", "source", "category", "request_type",
                "compound_kind", "management_mode", "handling_unit")
CUBE_DIMS = ("street", "community", "compound_name")
CUBE_SETS = ((), ("street",), ("community",), ("compound_name",), ("street", "community"), ("street", "compound_name"))
CUBE_KINDS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}

# The settled verdicts of one order (no as_of: nothing in the data is later than its latest timestamp).
ORDER_MEASURES = {
    "orders_total": "count(*)",
    "closed": "count(*) FILTER (WHERE closed_at IS NOT NULL)",
    "closed_on_time": "count(*) FILTER (WHERE closed_at IS NOT NULL AND closed_at <= due_at)",
    "closed_with_deadline": "count(*) FILTER (WHERE closed_at IS NOT NULL AND due_at IS NOT NULL)",
    "orders_with_deadline": "count(*) FILTER (WHERE due_at IS NOT NULL)",
    "closed_revisit_tracked": "count(*) FILTER (WHERE closed_at IS NOT NULL AND {revisit_tracked})",
    "orders_revisit_tracked": "count(*) FILTER (WHERE {revisit_tracked})",
    **{f"answer_{a}": f"count(*) FILTER (WHERE closed_at IS NOT NULL AND revisit_result = '{a}')"
       for a in REVISIT_ANSWERS},
    "first_contact_known": "count(*) FILTER (WHERE closed_at IS NOT NULL AND revisit_result IN {answers} "
                           "AND first_contact IS NOT NULL)",
    "first_contacted": "count(*) FILTER (WHERE closed_at IS NOT NULL AND revisit_result IN {answers} AND first_contact)",
    "resolved_known": "count(*) FILTER (WHERE closed_at IS NOT NULL AND revisit_result IN {answers} "
                      "AND resolved IS NOT NULL)",
    "resolved_yes": "count(*) FILTER (WHERE closed_at IS NOT NULL AND revisit_result IN {answers} AND resolved)",
    "repeat_orders": "count(*) FILTER (WHERE is_repeat)",
    "orders_repeat_tracked": "count(*) FILTER (WHERE {repeat_tracked})",
    "orders_close_tracked": "count(*) FILTER (WHERE {close_tracked})",
    "orders_deadline_derived": "count(*) FILTER (WHERE due_at_derived)",
}
ANSWERS_SQL = "(" + ", ".join(f"'{a}'" for a in REVISIT_ANSWERS) + ")"

# What each import's file carried (metrics.ingest.importer records its mapped fields under this meta key). An order
# from a file without 回访结果 is outside the revisit rate: its blank answer says nothing. Imports without a
# record (none in a database that went through ensure) count as carrying every field, as before.
FIELDS_KEY = "import_fields:{import_id}"


def carried(field: str) -> str:
    """SQL: the order's import's file carried `field` (a column of the schema, never user text)."""
    return (f"import_id NOT IN (SELECT CAST(split_part(key, ':', 2) AS BIGINT) FROM meta WHERE key LIKE "
            f"'import_fields:%' AND NOT list_contains(string_split(value, ','), '{field}'))")


REVISIT_TRACKED = carried("revisit_result")
TRACKED = {"revisit_tracked": REVISIT_TRACKED, "repeat_tracked": carried("is_repeat"),
           "close_tracked": carried("closed_at")}


def carried_fields(con) -> set[str] | None:
    """Every field some import's file carried (metrics.ingest.importer records them), or None where no import recorded
    its fields (a database built otherwise: nothing is then judged missing). A registry imported before its fields
    were recorded counts as carrying every registry field."""
    try:
        found = rows(con, "SELECT key, value FROM meta WHERE key LIKE 'import_fields:%'")
    except duckdb.Error:
        return None
    if not found:
        return None
    fields = {f for r in found for f in (r["value"] or "").split(",") if f}
    recorded = {int(r["key"].split(":")[1]) for r in found}
    try:
        registries = {r["import_id"] for r in rows(con, "SELECT import_id FROM import_log WHERE kind = 'compounds'")}
    except Exception:   # a rollups-only file, or a lake on Spark, keeps meta, not the import log (each engine's error)
        registries = set()
    if registries - recorded:
        from metrics.schema import DATASETS
        fields |= {f.name for f in DATASETS["compounds"].fields}
    return fields


def _month(day) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


# ---- building -------------------------------------------------------------------------------------

def _ddl() -> list[str]:
    statements = []
    for table, dims in ORDER_ROLLUPS:
        measures = ", ".join(f"{name} BIGINT" for name in ORDER_MEASURES)
        statements.append(f"CREATE TABLE {table} (month DATE, {', '.join(f'{d} VARCHAR' for d in dims)}, {measures})")
    for table, dims in COMPLAINT_ROLLUPS:
        statements.append(f"CREATE TABLE {table} (month DATE, {', '.join(f'{d} VARCHAR' for d in dims)}, "
                          "complaint_count BIGINT)")
    statements.append("CREATE TABLE open_work_orders AS SELECT " + ", ".join(OPEN_COLUMNS) + " FROM work_orders LIMIT 0")
    statements.append("CREATE TABLE close_hours_cube (kind VARCHAR, period_start DATE, grouping_set VARCHAR, "
                      "street VARCHAR, community VARCHAR, compound_name VARCHAR, "
                      "median_close_hours DOUBLE, p90_close_hours DOUBLE)")
    return statements


def build(con) -> None:
    """Every rollup from scratch, from the clean tables (work_orders, complaints, compounds, meta) the connection
    has: a database's own, or a lake's on Spark (metrics.scale.spark) or on DuckDB (metrics.scale.rollup_job)."""
    for table in tables():
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _ddl():
        con.execute(statement)
    refresh(con, "compounds")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('rollup_version', ?)", [VERSION])


def tables() -> list[str]:
    return [t for t, _ in ORDER_ROLLUPS + COMPLAINT_ROLLUPS] + ["open_work_orders", "close_hours_cube"]


def refresh(con, kind: str, first: dt.datetime | None = None, last: dt.datetime | None = None) -> None:
    """Rebuild what an import of `kind` changed: the months from `first` to `last` of its main timestamp
    (old and new values of the rows it wrote; nothing when it wrote none), or everything after a registry
    import. Runs inside the import's transaction."""
    if kind in ("work_orders", "compounds"):
        _refresh_orders(con, *(_span(first, last) if kind == "work_orders" else (None, None)))
    if kind in ("complaints", "compounds"):
        _refresh_complaints(con, *(_span(first, last) if kind == "complaints" else (None, None)))
    newest = rows(con, LATEST_SQL)[0]["t"]
    con.execute("DELETE FROM meta WHERE key = 'latest_timestamp'")
    if newest is not None:
        con.execute("INSERT INTO meta VALUES ('latest_timestamp', ?)", [newest.isoformat(sep=" ")])


def _span(first, last) -> tuple[dt.date | None, dt.date | None]:
    if first is None or last is None:
        return (dt.date.max, dt.date.min)   # nothing written: an empty range
    return _month(first), _next_month(_month(last))


def _range_sql(column: str, start, end) -> tuple[str, dict]:
    if start is None:
        return "true", {}
    return f"{column} >= $range_start AND {column} < $range_end", {"range_start": start, "range_end": end}


def _refresh_orders(con, start, end) -> None:
    if start is not None and start >= end:
        return
    where, params = _range_sql("received_at", start, end)
    month_where, _ = _range_sql("month", start, end)
    measures = ", ".join(f"{sql.format(answers=ANSWERS_SQL, **TRACKED)} AS {name}"
                         for name, sql in ORDER_MEASURES.items())
    for table, dims in ORDER_ROLLUPS:
        con.execute(f"DELETE FROM {table} WHERE {month_where}", params)
        keys = ", ".join(dims)
        con.execute(f"""INSERT INTO {table} SELECT CAST(date_trunc('month', received_at) AS DATE) AS month, {keys},
                               {measures}
                        FROM work_orders WHERE {where} GROUP BY ALL ORDER BY month""", params)
    con.execute(f"DELETE FROM open_work_orders WHERE {where}", params)
    con.execute(f"INSERT INTO open_work_orders SELECT {', '.join(OPEN_COLUMNS)} FROM work_orders "
                f"WHERE closed_at IS NULL AND {where} ORDER BY received_at", params)
    # the cube holds whole quarters, halves and years: rebuild the calendar years the span touches
    if start is not None:
        start, end = dt.date(start.year, 1, 1), dt.date((end - dt.timedelta(days=1)).year + 1, 1, 1)
    _refresh_cube(con, start, end)


def _refresh_cube(con, start, end) -> None:
    """Exact quantiles for every kind of period and grouping set of CUBE_SETS.

    A set that adds the street to a finer dimension (street × compound, street × community) mostly
    repeats the finer set's cells: a compound whose closed orders of those years all carry one street
    has, in every period, the same cell with that street. Those cells are copied, and only compounds
    and communities seen with several streets (or none and some) are computed: half the quantile work."""
    where, params = _range_sql("received_at", start, end)
    cube_where, _ = _range_sql("period_start", start, end)
    con.execute(f"DELETE FROM close_hours_cube WHERE {cube_where}", params)
    periods = ", ".join(f"CAST(make_date(year(received_at), (month(received_at) - 1) // {months} * {months} + 1, 1) "
                        f"AS DATE) AS p_{kind}" for kind, months in CUBE_KINDS.items())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE cube_rows AS
        SELECT {periods}, street, community, compound_name, {CLOSE_HOURS} AS close_hours
        FROM work_orders WHERE closed_at IS NOT NULL AND {where}""", params)
    derived = {s: s[1] for s in CUBE_SETS if len(s) == 2 and (s[1],) in CUBE_SETS and s[0] == "street"}
    computed = [s for s in CUBE_SETS if s not in derived]
    for dim in derived.values():   # the finer dimension's values and their one street, if they have one
        con.execute(f"""CREATE OR REPLACE TEMP TABLE cube_streets_{dim} AS
            SELECT {dim}, (count(street) = 0 OR (count(street) = count(*) AND min(street) = max(street))) AS single,
                   min(street) AS street
            FROM cube_rows GROUP BY {dim}""")
    grouping = " + ".join(f"grouping({d}) * {1 << (len(CUBE_DIMS) - 1 - i)}" for i, d in enumerate(CUBE_DIMS))
    names = " ".join(f"WHEN {grouping} = {_grouping_id(s)} THEN '{','.join(s)}'" for s in CUBE_SETS)
    sets = ", ".join("(period_start" + "".join(f", {d}" for d in s) + ")" for s in computed)
    for kind in CUBE_KINDS:
        con.execute(f"""INSERT INTO close_hours_cube
            SELECT '{kind}', period_start, grouping_set, street, community, compound_name, q[1], q[2]
            FROM (SELECT period_start, CASE {names} END AS grouping_set, street, community, compound_name,
                         quantile_cont(close_hours, [0.5, 0.9]) AS q
                  FROM (SELECT p_{kind} AS period_start, street, community, compound_name, close_hours FROM cube_rows)
                  GROUP BY GROUPING SETS ({sets}))""")
        for grouping, dim in derived.items():   # values seen with several streets: computed
            blanks = ", ".join(f"NULL AS {d}" for d in CUBE_DIMS if d not in grouping)
            con.execute(f"""INSERT INTO close_hours_cube
                SELECT '{kind}', period_start, '{",".join(grouping)}', {", ".join(CUBE_DIMS)}, q[1], q[2]
                FROM (SELECT p_{kind} AS period_start, street, {dim}, {blanks},
                             quantile_cont(close_hours, [0.5, 0.9]) AS q
                      FROM cube_rows SEMI JOIN (SELECT {dim} FROM cube_streets_{dim} WHERE NOT single) s
                        ON s.{dim} IS NOT DISTINCT FROM cube_rows.{dim}
                      GROUP BY ALL)""")
    for grouping, dim in derived.items():   # values seen with one street: the finer cell, every kind at once
        copied = ", ".join("s.street" if d == "street" else f"c.{d}" if d == dim else "NULL" for d in CUBE_DIMS)
        con.execute(f"""INSERT INTO close_hours_cube
            SELECT c.kind, c.period_start, '{",".join(grouping)}', {copied}, c.median_close_hours, c.p90_close_hours
            FROM (SELECT kind, period_start, {dim}, median_close_hours, p90_close_hours FROM close_hours_cube
                  WHERE grouping_set = '{dim}' AND {cube_where}) c
            JOIN (SELECT {dim}, street FROM cube_streets_{dim} WHERE single) s ON s.{dim} IS NOT DISTINCT FROM c.{dim}""",
                    params)
    con.execute("DROP TABLE cube_rows")
    for dim in derived.values():
        con.execute(f"DROP TABLE cube_streets_{dim}")


# Hours from received to closed; a close before receipt (warned at import) is no duration at all and stays
# out of the median and p90, while the order still counts as closed.
CLOSE_HOURS = f"CASE WHEN closed_at >= received_at THEN {seconds_between('received_at', 'closed_at')} / 3600 END"

# 数据截至 is the latest moment of these; a revisit on an order not closed (warned at import) is not one.
LATEST_SQL = """SELECT max(t) AS t FROM (
        SELECT max(received_at) AS t FROM work_orders UNION ALL SELECT max(closed_at) FROM work_orders
        UNION ALL SELECT max(revisited_at) FROM work_orders WHERE closed_at IS NOT NULL
        UNION ALL SELECT max(filed_at) FROM complaints UNION ALL SELECT max(closed_at) FROM complaints)"""


def _grouping_id(dims: tuple) -> int:
    """The grouping bit pattern: a 1 for every dimension not grouped, first dimension highest (summed from one-column
    grouping() calls, which DuckDB and Spark both have; their many-column forms differ)."""
    return sum(1 << (len(CUBE_DIMS) - 1 - i) for i, d in enumerate(CUBE_DIMS) if d not in dims)


def _refresh_complaints(con, start, end) -> None:
    if start is not None and start >= end:
        return
    where, params = _range_sql("filed_at", start, end)
    month_where, _ = _range_sql("month", start, end)
    for table, dims in COMPLAINT_ROLLUPS:
        con.execute(f"DELETE FROM {table} WHERE {month_where}", params)
        con.execute(f"""INSERT INTO {table} SELECT CAST(date_trunc('month', filed_at) AS DATE) AS month,
                               {', '.join(dims)}, count(*) FROM complaints WHERE {where} GROUP BY ALL ORDER BY month""",
                    params)


# ---- asking -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """How to answer from the rollups: which table, which months [month_from, month_to)."""
    table: str
    month_from: dt.date
    month_to: dt.date
    open_ended: bool   # the window reaches past the data's latest moment: its last month is all there is


def plan(con, dataset: str, scope_columns: list[str], window, by=(), grain: str | None = None) -> Plan | None:
    """A rollup that answers exactly, or None: the window is judged at or after the data's moment, runs
    over whole months, and every dimension asked for is kept."""
    meta = _meta(con)
    if meta.get("rollup_version") != VERSION or not meta.get("latest_timestamp"):
        return None
    settled = dt.datetime.fromisoformat(meta["latest_timestamp"])
    if window.as_of < settled or window.period.start.day != 1 or grain not in (None, "month", "quarter", "year"):
        return None
    end = window.end
    if end > settled:
        month_to = _next_month(_month(settled)) if window.period.start <= settled.date() else window.period.start
    elif end.day == 1 and end.time() == dt.time():
        month_to = end.date()
    else:
        return None
    needed = set(scope_columns) | set(by)
    for table, dims in (ORDER_ROLLUPS if dataset == "work_orders" else COMPLAINT_ROLLUPS):
        if needed <= set(dims):
            return Plan(table, window.period.start, max(month_to, window.period.start), end > settled)
    return None


def cube_cells(window, plan_: Plan, scope_columns: list[str], by, grain: str | None) -> tuple[str, str] | None:
    """(kind, grouping set) of the cube cells that are exactly the groups asked for, or None."""
    dims = set(scope_columns) | set(by)
    grouping = next((s for s in CUBE_SETS if set(s) == dims), None)
    if grouping is None:
        return None
    if grain is None:
        kind = window.period.kind   # a whole month, quarter, half or year (or all of it the data has yet)
        return (kind, ",".join(grouping)) if kind in CUBE_KINDS else None
    months = CUBE_KINDS[grain]
    aligned = (lambda d: (d.month - 1) % months == 0)
    if not aligned(plan_.month_from) or not (aligned(plan_.month_to) or plan_.open_ended):
        return None
    return grain, ",".join(grouping)
