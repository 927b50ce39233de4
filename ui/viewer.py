"""Who is asking: the signed-in account, the browser's address, the scope narrowed to the account's (access.scope.restrict, the one seam), refusals and audit entries."""
from __future__ import annotations

import hashlib

import streamlit as st

from access import NoAccess, audit, client_address
from access import settings as access_settings
from access.scope import restrict
from metrics.kpis import Scope
from metrics.places import write_place
from ui.connection import reader_of, config, data_version, database, facts_unscoped, user_database
from ui.i18n import t
from ui.language import lang


def account():
    """The signed-in account of this run (ui.signin.gate sets it first thing), None on the open demo."""
    return st.session_state.get("_account")


def address() -> str | None:
    """The browser's address (access.client_address: the proxy's header, believed only from a loopback peer)."""
    peer = st.context.ip_address
    header = access_settings(config()).get("address_header")
    return client_address(peer if isinstance(peer, str) else None,   # None where there is no browser (AppTest)
                          st.context.headers.get(header) if header else None)


def allowed(scope: Scope) -> Scope:
    """The scope narrowed to the account's; a request outside it stops the page with a "no access" message
    (audited). The open demo, with nobody signed in, is not narrowed."""
    who = account()
    if who is None:
        if not facts_unscoped()["is_demo"]:   # the gate lets nobody past on real data: never widen by accident
            st.stop()
        return scope
    narrowed, refusal = _restricted(database(), data_version(), who, scope)
    if refusal is not None:
        refuse(refusal[0], target=page_name(), outcome="out_of_scope", requested=refusal[1])
    return narrowed


@st.cache_data(ttl=600, show_spinner=False, max_entries=1000)
def _restricted(db: str, version: int, who, scope: Scope):
    """restrict, once per account, scope and data version (placing a named compound takes queries, and a page
    asks the engine a dozen times): (narrowed scope, None) or (None, (message, requested))."""
    try:
        return restrict(who, scope, reader_of(db).cursor()), None
    except NoAccess as refused:
        return None, (str(refused), refused.requested)


def refuse(message: str, *, target: str | None, outcome: str, requested: dict | None = None):
    """Stop the page with a refusal, written to the audit log once per session and request (a rerun of the
    same refused page is not a new attempt)."""
    from metrics.ingest.uploads import in_language

    seen = st.session_state.setdefault("_refusals", set())
    key = (target, outcome, tuple(sorted((requested or {}).items())))
    if key not in seen:
        seen.add(key)
        record("access_refused", target=target, scope=requested, outcome=outcome)
    st.error(in_language(message, lang()), icon=":material/block:")
    if st.button(t("refused_back", lang()), key="refused_back", icon=":material/undo:"):
        # back to what the account may see: the address's places and this tab's picks go
        for key in ("street", "community", "compound", "compounds"):
            if key in st.query_params:
                del st.query_params[key]
        for key in [k for k in st.session_state if k.startswith(("f_street", "f_community", "profile", "_profile", "compare", "_compare"))]:
            del st.session_state[key]
        st.rerun()
    st.stop()


def record(action: str, *, target: str | None = None, scope: dict | None = None, outcome: str = "ok",
           details: dict | None = None) -> None:
    """One audit entry by the signed-in account (None on the open demo), from this browser's address."""
    who = account()
    audit.record(user_database(), action, login=who.login if who else None, address=address(), target=target,
                 scope=scope, outcome=outcome, details=details)


def record_import(result, data: bytes) -> None:
    """The audit entry of one imported file (counts, file name and its SHA-256) by the signed-in admin, with the
    street (community) the import was confined to."""
    who, place = account(), write_scope()
    audit.imported(user_database(), result, login=who.login if who else None, address=address(),
                   file_sha256=hashlib.sha256(data).hexdigest(),
                   scope={"street": place[0], **({"community": place[1]} if place[1] else {})} if place else None)


def page_name() -> str | None:
    """The url path of the page being drawn (for audit entries)."""
    return st.session_state.get("_page")


def write_scope() -> tuple | None:
    """The (street, community) the signed-in account writes under (metrics.places.write_place); None for a district
    account and on the open demo. An import is confined to it, and the import page's history, issues, unmatched
    names and undo are its own (docs/access.md)."""
    return write_place(account())
