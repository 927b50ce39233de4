"""集中诉求 Hot issues: the recurring concrete problems residents of one compound write about, in their own words,
for the scope and period (metrics.hot, stored at each import), hottest first, new ones since the last period marked;
each opens to its orders (masked title and content, dates, state) and to its compound's profile; the words written
more than in the previous period; the city-wide themes listed apart (docs/hot-issues.md)."""
import pandas as pd
import streamlit as st

from metrics import formatting as fmt
from metrics import hot
from metrics.hot.grouping import Params
from ui import connection, downloads, engine, frame, language, links, sidebar, words
from ui.i18n import register, t

register({
    "hot_caption": ("集中诉求：同一小区的不同居民在一段时间内，用各自的话反映的同一个具体问题（按诉求内容和标题的相似度归并，"
                    "一位居民的反复来电不算）。热度 =（3×居民数 + 重复来电数 + 投诉数 + 0.1×点赞数）×（1 + 0.5×较上期增幅，"
                    "最多按200%计；本期新出现的按200%计）。",
                    "Hot issues: one concrete problem of one compound written about by different residents, each in "
                    "their own words, within weeks (grouped by the likeness of their texts and titles; one resident's "
                    "repeated calls are not one). Heat = (3 × residents + repeated calls + complaints + 0.1 × likes) × "
                    "(1 + 0.5 × growth on the previous period, at most 200%; a new issue counts 200%)."),
    "hot_none": ("本时段、本范围内没有集中诉求（至少{n}位居民反映同一问题）。",
                 "No hot issue in this period and scope (at least {n} residents writing of one problem)."),
    "hot_not_built": ("尚未生成集中诉求：导入含诉求内容的工单后自动生成。",
                      "No hot issues yet: they are made when work orders with their content are imported."),
    "hot_count": ("集中诉求", "Hot issues"),
    "hot_open_count": ("仍有在办工单的", "With open orders"),
    "hot_new_count": ("本期新出现", "New this period"),
    "hot_list_title": ("热度排行", "Hottest first"),
    "hot_rank": ("排名", "Rank"),
    "hot_title": ("问题", "Issue"),
    "hot_first": ("首次", "First"),
    "hot_last": ("最近", "Latest"),
    "hot_orders": ("工单", "Orders"),
    "hot_residents": ("居民", "Residents"),
    "hot_complaints": ("投诉", "Complaints"),
    "hot_open": ("在办", "Open"),
    "hot_heat": ("热度", "Heat"),
    "hot_new": ("新", "New"),
    "hot_new_mark": ("新", "new"),
    "hot_terms": ("关键词", "Words"),
    "hot_untitled": ("（无标题）", "(untitled)"),
    "hot_details_title": ("逐项查看", "Each issue"),
    "hot_details_caption": ("展开一项查看其工单（诉求内容已脱敏）；前{n}项。", "Open one to see its orders (content masked); the first {n}."),
    "hot_facts": ("{place} · {first}至{last} · {orders}件工单，{residents}位居民，在办{open}件 · 热度{heat}",
                  "{place} · {first} to {last} · {orders} orders, {residents} residents, {open} open · heat {heat}"),
    "hot_growth": ("上期{previous}件，{change}", "previous period {previous}, {change}"),
    "hot_new_since": ("上期未出现，本期新出现", "not seen before this period"),
    "hot_closure": ("已办结的按时办结率{on_time}，满意率{satisfied}", "closed on time {on_time}, satisfied {satisfied}"),
    "hot_units": ("诉求类别：{categories}；承办单位：{units}", "Categories: {categories}; handled by: {units}"),
    "hot_open_profile": ("打开小区档案", "Open the compound's profile"),
    "hot_order_id": ("工单编号", "Order id"),
    "hot_received": ("受理时间", "Received"),
    "hot_closed": ("办结时间", "Closed"),
    "hot_state": ("状态", "State"),
    "hot_order_title": ("标题", "Title"),
    "hot_content": ("诉求内容（已脱敏）", "Content (masked)"),
    "hot_state_closed_on_time": ("按时办结", "Closed on time"),
    "hot_state_closed_late": ("超时办结", "Closed late"),
    "hot_state_closed": ("已办结（无时限）", "Closed (no deadline)"),
    "hot_state_overdue": ("在办，已超期", "Open, overdue"),
    "hot_state_open": ("在办", "Open"),
    "hot_rising_title": ("较上期增多的词", "Words written more than in the previous period"),
    "hot_rising_caption": ("本期含该词的诉求数与上期相比；小区名、人名不计。", "Messages holding the word, against the previous "
                           "period; names of places and people are never counted."),
    "hot_term": ("词", "Word"),
    "hot_term_count": ("本期", "This period"),
    "hot_term_previous": ("上期", "Previous"),
    "hot_term_places": ("涉及小区", "Compounds"),
    "hot_rising_none": ("没有较上期明显增多的词。", "No word is written markedly more than in the previous period."),
    "hot_themes_title": ("全市性议题（另列）", "City-wide themes (apart)"),
    "hot_themes_caption": ("各处都有人写、并不集中在某个小区的话题（如“建议增开公交线路”），不是某个小区的集中诉求，另列于此。",
                           "Topics written from everywhere, concentrated in no compound (“more bus routes”): no compound's "
                           "hot issue, listed here apart."),
    "hot_theme_records": ("诉求", "Messages"),
    "hot_theme_places": ("小区数", "Compounds"),
    "hot_theme_streets": ("街道数", "Streets"),
    "hot_themes_none": ("本时段没有全市性议题。", "No city-wide theme in this period."),
    "hot_file": ("集中诉求", "Hot issues"),
})

DETAILS = 10
LISTED = 50


def day(value) -> str:
    return fmt.DASH if value is None else value.isoformat()


def issue_table(found: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("hot_rank", lang): list(range(1, len(found) + 1)),
        t("hot_title", lang): [h["title"] or t("hot_untitled", lang) for h in found],
        t("compound", lang): [h["place"] for h in found],
        t("street", lang): [h["street"] or "" for h in found],
        t("hot_first", lang): [day(h["first_day"]) for h in found],
        t("hot_last", lang): [day(h["last_day"]) for h in found],
        t("hot_orders", lang): [h["orders"] for h in found],
        t("hot_residents", lang): [h["residents"] for h in found],
        t("hot_open", lang): [h["open"] for h in found],
        t("hot_heat", lang): [h["heat"] for h in found],
        t("hot_new", lang): [t("hot_new_mark", lang) if h["new"] else "" for h in found],
        t("hot_terms", lang): ["、".join(h["terms"]) for h in found],
    })


def orders_table(found: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("hot_order_id", lang): [r["order_id"] for r in found],
        t("hot_received", lang): [f"{r['received_at']:%Y-%m-%d %H:%M}" for r in found],
        t("hot_state", lang): [t(f"hot_state_{r['state']}", lang) for r in found],
        t("hot_closed", lang): [fmt.DASH if r["closed_at"] is None else f"{r['closed_at']:%Y-%m-%d %H:%M}"
                                for r in found],
        t("hot_order_title", lang): [r["title"] or "" for r in found],
        t("hot_content", lang): [r["content"] or "" for r in found],
    })


def show_issue(rank: int, issue: dict, lang: str) -> None:
    mark = f" · {t('hot_new_mark', lang)}" if issue["new"] else ""
    label = f"{rank}. {issue['title'] or t('hot_untitled', lang)} · {issue['place']}{mark}"
    with st.expander(words.plain(label), icon=":material/local_fire_department:" if rank <= 3 else None):
        st.markdown(words.plain(t("hot_facts", lang, place=issue["place"], first=day(issue["first_day"]),
                                  last=day(issue["last_day"]), orders=fmt.count(issue["orders"]),
                                  residents=fmt.count(issue["residents"]), open=fmt.count(issue["open"]),
                                  heat=issue["heat"])))
        notes = [t("hot_new_since", lang) if issue["new"] else
                 t("hot_growth", lang, previous=fmt.count(issue["previous"]),
                   change=fmt.pct_change(None if issue["growth"] is None else 100 * issue["growth"], lang))]
        if issue["on_time_closure_rate"] is not None or issue["satisfaction_rate"] is not None:
            notes.append(t("hot_closure", lang, on_time=fmt.percent(issue["on_time_closure_rate"]),
                           satisfied=fmt.percent(issue["satisfaction_rate"])))
        notes.append(t("hot_units", lang, categories="、".join(issue["categories"]) or fmt.DASH,
                       units="、".join(issue["units"][:3]) or fmt.DASH))
        st.caption(words.plain(" · ".join(notes)))
        found = engine.ask(hot.issue_orders, scope, window, issue_id=issue["id"])
        st.dataframe(orders_table(found, lang), hide_index=True, key=f"hot_orders_{issue['id']}",
                     column_config={t("hot_content", lang): st.column_config.TextColumn(width="large")})
        if st.button(t("hot_open_profile", lang), key=f"hot_profile_{issue['id']}", icon=":material/home_work:"):
            links.open_profile(issue["place"])


# ---- the page ------------------------------------------------------------------------------------

lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_hot", filters)
scope, window = filters.scope, filters.window
st.caption(t("hot_caption", lang))

found = engine.ask(hot.hot_issues, scope, window)
if not found:
    st.info(t("hot_none", lang, n=Params.from_config(connection.config()).min_residents)
            if engine.ask(hot.built, scope, window) else t("hot_not_built", lang), icon=":material/forum:")
else:
    a, b, c = st.columns(3)
    a.metric(t("hot_count", lang), fmt.count(len(found)))
    b.metric(t("hot_open_count", lang), fmt.count(sum(1 for h in found if h["open"])))
    c.metric(t("hot_new_count", lang), fmt.count(sum(1 for h in found if h["new"])))
    st.subheader(t("hot_list_title", lang))
    table = issue_table(found, lang)   # every issue for the download; the page lists the first LISTED
    st.dataframe(table.head(LISTED), hide_index=True, key="hot_list")
    downloads.download_buttons(table, t("hot_file", lang), "hot_download")
    st.subheader(t("hot_details_title", lang))
    st.caption(t("hot_details_caption", lang, n=DETAILS))
    for rank, issue in enumerate(found[:DETAILS], start=1):
        show_issue(rank, issue, lang)

st.subheader(t("hot_rising_title", lang))
st.caption(t("hot_rising_caption", lang))
rising = engine.ask(hot.rising_terms, scope, window)
if rising:
    st.dataframe(pd.DataFrame({
        t("hot_term", lang): [r["term"] for r in rising],
        t("hot_term_count", lang): [r["count"] for r in rising],
        t("hot_term_previous", lang): [r["previous"] for r in rising],
        t("hot_term_places", lang): [r["places"] for r in rising],
    }), hide_index=True, key="hot_rising")
else:
    st.info(t("hot_rising_none", lang), icon=":material/trending_flat:")

st.subheader(t("hot_themes_title", lang))
st.caption(t("hot_themes_caption", lang))
themes = engine.ask(hot.city_themes, scope, window)
if themes:
    st.dataframe(pd.DataFrame({
        t("hot_title", lang): [h["title"] or t("hot_untitled", lang) for h in themes],
        t("hot_theme_records", lang): [h["records"] for h in themes],
        t("hot_theme_places", lang): [h["places"] for h in themes],
        t("hot_theme_streets", lang): [h["streets"] for h in themes],
        t("hot_first", lang): [day(h["first_day"]) for h in themes],
        t("hot_last", lang): [day(h["last_day"]) for h in themes],
        t("hot_terms", lang): ["、".join(h["terms"]) for h in themes],
    }), hide_index=True, key="hot_themes")
else:
    st.info(t("hot_themes_none", lang), icon=":material/public:")
