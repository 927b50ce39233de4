"""What a briefing (简报) says, from the KPI engine only: the headline paragraph, the KPI table, the lists.

Every number in a briefing comes from metrics.kpis / metrics.scorecard for the same scope and window as the
dashboard shows, so the document and the screen cannot disagree. The sentence adapts to the data: 下降 when a
figure fell, only the sources present, nothing printed for what the data lacks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from casework.cases import counts as case_counts
from metrics import formatting as fmt
from metrics import hot
from metrics.attention import needs_attention
from metrics.attention import shown as shown_attention
from metrics.breakdown import breakdown
from metrics.breakdown import lists as company_red_black
from metrics.catalog import KPIS
from metrics.caveats import caveats
from metrics.db import rows
from metrics.kpis import Scope, complaint_counts_by, kpi_report, order_kpis_by
from metrics.names import NOT_REGISTERED
from metrics.options import data_span
from metrics.party import new_branches
from metrics.periods import Window, coverage_note, today_in
from metrics.scorecard import scorecard, why_unranked

TABLE_KPIS = ["orders_total", "on_time_closure_rate", "revisit_rate", "satisfaction_rate", "repeat_rate",
              "complaint_count", "median_close_hours", "party_org_coverage", "independent_branch_rate",
              "owners_committee_rate"]
TOP_CATEGORIES = 4
MAX_SOURCES_NAMED = 3


def headline_rate(rate: float | None) -> str:
    """As briefings write them: 100% without decimals, otherwise one decimal (95.0%)."""
    if rate is None:
        return fmt.DASH
    return "100%" if round(rate * 1000) == 1000 else fmt.percent(rate)


def join_zh(items: list[str]) -> str:
    return "、".join(items)


def join_en(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def place_label(name: str, level: str, config: dict) -> str:
    """A street's or community's name as a document writes it (config place_labels): "{name}" as exported, and a
    name made only of digits (311 districts 1-11) by its own pattern, 第{name}区, so that no title reads
    "9红色物业工作简报" and no sentence "统计92015年下半年"."""
    patterns = config.get("place_labels") or {}
    pattern = patterns.get(f"numbered_{level}" if str(name).strip().isdigit() else level) or "{name}"
    return pattern.replace("{name}", str(name))


def scope_name(scope: Scope, config: dict, lang: str = "zh") -> str:
    if scope.community:
        return place_label(scope.community, "community", config)
    if scope.street:
        return place_label(scope.street, "street", config)
    return config.get("district_name") or ("全区" if lang == "zh" else "the district")


def order_noun(config: dict, lang: str = "zh") -> str:
    """What the document calls the orders it counts (config briefing.order_noun): 物业工单 for a property hotline,
    诉求件 or 留言 for a city's 311 cases or a message board."""
    zh, en = (config.get("briefing") or {}).get("order_noun") or ("物业工单", "property work orders")
    return zh if lang == "zh" else en


def against_target(value: float | None, target: float | None, lang: str = "zh") -> str | None:
    """Where a rate stands against its target, in percentage points of the figures as printed
    (86.0% against 95% -> 低于目标9.0个百分点); None without a value or a target."""
    if value is None or target is None:
        return None
    gap = round(value * 100, 1) - round(target * 100, 1)
    if round(gap, 1) == 0:
        return "达到目标" if lang == "zh" else "on target"
    if lang == "zh":
        return f"{'高于' if gap > 0 else '低于'}目标{abs(gap):.1f}个百分点"
    return f"{abs(gap):.1f} pp {'above' if gap > 0 else 'below'} target"


# Chinese prose writes counts without thousands separators (791件, 14584件); tables use them.
def headline(report: dict, sources: list[dict], categories: list[dict], name: str, period_label: str,
             lang: str = "zh", targets: dict | None = None, noun: str | None = None) -> str:
    """The opening paragraph of the briefing, in the style of the seeds (docs/briefing.md). Each rate is followed by
    its own clauses (against its target; 同比 for satisfaction), so no clause reads as if it applied to the
    rates listed before it."""
    targets = targets or {}
    noun = noun or ("物业工单" if lang == "zh" else "property work orders")
    total = report["orders_total"] or 0
    named_sources = [s["source"] for s in sources if s["source"]][:MAX_SOURCES_NAMED]
    more_sources = len([s for s in sources if s["source"]]) > MAX_SOURCES_NAMED
    top = [c["category"] for c in categories if c["category"]][:TOP_CATEGORIES]
    yoy = report["same_period_last_year"]["changes"].get("satisfaction_rate_pp")
    complaints = report["complaint_count"]
    complaints_yoy = report["same_period_last_year"]["changes"].get("complaint_count_pct")
    rates = []
    for key in ("on_time_closure_rate", "revisit_rate", "satisfaction_rate"):
        value = report[key]
        if value is None:
            continue
        label = KPIS[key].label_zh if lang == "zh" else KPIS[key].label_en.lower()
        clauses = [c for c in [against_target(value, targets.get(key), lang)] if c]
        if key == "satisfaction_rate" and yoy is not None:
            if lang == "zh":
                clauses.append("同比" + ("持平" if round(yoy, 1) == 0 else fmt.pp_change(yoy, "zh")))
            else:
                clauses.append("unchanged year on year" if round(yoy, 1) == 0 else
                               f"{'up' if yoy > 0 else 'down'} {abs(yoy):.1f} pp year on year")
        rates.append((label, headline_rate(value), clauses))
    if lang == "zh":
        if total == 0:
            text = f"{period_label}，{name}未收到{noun}。"
        else:
            via = f"{join_zh(named_sources)}{'等渠道' if more_sources else ''}的" if named_sources else ""
            text = f"{period_label}，{name}共收到{via}{noun}{total}件"
            text += f"，主要集中在{join_zh(top)}等方面。" if top else "。"
        if rates:
            text += "；".join("，".join([f"{label}{value}"] + clauses) for label, value, clauses in rates) + "。"
        if complaints:
            text += f"期内受理投诉{complaints}件"
            if complaints_yoy is not None:
                text += "，同比" + fmt.pct_change(complaints_yoy, "zh")
            text += "。"
        return text
    if total == 0:
        text = f"In {period_label}, {name} received no {noun}."
    else:
        via = f" from {join_en(named_sources)}{' and other channels' if more_sources else ''}" if named_sources else ""
        text = f"In {period_label}, {name} received {fmt.count(total)} {noun}{via}"
        text += f", mainly about {join_en(top)}." if top else "."
    if rates:
        parts = [", ".join([f"{label} {value}"] + clauses) for label, value, clauses in rates]
        text += " " + (parts[0][0].upper() + parts[0][1:] if parts else "")
        text += "".join("; " + p for p in parts[1:]) + "."
    if complaints:
        text += f" Complaints received: {fmt.count(complaints)}"
        if complaints_yoy is not None:
            text += f" ({fmt.pct_change(complaints_yoy, 'en')} year on year)"
        text += "."
    return text


HOT_SHOWN = 5   # 集中诉求: the hottest five, and what happened to them


@dataclass
class Briefing:
    lang: str
    title: str
    scope_name: str
    period_label: str
    as_of: str
    headline: str
    kpi_table: list[dict]
    complaints_by_month: list[dict]
    complaints_by_category: list[dict]
    units: list[dict]                  # streets or communities side by side
    unit_dimension: str | None
    red_list: list[dict]
    black_list: list[dict]
    company_red: list[dict]
    company_black: list[dict]
    party: dict
    attention: list[dict]
    data_note: dict
    report: dict = field(repr=False, default_factory=dict)
    issuer: str = ""                   # 编发单位
    report_to: list[str] = field(default_factory=list)    # 报送
    copy_to: list[str] = field(default_factory=list)      # 抄送
    issue: int | None = None           # 第N期: given when the briefing is issued (briefing.issues), not on preview
    issued_on: dt.date = field(default_factory=today_in)   # 印发日期: the day chosen, by default today in Asia/Shanghai
    attention_more: int = 0            # compounds the 需关注 list holds beyond the ones shown (attention.shown)
    unranked: str | None = None        # why there are no red and black lists (scorecard.why_unranked)
    caveats: list[str] = field(default_factory=list)   # what the figures rest on (metrics.caveats)
    coverage: str | None = None        # 数据自…起, when the data starts inside the period
    noun: str = "物业工单"              # what the document calls an order (order_noun)
    copies: int | None = None          # 共印份数 (config briefing.copies), None: no such line
    config: dict = field(repr=False, default_factory=dict)
    cases: dict | None = None          # 督办 opened in the period (casework.cases.counts); None: not asked
    hot_issues: list[dict] | None = field(default_factory=list)   # 集中诉求: the five hottest; None: none were made
    hot_total: int = 0                                      # how many hot issues the period has in all


def company_lists(con, config: dict, scope: Scope, window: Window) -> tuple[list[dict], list[dict]]:
    """The property companies' red and black lists, from the engine's breakdown by company (metrics.breakdown, as the
    原因分析 page and the CLI ask it): each company's orders pooled over its compounds, ranked by the compounds' rule
    (equal scores share a rank, a tie the cut-off falls in is left out). Each row also under `property_company`."""
    red, black = company_red_black(breakdown(con, config, scope, window, by="company", hours=False))
    return ([{**r, "property_company": r["name"]} for r in red], [{**r, "property_company": r["name"]} for r in black])


def data_note(con, config: dict, scope: Scope, window: Window, report: dict) -> dict:
    """What this briefing counted, in its own scope and period (its rows, not the district's imports), and what it
    leaves out, so nobody signs a number blind: orders and complaints counted, registry compounds, orders whose
    times are in an impossible order (kept, their hours not in the hour statistics), names not in the registry."""
    where, params = scope.where("work_orders")
    span = {**params, "start": window.start, "end": window.end}
    checked = rows(con, f"""SELECT count(*) FILTER (WHERE closed_at < received_at) AS closed_before_received,
                                   count(*) FILTER (WHERE due_at < received_at) AS due_before_received,
                                   count(*) FILTER (WHERE revisited_at < closed_at) AS revisit_before_close
                            FROM work_orders WHERE received_at >= $start AND received_at < $end AND {where}""", span)[0]
    unmatched = rows(con, f"""SELECT count(*) AS orders, count(DISTINCT compound_raw) AS names FROM work_orders
                              WHERE compound_raw IS NOT NULL AND {NOT_REGISTERED} AND received_at >= $start
                                AND received_at < $end AND {where}""", span)[0]
    return {"orders": report["orders_total"] or 0, "complaints": report["complaint_count"],
            "compounds": report.get("compounds_total") or 0, "checks": checked,
            "unmatched_orders": unmatched["orders"], "unmatched_names": unmatched["names"], "as_of": window.as_of}


def _filled(text: str, values: dict) -> str | None:
    """A config line with {name}, {district}, {street} filled; None when it needs a value this scope lacks."""
    try:
        return text.format(**values)
    except (KeyError, IndexError):
        return None


def distribution(config: dict, scope: Scope, name: str) -> tuple[str, list[str], list[str]]:
    """(编发单位, 报送, 抄送) of a briefing of this scope's level, from config.yaml briefing.issuer / report_to / copy_to."""
    settings = config.get("briefing") or {}
    level = "community" if scope.community else ("street" if scope.street else "district")
    values = {"name": name, "district": config.get("district_name") or "全区"}
    if scope.street:
        values["street"] = scope.street

    def lines(key):
        return [t for t in (_filled(str(x), values) for x in ((settings.get(key) or {}).get(level) or [])) if t]

    issuer = _filled(str((settings.get("issuer") or {}).get(level) or ""), values) or name
    return issuer, lines("report_to"), lines("copy_to")


def copies(config: dict, scope: Scope) -> int | None:
    """共印份数 of a briefing of this scope's level (config.yaml briefing.copies: {district: 30, street: 20}); None
    where the config asks for no such line."""
    level = "community" if scope.community else ("street" if scope.street else "district")
    value = ((config.get("briefing") or {}).get("copies") or {}).get(level)
    return int(value) if value else None


def build(con, config: dict, scope: Scope, window: Window, lang: str = "zh", *, cases_db=None) -> Briefing:
    """The briefing of a scope and window; `cases_db`: the database whose access file holds the 督办, counted as
    总览 counts them (casework.cases.counts: opened in the period, with feedback, reply overdue at as_of)."""
    report = kpi_report(con, config, scope, window)
    sources = sorted(order_kpis_by(con, config, scope, window, by=["source"], hours=False), key=lambda r: -r["orders_total"])
    categories = sorted(order_kpis_by(con, config, scope, window, by=["category"], hours=False), key=lambda r: -r["orders_total"])
    name = scope_name(scope, config, lang)
    period_label = window.period.label(lang)
    coverage = coverage_note(window.period, data_span(con), lang)
    table = []
    targets = config["targets"]
    for key in TABLE_KPIS:
        kpi = KPIS[key]
        prev = report["previous_period"].get(key) if kpi.dataset != "compounds" else None
        last = report["same_period_last_year"].get(key) if kpi.dataset != "compounds" else None
        table.append({"kpi": key, "label": kpi.label(lang), "kind": kpi.kind, "value": report.get(key),
                      "target": targets.get(key), "previous": prev, "last_year": last,
                      "change_previous": report["previous_period"]["changes"].get(f"{key}_pp" if kpi.kind == "rate" else f"{key}_pct") if kpi.dataset != "compounds" else None,
                      "change_last_year": report["same_period_last_year"]["changes"].get(f"{key}_pp" if kpi.kind == "rate" else f"{key}_pct") if kpi.dataset != "compounds" else None})
    unit_dimension = "community" if scope.street and not scope.community else ("street" if not scope.street else None)
    units = [r for r in order_kpis_by(con, config, scope, window, by=[unit_dimension]) if r[unit_dimension]] \
        if unit_dimension else []
    complaints_known = report["complaint_count"] is not None   # complaint data covers the period
    if unit_dimension:
        counts = {r[unit_dimension]: r["complaint_count"] for r in complaint_counts_by(con, scope, window, by=[unit_dimension])}
        for u in units:
            u["complaint_count"] = counts.get(u[unit_dimension], 0) if complaints_known else None
    card = scorecard(con, config, scope, window)
    red = [r for r in card if r["list"] == "red"]
    black = sorted([r for r in card if r["list"] == "black"], key=lambda r: r["composite_score"])
    company_red, company_black = company_lists(con, config, scope, window)
    party = {k: report.get(k) for k in ("party_org_coverage", "independent_branch_rate", "owners_committee_rate",
                                          "dual_role_rate", "compounds_total", "compounds_covered")}
    party["eligible_uncovered"] = report["eligible_uncovered"]
    party["new_branches"] = new_branches(con, scope, window)
    title = (f"{name}红色物业工作简报（{period_label}）" if lang == "zh"
             else f"Red property briefing: {name}, {period_label}")
    issuer, report_to, copy_to = distribution(config, scope, name)
    listed, more = shown_attention(needs_attention(con, config, scope, window, card), config)
    # 集中诉求 where imports made them (a lake on Spark, a rollups-only file: none, and the section is left out)
    hot_issues = hot.hot_issues(con, config, scope, window) if hot.built(con, config) else None
    return Briefing(
        lang=lang, title=title, scope_name=name, period_label=period_label, as_of=fmt.as_of(window.as_of, lang),
        headline=headline(report, sources, categories, name,
                          period_label + ((f"（{coverage}）" if lang == "zh" else f" ({coverage})") if coverage else ""),
                          lang, targets, order_noun(config, lang)), kpi_table=table,
        complaints_by_month=complaint_counts_by(con, scope, window, grain="month") if complaints_known else [],
        complaints_by_category=sorted(complaint_counts_by(con, scope, window, by=["category"]),
                                      key=lambda r: -r["complaint_count"]) if complaints_known else [],
        units=units, unit_dimension=unit_dimension, red_list=red, black_list=black, company_red=company_red,
        company_black=company_black, party=party, attention=listed, attention_more=more,
        unranked=why_unranked(card, config, report.get("missing_inputs"), lang),
        caveats=caveats(report, lang), coverage=coverage, noun=order_noun(config, lang), config=config,
        data_note=data_note(con, config, scope, window, report), report=report, issuer=issuer, report_to=report_to,
        copy_to=copy_to, cases=case_counts(cases_db, con, scope, window) if cases_db is not None else None,
        issued_on=today_in((config.get("briefing") or {}).get("time_zone")), copies=copies(config, scope),
        hot_issues=None if hot_issues is None else hot_issues[:HOT_SHOWN],
        hot_total=0 if hot_issues is None else len(hot_issues))
