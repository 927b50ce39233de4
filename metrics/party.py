"""Party building beyond the headline rates: what a branch changes, and which branches are new."""
from __future__ import annotations

from metrics.catalog import ratio
from metrics.db import rows
from metrics.kpis import BRANCH_TYPES, Scope
from metrics.periods import Window
from metrics.scorecard import scorecard

SUMMED = ("households", "orders_total", "revisited", "satisfied_weighted", "closed_on_time", "orders_due",
          "complaint_count")


def branch_comparison(con, config: dict, scope: Scope, window: Window, card: list[dict] | None = None) -> list[dict]:
    """Compounds with a branch (independent or joint, by the window's reference day) against those without:
    pooled satisfaction and on-time rates and complaints per 1,000 households, side by side."""
    card = card if card is not None else scorecard(con, config, scope, window)
    card = [r for r in card if r.get("in_registry", True)]   # a compound not in the registry has no branch facts
    groups = []
    for has_branch in (True, False):
        members = [r for r in card if (r["party_org_type"] in BRANCH_TYPES and r["is_covered"]) == has_branch]
        sums = {k: sum((r.get(k) or 0) for r in members) for k in SUMMED}
        # complaints per 1,000 households only where complaint data stands behind a member's count
        complaints_known = any(r.get("complaints_per_1000_households") is not None for r in members)
        groups.append({
            "has_branch": has_branch, "compounds": len(members), **sums,
            "satisfaction_rate": ratio(sums["satisfied_weighted"], sums["revisited"]),
            "on_time_closure_rate": ratio(sums["closed_on_time"], sums["orders_due"]),
            "complaints_per_1000_households": (ratio(1000 * sums["complaint_count"], sums["households"])
                                               if complaints_known else None),
            "orders_per_1000_households": ratio(1000 * sums["orders_total"], sums["households"]),
        })
    return groups


def new_branches(con, scope: Scope, window: Window) -> list[dict]:
    """Compounds whose party organisation was founded inside the period (as far as the registry says)."""
    where, params = scope.where("compounds")
    return rows(con, f"""SELECT compound_name, street, community, party_org_type, party_org_founded_on
                         FROM compounds WHERE party_org_founded_on BETWEEN $start AND $end AND {where}
                         ORDER BY party_org_founded_on, compound_name""",
                {**params, "start": window.period.start, "end": window.reference_date})
