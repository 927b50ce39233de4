"""The per-compound scorecard and the red/black list (红黑榜).

A compound with few orders is shown but not ranked, and every rate carries a 95% Wilson interval,
so one late order out of two is not read as a verdict."""
from __future__ import annotations

import math

from metrics.catalog import KPIS
from metrics.known import unregistered_compounds
from metrics.kpis import Scope, complaint_counts_by, complaints_recorded, compounds_with_flags, no_orders, order_kpis_by
from metrics.periods import Window

Z95 = 1.959963984540054
INTERVAL_RATES = ("on_time_closure_rate", "revisit_rate", "satisfaction_rate")


def wilson(successes: float, trials: float, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion; (None, None) without trials."""
    if not trials:
        return None, None
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def min_rates(config: dict) -> int:
    """How many of the order rates a composite score needs (config scorecard.min_rates): one rate re-weighted to
    100% is a ranking by that rate, not a score (a compound scored 100.0 on on-time alone headed a 红榜 of one)."""
    return int(config["scorecard"].get("min_rates", 2))


def composite_score(row: dict, config: dict) -> float | None:
    """0-100: weighted rates plus a complaint component; weights of missing parts are re-spread. None with fewer
    than min_rates order rates (no orders is not a perfect record, one rate is not a composite)."""
    card = config["scorecard"]
    parts = dict(row)
    per_1000 = row.get("complaints_per_1000_households")
    parts["complaint_score"] = None if per_1000 is None else max(0.0, 1 - per_1000 / float(card["complaints_per_1000_cap"]))
    present = {k: float(w) for k, w in card["weights"].items() if parts.get(k) is not None}
    total = sum(present.values())
    if not total or len(set(present) - {"complaint_score"}) < min_rates(config):
        return None
    return 100 * sum(w * parts[k] for k, w in present.items()) / total


def scorecard(con, config: dict, scope: Scope, window: Window) -> list[dict]:
    """One row per compound in scope (the registry's, then those only orders and complaints name: in_registry
    false, registry facts null) with every KPI, complaints per 1,000 households, Wilson intervals, composite
    score, rank (ranked compounds only) and list membership."""
    card = config["scorecard"]
    registry = [{**r, "in_registry": True} for r in compounds_with_flags(con, config, scope, window)]
    registry += unregistered_compounds(con, scope)
    orders = {r["compound_name"]: r for r in order_kpis_by(con, config, scope, window, by=["compound_name"])}
    complaints = {r["compound_name"]: r["complaint_count"]
                  for r in complaint_counts_by(con, scope, window, by=["compound_name"])}
    empty = no_orders(config)
    # without any complaints file a compound's 0 complaints is no record, not a clean one: no complaint part
    complaints_known = complaints_recorded(con)
    result = []
    for facts in registry:
        name = facts["compound_name"]
        row = {
            "compound_name": name, "in_registry": facts["in_registry"], "street": facts["street"], "community": facts["community"],
            "compound_kind": facts["compound_kind"], "management_mode": facts["management_mode"],
            "property_company": facts["property_company"], "households": facts["households"],
            "party_org_type": facts["party_org_type"], "party_members": facts["party_members"],
            "party_org_founded_on": facts["party_org_founded_on"], "has_owners_committee": facts["has_owners_committee"],
            "is_covered": facts["is_covered"], "has_own_branch": facts["has_own_branch"],
            "fee_collection_rate": facts["fee_collection_rate"], "model_project_level": facts["model_project_level"],
        }
        row.update({k: v for k, v in orders.get(name, empty).items()})
        row["complaint_count"] = complaints.get(name, 0)
        households = facts["households"]
        row["complaints_per_1000_households"] = (1000 * row["complaint_count"] / households
                                                 if households and complaints_known else None)
        row["orders_per_1000_households"] = 1000 * row["orders_total"] / households if households else None
        for rate in INTERVAL_RATES:
            kpi = KPIS[rate]
            low, high = wilson(row[kpi.numerator], row[kpi.denominator])
            row[f"{rate}_low"], row[f"{rate}_high"] = low, high
        row["composite_score"] = composite_score(row, config)
        row["small_sample"] = row["orders_total"] < int(card["min_orders"])
        result.append(row)
    ranked = sorted((r for r in result if not r["small_sample"] and r["composite_score"] is not None),
                    key=lambda r: (-r["composite_score"], r["compound_name"]))
    for r in result:
        r.setdefault("rank", None)
        r["list"] = None
    assign_ranks(ranked)
    red, black = red_black(ranked, int(card["list_size"]))
    for r in red:
        r["list"] = "red"
    for r in black:
        r["list"] = "black"
    # the unranked after the ranked, by what exists: most orders first, then the quickest to close
    result.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -(r["orders_total"] or 0),
                               r["median_close_hours"] is None, r["median_close_hours"] or 0, r["compound_name"]))
    return result


SCORED_RATES = ("on_time_closure_rate", "satisfaction_rate", "revisit_rate")


def why_unranked(card: list[dict], config: dict, missing: dict | None = None, lang: str = "zh") -> str | None:
    """Why the scorecard has no red and black lists, in words, or None when it has them: no composite score could
    be computed (which rates the data lacks, and why: `missing` is the report's missing_inputs), too few compounds
    with enough orders, or too few ranked for two lists."""
    zh = lang == "zh"
    settings = config["scorecard"]
    size, least, need = int(settings["list_size"]), int(settings["min_orders"]), min_rates(config)
    if any(r["list"] for r in card):
        return None
    big = [r for r in card if not r["small_sample"]]
    scored = [r for r in big if r["composite_score"] is not None]
    ranked = [r for r in scored if r["rank"] is not None]
    if big and not scored:
        present = [k for k in SCORED_RATES if any(r.get(k) is not None for r in big)]
        labels = [KPIS[k].label(lang) for k in SCORED_RATES]
        have = ("、".join(KPIS[k].label(lang) for k in present) if zh else ", ".join(KPIS[k].label(lang) for k in present))
        why = sorted({f for k in SCORED_RATES for f in (missing or {}).get(k, ())})
        from metrics.catalog import missing_reason
        reason = f"（{missing_reason(why, lang)}）" if why and zh else (f" ({missing_reason(why, lang)})" if why else "")
        if zh:
            return (f"综合得分需要{'、'.join(labels)}中至少{need}项，本期数据" +
                    (f"只有{have}" if present else "三项都没有") + f"{reason}，无法计算综合得分，不排红黑榜；"
                    "下表按工单量排列。")
        return (f"A composite score needs at least {need} of {', '.join(labels)}; the data has "
                + (f"only {have}" if present else "none of them") + f"{reason}: no score, no red and black lists; "
                "the table is ordered by work orders.")
    if not big:
        return (f"没有工单量达到评分门槛（{least}件）的小区，不排红黑榜。" if zh
                else f"No compound has the {least} orders a score needs: no red and black lists.")
    return (f"达到评分条件的小区只有{len(ranked)}个（红黑榜各{size}个，需多于{size}个），不排红黑榜。" if zh
            else f"Only {len(ranked)} compounds can be ranked (lists of {size} need more than {size}): no red and black lists.")


def _tie_key(row: dict) -> float:
    return round(row["composite_score"], 9)   # the same score reached by different sums is still the same score


def assign_ranks(ranked: list[dict]) -> None:
    """Equal scores share a rank and the next rank skips (80, 80, 70 -> 1, 1, 3): a name is not a score."""
    for i, r in enumerate(ranked):
        same = i and _tie_key(r) == _tie_key(ranked[i - 1])
        r["rank"] = ranked[i - 1]["rank"] if same else i + 1


def _ties(ranked: list[dict]) -> list[list[dict]]:
    groups: list[list[dict]] = []
    for r in ranked:
        if groups and _tie_key(groups[-1][0]) == _tie_key(r):
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def red_black(ranked: list[dict], size: int) -> tuple[list[dict], list[dict]]:
    """The red list from the top and the black list from the bottom of rows sorted best first, at most `size`
    each, and neither unless more than `size` are ranked, taking whole ties only: a tie the cut-off falls inside is left out (the list is then shorter), since
    nothing in the data says which of the tied belongs on it. The lists never share a row or a tie."""
    if len(ranked) <= size:   # the best of too few is no 红榜: both lists or neither
        return [], []
    groups = _ties(ranked)
    red: list[dict] = []
    taken = 0
    for group in groups:
        if len(red) + len(group) > size:
            break
        red += group
        taken += 1
    black: list[dict] = []
    for group in reversed(groups[taken:]):
        if len(black) + len(group) > size:
            break
        black += group
    return red, black
