"""The filters every page shares (period and places), drawn in the sidebar by dashboard.py before the page runs, first read from the address and written back to it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from metrics.ingest.importer import plausible_window
from metrics.kpis import Scope, Window
from metrics.periods import DEFAULT_PRESET, PRESETS, Period, latest_complete, parse_date, parse_day, preset_period
from ui.connection import as_of, config
from ui.engine import facts
from ui.i18n import t, value_label
from ui.language import lang
from ui import views as saved_views
from ui.links import URL_KEYS, _set_param
from ui.viewer import account, allowed
from ui.words import plain

PERIOD_CHOICES = PRESETS + ("custom",)


@dataclass(frozen=True)
class Filters:
    period: Period
    preset: str
    scope: Scope
    default_which: str | None = None   # the default period's kind (half_year ... running_month), said on the page

    @property
    def window(self) -> Window:
        return Window(self.period, as_of())


def _init(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def chosen() -> Filters:
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


def render() -> Filters:
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
        preset = st.selectbox(t("period", language), PERIOD_CHOICES, key="f_period", on_change=_period_changed,
                              format_func=lambda p: default_text if p == DEFAULT_PRESET else t(p, language))
        if preset == "custom":
            try:
                start, end = parse_date(params.get("from", "")), parse_date(params.get("to", ""))
            except ValueError:
                start, end = default.start, default.end
            # dates a hand-made address can hold (0001-01-01 .. 9999-12-31) are brought into the range data can
            # have, with a word (comparisons a year earlier would otherwise overflow)
            low, high = (d.date() for d in plausible_window(config(), dt.datetime.now())[:2])
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
        st.button(t("reset_filters", language), key="f_reset", icon=":material/filter_alt_off:", on_click=_reset)
    filters = Filters(period=period, preset=preset, scope=Scope(**chosen),
                      default_which=which if preset == DEFAULT_PRESET else None)
    st.session_state["_filters"] = filters
    with st.sidebar:
        saved_views.render(language, filters)
    return filters


def _period_changed() -> None:
    """自定义 chosen after 上半年 (or any period) starts from the days of the period shown, not the default range, nor
    the days of an earlier 自定义."""
    shown = st.session_state.get("_filters")
    if st.session_state.get("f_period") == "custom" and shown is not None:
        st.session_state["f_from"] = shown.period.start.isoformat()
        st.session_state["f_to"] = shown.period.end.isoformat()


def _reset() -> None:
    """The reset button's callback: it runs before the widgets are drawn (setting a drawn widget's value in the run
    itself raised StreamlitWidgetAlreadyInstantiatedError)."""
    for name in URL_KEYS:
        st.session_state[f"f_{name}"] = ALL
    st.session_state["f_period"] = DEFAULT_PRESET


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
