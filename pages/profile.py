"""小区档案 Compound profile: one compound's registry facts, its KPIs for the period against targets and
comparisons, its months, categories, orders and complaints. The compound is the scope (the sidebar's street
and other filters do not apply); the period does. No personal data: orders keep only masked content."""
import pandas as pd
import streamlit as st

import charts
from metrics import formatting as fmt
from metrics import hot
from metrics.breakdown import worst_first
from metrics.compound_profile import complaint_rows, founded_in_window, monthly_activity, resolve_compound
from metrics.kpis import Scope
from ui import causes, cards, connection, downloads, engine, frame, language, links, sidebar, viewer, words
from ui.i18n import kpi_label, register, t, value_label

register({
    "profile_hot_title": ("集中诉求", "Hot issues"),
    "profile_hot_caption": ("本小区多位居民在本时段反映的同一具体问题，按热度排序（见“集中诉求”页）。",
                            "Concrete problems several residents of this compound wrote about in the period, hottest "
                            "first (see the Hot issues page)."),
    "profile_hot_none": ("本时段本小区没有集中诉求。", "No hot issue of this compound in the period."),
    "profile_hot_issue": ("问题", "Issue"),
    "profile_hot_first": ("首次", "First"),
    "profile_hot_last": ("最近", "Latest"),
    "profile_hot_orders": ("工单", "Orders"),
    "profile_hot_residents": ("居民", "Residents"),
    "profile_hot_open": ("在办", "Open"),
    "profile_hot_heat": ("热度", "Heat"),
    "profile_hot_new": ("新", "New"),
    "profile_hot_page": ("查看集中诉求页", "Open the Hot issues page"),
    "profile_pick": ("选择小区", "Choose a compound"),
    "profile_pick_placeholder": ("输入小区名称搜索", "Type a compound's name"),
    "profile_choose": ("请选择一个小区查看其档案。", "Choose a compound to see its profile."),
    "profile_unknown": ("台账和工单、投诉中都没有名为“{name}”的小区（也不是任何小区的别名）。请从列表中选择。",
                        "Neither the registry nor the orders and complaints name a compound “{name}” (nor has one it "
                        "as an alias). Choose one from the list."),
    "profile_not_in_registry": ("该小区未入台账：只有工单和投诉写到它，没有台账信息（户数、党组织等），台账指标为空。"
                                "导入含该小区的台账后自动归入。",
                                "This compound is not in the registry: only orders and complaints name it, so it has no "
                                "registry facts (households, party organisation ...) and its registry figures are blank. "
                                "A registry that lists it takes it in on import."),
    "profile_alias_note": ("“{alias}”是“{name}”的别名。", "“{alias}” is an alias of “{name}”."),
    "profile_scope_note": ("统计时段：{period}。本页只看该小区，侧栏中的街道、社区等筛选不适用。",
                           "Period: {period}. This page shows this compound only; the sidebar's street, community and "
                           "other filters do not apply."),
    "profile_registry": ("台账信息", "Registry"),
    "profile_kind": ("小区类型", "Kind"),
    "profile_households": ("户数", "Households"),
    "profile_mode": ("管理模式", "Management mode"),
    "profile_company": ("物业公司", "Property company"),
    "profile_committee": ("业委会", "Owners' committee"),
    "profile_org_type": ("党组织类型", "Party organisation"),
    "profile_members": ("党员人数", "Party members"),
    "profile_founded": ("党组织成立日期", "Party organisation founded"),
    "profile_dual_role": ("“一肩挑”", "Dual role"),
    "profile_company_org": ("物业企业党组织", "Company party organisation"),
    "profile_model": ("示范项目级别", "Model project"),
    "profile_fee": ("物业费收缴率", "Fee collection rate"),
    "profile_aliases": ("别名", "Aliases"),
    "profile_eligible_flag": ("正式党员{m}人，已达到{n}人的组建条件，但尚无独立党支部（应建未建）。",
                              "{m} full party members (a branch of its own needs {n}), yet no branch of its own: "
                              "eligible but uncovered."),
    "profile_kpis_title": ("{period}工单与投诉", "Orders and complaints, {period}"),
    "profile_open": ("在办工单：未到期{a}件，超期1-3天{b}件，超期4-7天{c}件，超期7天以上{d}件，无时限{e}件。",
                     "Open orders: {a} not yet due, {b} overdue 1-3 days, {c} overdue 4-7 days, {d} overdue over 7 days, "
                     "{e} without a deadline."),
    "profile_closed_no_deadline": ("已办结（无时限）", "Closed, no deadline"),
    "profile_open_no_deadline": ("在办（无时限）", "Open, no deadline"),
    "profile_rates_title": ("按时办结率与满意率月度走势", "On-time closure and satisfaction by month"),
    "profile_volume_title": ("每月工单量与投诉量", "Orders and complaints by month"),
    "profile_founded_mark": ("党组织成立（{day}）", "Party organisation founded ({day})"),
    "profile_categories_title": ("诉求类别（工单量）", "Categories by work orders"),
    "profile_why_title": ("按诉求类别、承办单位", "By category and handling unit"),
    "profile_why_caption": ("该小区各诉求类别、各承办单位的按时办结率与满意率，最差的在前（工单少于{n}件的不排名，按工单量排列）；"
                            "“未知”为导出未填写的工单。",
                            "The compound's on-time closure and satisfaction by category and by handling unit, the worst "
                            "first (fewer than {n} orders are not ranked and follow by orders); “Unknown”: not given in "
                            "the export."),
    "profile_orders_title": ("工单明细", "Work orders"),
    "profile_orders_cap": ("仅显示前{n}条；下载文件同样为前{n}条。", "Only the first {n} are shown and downloaded."),
    "profile_order_id": ("工单编号", "Order id"),
    "profile_received": ("受理时间", "Received"),
    "profile_due": ("办结时限", "Due"),
    "profile_closed": ("办结时间", "Closed"),
    "profile_status": ("是否按时办结", "On time?"),
    "profile_on_time": ("按时办结", "Closed on time"),
    "profile_late": ("超时办结", "Closed late"),
    "profile_overdue": ("超期未办结", "Open, overdue"),
    "profile_pending": ("在办（未到期）", "Open, not yet due"),
    "profile_revisit": ("回访结果", "Revisit result"),
    "profile_repeat": ("重复诉求", "Repeat"),
    "profile_content": ("诉求内容（已脱敏）", "Content (masked)"),
    "profile_complaints_title": ("投诉记录", "Complaints"),
    "profile_complaint_id": ("投诉编号", "Complaint id"),
    "profile_filed": ("投诉时间", "Filed"),
    "profile_complaint_status": ("处理状态", "Status"),
    "profile_linked": ("关联工单", "Linked order"),
    "profile_no_orders": ("统计时段内该小区没有工单。", "The compound has no work orders in the period."),
    "profile_no_complaints": ("统计时段内该小区没有投诉记录。", "The compound has no complaints in the period."),
})

CARDS = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate", "orders_total", "complaint_count",
         "median_close_hours"]
# A rise is good news for rates, bad news for complaints and hours, neither for the order count.
ORDER_LIMIT = 2000
KEY = "profile_compound"
LAST = "_profile_last"


# ---- which compound ------------------------------------------------------------------------------

def sync_url() -> None:
    """The selectbox changed: the URL follows (callbacks run before the script reads the URL)."""
    chosen = st.session_state.get(KEY)
    if chosen:
        st.query_params["compound"] = chosen
    else:
        st.session_state.pop(LAST, None)
        if "compound" in st.query_params:
            del st.query_params["compound"]


def chosen_compound(window, lang: str) -> tuple[str | None, str | None]:
    """(registry name, what the URL asked for when it is not a registry name)."""
    options = engine.facts()["options"]["compound"]
    names = [r["compound_name"] for r in options]
    places = {r["compound_name"]: " · ".join(p for p in (r["street"], r["community"], None if r.get("in_registry", True)
                                                         else t("not_in_registry", lang)) if p) for r in options}
    asked = st.query_params.get("compound") or st.session_state.get(LAST) or None
    resolved = engine.ask(resolve_compound, Scope(), window, typed=asked) if asked else None
    if resolved and resolved not in names:   # a compound outside the account's scope: the page's ask refuses it
        return resolved, None
    if resolved in names and st.session_state.get(KEY) != resolved:
        st.session_state[KEY] = resolved
    elif asked and resolved is None and KEY in st.session_state:
        st.session_state[KEY] = None
    st.selectbox(t("profile_pick", lang), names, index=None, key=KEY, on_change=sync_url,
                 placeholder=t("profile_pick_placeholder", lang),
                 format_func=lambda n: f"{n}（{places[n]}）" if lang == "zh" and places.get(n)
                 else (f"{n} ({places[n]})" if places.get(n) else n))
    chosen = st.session_state.get(KEY)
    if chosen:
        st.session_state[LAST] = chosen  # back to the same compound after a visit to another page
        if st.query_params.get("compound") != chosen:
            st.query_params["compound"] = chosen
    return chosen, (asked if asked and asked != resolved else None)


# ---- pieces --------------------------------------------------------------------------------------

def yes_no(value, lang: str) -> str:
    return t("unknown", lang) if value is None else t("yes" if value else "no", lang)


def registry_facts(row: dict, lang: str) -> list[tuple[str, str]]:
    founded = row["party_org_founded_on"]
    return [
        (t("profile_kind", lang), value_label("compound_kind", row["compound_kind"], lang)),
        (t("profile_households", lang), fmt.count(row["households"])),
        (t("profile_mode", lang), value_label("management_mode", row["management_mode"], lang)),
        (t("profile_company", lang), row["property_company"] or fmt.DASH),
        (t("profile_committee", lang), yes_no(row["has_owners_committee"], lang)),
        (t("profile_org_type", lang), value_label("party_org_type", row["party_org_type"], lang)),
        (t("profile_members", lang), fmt.count(row["party_members"])),
        (t("profile_founded", lang), founded.isoformat() if founded else fmt.DASH),
        (t("profile_dual_role", lang), yes_no(row["dual_role"], lang)),
        (t("profile_company_org", lang), yes_no(row["company_party_org"], lang)),
        (t("profile_model", lang), value_label("model_project_level", row["model_project_level"], lang)),
        (t("profile_fee", lang), fmt.percent(row["fee_collection_rate"])),
        (t("profile_aliases", lang), "、".join(row["aliases"]) if row["aliases"] and lang == "zh"
         else (", ".join(row["aliases"]) if row["aliases"] else fmt.DASH)),
    ]


def show_registry(row: dict, lang: str) -> None:
    facts = registry_facts(row, lang)
    columns = st.columns(4)
    for i, (label, value) in enumerate(facts):
        columns[i % 4].caption(label)
        columns[i % 4].markdown(f"**{words.plain(value)}**")
    if row["is_eligible_uncovered"]:
        st.warning(t("profile_eligible_flag", lang, m=row["party_members"],
                     n=connection.config()["party_building"]["eligible_min_members"]),
                   icon=":material/flag:")


def month_label(day, window, lang: str) -> str:
    """Short month names when the period lies in one year (the year is in the section title)."""
    if window.period.start.year != window.period.end.year:
        return charts.month_label(day, lang)
    return f"{day.month}月" if lang == "zh" else day.strftime("%b")


def mark_founding(figure, founded, window, lang: str) -> None:
    """A dotted line at the month the party organisation was founded."""
    month = month_label(founded, window, lang)
    figure.add_shape(type="line", xref="x", yref="paper", x0=month, x1=month, y0=0, y1=1,
                     line={"color": charts.ACCENT, "dash": "dot", "width": 1.5})
    figure.add_annotation(x=month, xref="x", yref="paper", y=1, yanchor="bottom", showarrow=False,
                          text=t("profile_founded_mark", lang, day=founded.isoformat()),
                          font={"size": 11, "color": charts.ACCENT})


def when(moment) -> str:
    return fmt.DASH if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def status(row: dict, lang: str) -> str:
    if row["due_at"] is None:   # no deadline: neither on time nor late, neither pending nor overdue
        return t("profile_closed_no_deadline" if row["is_closed"] else "profile_open_no_deadline", lang)
    if row["is_closed"]:
        return t("profile_on_time" if row["is_closed_on_time"] else "profile_late", lang)
    return t("profile_overdue" if row["is_overdue_open"] else "profile_pending", lang)


def orders_table(found: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("profile_order_id", lang): [r["order_id"] for r in found],
        t("profile_received", lang): [when(r["received_at"]) for r in found],
        t("category", lang): [r["category"] or fmt.DASH for r in found],
        t("source", lang): [r["source"] or fmt.DASH for r in found],
        t("profile_due", lang): [when(r["due_at"]) for r in found],
        t("profile_closed", lang): [when(r["closed_at"] if r["is_closed"] else None) for r in found],
        t("profile_status", lang): [status(r, lang) for r in found],
        t("profile_revisit", lang): [value_label("revisit_result", r["revisit_result"], lang)
                                     if r["revisit_result"] else fmt.DASH for r in found],
        t("profile_repeat", lang): [yes_no(r["is_repeat"], lang) for r in found],
        t("profile_content", lang): [r["content"] or "" for r in found],
    })


def complaints_table(found: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("profile_complaint_id", lang): [r["complaint_id"] for r in found],
        t("profile_filed", lang): [when(r["filed_at"]) for r in found],
        t("category", lang): [r["category"] or fmt.DASH for r in found],
        t("source", lang): [r["source"] or fmt.DASH for r in found],
        t("profile_company", lang): [r["property_company"] or fmt.DASH for r in found],
        t("profile_complaint_status", lang): [r["status"] or fmt.DASH for r in found],
        t("profile_closed", lang): [when(r["closed_at"]) for r in found],
        t("profile_linked", lang): [r["order_id"] or fmt.DASH for r in found],
    })


# ---- the page ------------------------------------------------------------------------------------

lang = language.lang()
filters = sidebar.chosen()
window = filters.window
frame.page_header("page_profile")
st.caption(t("profile_scope_note", lang, period=filters.period.label(lang)))
name, unknown = chosen_compound(window, lang)
if unknown and not name:
    viewer.allowed(Scope(compound=unknown))   # a street account is refused as for another street's name (no oracle)
    st.error(t("profile_unknown", lang, name=unknown), icon=":material/search_off:")
    st.stop()
if not name:
    st.info(t("profile_choose", lang), icon=":material/apartment:")
    st.stop()

scope = Scope(compound=name)
registry = engine.ask("compounds_with_flags", scope, window)
option = next((o for o in engine.facts()["options"]["compound"] if o["compound_name"] == name), None)
if not registry and option is None:  # the data changed under a stale selection
    st.error(t("profile_unknown", lang, name=name), icon=":material/search_off:")
    st.stop()
row = registry[0] if registry else None   # None: a compound only orders and complaints name (未入台账)
st.header(name, divider="red")
place = " · ".join(p for p in ((row or option)["street"], (row or option)["community"]) if p)
st.caption(place + (f" · {t('profile_alias_note', lang, alias=unknown, name=name)}" if unknown else ""))

st.subheader(t("profile_registry", lang))
if row:
    show_registry(row, lang)
else:
    st.info(t("profile_not_in_registry", lang), icon=":material/help:")

st.subheader(t("profile_kpis_title", lang, period=filters.period.label(lang)))
report = engine.ask("kpi_report", scope, window)
cards.kpi_cards(report, CARDS)
ages = report["open_orders_by_age"]
st.caption(t("profile_open", lang, a=ages["not_yet_due"], b=ages["overdue_short"], c=ages["overdue_medium"],
             d=ages["overdue_long"], e=ages["no_deadline"]))

months = [{**m, "month": month_label(m["month"], window, lang)} for m in engine.ask(monthly_activity, scope, window)]
founded = row["party_org_founded_on"] if row and founded_in_window(row["party_org_founded_on"], window) else None
targets = connection.config()["targets"]
left, right = st.columns(2)
RATES = ("on_time_closure_rate", "satisfaction_rate")
with left:
    rates = charts.drawable(months, RATES)
    if rates:
        figure = charts.lines(months, "month", [(k, kpi_label(k, lang)) for k in rates],
                              t("profile_rates_title", lang), percent=True, targets=targets, lang=lang)
        if founded:
            mark_founding(figure, founded, window, lang)
        st.plotly_chart(figure, key="profile_rates")
    elif months:
        frame.cannot_draw(frame.why_not_drawn(RATES, report, lang))
with right:
    volume = [("orders_total", kpi_label("orders_total", lang))]
    volume += [("complaint_count", kpi_label("complaint_count", lang))] if charts.drawable(months, ["complaint_count"]) else []
    figure = charts.bars(months, "month", volume, t("profile_volume_title", lang), lang=lang)
    if founded:
        mark_founding(figure, founded, window, lang)
    st.plotly_chart(figure, key="profile_volume")

categories = sorted(engine.ask("order_kpis_by", scope, window, by=("category",)), key=lambda r: -r["orders_total"])
if categories:
    st.plotly_chart(charts.bars(categories, "category", [("orders_total", kpi_label("orders_total", lang))],
                                t("profile_categories_title", lang), horizontal=True,
                                color_by_x=charts.color_map(engine.facts()["options"]["category"]),
                                height=max(240, 40 * len(categories) + 100), lang=lang), key="profile_categories")

# why is this compound red: its on-time closure and satisfaction by category and by handling unit (metrics.breakdown),
# one table under the other (side by side, half a page each would cut the rates and the download buttons)
splits = {by: worst_first(engine.ask("breakdown", scope, window, by=by)) for by in ("category", "unit")}
if any(splits.values()):
    st.subheader(t("profile_why_title", lang))
    st.caption(t("profile_why_caption", lang, n=connection.config()["scorecard"]["min_orders"]))
for by, split in splits.items():
    if split:
        title = f"按{t(f'by_{by}', lang)}" if lang == "zh" else f"By {t(f'by_{by}', lang).lower()}"
        st.markdown(f"**{title}**")
        shown, config, raw, kinds = causes.table(split, by, lang, compact=True)
        st.dataframe(shown, hide_index=True, placeholder="—", column_config=config, key=f"profile_by_{by}")
        downloads.download_buttons(raw, title, f"profile_by_{by}_dl", scope, kinds=kinds)

st.subheader(t("profile_orders_title", lang))
orders = engine.ask("order_rows", scope, window, limit=ORDER_LIMIT)
if orders:
    if len(orders) == ORDER_LIMIT:
        st.caption(t("profile_orders_cap", lang, n=ORDER_LIMIT))
    table = orders_table(orders, lang)
    st.dataframe(table, hide_index=True, placeholder="—", key="profile_orders",
                 column_config={t("profile_content", lang): st.column_config.TextColumn(width="large")})
    downloads.download_buttons(table, t("profile_orders_title", lang), "profile_orders_dl", scope)   # 工单明细_阳光花园_…
else:
    st.info(t("profile_no_orders", lang))

st.subheader(t("profile_complaints_title", lang))
complaints = engine.ask(complaint_rows, scope, window, limit=ORDER_LIMIT)
if complaints:
    table = complaints_table(complaints, lang)
    st.dataframe(table, hide_index=True, placeholder="—", key="profile_complaints")
    downloads.download_buttons(table, t("profile_complaints_title", lang), "profile_complaints_dl", scope)
else:
    st.info(t("profile_no_complaints", lang))

# 集中诉求 where they were made (a rollups-only file has none: the section is left out)
if engine.ask(hot.built, scope, window):
    st.subheader(t("profile_hot_title", lang))
    hot_issues = engine.ask(hot.hot_issues, scope, window)
    if hot_issues:
        st.caption(t("profile_hot_caption", lang))
        st.dataframe(pd.DataFrame({
            t("profile_hot_issue", lang): [h["title"] or "" for h in hot_issues],
            t("profile_hot_first", lang): [h["first_day"].isoformat() for h in hot_issues],
            t("profile_hot_last", lang): [h["last_day"].isoformat() for h in hot_issues],
            t("profile_hot_orders", lang): [h["orders"] for h in hot_issues],
            t("profile_hot_residents", lang): [h["residents"] for h in hot_issues],
            t("profile_hot_open", lang): [h["open"] for h in hot_issues],
            t("profile_hot_heat", lang): [h["heat"] for h in hot_issues],
            t("profile_hot_new", lang): [t("profile_hot_new", lang) if h["new"] else "" for h in hot_issues],
        }), hide_index=True, key="profile_hot")
        if st.button(t("profile_hot_page", lang), key="profile_hot_page", icon=":material/forum:"):
            links.switch_page("pages/hot.py")
    else:
        st.info(t("profile_hot_none", lang))
