"""诉求趋势 Trends: orders and complaints by month or week, split by category, source or street; this
period against the same months a year earlier; the category-by-month heatmap (seasonality); a click on a
category narrows every page to it (the shared category filter)."""
import pandas as pd
import streamlit as st

import charts
from metrics import formatting as fmt
from metrics import trends
from metrics.periods import data_starts
from ui import downloads, engine, frame, language, sidebar, tables
from ui.i18n import kpi_label, register, t

register({
    "tr_grain": ("时间粒度", "Time grain"),
    "tr_by_month": ("按月", "By month"),
    "tr_by_week": ("按周", "By week"),
    "tr_split": ("拆分维度", "Split by"),
    "tr_no_split": ("不拆分", "No split"),
    "tr_orders_title": ("工单量走势（{grain}）", "Work orders {grain}"),
    "tr_orders_split_title": ("工单量走势（{grain}，分{dim}）", "Work orders {grain}, by {dim}"),
    "tr_complaints_title": ("投诉量走势（{grain}）", "Complaints {grain}"),
    "tr_complaints_split_title": ("投诉量走势（{grain}，分{dim}）", "Complaints {grain}, by {dim}"),
    "tr_grain_month": ("按月", "by month"),
    "tr_grain_week": ("按周", "by week"),
    "tr_no_complaints": ("所选范围和时段内没有投诉。", "No complaints in the selected scope and period."),
    "tr_yoy_title": ("工单量同比：{this}与{last}", "Work orders: {this} against {last}"),
    "tr_yoy_before_data": ("{last}不在数据范围内（{note}），不画上年同期的线。",
                           "{last} lies before the data ({note}): no line for last year."),
    "tr_yoy_caption": ("按月对齐：本期每个月与上一年同月比较；数据截至时间落在本期内时，上年同期截取相同的已过时间。",
                       "Aligned by month: each month against the same month a year earlier; while the period is still "
                       "running, last year is cut at the same point."),
    "tr_categories_title": ("各诉求类别工单量（点击类别可聚焦）", "Work orders by category (click one to focus)"),
    "tr_focus": ("聚焦诉求类别", "Focus on a category"),
    "tr_focus_help": ("选择或点击一个类别后，本页和其他页面都只统计该类别（即侧栏的“诉求类别”筛选）。",
                      "Picking or clicking a category narrows this page and every other page to it (the sidebar's "
                      "Category filter)."),
    "tr_focused": ("已聚焦诉求类别：{category}", "Focused on the category {category}"),
    "tr_unfocus": ("取消聚焦", "Show all categories"),
    "tr_heatmap_title": ("各诉求类别工单量月度分布", "Work orders by category and month"),
    "tr_heatmap_caption": ("颜色越深工单越多；同一类别在固定月份集中出现即为季节性。",
                           "Darker cells hold more orders; a category that peaks in the same months shows seasonality."),
    "tr_orders": ("工单量", "Work orders"),
    "tr_complaints": ("投诉量", "Complaints"),
    "tr_change": ("同比", "change"),
    "tr_time": ("时间", "Time"),
    "tr_top_category": ("工单最多的类别", "Category with most orders"),
    "tr_peak_month": ("工单最多的月份", "Month with most orders"),
    "tr_peak_week": ("工单最多的周", "Week with most orders"),
    "tr_count": ("{n}件工单", "{n} orders"),
    "tr_data": ("图表数据", "The numbers behind the charts"),
    "tr_tab_trend": ("走势", "Trend"),
    "tr_tab_split_orders": ("工单（拆分）", "Orders split"),
    "tr_tab_split_complaints": ("投诉（拆分）", "Complaints split"),
    "tr_tab_yoy": ("同比", "Year over year"),
    "tr_tab_categories": ("诉求类别", "Categories"),
    "tr_tab_heatmap": ("类别×月份", "Category × month"),
    "tr_week_label": ("{year}年{month}月{day}日当周", "Week of {date}"),
    "tr_week_short": ("{month}月{day}日", "{day} {mon}"),
    "tr_week_caption": ("按周统计时，首周和末周只计入统计时段内的日子，可能不满七天。",
                        "By week, the first and last weeks count only the days inside the period and may be short."),
    "tr_week_of": ("{month}月{day}日当周", "Week of {day} {mon}"),
    "tr_month_of_year": ("{month}月", "{month}"),
})

GRAINS = ("month", "week")
SPLITS = ("none", "category", "source", "street")
RISE_IS_GOOD = {"orders_total": None, "complaint_count": False}


def bucket_label(day, grain: str, lang: str, short: bool = False) -> str:
    """A month as 2024年6月; a week by its Monday: 6月3日 on a chart within one year, 2024年6月3日当周 elsewhere."""
    if grain == "month":
        return charts.month_label(day, lang)
    if short:
        return t("tr_week_short", lang, month=day.month, day=day.day, mon=day.strftime("%b"))
    return t("tr_week_label", lang, year=day.year, month=day.month, day=day.day, date=day.isoformat())


def month_of_year(day, lang: str) -> str:
    return t("tr_month_of_year", lang, month=day.month if lang == "zh" else day.strftime("%b"))


def value_name(value, lang: str) -> str:
    return t("unknown", lang) if value is None else str(value)


def colours(dimension: str, values) -> dict:
    """The dimension's shared colours (over every value in the database); values the database's option list
    lacks (a complaint source no order has) get the colours after them."""
    known = engine.facts()["options"].get(dimension, [])
    out = charts.color_map(known)
    extra = sorted({v for v in values if v not in out}, key=lambda v: (v is None, v or ""))
    for i, v in enumerate(extra, start=len(out)):
        out[v] = charts.SERIES[i % len(charts.SERIES)]
    return out


def wide(rows: list[dict], grain: str, by: str, lang: str, short: bool = False) -> tuple[list[dict], list]:
    """Tidy split rows -> one row per bucket with a column per value (labels as shown)."""
    values = list(dict.fromkeys(r[by] for r in rows))
    table: dict = {}
    for r in rows:
        label = bucket_label(r[grain], grain, lang, short)
        table.setdefault(r[grain], {"label": label})[value_name(r[by], lang)] = r["count"]
    return list(table.values()), values


def split_chart(rows: list[dict], grain: str, by: str, title: str, key: str, lang: str, short: bool) -> pd.DataFrame:
    shown, values = wide(rows, grain, by, lang, short)
    palette = colours(by, values)
    names = [value_name(v, lang) for v in values]
    fig = charts.bars(shown, "label", [(n, n) for n in names], title, stacked=True,
                      colors={value_name(v, lang): palette[v] for v in values}, lang=lang)
    fig.update_traces(text=None, textposition="none")
    st.plotly_chart(fig, key=key)
    table, _ = wide(rows, grain, by, lang)
    frame = pd.DataFrame(table).rename(columns={"label": t("tr_time", lang)})
    return frame, {c: "count" for c in frame.columns[1:]}


def yoy_table(yoy: list[dict], this_label: str, last_label: str, lang: str) -> tuple[pd.DataFrame, dict]:
    """Months with this year's and last year's counts and the change (a ratio: +12.5% in Excel, 增长12.5% shown)."""
    table, kinds = {t("month", lang): [charts.month_label(r["month"], lang) for r in yoy]}, {}
    for name, word in (("orders_total", t("tr_orders", lang)), ("complaint_count", t("tr_complaints", lang))):
        table[paren(word, this_label, lang)] = [r[name] for r in yoy]
        table[paren(word, last_label, lang)] = [r[f"{name}_last_year"] for r in yoy]
        change = paren(word, t("tr_change", lang), lang)
        table[change] = [None if r[f"{name}_change_pct"] is None else r[f"{name}_change_pct"] / 100 for r in yoy]
        kinds.update({paren(word, this_label, lang): "count", paren(word, last_label, lang): "count", change: "change"})
    return pd.DataFrame(table), kinds


def paren(word: str, detail: str, lang: str) -> str:
    return f"{word}（{detail}）" if lang == "zh" else f"{word} ({detail})"


def change(name: str, report: dict, lang: str) -> tuple[str, float | None]:
    value = report["same_period_last_year"]["changes"].get(f"{name}_pct")
    return fmt.pct_change(value, lang), value


def delta_color(name: str, value: float | None) -> str:
    good = RISE_IS_GOOD[name]
    if value is None or round(value, 1) == 0 or good is None:
        return "gray"
    return "green" if (value > 0) == good else "red"


def arrow(value: float | None) -> str:
    if value is None or round(value, 1) == 0:
        return "off"
    return "up" if value > 0 else "down"


def cards(report: dict, by_category: list[dict], series: list[dict], grain: str, lang: str) -> None:
    columns = st.columns(4)
    for column, name in zip(columns, ("orders_total", "complaint_count")):
        text, value = change(name, report, lang)
        column.metric(kpi_label(name, lang), fmt.count(report[name]), border=True, delta=text,
                      delta_color=delta_color(name, value), delta_arrow=arrow(value),
                      delta_description=t("vs_last_year", lang))
    top = max(by_category, key=lambda r: (r["orders_total"], r["category"] is not None), default=None)
    if top:
        columns[2].metric(t("tr_top_category", lang), value_name(top["category"], lang), border=True,
                          delta=t("tr_count", lang, n=fmt.count(top["orders_total"])), delta_color="gray",
                          delta_arrow="off")
    peak = max(series, key=lambda r: r["orders_total"], default=None)
    if peak and peak["orders_total"]:
        columns[3].metric(t("tr_peak_month" if grain == "month" else "tr_peak_week", lang),
                          charts.month_label(peak[grain], lang) if grain == "month"
                          else t("tr_week_of", lang, month=peak[grain].month, day=peak[grain].day,
                                 mon=peak[grain].strftime("%b")), border=True,
                          delta=t("tr_count", lang, n=fmt.count(peak["orders_total"])), delta_color="gray",
                          delta_arrow="off")


def focus_on(category: str | None) -> None:
    """Set the shared category filter (the sidebar widget f_category, mirrored to the URL)."""
    if category is None or category in engine.facts()["options"]["category"]:
        st.session_state["f_category"] = category or sidebar.ALL


def focus_from_chart() -> None:
    event = st.session_state.get("trend_categories") or {}
    points = (event.get("selection") or {}).get("points") or []
    if points and points[0].get("y") is not None:
        focus_on(points[0]["y"])


def focus_from_select() -> None:
    focus_on(st.session_state.get("trend_focus") or None)


lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_trends", filters)
scope, window = filters.scope, filters.window
report = engine.ask("kpi_report", scope, window)

if not report["orders_total"] and not report["complaint_count"]:
    frame.empty_state()
    st.stop()
complaints_known = report["complaint_count"] is not None   # complaint data covers the period

left, right, _ = st.columns([1, 2, 1])
grain = left.radio(t("tr_grain", lang), GRAINS, key="trend_grain", horizontal=True,
                   format_func=lambda g: t(f"tr_by_{g}", lang))
split = right.radio(t("tr_split", lang), SPLITS, key="trend_split", horizontal=True,
                    format_func=lambda s: t("tr_no_split" if s == "none" else s, lang))

series = engine.ask(trends.orders_and_complaints, scope, window, grain=grain)
by_category = sorted(engine.ask("order_kpis_by", scope, window, by=("category",), hours=False),
                     key=lambda r: (-r["orders_total"], r["category"] is None, r["category"] or ""))
cards(report, by_category, series, grain, lang)

grain_word = t(f"tr_grain_{grain}", lang)
dim_word = "" if split == "none" else (t(split, lang) if lang == "zh" else t(split, lang).lower())
# week labels without the year fit a chart's axis while the period lies in one year
short = grain == "week" and window.period.start.year == min(window.period.end, window.as_of.date()).year
sheets = {}
trend_table = pd.DataFrame({
    t("tr_time", lang): [bucket_label(r[grain], grain, lang) for r in series],
    t("tr_orders", lang): [r["orders_total"] for r in series],
    t("tr_complaints", lang): [r["complaint_count"] if complaints_known else None for r in series],
})
sheets["trend"] = trend_table, {t("tr_orders", lang): "count", t("tr_complaints", lang): "count"}

left, right = st.columns(2)
with left:
    if split == "none":
        shown = [{**r, "label": bucket_label(r[grain], grain, lang, short)} for r in series]
        st.plotly_chart(charts.bars(shown, "label", [("orders_total", t("tr_orders", lang))],
                                    t("tr_orders_title", lang, grain=grain_word), lang=lang).update_traces(text=None),
                        key="trend_orders")
    else:
        rows = engine.ask(trends.split_counts, scope, window, grain=grain, by=split, dataset="work_orders")
        sheets["split_orders"] = split_chart(rows, grain, split, t("tr_orders_split_title", lang, grain=grain_word,
                                                                   dim=dim_word), "trend_orders", lang, short)
with right:
    if not complaints_known:
        frame.cannot_draw(frame.why_not_drawn(["complaint_count"], report, lang))
    elif report["complaint_count"] == 0:
        st.info(t("tr_no_complaints", lang), icon=":material/info:")
    elif split == "none":
        shown = [{**r, "label": bucket_label(r[grain], grain, lang, short)} for r in series]
        st.plotly_chart(charts.bars(shown, "label", [("complaint_count", t("tr_complaints", lang))],
                                    t("tr_complaints_title", lang, grain=grain_word),
                                    colors={"complaint_count": charts.SERIES[1]}, lang=lang).update_traces(text=None),
                        key="trend_complaints")
    else:
        rows = engine.ask(trends.split_counts, scope, window, grain=grain, by=split, dataset="complaints")
        sheets["split_complaints"] = split_chart(rows, grain, split,
                                                 t("tr_complaints_split_title", lang, grain=grain_word,
                                                   dim=dim_word), "trend_complaints", lang, short)

if grain == "week":
    st.caption(t("tr_week_caption", lang))

left, right = st.columns(2)
with left:
    yoy = engine.ask(trends.year_over_year, scope, window)
    earlier = window.compared("same_period_last_year")
    this_label, last_label = filters.period.label(lang), earlier.period.label(lang)
    # months of the year line up this year and last; a period over a year needs the year in the label
    shown = [{**r, "label": month_of_year(r["month"], lang) if len(yoy) <= 12 else charts.month_label(r["month"], lang)}
             for r in yoy]
    # a year earlier than the data reaches is no year of 0 orders: its line is left out and the page says why
    drawn = charts.drawable(yoy, ["orders_total_last_year"])
    lines = [("orders_total", this_label)] + ([("orders_total_last_year", last_label)] if drawn else [])
    st.plotly_chart(charts.lines(shown, "label", lines, t("tr_yoy_title", lang, this=this_label, last=last_label),
                                 colors={"orders_total_last_year": charts.TARGET_LINE}, lang=lang).update_yaxes(rangemode="tozero"),
                    key="trend_yoy")
    st.caption(t("tr_yoy_caption", lang) if drawn or not yoy
               else t("tr_yoy_before_data", lang, last=last_label, note=data_starts(engine.facts()["span"], lang)))
    sheets["yoy"] = yoy_table(yoy, this_label, last_label, lang)
with right:
    category_colours = colours("category", [r["category"] for r in by_category])
    if by_category:
        shown = [{**r, "category": value_name(r["category"], lang)} for r in by_category]
        st.plotly_chart(charts.bars(shown, "category", [("orders_total", t("tr_orders", lang))],
                                    t("tr_categories_title", lang), horizontal=True,
                                    color_by_x={value_name(k, lang): v for k, v in category_colours.items()},
                                    height=max(180, 70 + 28 * len(shown)), lang=lang),
                        key="trend_categories", on_select=focus_from_chart, selection_mode="points")
    category_options = engine.facts()["options"]["category"]
    st.session_state["trend_focus"] = scope.category or sidebar.ALL
    pick, clear = st.columns([3, 1], vertical_alignment="bottom")
    pick.selectbox(t("tr_focus", lang), [sidebar.ALL, *category_options], key="trend_focus",
                   on_change=focus_from_select, help=t("tr_focus_help", lang),
                   format_func=lambda v: t("all", lang) if v == sidebar.ALL else v)
    if scope.category:
        clear.button(t("tr_unfocus", lang), key="trend_unfocus", on_click=focus_on, args=(None,),
                     icon=":material/filter_alt_off:")
        st.caption(t("tr_focused", lang, category=scope.category))
    sheets["categories"] = pd.DataFrame({
        t("category", lang): [value_name(r["category"], lang) for r in by_category],
        kpi_label("orders_total", lang): [r["orders_total"] for r in by_category],
        kpi_label("on_time_closure_rate", lang): [r["on_time_closure_rate"] for r in by_category],
        kpi_label("satisfaction_rate", lang): [r["satisfaction_rate"] for r in by_category],
    }), {kpi_label("orders_total", lang): "count", kpi_label("on_time_closure_rate", lang): "rate",
         kpi_label("satisfaction_rate", lang): "rate"}

heat = engine.ask(trends.split_counts, scope, window, grain="month", by="category", dataset="work_orders")
if heat:
    order = {v: i for i, v in enumerate(dict.fromkeys(r["category"] for r in heat))}
    shown = [{**r, "category": value_name(r["category"], lang)} for r in heat]
    fig = charts.heatmap(shown, "month", "category", "count", t("tr_heatmap_title", lang),
                         x_label=lambda d: charts.month_label(d, lang), height=max(220, 90 + 30 * len(order)), lang=lang)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed([value_name(v, lang) for v in order])))
    st.plotly_chart(fig, key="trend_heatmap")
    st.caption(t("tr_heatmap_caption", lang))
    months, _ = wide(heat, "month", "category", lang)
    heatmap = pd.DataFrame(months).rename(columns={"label": t("month", lang)}).set_index(
        t("month", lang)).T.rename_axis(index=t("category", lang), columns=None).reset_index()
    sheets["heatmap"] = heatmap, {c: "count" for c in heatmap.columns[1:]}

st.subheader(t("tr_data", lang))
names = {"trend": "tr_tab_trend", "split_orders": "tr_tab_split_orders", "split_complaints": "tr_tab_split_complaints",
         "yoy": "tr_tab_yoy", "categories": "tr_tab_categories", "heatmap": "tr_tab_heatmap"}
for tab, (name, (table, kinds)) in zip(st.tabs([t(names[n], lang) for n in sheets]), sheets.items()):
    with tab:
        st.dataframe(tables.on_screen(table, kinds), hide_index=True, placeholder="—", key=f"trend_table_{name}")
        downloads.download_buttons(table, f"{t('page_trends', lang)}_{t(names[name], lang)}", f"trend_dl_{name}",
                               kinds=kinds)
