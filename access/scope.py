"""The one place an account's scope is applied: every question the dashboard asks the engine goes through
`restrict` (ui/engine.ask), and every filter list through `allowed_options`, so no page, download, briefing,
ranking or picker can reach another street's data.

- district: every street; the requested scope passes through unchanged.
- street: its street; the scope's street is set to it (a community or compound inside it may be asked for).
- community: its community of its street; both are set.
Naming another street, a community or a compound outside the account's scope raises NoAccess (shown to the user,
and written to the audit log by the caller with what was requested), and so does a name the data does not know:
both get the one message NO_ACCESS, which repeats no name. An answer that told them apart (or that named the
registry compound behind an alias) would let an account learn another street's places by asking."""
from __future__ import annotations

from dataclasses import replace

from metrics import rollup
from metrics.db import rows
from metrics.kpis import Scope

from . import Account, NoAccess

NO_ACCESS = "无权查看所请求的范围，或该范围不存在 / the requested scope does not exist or is outside this account's"


def _refuse(requested: dict) -> NoAccess:
    return NoAccess(NO_ACCESS, requested)


def _check_account(account: Account | None) -> Account:
    if account is None:
        raise NoAccess("请先登录 / please sign in")
    if account.disabled:
        raise NoAccess(f"账号 {account.login} 已停用 / the account is disabled")
    return account


def restrict(account: Account | None, requested: Scope, con=None) -> Scope:
    """The requested scope narrowed to the account's street (and community); NoAccess (NO_ACCESS) when it names a
    street, community or compound outside it or one the data does not know. `con` (a cursor) looks up where a named
    community or compound lies: without it, a name other than the account's own street and community is narrowed
    but not checked (the narrowed scope still finds only the account's rows)."""
    account = _check_account(account)
    if account.role == "district":
        return requested
    asked = requested.as_dict()
    if requested.street is not None and requested.street != account.street:
        raise _refuse(asked)
    if account.role == "community" and requested.community is not None and requested.community != account.community:
        raise _refuse(asked)
    if con is not None and requested.community is not None and account.role == "street":
        if account.street not in _streets_of_community(con, requested.community):   # elsewhere, or nowhere
            raise _refuse(asked)
    if con is not None and requested.compound is not None:
        place = compound_place(con, requested.compound)
        if place is None or not _inside(account, *place):
            raise _refuse(asked)
    narrowed = replace(requested, street=account.street)
    if account.role == "community":
        narrowed = replace(narrowed, community=account.community)
    return narrowed


def _inside(account: Account, street: str | None, community: str | None) -> bool:
    if street != account.street:
        return False
    return account.role != "community" or community == account.community


def compound_place(con, compound: str) -> tuple[str | None, str | None] | None:
    """(street, community) of a compound: the registry's, else those most of its orders and complaints carry
    (metrics.known); None when the data does not know it."""
    from metrics.known import unregistered_compounds

    found = rows(con, "SELECT street, community FROM compounds WHERE compound_name = $name", {"name": compound})
    if found:
        return found[0]["street"], found[0]["community"]
    found = unregistered_compounds(con, Scope(compound=compound))
    return (found[0]["street"], found[0]["community"]) if found else None


def _streets_of_community(con, community: str) -> set[str]:
    """The streets a community name lies in (two streets may each have a 城关社区)."""
    if rollup.ready(con):
        sources = ["order_rollup_compound", "complaint_rollup_compound"]
    else:
        sources = ["work_orders", "complaints"]
    union = " UNION ".join(f"SELECT DISTINCT street FROM {t} WHERE community = $c" for t in ["compounds", *sources])
    return {r["street"] for r in rows(con, union, {"c": community}) if r["street"] is not None}


def allowed_options(account: Account | None, options: dict) -> dict:
    """metrics.options.filter_options cut to the account's scope: streets, communities and compounds outside
    it are left out. Lists that name no place (kinds, modes, sources, categories, request types) stay whole."""
    account = _check_account(account)
    if account.role == "district":
        return options
    out = dict(options)
    if "street" in out:
        out["street"] = [s for s in out["street"] if s == account.street]
    if "community" in out:
        out["community"] = [c for c in out["community"] if _inside(account, c.get("street"), c.get("community"))]
    if "compound" in out:
        out["compound"] = [c for c in out["compound"] if _inside(account, c.get("street"), c.get("community"))]
    return out


def manages(admin: Account, role: str, street: str | None, community: str | None) -> bool:
    """Whether an admin's right reaches an account (or one to be made) with this role and place: a district admin
    every account; a street or community admin only accounts inside its own scope, never a wider one (a street
    admin makes the community accounts of its street, not a district account)."""
    if admin.role == "district":
        return True
    if role == "district" or street != admin.street:
        return False
    return admin.role == "street" or (role == "community" and community == admin.community)
