"""The "needs attention" list (需关注的小区): compounds ranked by how much is wrong, with the reasons in words.

A list of every compound below a 95% target names most compounds and so points at nothing; ranked by severity,
its first rows are where a visit pays. The severity score counts orders and complaints, so that 20 points under
target on 300 orders weighs more than 30 points under on 3 (docs/config.md, 需关注的小区):

- a rate below its target adds its shortfall in orders: (target - rate) x the rate's own base (on-time: orders
  due; satisfaction: orders revisited), i.e. how many more orders had to be on time / satisfied to meet the target.
  A compound with fewer than `scorecard.min_orders` orders is listed and flagged (small sample) but its shortfall
  adds nothing: a rate on a handful of orders is no verdict;
- a spike month adds its excess: the month's count minus the compound's own average of the months before it.
  A month is a spike when its work orders (complaints) reach both `attention.spike_min_orders`
  (`spike_min_complaints`) and `attention.spike_ratio` times the average of the `attention.baseline_months`
  months before it (at least three months of data, so the first months of an archive are never spikes).

Rows are sorted by score (highest first), then name; a score of 0 (a small sample below target, nothing else) is
not listed (`unscored` lists it last). 总览 and the briefing show the same first `attention.top` rows (`shown`) and
say how many more there are; a compound on the 红榜 appears only with the rate that is short, by how much."""
from __future__ import annotations

import datetime as dt

from metrics import rollup
from metrics.catalog import KPIS
from metrics.db import rows
from metrics.formatting import count as fmt_count
from metrics.formatting import percent
from metrics.kpis import Scope, _window_params
from metrics.periods import Window, add_months
from metrics.scorecard import scorecard

TARGETED = ("on_time_closure_rate", "satisfaction_rate")
MIN_BASELINE_MONTHS = 3  # a compound's own past needs some months of data before a month can stand out
# dataset -> (table, timestamp column, the config key of its least spike count)
SPIKE_SOURCES = {"complaints": ("complaints", "filed_at", "spike_min_complaints"),
                 "work_orders": ("work_orders", "received_at", "spike_min_orders")}


def spikes(con, config: dict, scope: Scope, window: Window, dataset: str = "complaints") -> list[dict]:
    """Months inside the window where a compound's work orders or complaints spiked, largest excess first:
    compound_name, street, month, count, baseline (the average of the months before it) and months (how many)."""
    table, stamp, min_key = SPIKE_SOURCES[dataset]
    rules = config["attention"]
    where, params = scope.where(table)
    first_month = window.start.date().replace(day=1)
    lookback = dt.datetime.combine(add_months(first_month, -int(rules["baseline_months"])), dt.time())
    last = min(window.end, window.as_of)
    plan = rollup.plan(con, dataset, scope.columns(table), window, by=("compound_name", "street"))
    if plan is None:
        first = f"SELECT date_trunc('month', min({stamp})) AS first FROM {table}"
        counted = f"""SELECT compound_name, street, date_trunc('month', {stamp}) AS month, count(*) AS n FROM {table}
                      WHERE compound_name IS NOT NULL AND {stamp} >= $lookback AND {stamp} < $end
                        AND {stamp} <= $as_of AND {where} GROUP BY ALL"""
    else:   # the same monthly counts from the compound rollup (and all a rollups-only file can give)
        measure = "orders_total" if dataset == "work_orders" else "complaint_count"
        first = f"SELECT CAST(min(month) AS TIMESTAMP) AS first FROM {plan.table}"
        counted = f"""SELECT compound_name, street, CAST(month AS TIMESTAMP) AS month, CAST(sum({measure}) AS BIGINT) AS n
                      FROM {plan.table} WHERE compound_name IS NOT NULL AND month >= CAST($lookback AS DATE)
                        AND month < $month_to AND {where} GROUP BY ALL"""
        params = {**params, "month_to": plan.month_to}
    return rows(con, f"""
        WITH data_start AS ({first}),
             months AS (SELECT unnest(generate_series(greatest(CAST($lookback AS TIMESTAMP), (SELECT first FROM data_start)),
                                                      date_trunc('month', CAST($last AS TIMESTAMP)), INTERVAL 1 MONTH)) AS month),
             counts AS ({counted}),
             names AS (SELECT compound_name, any_value(street) AS street FROM counts GROUP BY compound_name),
             grid AS (SELECT names.compound_name, names.street, months.month, coalesce(c.n, 0) AS n
                      FROM names CROSS JOIN months
                      LEFT JOIN (SELECT compound_name, month, sum(n) AS n FROM counts GROUP BY ALL) c
                             ON c.compound_name = names.compound_name AND c.month = months.month),
             scored AS (SELECT *, avg(n) OVER past AS baseline, count(*) OVER past AS past_months FROM grid
                        WINDOW past AS (PARTITION BY compound_name ORDER BY month
                                        ROWS BETWEEN $baseline PRECEDING AND 1 PRECEDING))
        SELECT compound_name, street, CAST(month AS DATE) AS month, CAST(n AS BIGINT) AS count, baseline,
               CAST(past_months AS BIGINT) AS months
        FROM scored
        WHERE month >= $first_month AND past_months >= $min_past AND n >= $min_n AND n >= $ratio * baseline
        ORDER BY n - baseline DESC, compound_name, month""",
        {**params, **_window_params(window), "lookback": lookback, "last": last, "first_month": first_month,
         "baseline": int(rules["baseline_months"]), "min_n": int(rules[min_key]),
         "ratio": float(rules["spike_ratio"]), "min_past": MIN_BASELINE_MONTHS})


def complaint_spikes(con, config: dict, scope: Scope, window: Window) -> list[dict]:
    """Complaint spikes, each also under its old key `complaints` (the briefing reads it)."""
    return [{**s, "complaints": s["count"]} for s in spikes(con, config, scope, window, "complaints")]


def gaps(row: dict, targets: dict) -> list[dict]:
    """The targeted rates of a scorecard row below target: kpi, rate, target, gap_pp, n (the rate's base) and
    shortfall (orders short of the target: gap x n)."""
    out = []
    for kpi in TARGETED:
        rate, target = row.get(kpi), targets.get(kpi)
        if rate is None or target is None or rate >= target:
            continue
        n = row.get(KPIS[kpi].denominator) or 0
        out.append({"kpi": kpi, "rate": rate, "target": target, "gap_pp": 100 * (target - rate), "n": n,
                    "shortfall": (target - rate) * n})
    return out


def needs_attention(con, config: dict, scope: Scope, window: Window, card: list[dict] | None = None, *,
                    unscored: bool = False) -> list[dict]:
    """The compounds below a target or with a spike, most severe first (module docstring); with `unscored`, also the
    small samples below target whose score is 0 (flagged, last: the dashboard shows them, a printed briefing does
    not list a compound for a rate on a handful of orders). Each row: compound_name,
    street, rank (1, 2, ...), score, small_sample, on_time_closure_rate, satisfaction_rate, orders_total, gaps,
    below_target (the gaps' KPIs), spikes (complaint spikes: month, complaints, count, baseline, months) and
    order_spikes (month, count, baseline, months)."""
    targets = config["targets"]
    card = card if card is not None else scorecard(con, config, scope, window)
    by_name = {r["compound_name"]: r for r in card}
    out: dict[str, dict] = {}

    def entry(name: str, street) -> dict:
        row = by_name.get(name, {})
        return out.setdefault(name, {
            "compound_name": name, "street": row.get("street", street), "small_sample": row.get("small_sample", True),
            "list": row.get("list"),
            **{k: row.get(k) for k in TARGETED}, "orders_total": row.get("orders_total", 0),
            "gaps": [], "below_target": [], "spikes": [], "order_spikes": []})

    for row in card:
        below = gaps(row, targets)
        if below:
            e = entry(row["compound_name"], row["street"])
            e["gaps"], e["below_target"] = below, [g["kpi"] for g in below]
    for spike in complaint_spikes(con, config, scope, window):
        entry(spike["compound_name"], spike["street"])["spikes"].append(
            {k: spike[k] for k in ("month", "complaints", "count", "baseline", "months")})
    for spike in spikes(con, config, scope, window, "work_orders"):
        entry(spike["compound_name"], spike["street"])["order_spikes"].append(
            {k: spike[k] for k in ("month", "count", "baseline", "months")})
    for e in out.values():
        e["score"] = score(e)
    kept = [e for e in out.values() if unscored or e["score"] > 0]
    ranked = sorted(kept, key=lambda r: (-round(r["score"], 9), r["small_sample"], r["compound_name"]))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
    return ranked


def shown(listed: list[dict], config: dict) -> tuple[list[dict], int]:
    """The rows 总览 and the briefing show (the first attention.top) and how many more the list holds."""
    top = int(config["attention"]["top"])
    return listed[:top], max(0, len(listed) - top)


def score(row: dict) -> float:
    """Orders short of target (enough orders only) plus every spike month's excess over its baseline."""
    shortfall = 0.0 if row["small_sample"] else sum(g["shortfall"] for g in row["gaps"])
    excess = sum(s["count"] - float(s["baseline"]) for s in row["spikes"] + row["order_spikes"])
    return shortfall + excess


def _month(day, lang: str) -> str:
    return f"{day.year}年{day.month}月" if lang == "zh" else day.strftime("%b %Y")


def _spike_text(s: dict, what: str, lang: str) -> str:
    zh = lang == "zh"
    label = {"complaints": ("投诉量", "complaints"), "orders": ("工单量", "work orders")}[what][0 if zh else 1]
    base, n, months = float(s["baseline"]), s["count"], s["months"]
    if base == 0:
        return (f"{_month(s['month'], lang)}{label}{n}件，前{months}个月为0" if zh
                else f"{_month(s['month'], lang)}: {n} {label}, none in the {months} months before")
    up = 100 * (n - base) / base
    return (f"{_month(s['month'], lang)}{label}{n}件，较前{months}个月平均（{base:.1f}件）增加{up:.0f}%" if zh
            else f"{_month(s['month'], lang)}: {n} {label}, {up:.0f}% above the average of the {months} months before ({base:.1f})")


def reasons(row: dict, config: dict, lang: str = "zh") -> list[str]:
    """Why a compound is listed, in words: "按时办结率62.0%，低于目标33.0个百分点（120件）", "2024年5月投诉量12件，较前3个月
    平均（4.0件）增加200%", and the small-sample flag."""
    zh = lang == "zh"
    out = []
    for g in row["gaps"]:
        label = KPIS[g["kpi"]].label(lang)
        out.append(f"{label}{percent(g['rate'])}，低于目标{g['gap_pp']:.1f}个百分点（{fmt_count(g['n'])}件）" if zh
                   else f"{label} {percent(g['rate'])}, {g['gap_pp']:.1f} pp below target ({fmt_count(g['n'])} orders)")
    out += [_spike_text(s, "complaints", lang) for s in row["spikes"]]
    out += [_spike_text(s, "orders", lang) for s in row["order_spikes"]]
    if row["small_sample"] and row["gaps"]:
        least = int(config["scorecard"]["min_orders"])
        out.append(f"样本不足（{fmt_count(row['orders_total'])}件，少于{least}件），差额不计分" if zh
                   else f"small sample ({fmt_count(row['orders_total'])} orders, under {least}): shortfall not scored")
    return out
