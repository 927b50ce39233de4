"""小区对比 Compare compounds: two to six compounds from any street side by side (KPIs against target, a
radar of the rates, monthly trends overlaid, registry facts), and below them the ranking of every compound
in scope with the red and black lists (红黑榜), per-1,000-household rates and Wilson intervals."""
import dataclasses

import pandas as pd
import streamlit as st

import charts
from metrics import formatting as fmt
from metrics import trends
from metrics.kpis import Scope
from metrics.scorecard import why_unranked
from ui import connection, downloads, engine, frame, language, links, sidebar, tables, viewer
from ui.i18n import kpi_label, register, t, value_label

register({
    "cmp_pick": ("选择要对比的小区", "Compounds to compare"),
    "cmp_pick_placeholder": ("输入小区名称搜索，可选2至6个", "Type to search; pick 2 to 6"),
    "cmp_pick_help": ("可跨街道选择；对比不受侧栏街道、社区、小区类型、管理模式筛选的限制，来源渠道和诉求类别筛选仍然适用。",
                      "Any street; the sidebar's street, community, kind and mode filters do not apply here, the "
                      "source and category filters do."),
    "cmp_pick_more": ("请选择2至6个小区进行对比。", "Pick 2 to 6 compounds to compare them."),
    "cmp_kpis_title": ("{period}主要指标对比", "Key figures, {period}"),
    "cmp_kpi": ("指标", "Measure"),
    "cmp_item": ("项目", "Item"),
    "cmp_small_note": ("{names}的工单少于{n}件，比率仅供参考。", "{names}: fewer than {n} orders; read the rates with care."),
    "cmp_colour_note": ("绿色：达到目标；红色：低于目标。", "Green: at or above target; red: below target."),
    "cmp_radar_title": ("五率对比", "Five rates compared"),
    "cmp_radar_note": ("圆心为{floor}，向外每圈增加10个百分点，最外圈为100%（悬停可见各项数值）；无数据的比率（—）画在圆心。",
                       "The centre is {floor}, each ring 10 points more, the rim 100% (hover for the values); a rate "
                       "without data (—) is drawn at the centre."),
    "cmp_trend_kpi": ("走势指标", "Trend of"),
    "cmp_trend_title": ("{kpi}月度走势", "{kpi} by month"),
    "cmp_facts_title": ("小区基本情况", "Registry facts"),
    "cmp_households": ("户数", "Households"),
    "cmp_company": ("物业公司", "Property company"),
    "cmp_party_org": ("党组织类型", "Party organisation"),
    "cmp_founded": ("党组织成立日期", "Founded on"),
    "cmp_committee": ("业委会", "Owners' committee"),
    "cmp_composite": ("综合得分", "Composite score"),
    "cmp_per_1000_complaints": ("每千户投诉", "Complaints per 1,000 households"),
    "cmp_per_1000_orders": ("每千户工单", "Orders per 1,000 households"),
    "cmp_ranking_title": ("小区排名（红黑榜）", "Compound ranking (red and black lists)"),
    "cmp_ranking_caption": ("按综合得分排名（{weights}）；工单少于{n}件的小区标为“样本少”，不参加排名；红榜为前{size}名，黑榜为后{size}名；"
                            "区间为95%置信区间（Wilson）。",
                            "Ranked by composite score ({weights}); compounds with fewer than {n} orders are marked "
                            "small sample and not ranked; the red list is the top {size}, the black list the bottom "
                            "{size}; intervals are 95% Wilson intervals."),
    "cmp_complaint_component": ("投诉", "complaints"),
    "cmp_rank": ("排名", "Rank"),
    "cmp_list": ("榜单", "List"),
    "cmp_sample": ("样本", "Sample"),
    "cmp_interval": ("{kpi}区间", "{kpi} interval"),
    "cmp_interval_low": ("{kpi}区间下限", "{kpi} interval, low"),
    "cmp_interval_high": ("{kpi}区间上限", "{kpi} interval, high"),
    "cmp_none_in_scope": ("所选范围内没有小区。", "No compound in the selected scope."),
})

PICK_KEY = "compare_compounds"
SAVED_KEY = "_compare_picked"   # the pick outlives a visit to another page (the widget's state does not)
MIN_PICK, MAX_PICK = 2, 6
RADAR = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate", "first_contact_rate", "resolution_rate"]
SIDE_BY_SIDE = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate", "first_contact_rate", "resolution_rate",
                "orders_total", "complaint_count", "complaints_per_1000_households", "composite_score"]
TREND_KPIS = ["orders_total", "on_time_closure_rate", "revisit_rate", "satisfaction_rate"]
RATE_LABELS = {"complaints_per_1000_households": "cmp_per_1000_complaints",
               "orders_per_1000_households": "cmp_per_1000_orders", "composite_score": "cmp_composite"}
GOOD, BAD = "background-color: #E4F2E7; color: #1E6B34", "background-color: #FBE4E6; color: #A1121F"


def label(name: str, lang: str) -> str:
    return t(RATE_LABELS[name], lang) if name in RATE_LABELS else kpi_label(name, lang)


def interval(row: dict, name: str) -> str:
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    return fmt.DASH if low is None else f"{fmt.percent(low)}–{fmt.percent(high)}"


def compound_label(option: dict, lang: str) -> str:
    notes = [n for n in (option.get("street"), None if option.get("in_registry", True) else t("not_in_registry", lang)) if n]
    if not notes:
        return option["compound_name"]
    return f"{option['compound_name']}（{'，'.join(notes)}）" if lang == "zh" \
        else f"{option['compound_name']} ({', '.join(notes)})"


def pick_compounds(lang: str) -> list[str]:
    """The multiselect, first filled from ?compounds=a,b (or the pick of an earlier visit), mirrored to the URL."""
    options = {o["compound_name"]: o for o in engine.facts()["options"]["compound"]}
    if PICK_KEY not in st.session_state:
        asked = [n for n in st.query_params.get("compounds", "").split(",") if n]
        for name in asked:
            if name not in options:   # another street's compound is refused (and audited) by the scope seam
                viewer.allowed(Scope(compound=name))
        url = [n for n in asked if n in options]
        saved = [n for n in st.session_state.get(SAVED_KEY, []) if n in options]
        st.session_state[PICK_KEY] = list(dict.fromkeys(url or saved))[:MAX_PICK]
    picked = st.multiselect(t("cmp_pick", lang), list(options), key=PICK_KEY, max_selections=MAX_PICK, select_all=False,
                            placeholder=t("cmp_pick_placeholder", lang), help=t("cmp_pick_help", lang),
                            format_func=lambda n: compound_label(options[n], lang))
    st.session_state[SAVED_KEY] = list(picked)
    value = ",".join(picked)
    if value and st.query_params.get("compounds") != value:
        st.query_params["compounds"] = value
    elif not value and "compounds" in st.query_params:
        del st.query_params["compounds"]
    return list(picked)


def side_by_side(rows: list[dict], lang: str):
    """KPIs as rows, compounds as columns, numbers as numbers with each row's kind; cells coloured against the
    configured targets: (the table, its kinds, the styled table shown)."""
    targets = connection.config()["targets"]
    frame = pd.DataFrame({
        t("cmp_kpi", lang): [label(n, lang) for n in SIDE_BY_SIDE],
        t("target", lang): [targets.get(n) for n in SIDE_BY_SIDE],
        **{r["compound_name"]: [r[n] for n in SIDE_BY_SIDE] for r in rows},
    }, dtype=object)
    row_kinds = [kind(n) for n in SIDE_BY_SIDE]
    kinds = {c: row_kinds for c in frame.columns[1:]}
    shown = tables.on_screen(frame, kinds)
    shown[t("target", lang)] = [fmt.percent(targets[n]) if n in targets else "" for n in SIDE_BY_SIDE]
    colours = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for i, name in enumerate(SIDE_BY_SIDE):
        for r in rows:
            if name in targets and r[name] is not None:
                colours.loc[i, r["compound_name"]] = GOOD if r[name] >= targets[name] else BAD
    return frame, kinds, shown.style.apply(lambda _: colours, axis=None)


def kind(name: str) -> str:
    """A KPI's kind in a table (metrics.exports.FORMATS)."""
    return "count" if name in ("orders_total", "complaint_count") else "decimal" if name in RATE_LABELS else "rate"


def facts_table(rows: list[dict], lang: str) -> tuple[pd.DataFrame, dict]:
    items = [
        (t("street", lang), lambda r: r["street"] or fmt.DASH),
        (t("community", lang), lambda r: r["community"] or fmt.DASH),
        (t("compound_kind", lang), lambda r: value_label("compound_kind", r["compound_kind"], lang)),
        (t("management_mode", lang), lambda r: value_label("management_mode", r["management_mode"], lang)),
        (t("cmp_households", lang), lambda r: r["households"]),
        (t("cmp_company", lang), lambda r: r["property_company"] or fmt.DASH),
        (t("cmp_party_org", lang), lambda r: value_label("party_org_type", r["party_org_type"], lang)),
        (t("cmp_founded", lang), lambda r: r["party_org_founded_on"].isoformat() if r["party_org_founded_on"] else fmt.DASH),
        (t("cmp_committee", lang), lambda r: fmt.DASH if r["has_owners_committee"] is None
            else t("yes" if r["has_owners_committee"] else "no", lang)),
    ]
    frame = pd.DataFrame({t("cmp_item", lang): [name for name, _ in items],
                          **{r["compound_name"]: [get(r) for _, get in items] for r in rows}}, dtype=object)
    row_kinds = ["count" if name == t("cmp_households", lang) else "text" for name, _ in items]
    return frame, {r["compound_name"]: row_kinds for r in rows}


def monthly_trend(picked: list[str], rows_scope: Scope, window, colours: dict, lang: str) -> None:
    kpi = st.radio(t("cmp_trend_kpi", lang), TREND_KPIS, key="compare_trend_kpi", horizontal=True,
                   format_func=lambda n: kpi_label(n, lang))
    per_compound = {name: engine.ask(trends.order_series, dataclasses.replace(rows_scope, compound=name), window,
                                    grain="month") for name in picked}
    months = [r["month"] for r in per_compound[picked[0]]]
    data = [{"month": charts.month_label(m, lang), **{n: per_compound[n][i][kpi] for n in picked}}
            for i, m in enumerate(months)]
    rate = kpi != "orders_total"
    if not charts.drawable(data, picked):   # a rate the data lacks (no 回访结果 column …): said, not drawn empty
        frame.cannot_draw(frame.why_not_drawn([kpi], engine.ask("kpi_report", rows_scope, window), lang))
        return
    target = connection.config()["targets"].get(kpi)
    fig = charts.lines(data, "month", [(n, n) for n in picked], t("cmp_trend_title", lang, kpi=kpi_label(kpi, lang)),
                       percent=rate, colors=colours, lang=lang,
                       targets={n: target for n in picked} if target is not None else None)
    st.plotly_chart(fig, key="compare_trend")


def ranking(rows: list[dict], lang: str) -> tuple[pd.DataFrame, dict, pd.DataFrame, dict]:
    """The sortable table (numbers, formatted by column_config) and its config; its download (numbers as numbers,
    each interval as its two bounds) and the download's kinds."""
    small = t("small_sample", lang)
    rates = ["on_time_closure_rate", "revisit_rate", "satisfaction_rate"]
    base = {
        t("cmp_rank", lang): pd.array([r["rank"] for r in rows], dtype="Int64"),
        t("cmp_list", lang): [value_label("list", r["list"], lang) if r["list"] else "" for r in rows],
        t("compound", lang): [r["compound_name"] for r in rows],
        t("not_in_registry", lang): ["" if r["in_registry"] else t("not_in_registry", lang) for r in rows],
        t("street", lang): [r["street"] for r in rows],
        t("cmp_composite", lang): [r["composite_score"] for r in rows],
    }
    numbers, raw = dict(base), dict(base)
    kinds = {t("cmp_rank", lang): "rank", t("cmp_composite", lang): "decimal"}
    for name in rates:
        numbers[kpi_label(name, lang)] = [None if r[name] is None else 100 * r[name] for r in rows]
        raw[kpi_label(name, lang)] = [r[name] for r in rows]
        numbers[t("cmp_interval", lang, kpi=kpi_label(name, lang))] = [interval(r, name) for r in rows]
        for end in ("low", "high"):
            raw[t(f"cmp_interval_{end}", lang, kpi=kpi_label(name, lang))] = [r[f"{name}_{end}"] for r in rows]
            kinds[t(f"cmp_interval_{end}", lang, kpi=kpi_label(name, lang))] = "rate"
        kinds[kpi_label(name, lang)] = "rate"
    for name in ("orders_total", "complaint_count"):
        numbers[kpi_label(name, lang)] = raw[kpi_label(name, lang)] = [r[name] for r in rows]
        kinds[kpi_label(name, lang)] = "count"
    for name in ("complaints_per_1000_households", "orders_per_1000_households"):
        numbers[label(name, lang)] = raw[label(name, lang)] = [r[name] for r in rows]
        kinds[label(name, lang)] = "decimal"
    numbers[t("cmp_households", lang)] = raw[t("cmp_households", lang)] = [r["households"] for r in rows]
    kinds[t("cmp_households", lang)] = "count"
    numbers[t("cmp_sample", lang)] = raw[t("cmp_sample", lang)] = [small if r["small_sample"] else "" for r in rows]
    config = {label(n, lang): st.column_config.NumberColumn(format="%.1f") for n in RATE_LABELS}
    config.update({kpi_label(n, lang): st.column_config.NumberColumn(format="%.1f%%") for n in rates})
    config[t("cmp_rank", lang)] = st.column_config.NumberColumn(format="%d")
    config[t("cmp_households", lang)] = st.column_config.NumberColumn(format="localized")
    return pd.DataFrame(numbers), config, pd.DataFrame(raw), kinds


lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_compare", filters)
scope, window = filters.scope, filters.window
# the picked compounds come from any street: only the "what" filters (source, category) apply to them
what = Scope(source=scope.source, category=scope.category, request_type=scope.request_type)

picked = pick_compounds(lang)
if len(picked) < MIN_PICK:
    st.info(t("cmp_pick_more", lang), icon=":material/compare_arrows:")
else:
    card = {r["compound_name"]: r for r in engine.ask("scorecard", what, window)}
    rows = [card[n] for n in picked if n in card]
    colours = {r["compound_name"]: charts.SERIES[i % len(charts.SERIES)] for i, r in enumerate(rows)}
    st.subheader(t("cmp_kpis_title", lang, period=filters.period.label(lang)))
    table, kinds, styled = side_by_side(rows, lang)
    st.dataframe(styled, hide_index=True, placeholder="—", key="compare_kpis")
    notes = [t("cmp_colour_note", lang)]
    small = [r["compound_name"] for r in rows if r["small_sample"]]
    if small:
        notes.append(t("cmp_small_note", lang, names="、".join(small) if lang == "zh" else ", ".join(small),
                       n=connection.config()["scorecard"]["min_orders"]))
    st.caption(" ".join(notes))
    downloads.download_buttons(table, t("page_compare", lang), "compare_kpis_dl", what, kinds=kinds)

    left, right = st.columns(2)
    with left:
        # rates near the rim are told apart only when the axis starts near them
        known = [r[k] for r in rows for k in RADAR if r[k] is not None]
        floor = max(0.0, (int(min(known) * 10) - 1) / 10) if known else 0.0
        radar = charts.radar([(r["compound_name"], [r[k] for k in RADAR]) for r in rows],
                             [kpi_label(k, lang) for k in RADAR], t("cmp_radar_title", lang), colors=colours, floor=floor)
        st.plotly_chart(radar, key="compare_radar")
        st.caption(t("cmp_radar_note", lang, floor=fmt.percent(floor, 0)))
    with right:
        monthly_trend([r["compound_name"] for r in rows], what, window, colours, lang)

    st.subheader(t("cmp_facts_title", lang))
    facts, kinds = facts_table(rows, lang)
    st.dataframe(tables.on_screen(facts, kinds), hide_index=True, placeholder="—", key="compare_facts")
    downloads.download_buttons(facts, t("cmp_facts_title", lang), "compare_facts_dl", what, kinds=kinds, period=False)

st.subheader(t("cmp_ranking_title", lang))
card_config = connection.config()["scorecard"]
weights = [f"{label(k, lang) if k != 'complaint_score' else t('cmp_complaint_component', lang)}"
           f"{'' if lang == 'zh' else ' '}{round(float(w) * 100)}%" for k, w in card_config["weights"].items()]
st.caption(t("cmp_ranking_caption", lang, weights="、".join(weights) if lang == "zh" else ", ".join(weights),
             n=card_config["min_orders"], size=card_config["list_size"]) + " " + t("open_compound", lang))
all_rows = engine.ask("scorecard", scope, window)
if not all_rows:
    st.info(t("cmp_none_in_scope", lang), icon=":material/filter_alt_off:")
else:
    unranked = why_unranked(all_rows, connection.config(), engine.ask("kpi_report", scope, window)["missing_inputs"], lang)
    if unranked:   # no score or too few ranked: said in words, and the table runs by orders
        st.info(unranked, icon=":material/leaderboard:")
    numbers, config, raw, kinds = ranking(all_rows, lang)
    event = st.dataframe(numbers, hide_index=True, placeholder="—", column_config=config, on_select="rerun",
                         selection_mode="single-row", key="compare_ranking")
    downloads.download_buttons(raw, t("cmp_ranking_title", lang), "compare_ranking_dl", kinds=kinds)
    if event.selection.rows:
        links.open_profile(all_rows[event.selection.rows[0]]["compound_name"])
