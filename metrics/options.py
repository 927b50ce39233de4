"""The values a user can filter by, from the data itself."""
from __future__ import annotations

from metrics.db import one, rows
from metrics.periods import DataSpan


def filter_options(con) -> dict:
    """Streets, communities (with their street), compounds (with street, community and whether the registry
    has them), kinds, modes, sources, categories and request types present in the database, sorted."""
    from metrics import rollup
    from metrics.known import known_compounds

    def distinct(sql):
        return [r["v"] for r in rows(con, sql)]

    # the rollups hold the same values, kept with the orders at every import (and a rollups-only file has no orders)
    places, kinds = ("order_rollup_compound", "order_rollup_category") if rollup.ready(con) else ("work_orders",) * 2

    return {
        "street": distinct(f"""SELECT street AS v FROM compounds WHERE street IS NOT NULL
                              UNION SELECT street FROM {places} WHERE street IS NOT NULL ORDER BY v"""),
        "community": rows(con, f"""SELECT DISTINCT street, community FROM compounds WHERE community IS NOT NULL
                                  UNION SELECT DISTINCT street, community FROM {places} WHERE community IS NOT NULL
                                  ORDER BY street, community"""),
        "compound": [{k: r[k] for k in ("compound_name", "street", "community", "in_registry")}
                     for r in known_compounds(con)],
        "compound_kind": distinct("SELECT DISTINCT compound_kind AS v FROM compounds WHERE compound_kind IS NOT NULL ORDER BY v"),
        "management_mode": distinct("SELECT DISTINCT management_mode AS v FROM compounds WHERE management_mode IS NOT NULL ORDER BY v"),
        "source": distinct(f"SELECT DISTINCT source AS v FROM {kinds} WHERE source IS NOT NULL ORDER BY v"),
        "category": distinct(f"SELECT DISTINCT category AS v FROM {kinds} WHERE category IS NOT NULL ORDER BY v"),
        "request_type": distinct(f"SELECT DISTINCT request_type AS v FROM {kinds} WHERE request_type IS NOT NULL ORDER BY v"),
    }


def data_span(con) -> DataSpan:
    """The first day of the data and the months that hold orders or complaints: what the period presets
    最近完整时段 and 全部数据 are placed by."""
    from metrics import rollup

    if rollup.only(con) is not None:   # a rollups-only file: its months, and the first of them as the first day
        months = frozenset(r["m"] for r in rows(con, """SELECT DISTINCT month AS m FROM order_rollup_compound
                                                       UNION SELECT DISTINCT month FROM complaint_rollup_compound"""))
        return DataSpan(first_day=min(months, default=None), months=months)
    months = rows(con, """SELECT DISTINCT CAST(date_trunc('month', received_at) AS DATE) AS m FROM work_orders
                          UNION SELECT DISTINCT CAST(date_trunc('month', filed_at) AS DATE) FROM complaints""")
    first = one(con, """SELECT CAST(least(min(received_at), (SELECT min(filed_at) FROM complaints)) AS DATE) AS d
                        FROM work_orders""")["d"]
    return DataSpan(first_day=first, months=frozenset(r["m"] for r in months))
