"""KPI cards: value, 环比 as the delta, target and 同比 beneath, what is missing when the data lacks an input."""
from __future__ import annotations

import streamlit as st

from metrics import formatting as fmt
from metrics.catalog import KPIS, missing_reason, missing_text
from metrics.caveats import caveats
from ui.connection import config
from ui.i18n import t
from ui.language import lang

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
