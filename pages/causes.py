"""原因分析 Why, and who: the sidebar's scope and period split by handling unit, property company, category or request
type (metrics.breakdown), the worst first; a click on a row shows its late, dissatisfied and unresolved orders with
their history (masked content, no personal data); a company's compounds and the property companies' 红黑榜. The
choice and the row are in the address (?by=unit&row=…), so 总览's street link opens a street's units and a view can
be sent."""
import pandas as pd
import streamlit as st

from metrics import formatting as fmt
from metrics.breakdown import DRILL_LIMIT, lists, worst_first
from ui import causes, connection, downloads, engine, frame, language, links, sidebar
from ui.i18n import kpi_label, register, t, value_label

register({
    "ca_choose": ("分析维度", "Split by"),
    "ca_caption": ("最差的排在前面：按综合得分从低到高，得分的算法与小区评分相同（{weights}），工单少于{n}件的不排名，"
                   "得分相同名次相同；按时办结率区间为95%置信区间（样本越少区间越宽）。{unknown}计入合计，不排名。"
                   "点击一行查看其未按时办结、不满意和回访未解决的工单。",
                   "Worst first: by composite score from the lowest, scored as the compounds are ({weights}); fewer "
                   "than {n} orders are not ranked, equal scores share a rank; the on-time interval is 95% (wider on "
                   "fewer orders). {unknown} are counted in the totals, not ranked. Click a row for its late, "
                   "dissatisfied and unresolved orders."),
    "ca_unknown_unit": ("未填写承办单位的工单（“未知”）", "Orders without a handling unit (“Unknown”)"),
    "ca_unknown_company": ("小区未入台账或台账未填物业公司的工单（“未知”）",
                           "Orders of compounds not in the registry or without a company in it (“Unknown”)"),
    "ca_unknown_category": ("未填写诉求类别的工单（“未知”）", "Orders without a category (“Unknown”)"),
    "ca_unknown_request_type": ("未填写诉求类型的工单（“未知”）", "Orders without a request type (“Unknown”)"),
    "ca_table_title": ("各{what}：最差的在前", "By {what}: the worst first"),
    "ca_none_ranked": ("没有{what}达到排名条件（工单不少于{n}件，且按时办结率、满意率、回访率中至少有{m}项），下表按工单量排列。",
                       "No {what} can be ranked (it takes {n} orders and {m} of the on-time, satisfaction and revisit "
                       "rates): the table runs by orders."),
    "ca_hours_rollups": ("办结用时中位数需要逐条工单，此数据库只含月度汇总，显示为“—”。",
                         "The median hours to close need the orders themselves; this database holds monthly rollups "
                         "only: shown as “—”."),
    "ca_lists_title": ("物业公司红黑榜", "Property companies: red and black lists"),
    "ca_red": ("红榜", "Red list"),
    "ca_black": ("黑榜（最差的在前）", "Black list (worst first)"),
    "ca_no_lists": ("达到排名条件的物业公司有{k}家（红黑榜各{size}家，需多于{size}家），不排红黑榜。",
                    "{k} property companies can be ranked (lists of {size} need more than {size}): no red and black "
                    "lists."),
    "ca_drill_title": ("{name}：问题工单", "{name}: the orders that fell short"),
    "ca_drill_pick": ("列出", "List"),
    "ca_short_late": ("超时办结或超期未办结（{n}件）", "Closed late or open past the deadline ({n})"),
    "ca_short_dissatisfied": ("回访不满意（{n}件）", "Dissatisfied ({n})"),
    "ca_short_unresolved": ("回访未解决（{n}件）", "Revisited, unresolved ({n})"),
    "ca_short_none": ("没有此类工单。", "No such order."),
    "ca_no_resolved": ("这些工单的数据中没有“是否解决”（导出无此列），无法列出回访未解决的工单。",
                       "These orders' data has no resolved (是否解决) column: unresolved orders cannot be listed."),
    "ca_capped": ("仅显示前{n}件；下载文件同样为前{n}件。", "Only the first {n} are shown and downloaded."),
    "ca_order_id": ("工单编号", "Order id"),
    "ca_received": ("受理时间", "Received"),
    "ca_due": ("办结时限", "Due"),
    "ca_closed": ("办结时间", "Closed"),
    "ca_state": ("状态", "Status"),
    "ca_days_late": ("超时天数", "Days late"),
    "ca_revisited": ("回访时间", "Revisited"),
    "ca_result": ("回访结果", "Revisit result"),
    "ca_resolved": ("是否解决", "Resolved"),
    "ca_content": ("诉求内容（已脱敏）", "Content (masked)"),
    "ca_state_late": ("超时办结", "Closed late"),
    "ca_state_overdue": ("超期未办结", "Open, overdue"),
    "ca_state_on_time": ("按时办结", "Closed on time"),
    "ca_state_open": ("在办，未到期", "Open, not yet due"),
    "ca_state_closed": ("已办结（无时限）", "Closed, no deadline"),
    "ca_state_open_nd": ("在办（无时限）", "Open, no deadline"),
    "ca_file": ("问题工单", "Orders that fell short"),
    "ca_rows_file": ("原因分析", "Causes"),
    "ca_company_compounds": ("在管小区（点击打开小区档案）", "Its compounds (click one to open its profile)"),
    "ca_compound_score": ("小区综合得分", "Compound score"),
    "ca_gone": ("所选的一行不在当前范围和时段内。", "The row chosen is not in the scope and period shown."),
    "ca_click": ("点击表中的一行查看该{what}的问题工单。", "Click a row to see the {what}'s orders that fell short."),
})

SHORTS = ("late", "dissatisfied", "unresolved")
MEASURE = {"late": "late_orders", "dissatisfied": "dissatisfied_orders", "unresolved": "unresolved_orders"}


def _chose_by() -> None:
    """Another split: the row and list chosen under the previous one no longer apply."""
    for key in ("row", "short"):
        if key in st.query_params:
            del st.query_params[key]


def _picked(key: str, names: list[str]) -> None:
    """A click on a row of the table `key` (callbacks run before the script): its name (`names`, the table's rows as
    drawn) goes to the address, its orders show below; unticking it closes them."""
    chosen = (st.session_state.get(key) or {}).get("selection", {}).get("rows") or []
    if chosen and chosen[0] < len(names):
        st.query_params["row"] = names[chosen[0]]
        st.session_state["ca_short"] = "late"   # a new row opens on its late orders
    elif not chosen and "row" in st.query_params:
        del st.query_params["row"]
    if "short" in st.query_params:
        del st.query_params["short"]


def _chose_short() -> None:
    st.query_params["short"] = st.session_state["ca_short"]


def state(row: dict, lang: str) -> str:
    if row["due_at"] is None:
        return t("ca_state_closed" if row["is_closed"] else "ca_state_open_nd", lang)
    if row["is_closed"]:
        return t("ca_state_on_time" if row["is_closed_on_time"] else "ca_state_late", lang)
    return t("ca_state_overdue" if row["is_overdue_open"] else "ca_state_open", lang)


def when(moment):
    return pd.NaT if moment is None else moment


def orders_table(found: list[dict], lang: str) -> pd.DataFrame:
    """A row's orders as shown and downloaded: the place and the unit, how late, the masked content (what it was
    about, before the history so it is in sight), then the history the data has (received, due, closed, revisited,
    the answer, resolved); no personal data is stored to show."""
    return pd.DataFrame({
        t("ca_order_id", lang): [r["order_id"] for r in found],
        t("compound", lang): [r["compound_name"] or r["compound_raw"] or t("unknown", lang) for r in found],
        t("street", lang): [r["street"] or t("unknown", lang) for r in found],
        t("by_unit", lang): [r["handling_unit"] or t("unknown", lang) for r in found],
        t("by_company", lang): [r["property_company"] or t("unknown", lang) for r in found],
        t("category", lang): [r["category"] or t("unknown", lang) for r in found],
        t("ca_state", lang): [state(r, lang) for r in found],
        t("ca_days_late", lang): pd.array([r["days_late"] for r in found], dtype="Int64"),
        t("ca_content", lang): [r["content"] or "" for r in found],
        t("ca_received", lang): pd.to_datetime([when(r["received_at"]) for r in found]),
        t("ca_due", lang): pd.to_datetime([when(r["due_at"]) for r in found]),
        t("ca_closed", lang): pd.to_datetime([when(r["closed_at"]) for r in found]),
        t("ca_revisited", lang): pd.to_datetime([when(r["revisited_at"]) for r in found]),
        t("ca_result", lang): [value_label("revisit_result", r["revisit_result"], lang) if r["revisit_result"] else fmt.DASH
                               for r in found],
        t("ca_resolved", lang): [fmt.DASH if r["resolved"] is None else t("yes" if r["resolved"] else "no", lang)
                                 for r in found],
    })


DATE_FORMAT = "YYYY-MM-DD HH:mm"


def company_lists(found: list[dict], lang: str) -> None:
    """物业公司红黑榜: the breakdown's own lists (the briefing prints the same, metrics.breakdown.lists)."""
    card = connection.config()["scorecard"]
    st.subheader(t("ca_lists_title", lang))
    red, black = lists(found)
    if not red and not black:
        ranked = sum(r["rank"] is not None for r in found)
        st.info(t("ca_no_lists", lang, k=ranked, size=card["list_size"]), icon=":material/leaderboard:")
        return
    for column, (label, items) in zip(st.columns(2), (("ca_red", red), ("ca_black", black))):
        with column:
            st.markdown(f"**{t(label, lang)}**")
            shown, config, _, _ = causes.table(items, "company", lang, compact=True)
            shown.insert(0, t("ca_rank", lang), pd.array([r["rank"] for r in items], dtype="Int64"))
            shown.insert(2, t("ca_compounds", lang), [("、" if lang == "zh" else ", ").join(r["compound_names"])
                                                      for r in items])
            shown.insert(3, t("ca_score", lang), [r["composite_score"] for r in items])
            config[t("ca_score", lang)] = st.column_config.NumberColumn(format="%.1f")
            config[t("ca_rank", lang)] = st.column_config.NumberColumn(format="%d", pinned=True)
            names = [causes.token(r["name"]) for r in items]
            st.dataframe(shown, hide_index=True, placeholder="—", column_config=config, key=f"ca_{label}",
                         on_select=lambda key=f"ca_{label}", names=names: _picked(key, names),
                         selection_mode="single-row")


def company_compounds(name: str, lang: str) -> None:
    """The company's compounds in scope, from the scorecard (a click opens the compound's profile)."""
    mine = [r for r in engine.ask("scorecard", scope, window) if (r["property_company"] or "").strip() == name]
    if not mine:
        return
    st.markdown(f"**{t('ca_company_compounds', lang)}**")
    shown = pd.DataFrame({
        t("compound", lang): [r["compound_name"] for r in mine],
        t("street", lang): [r["street"] or t("unknown", lang) for r in mine],
        t("community", lang): [r["community"] or t("unknown", lang) for r in mine],
        kpi_label("orders_total", lang): [r["orders_total"] for r in mine],
        kpi_label("on_time_closure_rate", lang): [None if r["on_time_closure_rate"] is None else 100 * r["on_time_closure_rate"]
                                                  for r in mine],
        kpi_label("satisfaction_rate", lang): [None if r["satisfaction_rate"] is None else 100 * r["satisfaction_rate"]
                                               for r in mine],
        t("ca_compound_score", lang): [r["composite_score"] for r in mine],
    })
    event = st.dataframe(shown, hide_index=True, placeholder="—", on_select="rerun", selection_mode="single-row",
                         key="ca_compounds", column_config={
                             kpi_label("on_time_closure_rate", lang): st.column_config.NumberColumn(format="%.1f%%"),
                             kpi_label("satisfaction_rate", lang): st.column_config.NumberColumn(format="%.1f%%"),
                             t("ca_compound_score", lang): st.column_config.NumberColumn(format="%.1f")})
    if event.selection.rows:
        links.open_profile(mine[event.selection.rows[0]]["compound_name"])


def drill(row: dict, by: str, lang: str) -> None:
    """A row's orders that fell short: late (closed late or open past the deadline), dissatisfied, revisited and
    unresolved; the list chosen is in the address (?short=)."""
    name = causes.row_name(row, lang)
    st.subheader(t("ca_drill_title", lang, name=name))
    tiles = [(kpi_label("orders_total", lang), fmt.count(row["orders_total"])),
             (kpi_label("on_time_closure_rate", lang), fmt.percent(row["on_time_closure_rate"])),
             (kpi_label("satisfaction_rate", lang), fmt.percent(row["satisfaction_rate"])),
             (kpi_label("median_close_hours", lang), fmt.DASH if row["median_close_hours"] is None
              else f"{row['median_close_hours']:.1f}"),
             (t("ca_overdue", lang), fmt.count(row["overdue_orders"]))]
    for column, (label, value) in zip(st.columns(len(tiles)), tiles):
        column.metric(label, value, border=True)
    if by == "company" and not row["unknown"]:
        company_compounds(row["name"], lang)
    asked = st.query_params.get("short")
    if st.session_state.get("ca_short") not in SHORTS:
        st.session_state["ca_short"] = asked if asked in SHORTS else "late"
    short = st.radio(t("ca_drill_pick", lang), SHORTS, key="ca_short", horizontal=True, on_change=_chose_short,
                     format_func=lambda s: t(f"ca_short_{s}", lang, n=fmt.count(row[MEASURE[s]]))
                     if row[MEASURE[s]] is not None else t("ca_unresolved", lang))
    if short == "unresolved" and row["unresolved_orders"] is None:
        st.info(t("ca_no_resolved", lang), icon=":material/visibility_off:")
        return
    found = engine.ask("breakdown_orders", scope, window, by=by, row=row["name"], which=short,
                       limit=DRILL_LIMIT)
    if not found:
        st.info(t("ca_short_none", lang))
        return
    if len(found) == DRILL_LIMIT:
        st.caption(t("ca_capped", lang, n=DRILL_LIMIT))
    shown = orders_table(found, lang)
    with st.container(key="ca_orders"):   # st-key-ca_orders: the browser tests find the list by it
        st.dataframe(shown, hide_index=True, placeholder="—", key=f"ca_orders_{short}", column_config={
            t("ca_order_id", lang): st.column_config.TextColumn(width="small"),
            **{t(k, lang): st.column_config.DatetimeColumn(format=DATE_FORMAT)
               for k in ("ca_received", "ca_due", "ca_closed", "ca_revisited")},
            t("ca_content", lang): st.column_config.TextColumn(width="medium")})
    # 问题工单_东街道_2024年6月.xlsx: the row and the list in the title; content masked at import, no personal data
    downloads.download_buttons(shown, f"{t('ca_file', lang)}（{name}，{t(f'ca_short_{short}', lang, n=len(found))}）"
                               if lang == "zh" else f"{t('ca_file', lang)} ({name}, {t(f'ca_short_{short}', lang, n=len(found))})",
                               f"ca_orders_dl_{short}", scope, deferred=True,
                               kinds={t("ca_days_late", lang): "count", **{t(k, lang): "datetime" for k in (
                                   "ca_received", "ca_due", "ca_closed", "ca_revisited")}})


# ---- the page ------------------------------------------------------------------------------------

lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_causes", filters)
scope, window = filters.scope, filters.window

asked = st.query_params.get("by")
if st.session_state.get("ca_by") not in causes.BYS:
    st.session_state["ca_by"] = asked if asked in causes.BYS else "unit"
by = st.radio(t("ca_choose", lang), causes.BYS, key="ca_by", horizontal=True, on_change=_chose_by,
              format_func=lambda b: t(f"by_{b}", lang))
if st.query_params.get("by") != by:
    st.query_params["by"] = by

found = engine.ask("breakdown", scope, window, by=by)
if not found:
    frame.empty_state()
    st.stop()
what = causes.what(by, lang)
card = connection.config()["scorecard"]
weights = ("、" if lang == "zh" else ", ").join(
    f"{kpi_label(k, lang) if k != 'complaint_score' else t('complaints', lang)}{'' if lang == 'zh' else ' '}"
    f"{round(float(w) * 100)}%" for k, w in card["weights"].items() if k != "complaint_score" or by == "company")

if by == "company":
    company_lists(found, lang)

shown_rows = worst_first(found)
st.subheader(t("ca_table_title", lang, what=what))
st.caption(t("ca_caption", lang, weights=weights, n=card["min_orders"], unknown=t(f"ca_unknown_{by}", lang)))
if not any(r["rank"] is not None for r in found):
    st.info(t("ca_none_ranked", lang, what=what, n=card["min_orders"], m=card.get("min_rates", 2)),
            icon=":material/leaderboard:")
if not found[0]["hours_known"] and engine.facts()["rollups_only"]:
    st.caption(t("ca_hours_rollups", lang))
shown, config, raw, kinds = causes.table(shown_rows, by, lang)
names = [causes.token(r["name"]) for r in shown_rows]
st.dataframe(shown, hide_index=True, placeholder="—", column_config=config,
             on_select=lambda: _picked(f"ca_rows_{by}", names), selection_mode="single-row", key=f"ca_rows_{by}")
downloads.download_buttons(raw, f"{t('ca_rows_file', lang)}（{what}）" if lang == "zh"
                           else f"{t('ca_rows_file', lang)} ({t(f'by_{by}', lang)})", f"ca_rows_dl_{by}", kinds=kinds)

chosen = causes.pick(found, st.query_params.get("row"))
if chosen is not None:
    drill(chosen, by, lang)
elif st.query_params.get("row"):
    st.info(t("ca_gone", lang), icon=":material/filter_alt_off:")
else:
    st.caption(t("ca_click", lang, what=what))
