"""The measures behind every KPI, in SQL, for any scope and window; one scan of the clean tables each.

Scope is a filter on the dimensions officials slice by; values are always bound parameters and
dimension names come from a closed list."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields

from metrics import rollup
from metrics.catalog import COMPLAINT_KPIS, COMPOUND_KPIS, ORDER_KPIS, RATE_KPIS, apply_ratios, missing_inputs, withhold
from metrics.db import one, rows, scalar, seconds_between
from metrics.periods import Period, Window

REVISIT_ANSWERS = rollup.REVISIT_ANSWERS
BRANCH_TYPES = ("independent_branch", "joint_branch")
GRAINS = ("day", "week", "month", "quarter", "year")

# Scope field -> column, per table; a scope field a table lacks does not filter it.
SCOPE_COLUMNS = {
    "work_orders": {"street": "street", "community": "community", "compound": "compound_name", "source": "source",
                    "category": "category", "request_type": "request_type", "compound_kind": "compound_kind",
                    "management_mode": "management_mode"},
    "complaints": {"street": "street", "community": "community", "compound": "compound_name", "source": "source",
                   "category": "category", "compound_kind": "compound_kind", "management_mode": "management_mode"},
    "compounds": {"street": "street", "community": "community", "compound": "compound_name",
                  "compound_kind": "compound_kind", "management_mode": "management_mode"},
}
# Group-by dimensions a tidy result may be split by.
DIMENSIONS = {
    "work_orders": {"street", "community", "compound_name", "source", "category", "request_type",
                    "compound_kind", "management_mode", "handling_unit"},
    "complaints": {"street", "community", "compound_name", "source", "category", "property_company",
                   "compound_kind", "management_mode"},
    "compounds": {"street", "community", "compound_kind", "management_mode", "party_org_type", "property_company"},
}


@dataclass(frozen=True)
class Scope:
    street: str | None = None
    community: str | None = None
    compound: str | None = None        # registry name (resolve aliases first: metrics.names)
    source: str | None = None
    category: str | None = None
    request_type: str | None = None
    compound_kind: str | None = None
    management_mode: str | None = None

    def where(self, table: str, alias: str = "") -> tuple[str, dict]:
        prefix = f"{alias}." if alias else ""
        clauses, params = [], {}
        for f in fields(self):
            value = getattr(self, f.name)
            column = SCOPE_COLUMNS[table].get(f.name)
            if value is None or column is None:
                continue
            clauses.append(f"{prefix}{column} = $scope_{f.name}")
            params[f"scope_{f.name}"] = value
        return (" AND ".join(clauses) or "true"), params

    def columns(self, table: str) -> list[str]:
        """The columns this scope filters `table` on."""
        return [SCOPE_COLUMNS[table][f.name] for f in fields(self)
                if getattr(self, f.name) is not None and f.name in SCOPE_COLUMNS[table]]

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def latest_timestamp(con) -> dt.datetime | None:
    """数据截至: the latest moment the imported data speaks of (the export's moment), as recorded at the
    last import, or read from the tables of a database without rollups."""
    recorded = rollup.latest(con)
    if recorded is not None:
        return recorded
    return scalar(con, rollup.LATEST_SQL)


def _order_measures_sql(hours: bool = True) -> tuple[str, str, dict]:
    """Per-order flags at $as_of and the measures over them; revisit answers are counted one by one so the
    weighted satisfaction is the same sum whether it comes from here or from a rollup. An order without a
    deadline has no on-time verdict (it is in neither 按时办结 nor 应办结), and an order from a file without
    回访结果 is outside the revisit rate's denominator."""
    params = {"revisit_answers": list(REVISIT_ANSWERS)}
    flags = f"""
        closed_at IS NOT NULL AND closed_at <= $as_of AS is_closed,
        closed_at IS NOT NULL AND closed_at <= $as_of AND list_contains($revisit_answers, revisit_result)
            AND (revisited_at IS NULL OR revisited_at <= $as_of) AS is_revisited,
        {rollup.CLOSE_HOURS} AS close_hours"""
    answers = "".join(f"count(*) FILTER (WHERE is_revisited AND revisit_result = '{a}') AS answer_{a},\n"
                      for a in REVISIT_ANSWERS)
    measures = f"""
        count(*) AS orders_total,
        count(*) FILTER (WHERE is_closed) AS closed,
        count(*) FILTER (WHERE is_closed AND closed_at <= due_at) AS closed_on_time,
        count(*) FILTER (WHERE is_closed AND due_at IS NOT NULL) AS closed_with_deadline,
        count(*) FILTER (WHERE due_at IS NOT NULL) AS orders_with_deadline,
        count(*) FILTER (WHERE due_at IS NOT NULL AND (is_closed OR due_at <= $as_of)) AS orders_due,
        count(*) FILTER (WHERE is_closed AND {rollup.REVISIT_TRACKED}) AS closed_revisit_tracked,
        count(*) FILTER (WHERE {rollup.REVISIT_TRACKED}) AS orders_revisit_tracked,
        {answers}
        count(*) FILTER (WHERE is_revisited AND first_contact IS NOT NULL) AS first_contact_known,
        count(*) FILTER (WHERE is_revisited AND first_contact) AS first_contacted,
        count(*) FILTER (WHERE is_revisited AND resolved IS NOT NULL) AS resolved_known,
        count(*) FILTER (WHERE is_revisited AND resolved) AS resolved_yes,
        count(*) FILTER (WHERE is_repeat) AS repeat_orders,
        count(*) FILTER (WHERE {rollup.TRACKED["repeat_tracked"]}) AS orders_repeat_tracked,
        count(*) FILTER (WHERE {rollup.TRACKED["close_tracked"]}) AS orders_close_tracked,
        count(*) FILTER (WHERE due_at_derived) AS orders_deadline_derived,
        {HOURS_SQL if hours else "NULL AS close_hours_q"}"""
    return flags, measures, params


# median and p90 in one call, the same expression the rollup's cube is built with
HOURS_SQL = "quantile_cont(close_hours, [0.5, 0.9]) FILTER (WHERE is_closed) AS close_hours_q"


def _window_params(window: Window) -> dict:
    return {"as_of": window.as_of, "start": window.start, "end": window.end}


def _key_sql(keys) -> tuple[str, str]:
    select_keys = "".join(f"{expr} AS {name}, " for name, expr in keys)
    names = ", ".join(name for name, _ in keys)
    return select_keys, (f"GROUP BY {names} ORDER BY {names}" if keys else "")


def order_kpis_by(con, config: dict, scope: Scope, window: Window, by: list[str] | tuple = (),
                  grain: str | None = None, hours: bool = True) -> list[dict]:
    """Order KPIs for the window, split by dimensions and/or a time grain (tidy rows); from the monthly
    rollups when they answer exactly (metrics.rollup), else from the orders themselves. hours=False leaves the
    median and p90 hours to close out (null): a split the cube does not hold (a category) needs a scan for them,
    which a rollups-only file cannot make and a chart of counts and rates does not need."""
    keys = _group_keys("work_orders", by, grain, "received_at")
    scope_columns = scope.columns("work_orders")
    plan = rollup.plan(con, "work_orders", scope_columns, window, by, grain)
    if plan is None:
        found = _order_measures_scan(con, scope, window, keys, hours)
    else:
        found = _order_measures_rollup(con, scope, window, keys, plan)
        quantiles = _close_hours(con, scope, window, keys, plan, scope_columns, by, grain) if hours else {}
        for r in found:
            r["close_hours_q"] = quantiles.get(tuple(r[name] for name, _ in keys))
    return [_finish_orders(r, config) for r in found]


def _order_measures_scan(con, scope: Scope, window: Window, keys, hours: bool = True) -> list[dict]:
    flags, measures, params = _order_measures_sql(hours)
    where, scope_params = scope.where("work_orders")
    select_keys, group = _key_sql(keys)
    return rows(con, f"""
        SELECT {select_keys}{measures}
        FROM (SELECT *, {flags} FROM work_orders
              WHERE received_at >= $start AND received_at < $end AND received_at <= $as_of AND {where})
        {group}""", {**params, **scope_params, **_window_params(window)})


def _order_measures_rollup(con, scope: Scope, window: Window, keys, plan) -> list[dict]:
    """The counts from the rollup's months, and 应办结 = closed with a deadline + open orders due by as_of."""
    where, params = scope.where("work_orders")
    rollup_keys = [(name, expr.replace("received_at", "month")) for name, expr in keys]
    select_keys, group = _key_sql(rollup_keys)
    open_keys, open_group = _key_sql(keys)
    sums = ", ".join(f"sum({name})::BIGINT AS {name}" for name in rollup.ORDER_MEASURES)
    names = [name for name, _ in keys]
    counted = rows(con, f"""SELECT {select_keys}{sums} FROM {plan.table}
                            WHERE month >= $month_from AND month < $month_to AND {where} {group}""",
                   {**params, "month_from": plan.month_from, "month_to": plan.month_to})
    due = {tuple(r[n] for n in names): r["open_due"] for r in rows(
        con, f"""SELECT {open_keys}count(*) AS open_due FROM open_work_orders
                 WHERE received_at >= $start AND received_at < $end AND due_at <= $as_of AND {where} {open_group}""",
        {**params, **_window_params(window)})}
    found = [{**r, "open_due": due.get(tuple(r[n] for n in names), 0)} for r in counted if r["orders_total"]]
    if not keys and not found:
        found = [{name: 0 for name in rollup.ORDER_MEASURES} | {"open_due": 0}]
    for r in found:
        r["orders_due"] = r["closed_with_deadline"] + r.pop("open_due")
    return found


def _close_hours(con, scope: Scope, window: Window, keys, plan, scope_columns, by, grain) -> dict:
    """Median and p90 hours to close per group: from the cube when its cells are the groups, else a scan."""
    cells = rollup.cube_cells(window, plan, scope_columns, by, grain)
    names = [name for name, _ in keys]
    if cells is None:
        flags, _, params = _order_measures_sql()
        where, scope_params = scope.where("work_orders")
        select_keys, group = _key_sql(keys)
        found = rows(con, f"""
            SELECT {select_keys}{HOURS_SQL}
            FROM (SELECT *, {flags} FROM work_orders
                  WHERE received_at >= $start AND received_at < $end AND received_at <= $as_of AND {where}) {group}""",
            {**params, **scope_params, **_window_params(window)})
    else:
        kind, grouping = cells
        where, params = scope.where("work_orders")
        period = {"kind": kind, "grouping": grouping, "month_from": plan.month_from, "month_to": plan.month_to}
        select = "".join(f"period_start AS {grain}, " if name == grain else f"{name}, " for name in names)
        found = rows(con, f"""SELECT {select}[median_close_hours, p90_close_hours] AS close_hours_q
                              FROM close_hours_cube WHERE kind = $kind AND grouping_set = $grouping
                              AND period_start >= $month_from AND period_start < $month_to AND {where}""",
                     {**params, **period})
    return {tuple(r[name] for name in names): r["close_hours_q"] for r in found}


def _group_keys(table: str, by, grain, time_column) -> list[tuple[str, str]]:
    keys = []
    if grain:
        if grain not in GRAINS:
            raise ValueError(f"grain must be one of {GRAINS}")
        keys.append((grain, f"CAST(date_trunc('{grain}', {time_column}) AS DATE)"))
    for dim in by:
        if dim not in DIMENSIONS[table]:
            raise ValueError(f"cannot group {table} by {dim!r}")
        keys.append((dim, dim))
    return keys


def _finish_orders(measures: dict, config: dict) -> dict:
    measures = dict(measures)
    weights = config["satisfaction"]["weights"]
    answers = {a: measures.pop(f"answer_{a}") for a in REVISIT_ANSWERS}
    measures["revisited"] = sum(answers.values())
    measures["satisfied_weighted"] = sum(float(weights.get(a, 0)) * n for a, n in answers.items())
    quantiles = measures.pop("close_hours_q", None) or (None, None)
    measures["median_close_hours"], measures["p90_close_hours"] = quantiles
    out = apply_ratios(measures)
    three = config["three_rates"]["weights"]
    parts = [out.get(name) for name in three]
    out["three_rates_score"] = None if any(p is None for p in parts) else sum(
        float(w) * p for w, p in zip(three.values(), parts))
    return withhold(out, ORDER_KPIS) if out["orders_total"] else out


ZERO_MEASURES = ("orders_total", "closed", "closed_on_time", "closed_with_deadline", "orders_with_deadline",
                 "orders_due", "closed_revisit_tracked", "orders_revisit_tracked", "first_contact_known",
                 "first_contacted", "resolved_known", "resolved_yes", "repeat_orders", "orders_repeat_tracked",
                 "orders_close_tracked", "orders_deadline_derived")


def no_orders(config: dict) -> dict:
    """The order KPIs of a scope without orders (counts 0, rates and hours null), without a query."""
    measures = {name: 0 for name in ZERO_MEASURES} | {f"answer_{a}": 0 for a in REVISIT_ANSWERS}
    return _finish_orders(measures, config)


def order_kpis(con, config: dict, scope: Scope, window: Window) -> dict:
    return order_kpis_by(con, config, scope, window)[0]


def complaint_counts_by(con, scope: Scope, window: Window, by=(), grain: str | None = None) -> list[dict]:
    """Complaints filed in the window, split by dimensions and/or a time grain."""
    where, params = scope.where("complaints")
    keys = _group_keys("complaints", by, grain, "filed_at")
    plan = rollup.plan(con, "complaints", scope.columns("complaints"), window, by, grain)
    if plan is None:
        select_keys, group = _key_sql(keys)
        return rows(con, f"""SELECT {select_keys}count(*) AS complaint_count FROM complaints
                             WHERE filed_at >= $start AND filed_at < $end AND filed_at <= $as_of AND {where} {group}""",
                    {**params, **_window_params(window)})
    select_keys, group = _key_sql([(name, expr.replace("filed_at", "month")) for name, expr in keys])
    found = rows(con, f"""SELECT {select_keys}sum(complaint_count)::BIGINT AS complaint_count FROM {plan.table}
                          WHERE month >= $month_from AND month < $month_to AND {where} {group}""",
                 {**params, "month_from": plan.month_from, "month_to": plan.month_to})
    if keys:
        return [r for r in found if r["complaint_count"]]
    return [{"complaint_count": found[0]["complaint_count"] or 0}]


def complaints_recorded(con) -> bool:
    """Whether the data holds any complaint (asked of the rollups when they are built, so a database, a lake and a
    rollups-only file answer alike)."""
    table = rollup.COMPLAINT_ROLLUPS[0][0] if rollup.ready(con) else "complaints"
    return scalar(con, f"SELECT count(*) AS n FROM (SELECT 1 FROM {table} LIMIT 1)") > 0


def complaint_count(con, scope: Scope, window: Window) -> int:
    return complaint_counts_by(con, scope, window)[0]["complaint_count"]


def _compound_flags() -> str:
    return """
        list_contains($covered_types, party_org_type)
            AND (party_org_founded_on IS NULL OR party_org_founded_on <= $reference_date) AS is_covered,
        party_org_type = 'independent_branch'
            AND (party_org_founded_on IS NULL OR party_org_founded_on <= $reference_date) AS has_own_branch,
        list_contains($branch_types, party_org_type)
            AND (party_org_founded_on IS NULL OR party_org_founded_on <= $reference_date) AS has_branch"""


def _compound_params(config: dict, window: Window) -> dict:
    party = config["party_building"]
    return {"covered_types": list(party["covered_types"]), "branch_types": list(BRANCH_TYPES),
            "reference_date": window.reference_date, "eligible_min": int(party["eligible_min_members"])}


def compound_kpis_by(con, config: dict, scope: Scope, window: Window, by=()) -> list[dict]:
    """Registry KPIs (coverage, committees, fees) judged on the window's reference day, split by dimensions."""
    where, params = scope.where("compounds")
    params.update(_compound_params(config, window))
    keys = _group_keys("compounds", by, None, None)
    select_keys = "".join(f"{name}, " for name, _ in keys)
    group = f"GROUP BY {', '.join(n for n, _ in keys)} ORDER BY {', '.join(n for n, _ in keys)}" if keys else ""
    found = rows(con, f"""
        SELECT {select_keys}count(*) AS compounds_total,
               count(*) FILTER (WHERE is_covered) AS compounds_covered,
               count(*) FILTER (WHERE has_own_branch) AS compounds_independent_branch,
               count(*) FILTER (WHERE has_owners_committee) AS compounds_with_committee,
               count(*) FILTER (WHERE has_branch AND has_owners_committee) AS compounds_branch_and_committee,
               count(*) FILTER (WHERE has_branch AND has_owners_committee AND dual_role) AS compounds_dual_role,
               count(*) FILTER (WHERE party_members >= $eligible_min AND NOT has_own_branch) AS compounds_eligible_uncovered,
               sum(fee_collection_rate * households) FILTER (WHERE fee_collection_rate IS NOT NULL AND households > 0)
                   AS fee_households_collected,
               sum(households) FILTER (WHERE fee_collection_rate IS NOT NULL AND households > 0) AS fee_households
        FROM (SELECT *, {_compound_flags()} FROM compounds WHERE {where}) {group}""", params)
    return [apply_ratios(r) for r in found]


def compound_kpis(con, config: dict, scope: Scope, window: Window) -> dict:
    out = compound_kpis_by(con, config, scope, window)[0]
    out["eligible_uncovered"] = eligible_uncovered(con, config, scope, window)
    return out


def compounds_with_flags(con, config: dict, scope: Scope, window: Window) -> list[dict]:
    """Registry rows in scope with the party-building flags as of the window's reference day."""
    where, params = scope.where("compounds")
    params.update(_compound_params(config, window))
    return rows(con, f"""SELECT *, party_members >= $eligible_min AND NOT has_own_branch AS is_eligible_uncovered
                         FROM (SELECT * EXCLUDE (import_id), {_compound_flags()} FROM compounds WHERE {where})
                         ORDER BY street, community, compound_name""", params)


def eligible_uncovered(con, config: dict, scope: Scope, window: Window) -> list[str]:
    where, params = scope.where("compounds")
    params.update(_compound_params(config, window))
    return [r["compound_name"] for r in rows(con, f"""
        SELECT compound_name FROM (SELECT street, community, compound_name, party_members, {_compound_flags()}
                                   FROM compounds WHERE {where})
        WHERE party_members >= $eligible_min AND NOT has_own_branch ORDER BY street, community, compound_name""", params)]


def open_orders_by_age(con, config: dict, scope: Scope, window: Window) -> dict:
    """Orders still open at as_of: not yet due, overdue by day buckets (config open_order_age_buckets), and
    without any deadline (无时限: never "not yet due", however old). At the data's moment the open orders are
    the ones without a closing time, kept apart at import."""
    low, high = config["open_order_age_buckets"]
    where, params = scope.where("work_orders")
    settled = rollup.latest(con)
    source = ("open_work_orders" if settled is not None and window.as_of >= settled
              else "work_orders WHERE closed_at IS NULL OR closed_at > $as_of")
    found = one(con, f"""
        SELECT count(*) FILTER (WHERE due_at IS NOT NULL AND (overdue_days IS NULL OR overdue_days <= 0)) AS not_yet_due,
               count(*) FILTER (WHERE overdue_days BETWEEN 1 AND $low) AS overdue_short,
               count(*) FILTER (WHERE overdue_days BETWEEN $low + 1 AND $high) AS overdue_medium,
               count(*) FILTER (WHERE overdue_days > $high) AS overdue_long,
               count(*) FILTER (WHERE due_at IS NULL) AS no_deadline
        FROM (SELECT due_at, CASE WHEN due_at < $as_of THEN CAST(ceil({seconds_between('due_at', '$as_of')} / 86400) AS BIGINT) END AS overdue_days
              FROM (SELECT * FROM {source})
              WHERE received_at >= $start AND received_at < $end AND received_at <= $as_of AND {where})""",
        {**params, **_window_params(window), "low": low, "high": high})
    return found


def complaint_months(con) -> tuple[dt.date | None, dt.date | None]:
    """The first and last month holding complaints (None, None without any), from the rollups when they are built
    and from the complaints otherwise: months, so a database, a lake and a rollups-only file say the same."""
    if rollup.ready(con):
        found = one(con, f"SELECT min(month) AS first, max(month) AS last FROM {rollup.COMPLAINT_ROLLUPS[0][0]}")
    else:
        found = one(con, """SELECT CAST(date_trunc('month', min(filed_at)) AS DATE) AS first,
                                   CAST(date_trunc('month', max(filed_at)) AS DATE) AS last FROM complaints""")
    return found["first"], found["last"]


def complaint_coverage(con, window: Window, months=None) -> dict:
    """Whether complaints were ever imported, and whether their months reach the window's period: a period outside
    them has no complaint figure ("—"), never 0 ("期内未受理投诉" is said only of a period the data covers)."""
    first, last = months if months is not None else complaint_months(con)
    start = window.period.start.replace(day=1)
    covered = first is not None and first <= window.period.end and last >= start
    return {"complaints_recorded": int(first is not None), "complaints_covered": int(covered),
            "complaints_first_month": first, "complaints_last_month": last}


def covered_complaint_count(con, scope: Scope, window: Window, months=None) -> dict:
    """complaint_count of the window (None where complaint data does not cover it) with the coverage measures."""
    coverage = complaint_coverage(con, window, months)
    count = complaint_count(con, scope, window) if coverage["complaints_covered"] else None
    return {"complaint_count": count, **coverage}


def kpis(con, config: dict, scope: Scope, window: Window) -> dict:
    """The current KPIs of every kind for one scope and window; a KPI whose inputs the data lacks is None and
    `missing_inputs` names what it lacks (catalog.INPUTS)."""
    carried = rollup.carried_fields(con)
    out = withhold(order_kpis(con, config, scope, window), ORDER_KPIS, carried)
    out.update(covered_complaint_count(con, scope, window))
    out.update(withhold(compound_kpis(con, config, scope, window), COMPOUND_KPIS, carried))
    out["open_orders_by_age"] = open_orders_by_age(con, config, scope, window)
    out["missing_inputs"] = missing_inputs(out, carried)
    return out


def changes(current: dict, other: dict) -> dict:
    """Rate deltas in percentage points, count deltas in percent; None where either side is missing."""
    out = {}
    for name in ORDER_KPIS + COMPLAINT_KPIS:
        a, b = current.get(name), other.get(name)
        if name in RATE_KPIS or name == "three_rates_score":
            out[f"{name}_pp"] = None if a is None or b is None else (a - b) * 100
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            out[f"{name}_pct"] = None if not b else (a - b) / b * 100
    return out


def kpi_report(con, config: dict, scope: Scope, window: Window) -> dict:
    """Current KPIs with the previous period and the same period a year earlier, and the changes. A comparison a
    rollups-only file cannot make (a running period's is cut to the same elapsed time) has no values and no
    changes, and `not_answered` says why: the period's own KPIs still stand."""
    report = {"period": _period_info(window)}
    with rollup.pinned(con):
        current = kpis(con, config, scope, window)
        report.update(current)
        carried, months = rollup.carried_fields(con), (current["complaints_first_month"], current["complaints_last_month"])
        for which in ("previous_period", "same_period_last_year"):
            other = window.compared(which)
            try:
                values = withhold(order_kpis(con, config, scope, other), ORDER_KPIS, carried)
                values.update(covered_complaint_count(con, scope, other, months))
            except rollup.NotInRollups as refused:
                report[which] = {"period": _period_info(other), "changes": {}, "not_answered": str(refused)}
                continue
            report[which] = {"period": _period_info(other), **values, "changes": changes(current, values)}
    return report


def _period_info(window: Window) -> dict:
    return {"from": window.period.start.isoformat(), "to": window.period.end.isoformat(),
            "as_of": window.as_of.isoformat(sep=" "), "kind": window.period.kind, "truncated": window.truncated,
            "label_zh": window.period.label("zh"), "label_en": window.period.label("en")}


def window_for(con, start: dt.date, end: dt.date, as_of: dt.datetime | None = None) -> Window:
    """A window over [start, end] judged at as_of (default: the data's latest timestamp)."""
    as_of = as_of or latest_timestamp(con) or dt.datetime.combine(end, dt.time(23, 59, 59))
    return Window(Period(start, end), as_of)


def order_rows(con, config: dict, scope: Scope, window: Window, limit: int | None = None) -> list[dict]:
    """Orders of the window with their verdicts at as_of (no personal data is stored to show)."""
    where, params = scope.where("work_orders")
    limit_sql = "LIMIT $limit" if limit else ""
    if limit:
        params["limit"] = limit
    return rows(con, f"""
        SELECT order_id, received_at, source, request_type, category, street, community, compound_name,
               compound_raw, handling_unit, due_at, due_at_derived, closed_at, revisit_result, is_repeat, content,
               closed_at IS NOT NULL AND closed_at <= $as_of AS is_closed,
               closed_at IS NOT NULL AND closed_at <= $as_of AND closed_at <= due_at AS is_closed_on_time,  -- null: no deadline
               (closed_at IS NULL OR closed_at > $as_of) AND due_at <= $as_of AS is_overdue_open
        FROM work_orders
        WHERE received_at >= $start AND received_at < $end AND received_at <= $as_of AND {where}
        ORDER BY received_at, order_id {limit_sql}""", {**params, **_window_params(window)})
