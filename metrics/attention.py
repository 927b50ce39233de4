"""The "needs attention" list: compounds below target, and complaint spikes against a compound's own past.

A spike is a month whose complaints reach both `attention.spike_min_complaints` and `attention.spike_ratio`
times the compound's average of the `attention.baseline_months` months before it (at least three months
of data, so the first months of an archive are never spikes)."""
from __future__ import annotations

import datetime as dt

from .db import rows
from .kpis import Scope, _window_params
from .periods import Window, add_months
from .scorecard import scorecard

TARGETED = ("on_time_closure_rate", "satisfaction_rate")
MIN_BASELINE_MONTHS = 3  # a compound's own past needs some months of data before a month can stand out


def complaint_spikes(con, config: dict, scope: Scope, window: Window) -> list[dict]:
    """Months inside the window where a compound's complaints spiked, largest ratio first."""
    rules = config["attention"]
    where, params = scope.where("complaints")
    first_month = window.start.date().replace(day=1)
    lookback = dt.datetime.combine(add_months(first_month, -int(rules["baseline_months"])), dt.time())
    last = min(window.end, window.as_of)
    found = rows(con, f"""
        WITH data_start AS (SELECT date_trunc('month', min(filed_at)) AS first FROM complaints),
             months AS (SELECT unnest(generate_series(greatest(CAST($lookback AS TIMESTAMP), (SELECT first FROM data_start)),
                                                      date_trunc('month', CAST($last AS TIMESTAMP)), INTERVAL 1 MONTH)) AS month),
             counts AS (SELECT compound_name, street, date_trunc('month', filed_at) AS month, count(*) AS n FROM complaints
                        WHERE compound_name IS NOT NULL AND filed_at >= $lookback AND filed_at < $end
                          AND filed_at <= $as_of AND {where} GROUP BY ALL),
             names AS (SELECT DISTINCT compound_name, street FROM counts),
             grid AS (SELECT names.compound_name, names.street, months.month, coalesce(counts.n, 0) AS n
                      FROM names CROSS JOIN months
                      LEFT JOIN counts ON counts.compound_name = names.compound_name AND counts.month = months.month),
             scored AS (SELECT *, avg(n) OVER past AS baseline, count(*) OVER past AS past_months FROM grid
                        WINDOW past AS (PARTITION BY compound_name ORDER BY month
                                        ROWS BETWEEN $baseline PRECEDING AND 1 PRECEDING))
        SELECT compound_name, street, CAST(month AS DATE) AS month, n AS complaints, baseline
        FROM scored
        WHERE month >= $first_month AND past_months >= $min_past AND n >= $min_n AND n >= $ratio * baseline
        ORDER BY n - baseline DESC, compound_name""",
        {**params, **_window_params(window), "lookback": lookback, "last": last, "first_month": first_month,
         "baseline": int(rules["baseline_months"]), "min_n": int(rules["spike_min_complaints"]),
         "ratio": float(rules["spike_ratio"]),
         "min_past": MIN_BASELINE_MONTHS})
    return found


def needs_attention(con, config: dict, scope: Scope, window: Window, card: list[dict] | None = None) -> list[dict]:
    """One row per compound that is below a target (ranked compounds only) or had a complaint spike."""
    targets = config["targets"]
    card = card if card is not None else scorecard(con, config, scope, window)
    out: dict[str, dict] = {}
    for row in card:
        if row["small_sample"]:
            continue
        below = [k for k in TARGETED if row.get(k) is not None and k in targets and row[k] < targets[k]]
        if below:
            out[row["compound_name"]] = {"compound_name": row["compound_name"], "street": row["street"],
                                         "below_target": below, "spikes": [],
                                         **{k: row.get(k) for k in TARGETED}, "orders_total": row["orders_total"]}
    by_name = {r["compound_name"]: r for r in card}
    for spike in complaint_spikes(con, config, scope, window):
        name = spike["compound_name"]
        row = by_name.get(name, {})
        entry = out.setdefault(name, {"compound_name": name, "street": spike["street"], "below_target": [],
                                      "spikes": [], **{k: row.get(k) for k in TARGETED},
                                      "orders_total": row.get("orders_total")})
        entry["spikes"].append({"month": spike["month"], "complaints": spike["complaints"], "baseline": spike["baseline"]})
    # a compound without an on-time rate (no deadlines in its data) sorts after the ones with a low rate
    return sorted(out.values(), key=lambda r: (-len(r["spikes"]), -len(r["below_target"]),
                                               r.get("on_time_closure_rate") is None,
                                               r.get("on_time_closure_rate") or 0, r["compound_name"]))
