"""Connection, caching and shared filters: the one module outside pages/ that imports streamlit.

DuckDB connections are not thread-safe, so one cached connection serves every session and each query
runs on its own cursor."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics.config import database_path, demo_database_path, load_config
from metrics.db import connect
from metrics.demo import build_demo_database, is_demo
from metrics.kpis import latest_timestamp
from ui.i18n import t


@st.cache_resource
def _connection(path: str):
    return connect(path, read_only=True)


def config() -> dict:
    return load_config()


def database() -> str:
    """The user's database when it exists, else the demo database (built on first start)."""
    cfg = config()
    user = database_path(cfg)
    if user.exists():
        return str(user)
    demo = demo_database_path(cfg)
    if not demo.exists():
        with st.status(t("building_demo", lang()), expanded=True) as status:
            build_demo_database(demo, cfg, progress=status.write)
    return str(demo)


def cursor():
    return _connection(database()).cursor()


def lang() -> str:
    return st.session_state.get("lang", st.query_params.get("lang", "zh"))


@st.cache_data(ttl=600)
def data_facts(path: str) -> dict:
    cur = _connection(path).cursor()
    imported = cur.execute("SELECT max(imported_at) FROM import_log").fetchone()[0]
    return {"as_of": latest_timestamp(cur), "imported_at": imported, "is_demo": is_demo(cur)}


def as_of() -> dt.datetime:
    return data_facts(database())["as_of"] or dt.datetime.now().replace(microsecond=0)
