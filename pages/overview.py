"""总览 Overview: KPI cards with targets and comparisons for the chosen period and street."""
import datetime as dt

import streamlit as st

from metrics import formatting as fmt
from metrics.catalog import KPIS
from metrics.kpis import Scope, Window, kpi_report, street_names
from metrics.periods import PRESETS, Period, preset_period
from ui import state
from ui.i18n import t

CARDS = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate", "orders_total", "complaint_count",
         "party_org_coverage"]


# A rise is good news for rates, bad news for complaints, neither for the order count.
DELTA_COLOR = {"complaint_count": "inverse", "orders_total": "off"}


def change(name: str, comparison: dict, lang: str) -> tuple[str, float | None]:
    changes = comparison["changes"]
    if KPIS[name].kind == "rate":
        value = changes.get(f"{name}_pp")
        return fmt.pp_change(value, lang), value
    value = changes.get(f"{name}_pct")
    return fmt.pct_change(value, lang), value


def arrow(value: float | None) -> str:
    if value is None or round(value, 1) == 0:
        return "off"
    return "up" if value > 0 else "down"


def value_text(name: str, report: dict) -> str:
    value = report.get(name)
    return fmt.percent(value) if KPIS[name].kind == "rate" else fmt.count(value)


lang = state.lang()
cur = state.cursor()
facts = state.data_facts(state.database())
as_of = state.as_of()

with st.sidebar:
    preset = st.selectbox(t("period", lang), PRESETS, key="preset",
                          index=PRESETS.index(st.query_params.get("period", "first_half")),
                          format_func=lambda p: t(p, lang))
    st.query_params["period"] = preset
    streets = [None] + street_names(cur)
    street = st.selectbox(t("street", lang), streets, key="street",
                          index=streets.index(st.query_params.get("street")) if st.query_params.get("street") in streets else 0,
                          format_func=lambda s: t("all", lang) if s is None else s)
    if street:
        st.query_params["street"] = street
    elif "street" in st.query_params:
        del st.query_params["street"]

period: Period = preset_period(preset, as_of.date())
window = Window(period, as_of)
st.title(t("app_title", lang))
if facts["is_demo"]:
    st.warning(t("demo_badge", lang), icon=":material/science:")
colon = "：" if lang == "zh" else ": "
st.caption(f"{t('as_of', lang)}{colon}{fmt.as_of(facts['as_of'], lang)} · {t('imported', lang)}{colon}"
           f"{fmt.as_of(facts['imported_at'], lang)}")

report = kpi_report(cur, state.config(), Scope(street=street), window)
st.subheader(t("kpi_cards_title", lang, period=period.label(lang)))
if report["orders_total"] == 0 and report["compounds_total"] == 0:
    st.info(t("no_data", lang))
targets = state.config()["targets"]
columns = st.columns(3) + st.columns(3)
for column, name in zip(columns, CARDS):
    with column:
        kpi = KPIS[name]
        help_text = kpi.description_zh if lang == "zh" else kpi.description_en
        compared = kpi.dataset != "compounds"
        text, value = change(name, report["previous_period"], lang) if compared else (None, None)
        st.metric(kpi.label(lang), value_text(name, report), help=help_text, border=True, delta=text,
                  delta_color=DELTA_COLOR.get(name, "normal"), delta_arrow=arrow(value),
                  delta_description=t("vs_previous", lang) if compared else None)
        lines = []
        if name in targets:
            lines.append(f"{t('target', lang)} {fmt.percent(targets[name])}")
        if compared:
            lines.append(f"{t('vs_last_year', lang)} {change(name, report['same_period_last_year'], lang)[0]}")
        st.caption(" · ".join(lines))
