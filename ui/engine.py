"""The engine asked for this scope and window, narrowed to the signed-in account's first (viewer.allowed) and cached per data version: every page, download, briefing, ranking and picker inherits the scope with no code of its own."""
from __future__ import annotations

import streamlit as st

from access.scope import allowed_options
from access.undo import undoable_imports, undone_imports
from metrics.attention import needs_attention
from metrics.config import load_config
from metrics.ingest.quality import import_history, issues_by_column
from metrics.kpis import (
    Scope,
    Window,
    complaint_counts_by,
    compound_kpis_by,
    compounds_with_flags,
    kpi_report,
    open_orders_by_age,
    order_kpis_by,
    order_rows,
)
from metrics.names import unmatched_compounds
from metrics.party import branch_comparison, new_branches
from metrics.rollup import NotInRollups
from metrics.scorecard import scorecard
from ui.connection import reader_of, config, cursor, data_version, database, facts_unscoped
from ui.language import lang
from ui.viewer import account, allowed, write_scope
from ui.words import plain

ENGINE = {
    "kpi_report": lambda con, cfg, scope, window: kpi_report(con, cfg, scope, window),
    "order_kpis_by": lambda con, cfg, scope, window, **kw: order_kpis_by(con, cfg, scope, window, **kw),
    "complaint_counts_by": lambda con, cfg, scope, window, **kw: complaint_counts_by(con, scope, window, **kw),
    "compound_kpis_by": lambda con, cfg, scope, window, **kw: compound_kpis_by(con, cfg, scope, window, **kw),
    "compounds_with_flags": lambda con, cfg, scope, window: compounds_with_flags(con, cfg, scope, window),
    "scorecard": lambda con, cfg, scope, window: scorecard(con, cfg, scope, window),
    "needs_attention": lambda con, cfg, scope, window, **kw: needs_attention(con, cfg, scope, window, **kw),
    "branch_comparison": lambda con, cfg, scope, window: branch_comparison(con, cfg, scope, window),
    "new_branches": lambda con, cfg, scope, window: new_branches(con, scope, window),
    "open_orders_by_age": lambda con, cfg, scope, window: open_orders_by_age(con, cfg, scope, window),
    "order_rows": lambda con, cfg, scope, window, **kw: order_rows(con, cfg, scope, window, **kw),
}


@st.cache_data(ttl=600, show_spinner=False, max_entries=1000)
def _engine(db: str, version: int, name: str, scope: Scope, window: Window, kwargs: tuple):
    return ENGINE[name](reader_of(db).cursor(), load_config(), scope, window, **dict(kwargs))


def ask(name, scope: Scope, window: Window, **kwargs):
    """An engine result for this scope, narrowed to the signed-in account's, and window, cached per database
    version. `name` is a key of ENGINE or a function taking (con, config, scope, window, **kwargs); keyword values
    must be hashable."""
    scope = allowed(scope)
    if callable(name):
        fn, name = name, f"{name.__module__}.{name.__qualname__}"
        ENGINE.setdefault(name, fn)
    return _answered(lambda: _engine(database(), data_version(), name, scope, window, tuple(sorted(kwargs.items()))))


def produce(fn, scope: Scope, window: Window, *args, **kwargs):
    """An uncached engine call that makes something (a briefing file) for this scope, narrowed as `ask` does."""
    narrowed = allowed(scope)
    return _answered(lambda: fn(cursor(), config(), narrowed, window, *args, **kwargs))


def _answered(call):
    """The engine's answer; on a rollups-only file (metrics.scale.rollup_job) a question the rollups cannot answer
    stops the page there with the engine's words (what cannot be answered, what can), what was drawn above stays."""
    try:
        return call()
    except NotInRollups as refused:
        from metrics.ingest.uploads import in_language

        st.info(plain(in_language(str(refused), lang())), icon=":material/info:")
        st.stop()


def facts() -> dict:
    """As of, import time, demo or not, data span and the filter lists, these cut to the account's scope."""
    found = facts_unscoped()
    who = account()
    return found if who is None else {**found, "options": allowed_options(who, found["options"])}


@st.cache_data(ttl=600, show_spinner=False)
def _quality(db: str, version: int, place: tuple | None) -> dict:
    cur = reader_of(db).cursor()
    return {"history": import_history(cur, place), "issues": issues_by_column(cur, place),
            "unmatched": unmatched_compounds(cur, load_config(), scope=place), "undone": undone_imports(cur),
            "undoable": undoable_imports(cur, place)}


def quality() -> dict:
    """The import page's lists, of the imports made under the account's scope and the names of its own orders and
    complaints (an admin of one street sees its street's, a district admin everything): history, issues by column,
    unmatched names, the undone imports and those it may undo now."""
    return _quality(database(), data_version(), write_scope())


def known_places() -> dict | None:
    """The streets and communities a new account may be given (access.accounts.check_place): the data's, as the
    account sees them; None while the dashboard shows the demo (the user's database holds no data yet)."""
    return None if facts()["is_demo"] else facts()["options"]
