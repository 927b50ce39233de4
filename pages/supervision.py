"""督办 Supervision: first the 督办 opened on overdue orders (ui.cases: open ones first, overdue replies on top; one
督办's orders, feedback and 督办单); then the orders open past their deadline and those due within N days (config
supervision.due_within_days), sortable and narrowed by handling unit and category, exported as a 督办单 (Excel, CSV,
Word), with the form that opens a 督办 on them; which handling unit and street hold the most overdue orders; the open
orders without any deadline (无时限), most days open first, a section of their own; a compound's cell opens its
profile, any other cell of an order shows its history (no personal data). The queue counts what 总览's open orders
count (metrics.supervision)."""
import pandas as pd
import streamlit as st

import charts
from metrics import formatting as fmt
from metrics.supervision import counts_by, due_within_days, no_deadline, no_deadline_by, order_history, queue, totals
from ui import cases, connection, downloads, engine, frame, language, links, sidebar, tables, words
from ui.i18n import register, t, value_label

register({
    "sv_caption": ("在办工单中已超过办结时限的（超期）和{n}天内到期的（临期），判断时点为数据截至时间；按统计时段内受理的"
                   "工单计，与总览的在办工单一致。超期天数、剩余天数均按已开始的天计。",
                   "Open orders past their deadline (overdue) and those due within {n} days, judged at the data's "
                   "moment; orders received in the period, as the Overview's open orders. Days overdue and days left count "
                   "days begun."),
    "sv_which": ("显示", "Show"),
    "sv_which_all": ("超期及{n}天内到期", "Overdue and due within {n} days"),
    "sv_which_overdue": ("仅超期", "Overdue only"),
    "sv_which_due_soon": ("仅{n}天内到期", "Due within {n} days only"),
    "sv_units": ("承办单位", "Handling unit"),
    "sv_categories": ("诉求类别", "Category"),
    "sv_all_placeholder": ("全部", "All"),
    "sv_blank": ("（未填写）", "(not given)"),
    "sv_overdue": ("超期工单", "Overdue"),
    "sv_overdue_short": ("超期1-3天", "Overdue 1-3 days"),
    "sv_overdue_medium": ("超期4-7天", "Overdue 4-7 days"),
    "sv_overdue_long": ("超期7天以上", "Overdue over 7 days"),
    "sv_due_soon": ("{n}天内到期", "Due within {n} days"),
    "sv_none": ("没有超期、{n}天内到期或无办结时限的在办工单。",
                "No open order is overdue, due within {n} days or without a deadline."),
    "sv_only_no_deadline": ("没有超期或{n}天内到期的在办工单；但有{m}件在办工单没有办结时限，无法判断是否超期，列于下方。",
                            "No open order is overdue or due within {n} days; but {m} open orders have no deadline, "
                            "so whether they are overdue cannot be told: they are listed below."),
    "sv_no_deadline_pointer": ("另有{m}件在办工单没有办结时限，见本页末“无办结时限的在办工单”。",
                               "Another {m} open orders have no deadline: see “Open orders without a deadline” at the "
                               "end of the page."),
    "sv_nd_title": ("无办结时限的在办工单", "Open orders without a deadline"),
    "sv_nd_caption": ("导出中没有办结时限、也未按类别推算时限的在办工单，无法判断是否超期。在办天数为受理至数据截至时间已开始的天数，"
                      "在办最久的在前。",
                      "Open orders the export gives no deadline (none derived from the category either): whether they "
                      "are overdue cannot be told. Days open count the days begun from receipt to the data's moment; the "
                      "longest open first."),
    "sv_nd_count": ("无时限在办工单", "Open, no deadline"),
    "sv_nd_max": ("最长在办天数", "Most days open"),
    "sv_nd_none": ("所选承办单位和诉求类别下没有无时限的在办工单。",
                   "No open order without a deadline for the chosen handling units and categories."),
    "sv_nd_capped": ("仅显示在办最久的前{n}件；下载文件同样为前{n}件。", "Only the {n} longest open are shown and downloaded."),
    "sv_days_open": ("在办天数", "Days open"),
    "sv_nd_file": ("无时限在办工单", "Open orders without a deadline"),
    "sv_none_filtered": ("所选承办单位和诉求类别下没有工单。", "No order for the chosen handling units and categories."),
    "sv_queue_title": ("督办清单", "Supervision list"),
    "sv_queue_help": ("点击“小区”列打开该小区档案；点击其他列查看该工单的经过。点击列名排序。",
                      "Click a compound's cell to open its profile; any other cell shows the order's history. "
                      "Click a column's name to sort."),
    "sv_capped": ("仅显示超期最久的前{n}件；下载文件同样为前{n}件。", "Only the {n} most overdue are shown and downloaded."),
    "sv_order_id": ("工单编号", "Order id"),
    "sv_status": ("状态", "Status"),
    "sv_days_overdue": ("超期天数", "Days overdue"),
    "sv_days_left": ("剩余天数", "Days left"),
    "sv_received": ("受理时间", "Received"),
    "sv_due": ("办结时限", "Due"),
    "sv_file": ("督办单", "Supervision list"),
    "sv_pick": ("查看工单经过", "Order history"),
    "sv_pick_placeholder": ("选择工单，或点击清单中的一行", "Choose an order, or click one in the list"),
    "sv_history_title": ("工单 {id} 的经过", "History of order {id}"),
    "sv_event": ("环节", "Step"),
    "sv_time": ("时间", "Time"),
    "sv_note": ("说明", "Note"),
    "sv_received_event": ("受理", "Received"),
    "sv_due_event": ("办结时限", "Deadline"),
    "sv_closed_event": ("办结", "Closed"),
    "sv_revisited_event": ("回访", "Revisited"),
    "sv_derived": ("导出无时限，按类别推算", "not exported: derived from the category"),
    "sv_not_closed": ("截至数据时点尚未办结", "Not closed at the data's moment"),
    "sv_revisit_result": ("回访结果：{result}", "Result: {result}"),
    "sv_revisit_no_time": ("回访结果：{result}（无回访时间）", "Revisit result: {result} (no revisit time)"),
    "sv_state_overdue": ("超期{d}天未办结", "Open, {d} days overdue"),
    "sv_state_pending": ("在办，未到期", "Open, not yet due"),
    "sv_state_closed_on_time": ("按时办结", "Closed on time"),
    "sv_state_closed_late": ("超时办结", "Closed late"),
    "sv_state_no_deadline_open": ("在办（无时限）", "Open, no deadline"),
    "sv_state_no_deadline_closed": ("已办结（无时限）", "Closed, no deadline"),
    "sv_content": ("诉求内容（已脱敏）", "Content (masked)"),
    "sv_source": ("来源渠道", "Source"),
    "sv_repeat": ("重复诉求", "Repeat request"),
    "sv_open_profile": ("打开小区档案", "Open the compound's profile"),
    "sv_by_unit_title": ("各承办单位超期及临期工单", "Overdue and soon-due orders by handling unit"),
    "sv_by_unit_top": ("（前{n}个）", " (top {n})"),
    "sv_by_street_title": ("各街道超期及临期工单", "Overdue and soon-due orders by street"),
    "sv_where_title": ("超期工单在哪里", "Where the overdue orders are"),
    "sv_total": ("合计", "Total"),
    "sv_max_overdue": ("最长超期天数", "Most days overdue"),
})

ROW_LIMIT = 2000
UNITS_CHARTED = 15
STATUS_COLORS = {"overdue_long": charts.ACCENT, "overdue_medium": "#C7683B", "overdue_short": "#D49A2A",
                 "due_soon": "#6D7A89"}


def blank(value, lang: str) -> str:
    return t("sv_blank", lang) if value in (None, "") else value


def status_text(status: str, n: int, lang: str) -> str:
    return t(f"sv_{status}", lang, n=n)


def queue_table(found: list[dict], n: int, lang: str) -> pd.DataFrame:
    """The list as shown and exported: days as numbers, times as times; the compound beside the order's id, both of
    fixed width, so the cell that opens a profile is where a reader (and the browser test) expects it."""
    return pd.DataFrame({
        t("sv_order_id", lang): [r["order_id"] for r in found],
        t("compound", lang): [r["compound_name"] or r["compound_raw"] or t("sv_blank", lang) for r in found],
        t("sv_status", lang): [status_text(r["status"], n, lang) for r in found],
        t("sv_days_overdue", lang): pd.array([r["days_overdue"] for r in found], dtype="Int64"),
        t("sv_days_left", lang): pd.array([r["days_left"] for r in found], dtype="Int64"),
        t("street", lang): [blank(r["street"], lang) for r in found],
        t("community", lang): [blank(r["community"], lang) for r in found],
        t("sv_units", lang): [blank(r["handling_unit"], lang) for r in found],
        t("category", lang): [blank(r["category"], lang) for r in found],
        t("sv_received", lang): pd.to_datetime([r["received_at"] for r in found]),
        t("sv_due", lang): pd.to_datetime([r["due_at"] for r in found]),
    })


def no_deadline_table(found: list[dict], lang: str) -> pd.DataFrame:
    """The open orders without a deadline as shown and exported: the queue's columns that apply, days open."""
    return pd.DataFrame({
        t("sv_order_id", lang): [r["order_id"] for r in found],
        t("compound", lang): [r["compound_name"] or r["compound_raw"] or t("sv_blank", lang) for r in found],
        t("sv_days_open", lang): pd.array([r["days_open"] for r in found], dtype="Int64"),
        t("street", lang): [blank(r["street"], lang) for r in found],
        t("community", lang): [blank(r["community"], lang) for r in found],
        t("sv_units", lang): [blank(r["handling_unit"], lang) for r in found],
        t("category", lang): [blank(r["category"], lang) for r in found],
        t("sv_received", lang): pd.to_datetime([r["received_at"] for r in found]),
    })


def counts_table(found: list[dict], by: str, label: str, n: int, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        label: [blank(r[by], lang) for r in found],
        t("sv_overdue", lang): [r["overdue"] for r in found],
        t("sv_overdue_short", lang): [r["overdue_short"] for r in found],
        t("sv_overdue_medium", lang): [r["overdue_medium"] for r in found],
        t("sv_overdue_long", lang): [r["overdue_long"] for r in found],
        t("sv_due_soon", lang, n=n): [r["due_soon"] for r in found],
        t("sv_total", lang): [r["total"] for r in found],
        t("sv_max_overdue", lang): pd.array([r["max_days_overdue"] for r in found], dtype="Int64"),
    })


def picked_cell(table: str = "sv_queue", rows_key: str = "_sv_rows", order_key: str = "sv_order") -> None:
    """A click in a list (callbacks run before the script): a compound's cell opens its profile, another cell
    shows its order's history (under that list)."""
    cells = st.session_state[table]["selection"]["cells"]
    shown = st.session_state.get(rows_key)
    if not cells or not shown:
        return
    row, column = cells[0]
    if row >= len(shown["ids"]):
        return
    if column == shown["compound_label"] and shown["compounds"][row]:
        st.session_state["_sv_open"] = shown["compounds"][row]
    else:
        st.session_state[order_key] = shown["ids"][row]


def when(moment) -> str:
    return fmt.DASH if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def show_history(found: dict, lang: str, key: str = "sv") -> None:
    colon = "：" if lang == "zh" else ": "
    with st.container(border=True):
        st.markdown(f"**{words.plain(t('sv_history_title', lang, id=found['order_id']))}**")
        place = " · ".join(p for p in (found["street"], found["community"],
                                       found["compound_name"] or found["compound_raw"]) if p)
        facts = [place, f"{t('sv_units', lang)}{colon}{blank(found['handling_unit'], lang)}",
                 f"{t('category', lang)}{colon}{blank(found['category'], lang)}",
                 f"{t('sv_source', lang)}{colon}{blank(found['source'], lang)}",
                 f"{t('sv_repeat', lang)}{colon}{t('yes' if found['is_repeat'] else 'no', lang)}"]
        st.markdown(words.plain(" · ".join(f for f in facts if f)))
        st.markdown(f"**{words.plain(t('sv_state_' + found['state'], lang, d=found['days_overdue']))}**")
        notes = {"due": t("sv_derived", lang) if found["due_at_derived"] else "",
                 "revisited": t("sv_revisit_result", lang, result=value_label("revisit_result", found["revisit_result"], lang))
                 if found["revisit_result"] else ""}
        steps = [(t(f"sv_{e['event']}_event", lang), when(e["at"]), notes.get(e["event"], "")) for e in found["events"]]
        if found["closed_at"] is None:
            steps.append((t("sv_closed_event", lang), fmt.DASH, t("sv_not_closed", lang)))
        elif found["revisited_at"] is None and found["revisit_result"]:
            steps.append((t("sv_revisited_event", lang), fmt.DASH, t("sv_revisit_no_time", lang, result=value_label(
                "revisit_result", found["revisit_result"], lang))))
        st.dataframe(pd.DataFrame(steps, columns=[t("sv_event", lang), t("sv_time", lang), t("sv_note", lang)]),
                     hide_index=True, key=f"{key}_history")
        if found["content"]:
            st.caption(t("sv_content", lang))
            st.text(found["content"])
        if found["compound_name"] and st.button(t("sv_open_profile", lang), key=f"{key}_open_profile",
                                                icon=":material/home_work:"):
            links.open_profile(found["compound_name"])


def order_picker(ids: list[str], key: str, history_key: str, queue_ids: tuple = ()) -> None:
    """查看工单经过 under a list: the order chosen (or clicked in the list) and its history; for an order of the 督办
    list (`queue_ids`), the button that opens a 督办 on it."""
    if st.session_state.get(key) not in ids:
        st.session_state[key] = None
    picked = st.selectbox(t("sv_pick", lang), ids, index=None, key=key, placeholder=t("sv_pick_placeholder", lang))
    if picked:
        history = engine.ask(order_history, scope, window, order_id=picked)
        if history:
            show_history(history, lang, history_key)
            cases.open_button(picked, list(queue_ids))


def options(by: str, in_queue: bool, undated: bool) -> list[str]:
    """A page filter's choices ("" = blank): the queue's, the unit holding the most overdue orders first, then those
    only the orders without a deadline have."""
    found = [r[by] or "" for r in engine.ask(counts_by, scope, window, by=by)] if in_queue else []
    more = [r[by] or "" for r in engine.ask(no_deadline_by, scope, window, by=by)] if undated else []
    return found + [v for v in more if v not in found]


DATE_FORMAT = "YYYY-MM-DD HH:mm"


# ---- the page ------------------------------------------------------------------------------------

lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_supervision", filters)
scope, window = filters.scope, filters.window
n = due_within_days(connection.config())
if "_sv_open" in st.session_state:   # a compound's cell was clicked
    links.open_profile(st.session_state.pop("_sv_open"))

# 督办事项: the 督办 opened on overdue orders, open ones first (whatever the queue below holds)
listed = cases.section(scope, window, filters.period.label(lang))
st.divider()
st.caption(t("sv_caption", lang, n=n))

everything = engine.ask(totals, scope, window)
if not everything["total"] and not everything["no_deadline"]:   # nothing in any section
    st.success(t("sv_none", lang, n=n), icon=":material/task_alt:")
    st.stop()
has_queue = bool(everything["total"])
if not has_queue:
    st.info(t("sv_only_no_deadline", lang, n=n, m=fmt.count(everything["no_deadline"])), icon=":material/event_busy:")

# page controls: what to list, which handling units and categories (the options: what the sections hold)
unit_options, category_options = (options(by, has_queue, bool(everything["no_deadline"]))
                                  for by in ("handling_unit", "category"))
for key, choices in (("sv_units", unit_options), ("sv_categories", category_options)):
    if any(v not in choices for v in st.session_state.get(key, [])):
        st.session_state[key] = [v for v in st.session_state[key] if v in choices]
left, middle, right = st.columns([3, 2, 2])
which = left.radio(t("sv_which", lang), ["all", "overdue", "due_soon"], key="sv_which", horizontal=True,
                   format_func=lambda w: t(f"sv_which_{w}", lang, n=n)) if has_queue else "all"
units = tuple(middle.multiselect(t("sv_units", lang), unit_options, key="sv_units", select_all=False,
                                 placeholder=t("sv_all_placeholder", lang), format_func=lambda v: blank(v, lang)))
categories = tuple(right.multiselect(t("sv_categories", lang), sorted(category_options), key="sv_categories",
                                     select_all=False,   # Streamlit writes "Select all" in English whatever the language
                                     placeholder=t("sv_all_placeholder", lang), format_func=lambda v: blank(v, lang)))

shown = engine.ask(totals, scope, window, units=units, categories=categories)
if has_queue:
    cards = [("sv_overdue", shown["overdue"]), ("sv_overdue_short", shown["overdue_short"]),
             ("sv_overdue_medium", shown["overdue_medium"]), ("sv_overdue_long", shown["overdue_long"]),
             ("sv_due_soon", shown["due_soon"])]
    for column, (key, value) in zip(st.columns(len(cards)), cards):
        column.metric(t(key, lang, n=n), fmt.count(value), border=True)
    if shown["no_deadline"]:
        st.caption(t("sv_no_deadline_pointer", lang, m=fmt.count(shown["no_deadline"])))

    st.subheader(t("sv_queue_title", lang))
    found = engine.ask(queue, scope, window, which=which, units=units, categories=categories, limit=ROW_LIMIT)
    if not found:
        st.info(t("sv_none_filtered", lang), icon=":material/filter_alt_off:")
    else:
        st.caption(t("sv_queue_help", lang) + (" " + t("sv_capped", lang, n=ROW_LIMIT) if len(found) == ROW_LIMIT else ""))
        table = queue_table(found, n, lang)
        st.session_state["_sv_rows"] = {"ids": [r["order_id"] for r in found], "compound_label": t("compound", lang),
                                        "compounds": [r["compound_name"] for r in found]}
        st.dataframe(table, hide_index=True, placeholder="—", key="sv_queue", on_select=picked_cell,
                     selection_mode="single-cell",
                     column_config={t("sv_order_id", lang): st.column_config.TextColumn(
                                        width=tables.id_width(table[t("sv_order_id", lang)])),
                                    t("compound", lang): st.column_config.TextColumn(width="medium"),
                                    t("sv_received", lang): st.column_config.DatetimeColumn(format=DATE_FORMAT),
                                    t("sv_due", lang): st.column_config.DatetimeColumn(format=DATE_FORMAT)})
        # the 督办单: the list with the masked content and, for an order under a 督办, its instruction, reply deadline
        # and feedback; the file name and the sheet's title block add the scope, the period and 数据截至 (its day too)
        ids = [r["order_id"] for r in found]
        sheet = table.assign(**cases.sheet_columns(ids, scope, window, lang, listed))
        downloads.download_buttons(sheet, t("sv_file", lang), "sv_dl", scope, kinds=cases.DATE_KINDS(lang),
                                   as_of_day=True, word=cases.word_of(sheet, lang))
        cases.open_form(found, window)
        order_picker(ids, "sv_order", "sv", tuple(ids))

    st.subheader(t("sv_where_title", lang))
    left, right = st.columns([3, 2])
    with left:
        by_unit = engine.ask(counts_by, scope, window, by="handling_unit", units=units, categories=categories)
        if by_unit:
            charted = by_unit[:UNITS_CHARTED]
            series = [(s, t(f"sv_{s}", lang, n=n)) for s in ("overdue_long", "overdue_medium", "overdue_short", "due_soon")]
            title = t("sv_by_unit_title", lang) + (t("sv_by_unit_top", lang, n=UNITS_CHARTED) if len(by_unit) > UNITS_CHARTED else "")
            figure = charts.bars(charted, "handling_unit", series, title, horizontal=True, stacked=True,
                                 colors=STATUS_COLORS, x_label=lambda v: blank(v, lang),
                                 height=max(280, 36 * len(charted) + 170))
            # the legend in the order of the bars' segments, right below the axis (charts: at the figure's foot; at
            # y=-0.4 of the plot it sat far from its chart)
            figure.update_xaxes(dtick=1 if by_unit[0]["total"] <= 10 else None)
            figure.update_layout(legend={"traceorder": "normal"})
            st.plotly_chart(figure, key="sv_by_unit_chart")
    with right:
        by_street = engine.ask(counts_by, scope, window, by="street", units=units, categories=categories)
        st.markdown(f"**{t('sv_by_street_title', lang)}**")
        if by_street:
            columns = [t("street", lang), t("sv_overdue", lang), t("sv_due_soon", lang, n=n), t("sv_total", lang),
                       t("sv_max_overdue", lang)]
            st.dataframe(counts_table(by_street, "street", t("street", lang), n, lang)[columns], hide_index=True,
                         key="sv_by_street")
    if by_unit:   # the whole width: in the chart's column its seven columns were clipped
        st.dataframe(counts_table(by_unit, "handling_unit", t("sv_units", lang), n, lang), hide_index=True,
                     key="sv_by_unit")

# 无时限: open orders without any deadline, a section of their own (shown when the scope and period hold any)
if everything["no_deadline"]:
    st.subheader(t("sv_nd_title", lang))
    st.caption(t("sv_nd_caption", lang))
    cards = [(t("sv_nd_count", lang), fmt.count(shown["no_deadline"])),
             (t("sv_nd_max", lang), fmt.count(shown["no_deadline_max_days"]))]
    for column, (label, value) in zip(st.columns(5)[:2], cards):
        column.metric(label, value, border=True)
    undated = engine.ask(no_deadline, scope, window, units=units, categories=categories, limit=ROW_LIMIT)
    if not undated:
        st.info(t("sv_nd_none", lang), icon=":material/filter_alt_off:")
    else:
        st.caption(t("sv_queue_help", lang) + (" " + t("sv_nd_capped", lang, n=ROW_LIMIT)
                                               if len(undated) == ROW_LIMIT else ""))
        table = no_deadline_table(undated, lang)
        st.session_state["_sv_nd_rows"] = {"ids": [r["order_id"] for r in undated], "compound_label": t("compound", lang),
                                           "compounds": [r["compound_name"] for r in undated]}
        st.dataframe(table, hide_index=True, placeholder="—", key="sv_no_deadline", selection_mode="single-cell",
                     on_select=lambda: picked_cell("sv_no_deadline", "_sv_nd_rows", "sv_nd_order"),
                     column_config={t("sv_order_id", lang): st.column_config.TextColumn(
                                        width=tables.id_width(table[t("sv_order_id", lang)])),
                                    t("compound", lang): st.column_config.TextColumn(width="medium"),
                                    t("sv_received", lang): st.column_config.DatetimeColumn(format=DATE_FORMAT)})
        downloads.download_buttons(table, t("sv_nd_file", lang), "sv_nd_dl", scope)
        order_picker([r["order_id"] for r in undated], "sv_nd_order", "sv_nd")
