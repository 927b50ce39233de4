"""党建覆盖 Party building: coverage, own branches, owners' committees and dual roles by street and community,
the compounds that should have a branch of their own (应建未建), the organisations founded in the period, and how
compounds with a branch fare against those without."""
import pandas as pd
import streamlit as st

import charts
from metrics import formatting as fmt
from metrics.catalog import KPIS
from ui import connection, downloads, engine, frame, language, links, sidebar, tables
from ui.i18n import kpi_label, register, t, value_label

register({
    "party_cards_title": ("党建指标（统计日：{day}）", "Party-building figures (as of {day})"),
    "party_of_compounds": ("{n}/{total}个小区", "{n} of {total} compounds"),
    "party_by_street_title": ("各街道党建指标", "Party-building rates by street"),
    "party_by_community": ("各社区党建情况", "By community"),
    "party_by_community_caption": ("括号内为符合条件的小区数/小区数（“一肩挑”比例的分母为既有党支部又有业委会的小区）。",
                                   "In brackets: compounds meeting the measure / compounds (for the dual-role rate, "
                                   "compounds with both a branch and an owners' committee)."),
    "party_compounds_total": ("小区数", "Compounds"),
    "party_eligible_uncovered": ("应建未建", "Eligible, no own branch"),
    "party_todo_title": ("应建未建小区（待办）", "Eligible but without a branch of their own (to do)"),
    "party_todo_caption": ("正式党员达到{n}人、但尚无独立党支部的小区。", "Compounds with {n} or more full party members "
                           "and no branch of their own."),
    "party_todo_none": ("没有应建未建的小区。", "No compound is eligible without a branch of its own."),
    "party_members": ("党员人数", "Party members"),
    "party_org_now": ("现有党组织", "Current party organisation"),
    "party_company": ("物业公司", "Property company"),
    "party_new_title": ("期内新成立的党组织", "Party organisations founded in the period"),
    "party_new_none": ("统计时段内没有新成立的党组织。", "No party organisation was founded in the period."),
    "party_org_type": ("党组织类型", "Party organisation"),
    "party_founded_on": ("成立日期", "Founded"),
    "party_compare_title": ("有党支部与无党支部小区对比", "Compounds with and without a branch"),
    "party_compare_caption": ("有党支部：统计日前已成立独立党支部或联合党支部（党小组不计）。满意率、按时办结率按工单合并计算；"
                              "投诉量按每千户计。小区少时差异可能只是偶然。",
                              "With a branch: an independent or joint branch founded by the reference day (party groups "
                              "do not count). Rates pool the groups' orders; complaints per 1,000 households. With few "
                              "compounds a difference may be chance."),
    "party_group": ("分组", "Group"),
    "party_has_branch": ("有党支部", "With a branch"),
    "party_no_branch": ("无党支部", "Without a branch"),
    "party_households": ("户数", "Households"),
    "party_complaints_per_1000": ("每千户投诉量", "Complaints per 1,000 households"),
    "party_compare_rates_title": ("满意率与按时办结率", "Satisfaction and on-time closure"),
    "party_compare_complaints_title": ("每千户投诉量", "Complaints per 1,000 households"),
})

CARDS = ["party_org_coverage", "independent_branch_rate", "owners_committee_rate", "dual_role_rate"]


def cards(totals: dict, lang: str) -> None:
    targets = connection.config()["targets"]
    for column, name in zip(st.columns(4), CARDS):
        kpi = KPIS[name]
        with column:
            st.metric(kpi.label(lang), fmt.percent(totals[name]), border=True,
                      help=kpi.description_zh if lang == "zh" else kpi.description_en)
            lines = [t("party_of_compounds", lang, n=totals[kpi.numerator], total=totals[kpi.denominator])]
            if name in targets:
                lines.append(f"{t('target', lang)} {fmt.percent(targets[name])}")
            st.caption(" · ".join(lines))


def rate_with_counts(row: dict, name: str, lang: str) -> str:
    kpi = KPIS[name]
    counts = f"{row[kpi.numerator]}/{row[kpi.denominator]}"
    return f"{fmt.percent(row[name])}（{counts}）" if lang == "zh" else f"{fmt.percent(row[name])} ({counts})"


def community_table(found: list[dict], lang: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """As shown (each rate with its counts: 75.0%（3/4）) and as downloaded (the rates as numbers), the latter's kinds."""
    table = {t("street", lang): [r["street"] for r in found], t("community", lang): [r["community"] for r in found],
             t("party_compounds_total", lang): [r["compounds_total"] for r in found]}
    shown, raw = dict(table), dict(table)
    for name in CARDS:
        shown[kpi_label(name, lang)] = [rate_with_counts(r, name, lang) for r in found]
        raw[kpi_label(name, lang)] = [r[name] for r in found]
    for out in (shown, raw):
        out[t("party_eligible_uncovered", lang)] = [r["compounds_eligible_uncovered"] for r in found]
    kinds = {t("party_compounds_total", lang): "count", t("party_eligible_uncovered", lang): "count",
             **{kpi_label(name, lang): "rate" for name in CARDS}}
    return pd.DataFrame(shown), pd.DataFrame(raw), kinds


def todo_table(found: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("compound", lang): [r["compound_name"] for r in found],
        t("street", lang): [r["street"] for r in found],
        t("community", lang): [r["community"] for r in found],
        t("party_members", lang): [r["party_members"] for r in found],
        t("party_org_now", lang): [value_label("party_org_type", r["party_org_type"], lang) for r in found],
        t("party_company", lang): [r["property_company"] or "—" for r in found],
    })


def new_table(found: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("compound", lang): [r["compound_name"] for r in found],
        t("street", lang): [r["street"] for r in found],
        t("community", lang): [r["community"] for r in found],
        t("party_org_type", lang): [value_label("party_org_type", r["party_org_type"], lang) for r in found],
        t("party_founded_on", lang): [r["party_org_founded_on"].isoformat() for r in found],
    })


def group_label(has_branch: bool, lang: str) -> str:
    return t("party_has_branch" if has_branch else "party_no_branch", lang)


def comparison_table(groups: list[dict], lang: str) -> tuple[pd.DataFrame, dict]:
    kinds = {t("party_compounds_total", lang): "count", t("party_households", lang): "count",
             kpi_label("orders_total", lang): "count", kpi_label("satisfaction_rate", lang): "rate",
             kpi_label("on_time_closure_rate", lang): "rate", kpi_label("complaint_count", lang): "count",
             t("party_complaints_per_1000", lang): "decimal"}
    return pd.DataFrame({
        t("party_group", lang): [group_label(g["has_branch"], lang) for g in groups],
        t("party_compounds_total", lang): [g["compounds"] for g in groups],
        t("party_households", lang): [g["households"] for g in groups],
        kpi_label("orders_total", lang): [g["orders_total"] for g in groups],
        kpi_label("satisfaction_rate", lang): [g["satisfaction_rate"] for g in groups],
        kpi_label("on_time_closure_rate", lang): [g["on_time_closure_rate"] for g in groups],
        kpi_label("complaint_count", lang): [g["complaint_count"] for g in groups],
        t("party_complaints_per_1000", lang): [g["complaints_per_1000_households"] for g in groups],
    }), kinds


def day_label(day, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def clickable(table: pd.DataFrame, names: list[str], key: str) -> None:
    event = st.dataframe(table, hide_index=True, placeholder="—", on_select="rerun", selection_mode="single-row", key=key)
    if event.selection.rows:
        links.open_profile(names[event.selection.rows[0]])


lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_party", filters)
scope, window = filters.scope, filters.window
totals = engine.ask("compound_kpis_by", scope, window)[0]

st.subheader(t("party_cards_title", lang, day=day_label(window.reference_date, lang)))
if not totals["compounds_total"]:
    report = engine.ask("kpi_report", scope, window)
    if "compounds_total" in report["missing_inputs"]:   # no registry imported: said, not "no data"
        frame.cannot_draw(frame.why_not_drawn(["party_org_coverage"], report, lang))
    else:
        frame.empty_state()
    st.stop()
cards(totals, lang)

by_street = [r for r in engine.ask("compound_kpis_by", scope, window, by=("street",)) if r["street"]]
street_rates = charts.drawable(by_street, CARDS)
if street_rates:
    st.plotly_chart(charts.bars(by_street, "street", [(k, kpi_label(k, lang)) for k in street_rates],
                                t("party_by_street_title", lang), percent=True, targets=connection.config()["targets"],
                                lang=lang), key="party_by_street")

st.subheader(t("party_by_community", lang))
st.caption(t("party_by_community_caption", lang))
by_community = engine.ask("compound_kpis_by", scope, window, by=("street", "community"))
table, raw, kinds = community_table(by_community, lang)
st.dataframe(table, hide_index=True, placeholder="—", key="party_communities")
downloads.download_buttons(raw, t("party_by_community", lang), "party_communities_dl", kinds=kinds)

st.subheader(t("party_todo_title", lang))
min_members = connection.config()["party_building"]["eligible_min_members"]
todo = [r for r in engine.ask("compounds_with_flags", scope, window) if r["is_eligible_uncovered"]]
if todo:
    st.caption(t("party_todo_caption", lang, n=min_members) + " " + t("open_compound", lang))
    table = todo_table(todo, lang)
    clickable(table, [r["compound_name"] for r in todo], "party_todo")
    downloads.download_buttons(table, t("party_todo_title", lang), "party_todo_dl", kinds={t("party_members", lang): "count"})
else:
    st.success(t("party_todo_none", lang))

st.subheader(t("party_new_title", lang))
founded = engine.ask("new_branches", scope, window)
if founded:
    st.caption(t("open_compound", lang))
    table = new_table(founded, lang)
    clickable(table, [r["compound_name"] for r in founded], "party_new")
    downloads.download_buttons(table, t("party_new_title", lang), "party_new_dl")
else:
    st.info(t("party_new_none", lang))

st.subheader(t("party_compare_title", lang))
st.caption(t("party_compare_caption", lang))
groups = engine.ask("branch_comparison", scope, window)
shown = [{**g, "group": group_label(g["has_branch"], lang)} for g in groups]
left, right = st.columns(2)
group_rates = charts.drawable(shown, ["satisfaction_rate", "on_time_closure_rate"])
with left:
    if group_rates:
        st.plotly_chart(charts.bars(shown, "group", [(k, kpi_label(k, lang)) for k in group_rates],
                                    t("party_compare_rates_title", lang), percent=True, height=320,
                                    targets=connection.config()["targets"], lang=lang), key="party_compare_rates")
    else:
        frame.cannot_draw(frame.why_not_drawn(["satisfaction_rate", "on_time_closure_rate"],
                                              engine.ask("kpi_report", scope, window), lang))
with right:
    if not charts.drawable(shown, ["complaints_per_1000_households"]):
        frame.cannot_draw(frame.why_not_drawn(["complaint_count"], engine.ask("kpi_report", scope, window), lang))
    else:
        figure = charts.bars(shown, "group", [("complaints_per_1000_households", t("party_complaints_per_1000", lang))],
                             t("party_compare_complaints_title", lang), height=320, unit="per_1000", lang=lang,
                             color_by_x={group_label(True, lang): charts.ACCENT, group_label(False, lang): charts.SERIES[8]})
        figure.update_traces(texttemplate="%{y:.1f}", hovertemplate="%{x}<br>%{y:.1f}<extra></extra>")
        st.plotly_chart(figure, key="party_compare_complaints")
table, kinds = comparison_table(groups, lang)
shown_table = tables.on_screen(table, kinds)
shown_table[t("party_households", lang)] = [fmt.count(g["households"]) for g in groups]   # 1,500 on screen
st.dataframe(shown_table, hide_index=True, placeholder="—", key="party_compare")
downloads.download_buttons(table, t("party_compare_title", lang), "party_compare_dl", kinds=kinds)
