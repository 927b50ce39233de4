"""总览 Overview: KPI cards against targets and comparisons, the monthly trend of the three rates,
streets side by side, the top categories and the compounds that need attention."""
import pandas as pd
import streamlit as st

import charts
from metrics import attention, hot
from metrics import formatting as fmt
from metrics.trends import revisit_pending
from ui import cards, cases, connection, downloads, engine, frame, language, links, sidebar, viewer, words
from ui.i18n import kpi_label, register, t
from ui.words import plain

register({
    "ov_hot_title": ("集中诉求", "Hot issues"),
    "ov_hot_count": ("仍有在办工单的集中诉求", "Hot issues with open orders"),
    "ov_hot_line": ("{rank}. {title}（{place}，{orders}件工单、{residents}位居民，在办{open}件，热度{heat}）{new}",
                    "{rank}. {title} ({place}: {orders} orders, {residents} residents, {open} open, heat {heat}){new}"),
    "ov_hot_new": ("【新】", " [new]"),
    "ov_hot_none": ("本时段没有集中诉求。", "No hot issue in the period."),
    "ov_hot_more": ("查看全部集中诉求", "All hot issues"),
    "kpi_cards_title": ("{period}主要指标", "Key figures, {period}"),
    "rates_trend_title": ("按时办结率、回访率、满意率月度走势", "On-time closure, revisit and satisfaction rates by month"),
    "streets_title": ("各街道按时办结率与满意率", "On-time closure and satisfaction by street"),
    "streets_orders_title": ("各街道工单量", "Work orders by street"),
    "communitys_title": ("各社区按时办结率与满意率", "On-time closure and satisfaction by community"),
    "communitys_orders_title": ("各社区工单量", "Work orders by community"),
    "revisit_pending": ("虚线：办结后{days}天回访期尚未结束的月份，其回访率、满意率仍会变化。",
                        "Dashed: months whose {days}-day revisit window has not passed; their revisit and satisfaction "
                        "rates will still change."),
    "streets_click": ("点击街道的柱形可只看该街道（侧栏“街道”随之改变）。",
                      "Click a street's bar to narrow to that street (the sidebar's street filter follows)."),
    "categories_title": ("工单量前十的诉求类别", "Top ten categories by work orders"),
    "why_title": ("原因分析：各{place}", "Why: by {place}"),
    "why_caption": ("按时办结率最低的在前。点击一行，查看该{place}各承办单位的情况（最差的在前），再点击承办单位查看其超时工单。",
                    "Lowest on-time closure first. Click a row for the {place}'s handling units (the worst first), then "
                    "a unit for its late orders."),
    "attention_title": ("需关注的小区", "Compounds that need attention"),
    "attention_caption": ("按严重程度排序：得分＝低于目标的差额件数（低于目标的百分点 × 该指标的工单数，样本不足的小区不计）"
                          "加上工单量或投诉量激增月份超出本小区前几个月平均的件数。",
                          "Most severe first: the score is the orders short of target (points below target × the rate's "
                          "orders; small samples not scored) plus what spike months of orders or complaints exceed the "
                          "compound's own recent average."),
    "attention_more": ("另有{n}个小区低于目标或出现激增，得分较低，未列出（见小区对比）。",
                       "{n} more compounds are below target or spiked with lower scores, not listed (see Compare)."),
    "attention_rank": ("序号", "No."),
    "open_compound_name": ("点击小区名称可打开该小区档案。", "Click a compound's name to open its profile."),
    "attention_score": ("严重程度得分", "Severity score"),
    "attention_none": ("没有需要特别关注的小区。", "No compound needs particular attention."),
    "reasons": ("原因", "Reasons"),
    "open_orders_title": ("在办工单（截至数据时点）", "Open orders at the data's moment"),
    "not_yet_due": ("未到期", "Not yet due"),
    "overdue_short": ("超期1-3天", "Overdue 1-3 days"),
    "overdue_medium": ("超期4-7天", "Overdue 4-7 days"),
    "overdue_long": ("超期7天以上", "Overdue over 7 days"),
    "no_deadline": ("无时限", "No deadline"),
    "no_deadline_help": ("导出文件没有办结时限、也未按配置推算时限的在办工单：既非未到期，也无法判断是否超期。",
                         "Open orders without a deadline (none exported, none derived): neither pending nor overdue."),
    "cases_title": ("督办（统计时段内发起）", "督办 opened in the period"),
    "cases_opened": ("督办", "督办 opened"),
    "cases_replied": ("已反馈", "Replied"),
    "cases_overdue": ("逾期未反馈", "Reply overdue"),
    "cases_help": ("统计时段内发起的督办；已反馈、逾期未反馈按数据截至时间判断，与简报和督办页一致。",
                   "督办 opened in the period; replied and reply overdue judged at the data's moment, as in the briefing "
                   "and on the Supervision page."),
})

CARDS = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate", "orders_total", "complaint_count",
         "party_org_coverage"]
RATES = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate"]


def attention_table(rows: list[dict], lang: str) -> tuple[pd.DataFrame, dict]:
    """The download of 需关注: the compounds with their score and reasons in words (joined by "；"), numbers as
    numbers, and the kinds of its columns (the screen shows attention_list)."""
    cfg = connection.config()
    sep = "；" if lang == "zh" else "; "
    kinds = {t("attention_rank", lang): "rank", t("attention_score", lang): "decimal",
             kpi_label("on_time_closure_rate", lang): "rate", kpi_label("satisfaction_rate", lang): "rate",
             kpi_label("orders_total", lang): "count"}
    return pd.DataFrame({
        t("attention_rank", lang): [r["rank"] for r in rows],
        t("compound", lang): [r["compound_name"] for r in rows],
        t("street", lang): [r["street"] for r in rows],
        t("attention_score", lang): [r["score"] for r in rows],
        kpi_label("on_time_closure_rate", lang): [r["on_time_closure_rate"] for r in rows],
        kpi_label("satisfaction_rate", lang): [r["satisfaction_rate"] for r in rows],
        kpi_label("orders_total", lang): [r["orders_total"] for r in rows],
        t("reasons", lang): [sep.join(attention.reasons(r, cfg, lang)) for r in rows],
    }), kinds


def attention_list(rows: list[dict], lang: str) -> None:
    """The compounds that need attention, each a link to its profile (same period and filters) with its street and
    score, every reason on its own line beneath. A list, not a table: a table's reasons column was cut in English,
    showed a phone five columns and no reason, and was clipped on paper; the download keeps every column."""
    cfg, colon = connection.config(), "：" if lang == "zh" else ": "
    for r in rows:
        with st.container(key=f"attention-{r['rank']}", gap=None):
            st.page_link("pages/profile.py", label=f"**{r['rank']}. {plain(r['compound_name'])}**",
                         query_params={**links.link_params(), "compound": r["compound_name"]})
            st.caption(f"{plain(r['street'] or t('unknown', lang))} · {t('attention_score', lang)}{colon}{r['score']:.1f}"
                       + "  \n" + "  \n".join(plain(line) for line in attention.reasons(r, cfg, lang)))


def why_places(named: list[dict], places: str, lang: str) -> None:
    """Streets (a street's communities) by on-time closure, lowest first; a click opens 原因分析 narrowed to the place,
    split by handling unit, with the period and filters: two clicks from here to a unit's late orders."""
    place = t(places, lang)
    ordered = sorted(named, key=lambda r: (r["on_time_closure_rate"] is None, r["on_time_closure_rate"] or 0,
                                           -r["orders_total"], r[places]))
    rates = ["on_time_closure_rate", "satisfaction_rate", "revisit_rate"]
    table = pd.DataFrame({place: [r[places] for r in ordered],
                          kpi_label("orders_total", lang): [r["orders_total"] for r in ordered],
                          **{kpi_label(k, lang): [None if r[k] is None else 100 * r[k] for r in ordered] for k in rates}})
    st.subheader(t("why_title", lang, place=place if lang == "zh" else place.lower()))
    st.caption(t("why_caption", lang, place=place if lang == "zh" else place.lower()))
    event = st.dataframe(table, hide_index=True, placeholder="—", on_select="rerun", selection_mode="single-row",
                         key="why_places", column_config={kpi_label(k, lang): st.column_config.NumberColumn(format="%.1f%%")
                                                          for k in rates})
    if event.selection.rows:
        links.open_causes("unit", **{places: ordered[event.selection.rows[0]][places]})


lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_overview", filters)
scope, window = filters.scope, filters.window
report = engine.ask("kpi_report", scope, window)

st.subheader(t("kpi_cards_title", lang, period=filters.period.label(lang)))
if not report["orders_total"] and not report["complaint_count"] and not report["compounds_total"]:
    frame.empty_state()
    st.stop()
cards.kpi_cards(report, CARDS)

ages = report["open_orders_by_age"]
st.markdown(f"**{t('open_orders_title', lang)}**")
for column, key in zip(st.columns(5), ["not_yet_due", "overdue_short", "overdue_medium", "overdue_long", "no_deadline"]):
    column.metric(t(key, lang), fmt.count(ages[key]), help=t("no_deadline_help", lang) if key == "no_deadline" else None)
# 督办N件、已反馈M件、逾期未反馈K件: opened in the period, judged at 数据截至 (casework.cases.counts, as the briefing)
case_counts = cases.counts(scope, window)
st.markdown(f"**{t('cases_title', lang)}**")
for column, key in zip(st.columns(5), ["opened", "replied", "overdue"]):
    column.metric(t(f"cases_{key}", lang), fmt.count(case_counts[key]), help=t("cases_help", lang))

targets = connection.config()["targets"]
monthly = engine.ask("order_kpis_by", scope, window, grain="month")
# with one street chosen (or a street's account), its communities side by side (one fat bar says nothing)
shown_scope = viewer.allowed(scope)
places = "community" if shown_scope.street and not shown_scope.community else "street"
left, right = st.columns(2)
with left:
    rates = charts.drawable(monthly, RATES)
    if rates:
        shown = [{**r, "month": charts.month_label(r["month"], lang)} for r in monthly]
        pending = {charts.month_label(m, lang) for m in revisit_pending([r["month"] for r in monthly], window.as_of,
                                                                       connection.config())}
        st.plotly_chart(charts.lines(shown, "month", [(k, kpi_label(k, lang)) for k in rates],
                                     t("rates_trend_title", lang), percent=True, targets=targets, lang=lang,
                                     provisional={"revisit_rate": pending, "satisfaction_rate": pending}),
                        key="rates_trend")
        notes = [frame.why_not_drawn([k for k in RATES if k not in rates], report, lang)] if len(rates) < len(RATES) else []
        if pending & {r["month"] for r in shown if r.get("revisit_rate") is not None}:
            notes.append(t("revisit_pending", lang, days=connection.config()["revisit_window_days"]))
        if notes:
            st.caption(" ".join(notes))
    elif monthly:
        frame.cannot_draw(frame.why_not_drawn(RATES, report, lang))
    else:
        frame.empty_state()
by_place = engine.ask("order_kpis_by", scope, window, by=(places,))
named = [r for r in by_place if r[places] is not None]
with right:
    compared = charts.drawable(by_place, ["on_time_closure_rate", "satisfaction_rate"])
    if not by_place:
        frame.empty_state()
    elif not named:
        frame.cannot_draw(frame.without_dimension(places, lang))
    elif not compared:
        frame.cannot_draw(frame.why_not_drawn(["on_time_closure_rate", "satisfaction_rate"], report, lang))
    else:
        # a click on a street's bar narrows the sidebar's street filter to it
        st.plotly_chart(charts.bars(by_place, places, [(k, kpi_label(k, lang)) for k in compared],
                                    t(f"{places}s_title", lang), percent=True, targets=targets, lang=lang), key="streets",
                        on_select=lambda: sidebar.narrow_from_chart("streets", places), selection_mode="points")

left, right = st.columns(2)
with left:
    categories = sorted(engine.ask("order_kpis_by", scope, window, by=("category",), hours=False),
                        key=lambda r: -r["orders_total"])[:10]
    colors = charts.color_map(engine.facts()["options"]["category"])
    if categories:   # orders without a category are drawn as 未知
        st.plotly_chart(charts.bars(categories, "category", [("orders_total", kpi_label("orders_total", lang))],
                                    t("categories_title", lang), horizontal=True, color_by_x=colors, lang=lang),
                        key="categories")
with right:
    if named:
        place_colors = charts.color_map(engine.facts()["options"][places] if places == "street"
                                        else [r["community"] for r in engine.facts()["options"]["community"]])
        st.plotly_chart(charts.bars(by_place, places, [("orders_total", kpi_label("orders_total", lang))],
                                    t(f"{places}s_orders_title", lang), color_by_x=place_colors, lang=lang),
                        key="streets_orders", on_select=lambda: sidebar.narrow_from_chart("streets_orders", places),
                        selection_mode="points")
if named and places == "street":
    frame.hint(t("streets_click", lang), "streets")
if named:
    why_places(named, places, lang)

# 集中诉求 where they were made (a rollups-only file, or a lake on Spark, has none: the section is left out)
if engine.ask(hot.built, scope, window):
    st.subheader(t("ov_hot_title", lang))
    hot_issues = engine.ask(hot.hot_issues, scope, window)
    if hot_issues:
        st.metric(t("ov_hot_count", lang), fmt.count(sum(1 for h in hot_issues if h["open"])))
        for rank, h in enumerate(hot_issues[:3], start=1):
            st.markdown(words.plain(t("ov_hot_line", lang, rank=rank, title=h["title"] or "", place=h["place"],
                                      orders=fmt.count(h["orders"]), residents=fmt.count(h["residents"]),
                                      open=fmt.count(h["open"]), heat=h["heat"],
                                      new=t("ov_hot_new", lang) if h["new"] else "")))
        if st.button(t("ov_hot_more", lang), key="ov_hot_more", icon=":material/forum:"):
            links.switch_page("pages/hot.py")
    else:
        st.info(t("ov_hot_none", lang), icon=":material/forum:")

st.subheader(t("attention_title", lang))
st.caption(t("attention_caption", lang))
listed, more = attention.shown(engine.ask("needs_attention", scope, window), connection.config())   # as the briefing
if listed:
    frame.hint(t("open_compound_name", lang), "attention")
    attention_list(listed, lang)
    if more:
        st.caption(t("attention_more", lang, n=more))
    table, kinds = attention_table(listed, lang)
    downloads.download_buttons(table, t("attention_title", lang), "attention_dl", kinds=kinds)
else:
    st.success(t("attention_none", lang))
