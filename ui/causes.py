"""原因分析 tables (metrics.breakdown's rows) as pages show and download them: the 原因分析 page and 小区档案's sections.
A row's name is data: it goes into st.dataframe cells only, never into markup."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import formatting as fmt
from ui.i18n import kpi_label, register, t, value_label

BYS = ("unit", "company", "category", "request_type")
UNKNOWN_TOKEN = "__unknown__"   # the unknown row in the address (?row=): no unit, company, category … is named so

register({
    "by_unit": ("承办单位", "Handling unit"),
    "by_company": ("物业公司", "Property company"),
    "by_category": ("诉求类别", "Category"),
    "by_request_type": ("诉求类型", "Request type"),
    "ca_rank": ("名次", "Rank"),
    "ca_compounds": ("在管小区", "Compounds"),
    "ca_late": ("超时或超期", "Late or overdue"),
    "ca_interval": ("按时办结率95%区间", "On-time 95% interval"),
    "ca_interval_low": ("按时办结率区间下限", "On-time interval, low"),
    "ca_interval_high": ("按时办结率区间上限", "On-time interval, high"),
    "ca_satisfaction_low": ("满意率区间下限", "Satisfaction interval, low"),
    "ca_satisfaction_high": ("满意率区间上限", "Satisfaction interval, high"),
    "ca_revisit_low": ("回访率区间下限", "Revisit interval, low"),
    "ca_revisit_high": ("回访率区间上限", "Revisit interval, high"),
    "ca_dissatisfied": ("不满意", "Dissatisfied"),
    "ca_unresolved": ("回访未解决", "Revisited, unresolved"),
    "ca_open": ("在办", "Open"),
    "ca_overdue": ("超期在办", "Open, overdue"),
    "ca_score": ("综合得分", "Score"),
    "ca_list": ("红黑榜", "List"),
    "ca_sample": ("样本", "Sample"),
})


def what(by: str, lang: str) -> str:
    """The split's name inside a sentence: 承办单位, handling unit."""
    return t(f"by_{by}", lang) if lang == "zh" else t(f"by_{by}", lang).lower()


def row_name(row: dict, lang: str) -> str:
    """A row's name as shown: the unknown row is 未知."""
    return t("unknown", lang) if row["name"] is None else row["name"]


def token(name: str | None) -> str:
    """A row's name in the address."""
    return UNKNOWN_TOKEN if name is None else name


def pick(found: list[dict], value: str | None) -> dict | None:
    """The row the address names (?row=), if the rows shown hold it."""
    if not value:
        return None
    return next((r for r in found if token(r["name"]) == value), None)


def _percent(values) -> list:
    return [None if v is None else 100 * v for v in values]


def interval(row: dict, name: str) -> str:
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    return fmt.DASH if low is None else f"{fmt.percent(low)}–{fmt.percent(high)}"


def table(found: list[dict], by: str, lang: str, compact: bool = False) -> tuple[pd.DataFrame, dict, pd.DataFrame, dict]:
    """(the table as the page shows it, its column_config, the download's table with numbers as numbers, its kinds).
    Rates on screen are numbers formatted as 76.1% (so a click on a column's name sorts them as numbers); the
    download gives each rate as a fraction under its Excel format and the interval as its two bounds. `compact`:
    小区档案's short form (name, orders, on-time and the late, satisfaction and the dissatisfied)."""
    name = t(f"by_{by}", lang)
    on_time, revisit, satisfaction = (kpi_label(k, lang) for k in ("on_time_closure_rate", "revisit_rate",
                                                                    "satisfaction_rate"))
    hours = kpi_label("median_close_hours", lang)
    columns: list[tuple[str, str, list, list]] = []   # (label, kind, on screen, in the file)

    def add(label, kind, values, raw=None):
        columns.append((label, kind, values, values if raw is None else raw))

    if not compact:
        add(t("ca_rank", lang), "rank", pd.array([r["rank"] for r in found], dtype="Int64"))
    add(name, "text", [row_name(r, lang) for r in found])
    if by == "company" and not compact:
        add(t("ca_compounds", lang), "text", [("、" if lang == "zh" else ", ").join(r.get("compound_names") or [])
                                              for r in found])
    add(kpi_label("orders_total", lang), "count", [r["orders_total"] for r in found])
    if not compact:
        add(kpi_label("orders_due", lang), "count", [r["orders_due"] for r in found])
    add(t("ca_late", lang), "count", [r["late_orders"] for r in found])
    add(on_time, "rate", _percent(r["on_time_closure_rate"] for r in found), [r["on_time_closure_rate"] for r in found])
    if not compact:
        columns.append((t("ca_interval", lang), "text", [interval(r, "on_time_closure_rate") for r in found], None))
        add(revisit, "rate", _percent(r["revisit_rate"] for r in found), [r["revisit_rate"] for r in found])
    add(satisfaction, "rate", _percent(r["satisfaction_rate"] for r in found), [r["satisfaction_rate"] for r in found])
    add(t("ca_dissatisfied", lang), "count", [r["dissatisfied_orders"] for r in found])
    if not compact:
        add(t("ca_unresolved", lang), "count", [r["unresolved_orders"] for r in found])
        add(hours, "decimal", [r["median_close_hours"] for r in found])
        add(t("ca_open", lang), "count", [r["open_orders"] for r in found])
        add(t("ca_overdue", lang), "count", [r["overdue_orders"] for r in found])
        add(t("ca_score", lang), "decimal", [r["composite_score"] for r in found])
        add(t("ca_list", lang), "text", [value_label("list", r["list"], lang) if r["list"] else "" for r in found])
        add(t("ca_sample", lang), "text", [t("small_sample", lang) if r["small_sample"] and not r["unknown"] else ""
                                           for r in found])
    shown = pd.DataFrame({label: values for label, _, values, _ in columns})
    raw_columns = {label: raw for label, kind, _, raw in columns if raw is not None}
    kinds = {label: kind for label, kind, _, raw in columns if raw is not None and kind != "text"}
    if not compact:   # the intervals' bounds, as numbers, after the rates
        for key, rate in (("ca_interval", "on_time_closure_rate"), ("ca_revisit", "revisit_rate"),
                          ("ca_satisfaction", "satisfaction_rate")):
            for end in ("low", "high"):
                label = t(f"{key}_{end}", lang)
                raw_columns[label], kinds[label] = [r[f"{rate}_{end}"] for r in found], "rate"
    config = {label: st.column_config.NumberColumn(format="%.1f%%") for label, kind, _, _ in columns if kind == "rate"}
    config.update({label: st.column_config.NumberColumn(format="%.1f") for label, kind, _, _ in columns
                   if kind == "decimal"})
    config.update({label: st.column_config.NumberColumn(format="%d", pinned=True) for label, kind, _, _ in columns
                   if kind == "rank"})
    config[name] = st.column_config.TextColumn(width="medium", pinned=True)   # in sight when the table scrolls
    return shown, config, pd.DataFrame(raw_columns), kinds
