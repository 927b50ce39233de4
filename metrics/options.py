"""The values a user can filter by, from the data itself."""
from __future__ import annotations

from .db import rows


def filter_options(con) -> dict:
    """Streets, communities (with their street), compounds (with street and community), kinds, modes,
    sources, categories and request types present in the database, sorted."""
    def distinct(sql):
        return [r["v"] for r in rows(con, sql)]

    return {
        "street": distinct("""SELECT street AS v FROM compounds WHERE street IS NOT NULL
                              UNION SELECT street FROM work_orders WHERE street IS NOT NULL ORDER BY v"""),
        "community": rows(con, """SELECT DISTINCT street, community FROM compounds WHERE community IS NOT NULL
                                  UNION SELECT DISTINCT street, community FROM work_orders WHERE community IS NOT NULL
                                  ORDER BY street, community"""),
        "compound": rows(con, "SELECT compound_name, street, community FROM compounds ORDER BY street, community, compound_name"),
        "compound_kind": distinct("SELECT DISTINCT compound_kind AS v FROM compounds WHERE compound_kind IS NOT NULL ORDER BY v"),
        "management_mode": distinct("SELECT DISTINCT management_mode AS v FROM compounds WHERE management_mode IS NOT NULL ORDER BY v"),
        "source": distinct("SELECT DISTINCT source AS v FROM work_orders WHERE source IS NOT NULL ORDER BY v"),
        "category": distinct("SELECT DISTINCT category AS v FROM work_orders WHERE category IS NOT NULL ORDER BY v"),
        "request_type": distinct("SELECT DISTINCT request_type AS v FROM work_orders WHERE request_type IS NOT NULL ORDER BY v"),
    }
