"""Connection, cached engine calls, the shared filters and the page frame (ui/signin.py draws the sign-in).

The signed-in account's scope is applied here and nowhere else: `ask` narrows every question to it
(access.scope.restrict) before the engine sees it, and `facts()["options"]` lists only its streets, communities
and compounds, so every page, download, briefing, ranking and picker inherits the scope with no code of its own.

DuckDB connections are not thread-safe: one cached connection per database file serves every session,
and each query runs on its own cursor. Filters live in widgets keyed `f_*` and are mirrored into the URL
query string, so a view can be bookmarked and sent to a colleague."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

import store
from access import NoAccess, audit, client_address
from access import settings as access_settings
from access.scope import allowed_options, restrict
from access.undo import undoable_imports, undone_imports
from metrics import formatting as fmt
from metrics.attention import needs_attention
from metrics.catalog import KPIS, missing_reason, missing_text
from metrics.caveats import caveats
from metrics.config import database_path, demo_database_path, load_config
from metrics.demo import build_demo_database, is_demo
from metrics.exports import kind_of, to_csv_bytes, to_xlsx_bytes
from metrics.ingest import uploads
from metrics.ingest.filenames import path_parts
from metrics.ingest.importer import plausible_window
from metrics.ingest.quality import import_history, issues_by_column
from metrics.kpis import (
    Scope,
    Window,
    complaint_counts_by,
    compound_kpis_by,
    compounds_with_flags,
    kpi_report,
    latest_timestamp,
    open_orders_by_age,
    order_kpis_by,
    order_rows,
)
from metrics.names import unmatched_compounds
from metrics.options import data_span, filter_options
from metrics.party import branch_comparison, new_branches
from metrics.periods import (
    DEFAULT_PRESET,
    PRESETS,
    Period,
    coverage_note,
    latest_complete,
    parse_date,
    parse_day,
    preset_period,
)
from metrics.places import write_place
from metrics.rollup import NotInRollups
from metrics.rollup import only as rollups_only
from metrics.scorecard import scorecard
from ui.i18n import t, value_label

PERIOD_CHOICES = PRESETS + ("custom",)
# filter -> URL key
URL_KEYS = {"street": "street", "community": "community", "compound_kind": "kind", "management_mode": "mode",
            "source": "source", "category": "category"}

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


# ---- connection and data -------------------------------------------------------------------------

def _connection(path: str):
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
    return _connection(database()).cursor()


def user_database() -> Path:
    """The user's database, written only through metrics' writers (the demo database is never written to)."""
    return database_path(config())


def data_version() -> int:
    """Changes with every write (the number of the snapshot read), so cached results never outlive their data."""
    return _connection(database()).version


@st.cache_data(ttl=600, show_spinner=False, max_entries=1000)
def _engine(db: str, version: int, name: str, scope: Scope, window: Window, kwargs: tuple):
    return ENGINE[name](_connection(db).cursor(), load_config(), scope, window, **dict(kwargs))


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


# ---- who is asking -------------------------------------------------------------------------------

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
        return restrict(who, scope, _connection(db).cursor()), None
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


@st.cache_data(ttl=600, show_spinner=False)
def _facts(db: str, version: int) -> dict:
    cur = _connection(db).cursor()
    imported = cur.execute("SELECT max(imported_at) FROM import_log").fetchone()[0]
    return {"as_of": latest_timestamp(cur), "imported_at": imported, "is_demo": is_demo(cur),
            "options": filter_options(cur), "span": data_span(cur), "rollups_only": rollups_only(cur)}


def facts_unscoped() -> dict:
    return _facts(database(), data_version())


def facts() -> dict:
    """As of, import time, demo or not, data span and the filter lists, these cut to the account's scope."""
    found = facts_unscoped()
    who = account()
    return found if who is None else {**found, "options": allowed_options(who, found["options"])}


@st.cache_data(ttl=600, show_spinner=False)
def _quality(db: str, version: int, place: tuple | None) -> dict:
    cur = _connection(db).cursor()
    return {"history": import_history(cur, place), "issues": issues_by_column(cur, place),
            "unmatched": unmatched_compounds(cur, load_config(), scope=place), "undone": undone_imports(cur),
            "undoable": undoable_imports(cur, place)}


def write_scope() -> tuple | None:
    """The (street, community) the signed-in account writes under (metrics.places.write_place); None for a district
    account and on the open demo. An import is confined to it, and the import page's history, issues, unmatched
    names and undo are its own (docs/access.md)."""
    return write_place(account())


def quality() -> dict:
    """The import page's lists, of the imports made under the account's scope and the names of its own orders and
    complaints (an admin of one street sees its street's, a district admin everything): history, issues by column,
    unmatched names, the undone imports and those it may undo now."""
    return _quality(database(), data_version(), write_scope())


def known_places() -> dict | None:
    """The streets and communities a new account may be given (access.accounts.check_place): the data's, as the
    account sees them; None while the dashboard shows the demo (the user's database holds no data yet)."""
    return None if facts()["is_demo"] else facts()["options"]


def as_of() -> dt.datetime:
    return facts()["as_of"] or dt.datetime.now().replace(microsecond=0)


def refresh() -> None:
    """After this tab's own write (an import, an undo): read the new snapshot now and forget cached results."""
    store.look_again()
    st.cache_data.clear()


# ---- language ------------------------------------------------------------------------------------

def lang() -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = "en" if st.query_params.get("lang") == "en" else "zh"
    return st.session_state["lang"]


def language_switch() -> None:
    current = lang()
    choice = st.sidebar.radio(t("language", current), ["简体中文", "English"], key="lang_choice", horizontal=True,
                              index=0 if current == "zh" else 1, on_change=_language_changed)
    st.session_state["lang"] = "en" if choice == "English" else "zh"
    _set_param("lang", "en" if st.session_state["lang"] == "en" else None)


def _language_changed() -> None:
    """Switching language changes nothing else. A selectbox, radio or multiselect tells its value to the browser
    and back as its label (format_func): labels in the old language would not match the new options on the next
    run (a page change), and Streamlit would fall back to the first option (the period jumped to 本月 / the
    default). Re-assigning every such value here makes the next run send it to the browser in the new language.
    Only text values and non-empty lists of text: a file uploader's [] or a button's flag may not be assigned."""
    for key in list(st.session_state):
        value = st.session_state[key]
        if isinstance(key, str) and not key.startswith("_") and key != "lang_choice" and (
                isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))):
            st.session_state[key] = value


# ---- filters -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    period: Period
    preset: str
    scope: Scope
    default_which: str | None = None   # the default period's kind (half_year ... running_month), said on the page

    @property
    def window(self) -> Window:
        return Window(self.period, as_of())


def _set_param(key: str, value: str | None) -> None:
    if value is None or value == "":
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def _init(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def sidebar_filters() -> Filters:
    """The filters of this run. dashboard.py renders them (render_filters) before the page runs: widgets of
    the entry script keep their state across pages, widgets of a page script would not."""
    _in_the_frame()
    return st.session_state["_filters"]


def _in_the_frame() -> None:
    """Every page asks this first: without the frame's filters it was opened without dashboard.py."""
    if "_filters" not in st.session_state:
        _rerun_through_the_frame()


def _rerun_through_the_frame() -> None:
    """A fresh server whose first visitor opens /trends directly runs the page without dashboard.py: with a
    pages/ folder present Streamlit starts in its legacy multipage mode and leaves it only when st.navigation
    runs. Leave it now and rerun, so dashboard.py draws the frame and routes to the same page."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def render_filters() -> Filters:
    """The filters every page shares; first values come from the URL, later ones are written back to it."""
    language = lang()
    options = facts()["options"]
    params = st.query_params
    if st.session_state.pop("_linked", False):   # opened by a link (switch_page): its URL says the filters
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("f_")]:
            del st.session_state[key]
    if account() is not None and (params.get("street") or params.get("community")):
        # a hand-made address naming another street or community is refused (and audited), not quietly dropped
        allowed(Scope(street=params.get("street") or None, community=params.get("community") or None))
    _init("f_period", params.get("period") if params.get("period") in PERIOD_CHOICES else DEFAULT_PRESET)
    today, span = as_of(), facts()["span"]
    default, which = latest_complete(today, span)
    default_text = t("default_period", language, period=default.label(language), which=t(f"which_{which}", language))
    with st.sidebar:
        st.subheader(t("filters", language))
        preset = st.selectbox(t("period", language), PERIOD_CHOICES, key="f_period",
                              format_func=lambda p: default_text if p == DEFAULT_PRESET else t(p, language))
        if preset == "custom":
            try:
                start, end = parse_date(params.get("from", "")), parse_date(params.get("to", ""))
            except ValueError:
                start, end = default.start, default.end
            # dates a hand-made address can hold (0001-01-01 .. 9999-12-31) are brought into the range data can
            # have, with a word (comparisons a year earlier would otherwise overflow)
            low, high = (d.date() for d in plausible_window(config(), dt.datetime.now()))
            bounded = tuple(max(low, min(d, high)) for d in (start, end))
            if bounded != (start, end) and "f_from" not in st.session_state:
                st.warning(t("range_clamped", language, low=low, high=high, start=bounded[0], end=bounded[1]),
                           icon=":material/event_busy:")
            start, end = bounded
            left, right = st.columns(2)
            start, said_start = date_box(left, t("date_from", language), "f_from", start, low, high, language)
            end, said_end = date_box(right, t("date_to", language), "f_to", end, low, high, language)
            for said in (said_start, said_end):
                if said:
                    st.warning(said, icon=":material/event_busy:")
            period = Period(min(start, end), max(start, end))
            _set_param("from", period.start.isoformat())
            _set_param("to", period.end.isoformat())
        else:
            period = preset_period(preset, today, span)
            _set_param("from", None)
            _set_param("to", None)
        _set_param("period", None if preset == DEFAULT_PRESET else preset)
        chosen = {}
        streets = options["street"]
        chosen["street"] = _choice("street", streets, language)
        communities = [r["community"] for r in options["community"]
                       if chosen["street"] is None or r["street"] == chosen["street"]]
        chosen["community"] = _choice("community", sorted(set(communities)), language)
        chosen["compound_kind"] = _choice("compound_kind", options["compound_kind"], language,
                                          lambda v: value_label("compound_kind", v, language))
        chosen["management_mode"] = _choice("management_mode", options["management_mode"], language,
                                            lambda v: value_label("management_mode", v, language))
        chosen["source"] = _choice("source", options["source"], language)
        chosen["category"] = _choice("category", options["category"], language)
        if st.button(t("reset_filters", language), key="f_reset", icon=":material/filter_alt_off:"):
            for name in URL_KEYS:
                st.session_state[f"f_{name}"] = ALL
            st.session_state["f_period"] = DEFAULT_PRESET
            st.rerun()
    filters = Filters(period=period, preset=preset, scope=Scope(**chosen),
                      default_which=which if preset == DEFAULT_PRESET else None)
    st.session_state["_filters"] = filters
    return filters


def date_box(where, label: str, key: str, fallback: dt.date, low: dt.date, high: dt.date,
             language: str) -> tuple[dt.date, str | None]:
    """A day typed in a text box (2024-01-01, 2024/1/1, 2024年1月1日, 20240101), and the word to say when it was
    not taken. Why not st.date_input: its calendar speaks the browser's language, not the page's (January, S M T W,
    weeks from Sunday on a Chinese page), and Streamlit 1.67 lets no locale or week start be set. A text that is no
    date keeps `fallback`; a day outside low..high is brought inside."""
    _init(key, fallback.isoformat())
    text = where.text_input(label, key=key, placeholder="2024-01-01", max_chars=16, on_change=_tidy_day, args=(key,),
                            help=t("date_help", language))
    day = parse_day(text)
    if day is None:
        return fallback, t("date_unreadable", language, text=plain(text), date=fallback.isoformat())
    if not low <= day <= high:
        shown = max(low, min(day, high))
        return shown, t("date_outside", language, date=day.isoformat(), low=low, high=high, shown=shown.isoformat())
    return day, None


def _tidy_day(key: str) -> None:
    """A readable day is written back as 2024-01-01 (callbacks run before the widget is drawn again)."""
    day = parse_day(st.session_state.get(key))
    if day is not None:
        st.session_state[key] = day.isoformat()


ALL = ""  # the 全部 entry of a filter (None would render as an empty selectbox)


def _choice(name: str, values: list, language: str, label=None):
    """A selectbox whose first entry is 全部; its value is mirrored to the URL; 全部 is returned as None."""
    key = f"f_{name}"
    url_value = st.query_params.get(URL_KEYS[name])
    _init(key, url_value if url_value in values else ALL)
    if st.session_state[key] not in values:
        st.session_state[key] = ALL
    value = st.selectbox(t(name, language), [ALL, *values], key=key,
                         format_func=lambda v: t("all", language) if v == ALL else (label(v) if label else v))
    _set_param(URL_KEYS[name], value or None)
    return value or None


def narrow(name: str, value) -> None:
    """Narrow a sidebar filter (its widget f_<name>, mirrored to the URL on the rerun) to a value picked on a chart;
    a value the filter does not list (outside the account's scope, or gone from the data) changes nothing."""
    listed = facts()["options"][name]
    if name == "community":   # communities are listed with their street
        listed = [r["community"] for r in listed]
    if value in listed:
        st.session_state[f"f_{name}"] = value


def narrow_from_chart(key: str, name: str, axis: str = "x") -> None:
    """The on_select callback of st.plotly_chart(key=key, selection_mode="points"): a click on a bar narrows the
    filter `name` to the bar's category (its `axis` value), as the sidebar would."""
    event = st.session_state.get(key) or {}
    points = (event.get("selection") or {}).get("points") or []
    if points and points[0].get(axis) is not None:
        narrow(name, points[0][axis])


# ---- the page frame ------------------------------------------------------------------------------

def page_header(title_key: str, filters: Filters | None = None) -> None:
    """Title, demo badge, data-as-of line and the scope and period being shown."""
    _in_the_frame()   # a page without filters (导入) may be the first one opened on a fresh server
    language = lang()
    st.title(t(title_key, language))
    info = facts()
    if info["is_demo"]:
        st.warning(t("demo_badge", language), icon=":material/science:")
    colon = "：" if language == "zh" else ": "
    parts = [f"{t('as_of', language)}{colon}{fmt.as_of(info['as_of'], language)}",
             f"{t('imported', language)}{colon}{fmt.as_of(info['imported_at'], language) if info['imported_at'] else t('never', language)}"]
    if filters:
        which = f"（{t(f'which_{filters.default_which}', language)}）" if language == "zh" and filters.default_which \
            else (f" ({t(f'which_{filters.default_which}', language)})" if filters.default_which else "")
        partly = coverage_note(filters.period, info["span"], language)   # a period the data starts inside of
        partly = (f"（{partly}）" if language == "zh" else f" ({partly})") if partly else ""
        parts.append(f"{t('period', language)}{colon}{filters.period.label(language)}{which}{partly}")
        parts.append(f"{t('scope_label', language)}{colon}{scope_text(allowed(filters.scope), language)}")
    st.caption(" · ".join(parts))
    _watch_for_new_data(data_version())


@st.fragment(run_every=store.settings(load_config())["watch_seconds"])
def _watch_for_new_data(seen: int) -> None:
    """Every few seconds: when a write published new data since this page was drawn, draw it again, so an
    import from the command line or another process shows on open dashboards without a reload; when the
    session ended meanwhile (idle, disabled, signed out elsewhere), the whole page goes to the sign-in form."""
    from ui.signin import session_ended

    if data_version() != seen or session_ended():
        st.rerun()


_MARKUP = re.compile(r"([\\`*_{}\[\]()#!<>|~$:&])")


def plain(text) -> str:
    """A value from data made safe for st.markdown / st.write: every character that markdown, HTML or Streamlit's
    directives (:red[…], :material/…:) act on is escaped and line breaks become spaces, so a registry value such as
    <img src=…> or ![](http://…) is shown as written and never renders as a tag, a link or a fetched image."""
    return _MARKUP.sub(r"\\\1", " ".join(str(text).splitlines()))


def _scope_values(scope: Scope, language: str) -> list[tuple[str, str]]:
    """(filter, its value as the reader reads it) of each part of a scope: kinds and modes in words."""
    return [(name, value_label(name, value, language) if name in ("compound_kind", "management_mode") else str(value))
            for name, value in scope.as_dict().items()]


def scope_text(scope: Scope, language: str) -> str:
    parts = [f"{t(name, language)} {shown}" for name, shown in _scope_values(scope, language)]
    return "，".join(parts) if language == "zh" and parts else (", ".join(parts) or t("district", language))


def on_screen(frame: pd.DataFrame, kinds: dict | None = None) -> pd.DataFrame:
    """The table as a page shows it: rates as 76.1%, decimals with one digit, changes in words, "—" for none; whole
    columns of counts and ranks stay numbers (st.dataframe draws them). The download of the same frame keeps
    every number a number (download_buttons)."""
    language, out = lang(), frame.copy()
    for column in frame.columns:
        kind = (kinds or {}).get(column)
        if kind is None or (isinstance(kind, str) and kind in ("text", "count", "rank", "date", "datetime")):
            continue
        out[column] = [_cell_text(v, kind_of(kinds, column, i), language) for i, v in enumerate(frame[column].tolist())]
    return out


def _cell_text(value, kind: str | None, language: str):
    if kind in (None, "text") or isinstance(value, str):
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return fmt.DASH
    if kind == "rate":
        return fmt.percent(value)
    if kind == "change":
        return fmt.pct_change(value * 100, language)
    if kind == "decimal":
        return f"{value:.1f}"
    return fmt.count(value) if kind == "count" else value


def download_buttons(frame: pd.DataFrame, name: str, key: str, scope: Scope | None = None, *,
                     kinds: dict | None = None, period: bool = True) -> None:
    """Excel and CSV of a table (headers in the reader's language, no personal data), its numbers as numbers (`kinds`:
    a column's kind of metrics.exports.FORMATS, or one per row). The sheet opens with the title (`name`), the scope
    shown (narrowed to the account's), the period (unless period=False: an import log) and 数据截至; the file
    name says the same: 小区排名_东街道_2024年上半年.xlsx. Each download is audited with the scope it covers."""
    language = lang()
    filters = st.session_state.get("_filters")
    shown = allowed(scope if scope is not None else (filters.scope if filters else Scope()))
    colon = "：" if language == "zh" else ": "
    heading = [name, f"{t('scope_label', language)}{colon}{scope_text(shown, language)}"]
    places = [value for _, value in _scope_values(shown, language)] or [t("district", language)]
    parts = [name, *places]
    if period and filters is not None:
        heading.append(f"{t('period', language)}{colon}{filters.period.label(language)}")
        parts.append(filters.period.label(language))
    heading.append(f"{t('as_of', language)}{colon}{fmt.as_of(facts()['as_of'], language)}")
    stem = path_parts("_".join(parts) + ".csv")[0]
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("download_xlsx", language), to_xlsx_bytes(frame, kinds=kinds, heading=heading),
                         file_name=f"{stem}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         key=f"{key}_xlsx", icon=":material/download:",
                         on_click=downloaded, args=(f"{stem}.xlsx", scope, len(frame)))
    right.download_button(t("download_csv", language), to_csv_bytes(frame), file_name=f"{stem}.csv",
                          mime="text/csv", key=f"{key}_csv", icon=":material/download:",
                          on_click=downloaded, args=(f"{stem}.csv", scope, len(frame)))


def made_for(scope: Scope, period: Period, language: str) -> tuple:
    """What a file made on a page belongs to: the scope (narrowed to the account's), the period, the file's language
    and the data's version. A file is offered for download only while the page shows the same (keep_files)."""
    return tuple(sorted(allowed(scope).as_dict().items())), period.start, period.end, language, data_version()


def keep_files(key: str, owner: tuple, files: dict) -> None:
    """Files just made (name -> bytes, by format) for this tab, with what they belong to (made_for)."""
    st.session_state[key] = {"owner": owner, "files": files}


def kept_files(key: str, owner: tuple) -> tuple[dict | None, bool]:
    """(the files kept under key if they belong to owner, else None; whether files of another scope, period,
    language or data were kept): a page never serves the previous street's briefing as this one's."""
    kept = st.session_state.get(key)
    if not isinstance(kept, dict) or "owner" not in kept:
        return None, False
    return (kept["files"], False) if kept["owner"] == owner else (None, True)


def downloaded(file_name: str, scope: Scope | None = None, rows: int | None = None) -> None:
    """A download button's callback: the audit entry (what, for which scope, how many rows)."""
    shown = scope or getattr(st.session_state.get("_filters"), "scope", None) or Scope()
    narrowed = restrict(account(), shown) if account() is not None else shown
    record("download", target=file_name, scope=narrowed.as_dict(), details={"page": page_name(), "rows": rows})


def empty_state(language: str | None = None) -> None:
    """"No data" is said only where the scope and period hold no rows at all."""
    st.info(t("no_data", language or lang()), icon=":material/filter_alt_off:")


def cannot_draw(text: str) -> None:
    """In place of a chart with nothing to draw: one sentence saying what is missing."""
    st.info(text, icon=":material/visibility_off:")


def why_not_drawn(names, report: dict, language: str) -> str:
    """Why none of the KPIs `names` can be drawn: the inputs the data lacks (未导入投诉数据 …), or no order due,
    closed or revisited yet; "no data" only without orders."""
    missing = report.get("missing_inputs") or {}
    fields = list(dict.fromkeys(f for n in names for f in missing.get(n, ())))
    labels = ("、" if language == "zh" else ", ").join(KPIS[n].label(language) for n in names)
    if not fields:   # the data has the columns; no order of the scope is due, closed or revisited yet
        return t("no_rates_yet", language, what=labels) if report.get("orders_total") else t("no_data", language)
    return t("cannot_draw", language, what=labels, why=missing_reason(fields, language))


def without_dimension(dimension: str, language: str) -> str:
    """A chart by street (community, category …) where the export names none for any order in range."""
    word = t(dimension, language)
    return t("no_dimension", language, dim=word if language == "zh" else word.lower())


LINK_KEYS = ("period", "from", "to", *URL_KEYS.values(), "lang")


def link_params() -> dict:
    """The address of what is shown (period, from/to, the filters, language), for a link to another page: st.switch_page
    drops every widget's state, so the page opened reads the period and filters from these."""
    return {key: st.query_params[key] for key in LINK_KEYS if st.query_params.get(key)}


def switch_page(page: str, **params) -> None:
    """Open another page with the same period, filters and language (link_params) and the page's own parameters;
    the frame's filter widgets start again from that URL (a widget's leftover state would not say the same)."""
    st.session_state["_linked"] = True
    st.switch_page(page, query_params={**link_params(), **params})


def open_profile(name: str) -> None:
    """A compound's profile from a table row, for the period and filters shown."""
    switch_page("pages/profile.py", compound=name)


# ---- KPI cards -----------------------------------------------------------------------------------

# A rise is good news for rates, bad news for complaints and waiting hours, neither for the order count.
RISE_IS_GOOD = {"complaint_count": False, "orders_total": None, "median_close_hours": False, "p90_close_hours": False,
                "repeat_rate": False}


def _change(name: str, comparison: dict, language: str) -> tuple[str, float | None]:
    changes = comparison["changes"]
    if KPIS[name].kind == "rate":
        value = changes.get(f"{name}_pp")
        return fmt.pp_change(value, language), value
    value = changes.get(f"{name}_pct")
    return fmt.pct_change(value, language), value


def _arrow(value: float | None) -> str:
    if value is None or round(value, 1) == 0:
        return "off"
    return "up" if value > 0 else "down"


def _delta_color(name: str, value: float | None) -> str:
    good = RISE_IS_GOOD.get(name, True)
    if value is None or round(value, 1) == 0 or good is None:
        return "gray"
    return "green" if (value > 0) == good else "red"


def _value_text(name: str, report: dict) -> str:
    value, kind = report.get(name), KPIS[name].kind
    if kind == "hours":  # the label says 小时 already
        return fmt.DASH if value is None else f"{value:.1f}"
    return fmt.percent(value) if kind == "rate" else fmt.count(value)


def kpi_cards(report: dict, names: list[str], per_row: int = 3) -> None:
    """Cards with the value, 环比 as the delta (coloured by whether the change is good news), and the target
    and 同比 beneath; registry KPIs have no period comparison. A KPI whose inputs the data lacks shows "—" and says
    what is missing beneath it (未导入投诉数据), with no target and no change; what the figures rest on that a
    reader cannot see (deadlines derived by rule ...) follows the cards (metrics.caveats)."""
    language = lang()
    targets = config()["targets"]
    columns = [c for _ in range(0, len(names), per_row) for c in st.columns(per_row)]
    for column, name in zip(columns, names):
        kpi = KPIS[name]
        missing = report.get("missing_inputs", {}).get(name)   # null because the data lacks a column or a dataset
        compared = kpi.dataset != "compounds" and not missing
        text, value = _change(name, report["previous_period"], language) if compared else (None, None)
        with column:
            st.metric(kpi.label(language), _value_text(name, report), border=True, delta=text,
                      help=(missing_text(missing, language) if missing
                            else kpi.description_zh if language == "zh" else kpi.description_en),
                      delta_color=_delta_color(name, value), delta_arrow=_arrow(value),
                      delta_description=t("vs_previous", language) if compared else None)
            if missing:
                st.caption(missing_reason(missing, language))
                continue
            lines = [f"{t('target', language)} {fmt.percent(targets[name])}"] if name in targets else []
            if compared:
                lines.append(f"{t('vs_last_year', language)} {_change(name, report['same_period_last_year'], language)[0]}")
            st.caption(" · ".join(lines))
    notes = caveats(report, language)
    if notes:
        st.caption(t("caveats", language, notes=("；" if language == "zh" else "; ").join(notes)))
    if any(report[which].get("not_answered") for which in ("previous_period", "same_period_last_year")):
        st.caption(t("comparisons_not_in_rollups", language, as_of=report["period"]["as_of"][:16]))
