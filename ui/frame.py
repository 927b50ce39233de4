"""The page frame: title, demo badge, data-as-of line, scope and period; the look for newly published data; what a page says instead of a chart or a table with nothing to show."""
from __future__ import annotations

import streamlit as st

import store
from metrics import formatting as fmt
from metrics.catalog import KPIS, missing_reason
from metrics.config import load_config
from metrics.periods import coverage_note
from ui.connection import data_version
from ui.engine import facts
from ui.i18n import t
from ui.language import lang
from ui.sidebar import Filters, _in_the_frame
from ui.viewer import allowed
from ui.words import scope_text


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
