"""The street (and community) a write is confined to: an import of a street account's file, the import history and
the undo it may see and do (docs/access.md, "Writes obey the scope"). metrics does not import access: an account
is anything with `street` and `community` (access.Account), or a plain (street, community) pair."""
from __future__ import annotations

from metrics.db import quote


def write_place(scope) -> tuple[str, str | None] | None:
    """The (street, community) an import or an undo is confined to, from an account (anything with `street` and
    `community`, as access.Account: metrics does not import access) or a (street, community) pair; None for the
    whole district (no scope, a district account, a pair of None)."""
    if scope is None:
        return None
    if isinstance(scope, (tuple, list)):
        street, community = scope
    else:
        street, community = getattr(scope, "street", None), getattr(scope, "community", None)
    street, community = street or None, community or None
    if street is None and community is None:
        return None
    if street is None:
        raise ValueError(f"a community scope needs its street: {scope!r}")
    return street, community


def place_filter(alias: str, place: tuple[str, str | None], street: str = "street",
                 community: str = "community") -> tuple[str, dict]:
    """SQL true where the row `alias` lies inside `place` (its street, and community when the place has one), with
    its bound parameters: a row with no street (or, for a community, no community) lies inside no place."""
    condition = f"{alias}.{quote(street)} = $place_street"
    params = {"place_street": place[0]}
    if place[1] is not None:
        condition += f" AND {alias}.{quote(community)} = $place_community"
        params["place_community"] = place[1]
    return f"coalesce({condition}, false)", params
