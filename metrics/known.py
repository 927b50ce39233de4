"""The compounds the dashboard knows: the registry's (小区台账), and those only orders and complaints name
(未入台账). Without a registry the second kind is all there is, and they are still ranked and profiled."""
from __future__ import annotations

from metrics import rollup
from metrics.db import rows
from metrics.kpis import Scope

# What the registry says of a compound; a compound not in it has none of these facts (null, not "no").
REGISTRY_FACTS = ("aliases", "compound_kind", "households", "management_mode", "property_company",
                  "has_owners_committee", "party_org_type", "party_members", "party_org_founded_on", "dual_role",
                  "company_party_org", "model_project_level", "fee_collection_rate", "is_covered", "has_own_branch",
                  "has_branch", "is_eligible_uncovered")


def unregistered_compounds(con, scope: Scope = Scope()) -> list[dict]:
    """Compounds orders or complaints in scope name that the registry lacks, each with the street and
    community most of its rows carry (ties: the first in sort order) and every registry fact null."""
    where, params = scope.where("compounds")
    if rollup.ready(con):   # the same counts, from the monthly rollups
        source = """SELECT compound_name, street, community, compound_kind, management_mode, orders_total AS n
                    FROM order_rollup_compound UNION ALL
                    SELECT compound_name, street, community, compound_kind, management_mode, complaint_count
                    FROM complaint_rollup_compound"""
    else:
        source = """SELECT compound_name, street, community, compound_kind, management_mode, 1 AS n FROM work_orders
                    UNION ALL SELECT compound_name, street, community, compound_kind, management_mode, 1 FROM complaints"""
    found = rows(con, f"""
        SELECT compound_name, street, community FROM (
            SELECT compound_name, street, community,
                   row_number() OVER (PARTITION BY compound_name
                                      ORDER BY sum(n) DESC, street NULLS LAST, community NULLS LAST) AS pick
            FROM ({source}) WHERE compound_name IS NOT NULL AND {where}
              AND compound_name NOT IN (SELECT compound_name FROM compounds)
            GROUP BY compound_name, street, community)
        WHERE pick = 1 ORDER BY street NULLS LAST, community NULLS LAST, compound_name""", params)
    return [{**r, **{k: None for k in REGISTRY_FACTS}, "in_registry": False} for r in found]


def known_compounds(con, scope: Scope = Scope()) -> list[dict]:
    """Registry compounds in scope (in_registry true) and then the compounds only orders and complaints name."""
    where, params = scope.where("compounds")
    registry = rows(con, f"""SELECT compound_name, street, community, true AS in_registry FROM compounds WHERE {where}
                             ORDER BY street, community, compound_name""", params)
    return registry + unregistered_compounds(con, scope)
