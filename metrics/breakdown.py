"""原因分析 Why, and who: the order KPIs of a scope and window split by handling unit (承办单位), property company
(物业公司: the registry's company of each order's matched compound), category (诉求类别) or request type (诉求类型).

One function (`breakdown`) answers the page, the CLI (`python -m metrics breakdown`), 小区档案 and the briefing's
property-company 红黑榜. Every row carries the orders it rests on, its open and overdue orders at as_of and the
orders behind its rates that fell short (late, dissatisfied, revisited but unresolved), and is ranked by the
compounds' rule (metrics.scorecard): a composite score from the rates (and, for a company, the complaints per
1,000 households of its compounds), no rank below `scorecard.min_orders` orders, equal scores sharing a rank, a 95%
Wilson interval on each rate. An order without a handling unit (category, request type), or whose compound has no
company in the registry, is counted in a row of its own (`name` None, `unknown` true, shown 未知) that is never
ranked: the rows sum to the scope's totals.

The counts come from the monthly rollups when they answer (handling units from `order_rollup_unit`, categories and
request types from `order_rollup_category`, companies from `order_rollup_compound` and the registry); the exact
median and p90 hours to close are a scan of the window's closed orders (a median does not add up across months),
left null on a file of rollups only (`hours_known` false). `orders(...)` lists a row's orders: the late, the
dissatisfied, the revisited-unresolved, with their history and masked content."""
from __future__ import annotations

from metrics import rollup
from metrics.catalog import KPIS, ORDER_KPIS, lacking, ratio, withhold
from metrics.db import rows, seconds_between
from metrics.kpis import (
    HOURS_SQL,
    Scope,
    _finish_orders,
    _group_keys,
    _order_measures_rollup,
    _order_measures_scan,
    _order_measures_sql,
    _window_params,
    complaint_counts_by,
    complaints_recorded,
)
from metrics.periods import Window
from metrics.scorecard import INTERVAL_RATES, assign_ranks, composite_score, red_black, wilson

# --by of the command line and the page's choice -> the column it splits by
BY = {"unit": "handling_unit", "company": "property_company", "category": "category", "request_type": "request_type"}
# accountable bodies get a red and a black list (a 黑榜 of categories would name nobody)
LISTED = ("unit", "company")
# the orders behind a row that fell short, and the measure each is counted by
DRILLS = {"late": "late_orders", "dissatisfied": "dissatisfied_orders", "unresolved": "unresolved_orders"}
DRILL_LIMIT = 2000


def _column(by: str) -> str:
    if by not in BY:
        raise ValueError(f"by must be one of {tuple(BY)}")
    return BY[by]


def _name(value) -> str | None:
    """A value as a row's name: a blank one is unknown (None), never a row of its own beside the null one."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _measures_by(con, scope: Scope, window: Window, column: str) -> list[dict]:
    """The raw order measures (before the rates) per value of `column`, from a rollup when one answers exactly."""
    keys = _group_keys("work_orders", [column], None, "received_at")
    plan = rollup.plan(con, "work_orders", scope.columns("work_orders"), window, [column], None)
    if plan is None:
        return _order_measures_scan(con, scope, window, keys, hours=False)
    return _order_measures_rollup(con, scope, window, keys, plan)


def _pool(found: list[dict], key) -> dict:
    """Measures summed per row name (`key` maps a measured group to its name)."""
    pooled: dict = {}
    for r in found:
        name = key(r)
        into = pooled.setdefault(name, {})
        for measure, value in r.items():
            if measure in ("close_hours_q",) or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            into[measure] = into.get(measure, 0) + value
    return pooled


def registry(con, scope: Scope) -> list[dict]:
    """The registry's compounds in scope with their company and households (a company's compounds and its
    households are those of the scope, as the scorecard's)."""
    where, params = scope.where("compounds")
    return rows(con, f"""SELECT compound_name, street, community, property_company, households FROM compounds
                         WHERE {where} ORDER BY street, community, compound_name""", params)


def _companies_of(con) -> dict:
    """Every registry compound's company (None where the registry names none): an order belongs to the company of
    its matched compound, whatever the scope."""
    return {r["compound_name"]: _name(r["property_company"])
            for r in rows(con, "SELECT compound_name, property_company FROM compounds")}


def _key_sql(by: str) -> tuple[str, str]:
    """(the expression of a row's name over an order subquery `o`, the join it needs)."""
    if by == "company":
        return "nullif(trim(c.property_company), '')", "LEFT JOIN compounds c ON c.compound_name = o.compound_name"
    return f"nullif(trim(o.{BY[by]}), '')", ""


def _hours(con, scope: Scope, window: Window, by: str) -> dict:
    """Exact median and p90 hours to close per row name: a scan of the window's orders (the rollups keep no
    quantile by these dimensions)."""
    flags, _, params = _order_measures_sql()
    where, scope_params = scope.where("work_orders")
    key, join = _key_sql(by)
    found = rows(con, f"""
        SELECT {key} AS name, {HOURS_SQL}
        FROM (SELECT *, {flags} FROM work_orders
              WHERE received_at >= $start AND received_at < $end AND received_at <= $as_of AND {where}) o {join}
        GROUP BY {key}""", {**params, **scope_params, **_window_params(window)})
    return {_name(r["name"]): r["close_hours_q"] for r in found}


def _open_by(con, scope: Scope, window: Window, by: str) -> dict:
    """Open orders at as_of and those of them past their deadline (due before as_of: 总览's and 督办's overdue), per
    row name; from the open orders kept at import when the window is judged at the data's moment."""
    where, params = scope.where("work_orders")
    settled = rollup.latest(con)
    source = ("open_work_orders" if settled is not None and window.as_of >= settled
              else "(SELECT * FROM work_orders WHERE closed_at IS NULL OR closed_at > $as_of)")
    key, join = _key_sql(by)
    column = "compound_name" if by == "company" else BY[by]
    found = rows(con, f"""
        SELECT {key} AS name, count(*) AS open_orders, count(*) FILTER (WHERE o.due_at < $as_of) AS overdue_orders
        FROM (SELECT {column}, due_at FROM {source}
              WHERE received_at >= $start AND received_at < $end AND received_at <= $as_of AND {where}) o {join}
        GROUP BY {key}""", {**params, **_window_params(window)})
    out: dict = {}
    for r in found:
        had = out.get(_name(r["name"]), (0, 0))
        out[_name(r["name"])] = (had[0] + r["open_orders"], had[1] + r["overdue_orders"])
    return out


def _row(name, measures: dict, config: dict, carried) -> dict:
    """One row: the order KPIs as `kpis` names them, and the orders that fell short (unresolved None where no import
    carried 是否解决: not 0, the data never said)."""
    measures = dict(measures)
    late = measures.get("orders_due", 0) - measures.get("closed_on_time", 0)
    dissatisfied = measures.get("answer_dissatisfied", 0)
    unresolved = (None if "resolved" in lacking(KPIS["resolution_rate"], measures, carried)
                  else measures.get("resolved_known", 0) - measures.get("resolved_yes", 0))
    out = {"name": name, "unknown": name is None}
    out.update(withhold(_finish_orders(measures, config), ORDER_KPIS, carried))
    out.update({"late_orders": late, "dissatisfied_orders": dissatisfied, "unresolved_orders": unresolved})
    return out


def breakdown(con, config: dict, scope: Scope, window: Window, by: str = "unit", hours: bool = True) -> list[dict]:
    """One row per handling unit (company, category, request type) of the scope and window: `name` (None: 未知),
    the order KPIs with the names `kpis` gives them, open and overdue orders, late, dissatisfied and unresolved
    orders, the Wilson bounds of the three rates, composite score, small_sample, rank and list; a company's row also
    its compounds in scope (`compounds`, `compound_names`), households and complaints. Ranked rows first by rank,
    then the unranked by orders, the unknown row last. hours=False leaves the hours to close out (the briefing's
    lists do not print them: no scan)."""
    _column(by)
    card = config["scorecard"]
    carried = rollup.carried_fields(con)
    with rollup.pinned(con):
        if by == "company":
            companies = _companies_of(con)
            pooled = _pool(_measures_by(con, scope, window, "compound_name"),
                           lambda r: companies.get(r["compound_name"]))
        else:
            pooled = _pool(_measures_by(con, scope, window, BY[by]), lambda r: _name(r[BY[by]]))
        try:
            quantiles, hours_known = (_hours(con, scope, window, by) if hours else {}), hours
        except rollup.NotInRollups:   # a file of rollups only: the counts stand, the hours are not known
            quantiles, hours_known = {}, False
        opened = _open_by(con, scope, window, by)
        if by == "company":
            compounds = registry(con, scope)
            for c in compounds:   # a company of the scope without orders in the window is a row too
                if _name(c["property_company"]) is not None:
                    pooled.setdefault(_name(c["property_company"]), {})
            complaints = complaint_counts_by(con, scope, window, by=["compound_name"])
            known = complaints_recorded(con)
    zero = {name: 0 for name in _ZERO}
    out = []
    for name, measures in pooled.items():
        row = _row(name, {**zero, **measures}, config, carried)
        row["median_close_hours"], row["p90_close_hours"] = (quantiles.get(name) or (None, None))
        if not row["orders_total"] or (carried is not None and "closed_at" not in carried):
            row["median_close_hours"] = row["p90_close_hours"] = None
        row["hours_known"] = hours_known
        row["open_orders"], row["overdue_orders"] = opened.get(name, (0, 0))
        for rate in INTERVAL_RATES:
            kpi = KPIS[rate]
            numerator, denominator = row[kpi.numerator], row[kpi.denominator]
            low, high = wilson(numerator, denominator) if row[rate] is not None else (None, None)
            row[f"{rate}_low"], row[f"{rate}_high"] = low, high
        out.append(row)
    if by == "company":
        _company_facts(out, compounds, complaints, known, companies)
    for row in out:
        row["composite_score"] = None if row["unknown"] else composite_score(row, config)
        row["small_sample"] = row["orders_total"] < int(card["min_orders"])
        row["rank"], row["list"] = None, None
    ranked = sorted((r for r in out if not r["unknown"] and not r["small_sample"] and r["composite_score"] is not None),
                    key=lambda r: (-r["composite_score"], r["name"]))
    assign_ranks(ranked)
    if by in LISTED:
        red, black = red_black(ranked, int(card["list_size"]))
        for r in red:
            r["list"] = "red"
        for r in black:
            r["list"] = "black"
    out.sort(key=lambda r: (r["unknown"], r["rank"] is None, r["rank"] or 0, -(r["orders_total"] or 0), r["name"] or ""))
    return out


# every measure a row without orders has (kpis.ZERO_MEASURES and the revisit answers)
_ZERO = ("orders_total", "closed", "closed_on_time", "closed_with_deadline", "orders_with_deadline", "orders_due",
         "closed_revisit_tracked", "orders_revisit_tracked", "first_contact_known", "first_contacted", "resolved_known",
         "resolved_yes", "repeat_orders", "orders_repeat_tracked", "orders_close_tracked", "orders_deadline_derived",
         *(f"answer_{a}" for a in rollup.REVISIT_ANSWERS))


def _company_facts(out: list[dict], compounds: list[dict], complaints: list[dict], known: bool, companies: dict) -> None:
    """A company's compounds in scope, their households and complaints, and its complaints per 1,000 households (the
    briefing's complaint part, only where a complaints file was imported)."""
    mine: dict = {}
    for c in compounds:
        mine.setdefault(_name(c["property_company"]), []).append(c)
    filed: dict = {}
    for r in complaints:
        name = companies.get(r["compound_name"])
        filed[name] = filed.get(name, 0) + r["complaint_count"]
    for row in out:
        listed = mine.get(row["name"], []) if not row["unknown"] else []
        households = sum(c["households"] or 0 for c in listed)
        row["compounds"] = len(listed)
        row["compound_names"] = [c["compound_name"] for c in listed]
        row["households"] = households
        row["complaint_count"] = filed.get(row["name"], 0)
        row["complaints_per_1000_households"] = (ratio(1000 * row["complaint_count"], households)
                                                 if known and not row["unknown"] else None)


def lists(found: list[dict]) -> tuple[list[dict], list[dict]]:
    """(red list best first, black list worst first) of a breakdown's rows, as scorecard.red_black orders them."""
    red = [r for r in found if r["list"] == "red"]
    black = sorted((r for r in found if r["list"] == "black"), key=lambda r: (-r["rank"], r["name"]))
    return red, black


def worst_first(found: list[dict]) -> list[dict]:
    """The rows as the page lists them: the ranked from the lowest score up, then the unranked by most orders, the
    unknown row last."""
    ranked = sorted((r for r in found if r["rank"] is not None), key=lambda r: (-r["rank"], r["name"]))
    return ranked + [r for r in found if r["rank"] is None]


# ---- a row's orders ------------------------------------------------------------------------------------

_SHORT = {
    # closed after its deadline, or its deadline passed while open: orders_due - closed_on_time
    "late": "due_at IS NOT NULL AND ((is_closed AND closed_at > due_at) OR (NOT is_closed AND due_at <= $as_of))",
    "dissatisfied": "is_revisited AND revisit_result = 'dissatisfied'",
    "unresolved": "is_revisited AND resolved = false",
}


def orders(con, config: dict, scope: Scope, window: Window, by: str = "unit", name: str | None = None,
           which: str = "late", limit: int | None = DRILL_LIMIT) -> list[dict]:
    """The orders of one row (`name`; None: the unknown row) that fell short (`which`: late, dissatisfied,
    unresolved), with their history at as_of (received, due, closed, revisited and the answer, resolved), the
    registry's company and masked content; no personal data is stored to show. Late: the most days late first
    (days begun, to closing or to as_of); the others by received."""
    if which not in DRILLS:
        raise ValueError(f"which must be one of {tuple(DRILLS)}")
    column = _column(by)
    flags, _, params = _order_measures_sql(hours=False)
    where, scope_params = scope.where("work_orders", "w")
    chosen = f"nullif(trim({column}), '')"
    chosen = f"{chosen} IS NULL" if _name(name) is None else f"{chosen} = $row_name"
    limit_sql = "LIMIT $limit" if limit else ""
    order = "days_late DESC, received_at, order_id" if which == "late" else "received_at, order_id"
    ended = "CASE WHEN is_closed THEN closed_at ELSE $as_of END"
    return rows(con, f"""
        SELECT order_id, received_at, source, request_type, category, street, community, compound_name, compound_raw,
               handling_unit, property_company, due_at, due_at_derived,
               CASE WHEN is_closed THEN closed_at END AS closed_at,
               CASE WHEN is_revisited THEN revisited_at END AS revisited_at,
               CASE WHEN is_revisited THEN revisit_result END AS revisit_result,
               CASE WHEN is_revisited THEN resolved END AS resolved, is_repeat, content, is_closed,
               is_closed AND closed_at <= due_at AS is_closed_on_time,
               NOT is_closed AND due_at <= $as_of AS is_overdue_open,
               CASE WHEN due_at IS NOT NULL AND {ended} > due_at
                    THEN CAST(ceil({seconds_between('due_at', ended)} / 86400) AS BIGINT) END AS days_late
        FROM (SELECT *, {flags}
              FROM (SELECT w.*, c.property_company FROM work_orders w
                    LEFT JOIN compounds c ON c.compound_name = w.compound_name
                    WHERE w.received_at >= $start AND w.received_at < $end AND w.received_at <= $as_of AND {where})
              WHERE {chosen})
        WHERE {_SHORT[which]}
        ORDER BY {order} {limit_sql}""",
        {**params, **scope_params, **_window_params(window), "row_name": _name(name), "limit": limit})
