"""The database a page reads (the user's once something was imported into it, else the demo), read-only on its newest snapshot: one cached reader per process, a cursor per query, the data's version and its facts (as-of, options, span)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

import store
from metrics.config import database_path, demo_database_path, load_config
from metrics.demo import build_demo_database, is_demo
from metrics.ingest import uploads
from metrics.kpis import latest_timestamp
from metrics.options import data_span, filter_options
from metrics.rollup import only as rollups_only
from ui.i18n import t
from ui.language import lang


def reader_of(path: str):
    """The process's reader of a database: read-only, on its newest snapshot (metrics never waits for an import)."""
    return store.reader(Path(path), load_config())


def config() -> dict:
    return load_config()


def database() -> str:
    """The user's database once something was imported into it, else the demo database (built on first start,
    with progress)."""
    cfg = config()
    user = database_path(cfg)
    uploads.remove_leftovers_once(user)   # a process's start: what crashed imports left of their uploads goes
    if store.holds_imports(user, cfg):
        return str(user)
    demo = demo_database_path(cfg)
    if not demo.exists() and store.current_snapshot(demo) is None:
        with st.status(t("building_demo", lang()), expanded=True) as status:
            build_demo_database(demo, cfg, progress=status.write)
            status.update(label=t("demo_built", lang()), state="complete", expanded=False)
    return str(demo)


def cursor():
    return reader_of(database()).cursor()


def user_database() -> Path:
    """The user's database, written only through metrics' writers (the demo database is never written to)."""
    return database_path(config())


def data_version() -> int:
    """Changes with every write (the number of the snapshot read), so cached results never outlive their data."""
    return reader_of(database()).version


@st.cache_data(ttl=600, show_spinner=False)
def _facts(db: str, version: int) -> dict:
    cur = reader_of(db).cursor()
    imported = cur.execute("SELECT max(imported_at) FROM import_log").fetchone()[0]
    return {"as_of": latest_timestamp(cur), "imported_at": imported, "is_demo": is_demo(cur),
            "options": filter_options(cur), "span": data_span(cur), "rollups_only": rollups_only(cur)}


def facts_unscoped() -> dict:
    return _facts(database(), data_version())


def as_of() -> dt.datetime:
    return facts_unscoped()["as_of"] or dt.datetime.now().replace(microsecond=0)


def refresh() -> None:
    """After this tab's own write (an import, an undo): read the new snapshot now and forget cached results."""
    store.look_again()
    st.cache_data.clear()
