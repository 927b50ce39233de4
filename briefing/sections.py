"""The briefing's sections as plain data (heading, paragraphs, tables), shared by the Word and PDF writers
so both documents say the same thing in the same order."""
from __future__ import annotations

from metrics import formatting as fmt
from metrics.attention import reasons as attention_reasons
from metrics.catalog import missing_text

ZH_NUMERALS = "一二三四五六七八九十"
LIST_WORDS = {"red": ("红榜", "red list"), "black": ("黑榜", "black list")}


def _value(row: dict, key: str = "value") -> str:
    value = row[key]
    if row["kind"] == "rate":
        return fmt.percent(value)
    if row["kind"] == "hours":
        return fmt.DASH if value is None else f"{value:.1f}"
    return fmt.count(value)


def _change(row: dict, key: str, lang: str) -> str:
    if row["kind"] == "rate":
        return fmt.pp_change(row[key], lang)
    return fmt.pct_change(row[key], lang)


def _words(lang: str) -> dict:
    zh = lang == "zh"
    return {
        "overall": "总体情况" if zh else "Overview",
        "kpis": "主要指标" if zh else "Key figures",
        "complaints": "投诉情况" if zh else "Complaints",
        "units": ("街道与社区对比" if zh else "Streets and communities"),
        "units_street": "各街道对比" if zh else "Streets side by side",
        "units_community": "各社区对比" if zh else "Communities side by side",
        "lists": "红黑榜" if zh else "Red and black lists",
        "party": "党建引领" if zh else "Party building",
        "attention": "需关注事项" if zh else "Needs attention",
        "hot": "集中诉求" if zh else "Hot issues",
        "note": "数据说明" if zh else "About the data",
    }


def _open_orders(report: dict, lang: str) -> list[str]:
    """Open orders at the data's moment, with those without a deadline (无时限) apart from the not-yet-due."""
    ages = report.get("open_orders_by_age") or {}
    total = sum(ages.values())
    if not total:
        return []
    overdue = ages["overdue_short"] + ages["overdue_medium"] + ages["overdue_long"]
    if lang == "zh":
        parts = [f"未到期{ages['not_yet_due']}件", f"超期{overdue}件"]
        parts += [f"无时限{ages['no_deadline']}件"] if ages["no_deadline"] else []
        return [f"截至数据时点，在办工单{total}件，其中" + "、".join(parts) + "。"]
    parts = [f"{fmt.count(ages['not_yet_due'])} not yet due", f"{fmt.count(overdue)} overdue"]
    parts += [f"{fmt.count(ages['no_deadline'])} without a deadline"] if ages["no_deadline"] else []
    return [f"Open orders at the data's moment: {fmt.count(total)}, of which " + ", ".join(parts) + "."]


def _cases(counts: dict | None, lang: str) -> list[str]:
    """督办N件、已反馈M件、逾期未反馈K件: the 督办 opened in the period, as 总览 counts them (casework.cases.counts);
    nothing when none was opened (or none were asked for)."""
    if not counts or not counts["opened"]:
        return []
    if lang == "zh":
        return [f"本期督办{counts['opened']}件、已反馈{counts['replied']}件、逾期未反馈{counts['overdue']}件。"]
    return [f"督办 (supervision cases) opened in the period: {fmt.count(counts['opened'])}; replied: "
            f"{fmt.count(counts['replied'])}; reply overdue: {fmt.count(counts['overdue'])}."]


def _missing(table: list[dict], report: dict, lang: str) -> list[str]:
    """Why a figure of the table is “—”: the column the data lacks, never a 0.0% in its place."""
    missing = report.get("missing_inputs") or {}
    by_fields: dict[tuple, list[str]] = {}
    for row in table:
        if row["kpi"] in missing:
            by_fields.setdefault(tuple(missing[row["kpi"]]), []).append(row["label"])
    sep = "、" if lang == "zh" else ", "
    return [f"{sep.join(labels)}：{missing_text(list(fields), lang)}" if lang == "zh"
            else f"{sep.join(labels)}: {missing_text(list(fields), lang)}" for fields, labels in by_fields.items()]


def heading(index: int, text: str, lang: str) -> str:
    return f"{ZH_NUMERALS[index]}、{text}" if lang == "zh" else f"{index + 1}. {text}"


def sections(b) -> list[dict]:
    """[{key, heading, paragraphs: [str], tables: [{title?, header, rows}], after?: [str]}] in document order
    (`after`: paragraphs that follow the tables)."""
    zh = b.lang == "zh"
    w = _words(b.lang)
    out = [{"key": "overall", "paragraphs": [b.headline], "tables": []}]

    header = (["指标", "本期", "目标", "环比", "同比"] if zh else ["Indicator", "This period", "Target", "vs previous", "vs last year"])
    rows = [[r["label"], _value(r), fmt.percent(r["target"]) if r["target"] is not None else fmt.DASH,
             _change(r, "change_previous", b.lang) if r["previous"] is not None or r["change_previous"] is not None else fmt.DASH,
             _change(r, "change_last_year", b.lang) if r["last_year"] is not None or r["change_last_year"] is not None else fmt.DASH]
            for r in b.kpi_table]
    out.append({"key": "kpis", "paragraphs": _open_orders(b.report, b.lang) + _cases(b.cases, b.lang)
                + _missing(b.kpi_table, b.report, b.lang),
                "tables": [{"header": header, "rows": rows}]})

    complaints = b.report["complaint_count"]
    if complaints is not None:   # complaint data covers the period: without it the briefing says nothing of complaints
        text = (f"期内共受理投诉{complaints}件。" if zh else f"{fmt.count(complaints)} complaints were received in the period.") \
            if complaints else ("期内未受理投诉。" if zh else "No complaints were received in the period.")
        if b.complaints_by_category:
            top = [f"{r['category']}（{r['complaint_count']}件）" if zh else f"{r['category']} ({r['complaint_count']})"
                   for r in b.complaints_by_category[:3] if r["category"]]
            if top:
                text += ("主要类别：" + "、".join(top) + "。") if zh else (" Main categories: " + ", ".join(top) + ".")
        out.append({"key": "complaints", "paragraphs": [text], "tables": []})

    if b.units:
        unit_word = ("街道" if b.unit_dimension == "street" else "社区") if zh else b.unit_dimension.capitalize()
        with_complaints = complaints is not None
        header = [unit_word] + (["工单", "按时办结率", "回访率", "满意率"] if zh
                                else ["Orders", "On-time closure", "Revisit", "Satisfaction"])
        header += (["投诉"] if zh else ["Complaints"]) if with_complaints else []
        rows = [[u[b.unit_dimension], fmt.count(u["orders_total"]), fmt.percent(u["on_time_closure_rate"]),
                 fmt.percent(u["revisit_rate"]), fmt.percent(u["satisfaction_rate"])]
                + ([fmt.count(u["complaint_count"])] if with_complaints else []) for u in b.units]
        out.append({"key": "units", "paragraphs": [], "tables": [{"header": header, "rows": rows}],
                    "words": f"units_{b.unit_dimension}"})

    # a street's (or a community's) briefing names no street beside each compound: they are all its own
    with_street = b.unit_dimension == "street"
    list_header = (["名次", "小区"] + (["街道"] if with_street else []) + ["综合得分", "按时办结率", "满意率", "工单"] if zh
                   else ["Rank", "Compound"] + (["Street"] if with_street else []) + ["Score", "On-time", "Satisfaction", "Orders"])
    paragraphs, tables = [], []
    if b.red_list or b.black_list:
        for label, items in (("红榜" if zh else "Red list", b.red_list), ("黑榜" if zh else "Black list", b.black_list)):
            if items:
                tables.append({"title": label, "header": list_header, "rows": [
                    [str(r["rank"]), r["compound_name"] + ("" if r.get("in_registry", True) else "（未入台账）" if zh
                                                           else " (not in registry)")]
                    + ([r["street"] or fmt.DASH] if with_street else [])
                    + [f"{r['composite_score']:.1f}", fmt.percent(r["on_time_closure_rate"]),
                       fmt.percent(r["satisfaction_rate"]), fmt.count(r["orders_total"])]
                    for r in items]})
        paragraphs.append("工单少于评分门槛的小区不参与排名。" if zh else "Compounds with too few orders are not ranked.")
    else:
        paragraphs.append(b.unranked or ("本期不排红黑榜。" if zh else "No red and black lists this period."))
    company_header = (["物业公司", "在管小区", "综合得分", "按时办结率", "满意率"] if zh
                      else ["Property company", "Compounds", "Score", "On-time", "Satisfaction"])
    for label, items in (("物业公司红榜" if zh else "Companies: red list", b.company_red),
                         ("物业公司黑榜" if zh else "Companies: black list", b.company_black)):
        if items:
            tables.append({"title": label, "header": company_header, "rows": [
                [c["property_company"], str(c["compounds"]), f"{c['composite_score']:.1f}",
                 fmt.percent(c["on_time_closure_rate"]), fmt.percent(c["satisfaction_rate"])] for c in items]})
    out.append({"key": "lists", "paragraphs": paragraphs, "tables": tables})

    p = b.party
    if p["compounds_total"]:
        text = (f"范围内共有小区{p['compounds_total']}个，党组织覆盖率{fmt.percent(p['party_org_coverage'])}，"
                f"独立组建率{fmt.percent(p['independent_branch_rate'])}，业委会组建率{fmt.percent(p['owners_committee_rate'])}，"
                f"“一肩挑”比例{fmt.percent(p['dual_role_rate'])}。") if zh else (
                f"{p['compounds_total']} compounds in scope: party-organisation coverage {fmt.percent(p['party_org_coverage'])}, "
                f"independent branches {fmt.percent(p['independent_branch_rate'])}, owners' committees "
                f"{fmt.percent(p['owners_committee_rate'])}, dual role {fmt.percent(p['dual_role_rate'])}.")
        paragraphs = [text]
        if p["new_branches"]:
            names = [f"{r['compound_name']}（{r['party_org_founded_on']:%Y年%m月%d日}）" if zh
                     else f"{r['compound_name']} ({r['party_org_founded_on']:%Y-%m-%d})" for r in p["new_branches"]]
            paragraphs.append(("本期新建党组织：" + "、".join(names) + "。") if zh else ("New this period: " + ", ".join(names) + "."))
        if p["eligible_uncovered"]:
            names = p["eligible_uncovered"]
            paragraphs.append((f"应建未建小区{len(names)}个：" + "、".join(names) + "。") if zh
                              else (f"{len(names)} compounds are eligible for a branch of their own but have none: " + ", ".join(names) + "."))
        else:
            paragraphs.append("无应建未建小区。" if zh else "No compound is eligible and uncovered.")
    elif p["compounds_total"] is None:   # no registry imported: nothing is said of party building
        paragraphs = ["未导入小区台账，党建引领各项指标无法计算。" if zh
                      else "No compound registry was imported: the party-building figures cannot be computed."]
    else:
        paragraphs = ["范围内没有台账小区。" if zh else "No registry compounds in scope."]
    out.append({"key": "party", "paragraphs": paragraphs, "tables": []})

    if b.attention:   # the same rows and words as 总览's 需关注 (metrics.attention.shown, reasons)
        header = (["序号", "小区"] + (["街道"] if with_street else []) + ["情况"] if zh
                  else ["No.", "Compound"] + (["Street"] if with_street else []) + ["Reasons"])
        rows = []
        for i, r in enumerate(b.attention, 1):
            mark = LIST_WORDS.get(r.get("list"))   # a 红榜 compound is here for the one rate that is short
            name = r["compound_name"] + ((f"（{mark[0]}）" if zh else f" ({mark[1]})") if mark else "")
            rows.append([str(i), name] + ([r["street"] or fmt.DASH] if with_street else [])
                        + [("；\n" if zh else ";\n").join(attention_reasons(r, b.config, b.lang))])
        after = []
        if b.attention_more:   # in print there is no dashboard list to expand: the count, not a wall of names
            after = [f"另有{b.attention_more}个小区低于目标或出现激增，程度较轻，未列出。" if zh
                     else f"{b.attention_more} more compounds are below target or spiked, less severely; not listed."]
        out.append({"key": "attention", "paragraphs": [], "tables": [{"header": header, "rows": rows}], "after": after})
    else:
        out.append({"key": "attention", "paragraphs": ["本期无需要特别关注的小区。" if zh else "No compound needs particular attention."],
                    "tables": []})

    if b.hot_issues is not None:   # none made (a lake on Spark, a rollups-only file): nothing said of them
        out.append(hot_section(b))
    out.append({"key": "note", "paragraphs": note_lines(b), "tables": []})

    for i, section in enumerate(out):
        section["heading"] = heading(i, w[section.pop("words", section["key"])], b.lang)
        titled = [table for table in section["tables"] if table.get("title")]
        for j, table in enumerate(titled):   # a section in parts: （一）红榜 （二）黑榜 …
            table["title"] = sub_heading(j, table["title"], b.lang)
    return out


def sub_heading(index: int, text: str, lang: str) -> str:
    """A second-level heading of the official style: （一）红榜; in English (1) Red list."""
    return f"（{ZH_NUMERALS[index]}）{text}" if lang == "zh" else f"({index + 1}) {text}"


def hot_outcome(h: dict, lang: str) -> str:
    """What happened to a hot issue by the data's moment: open or all closed, on time, satisfied."""
    zh = lang == "zh"
    closed = h["orders"] - h["open"]
    parts = [("已全部办结" if zh else "all closed") if not h["open"] else
             (f"在办{h['open']}件，已办结{closed}件" if zh else f"{h['open']} open, {closed} closed")]
    if h["on_time_closure_rate"] is not None:
        parts.append(f"按时办结率{fmt.percent(h['on_time_closure_rate'])}" if zh
                     else f"{fmt.percent(h['on_time_closure_rate'])} on time")
    if h["satisfaction_rate"] is not None:
        parts.append(f"满意率{fmt.percent(h['satisfaction_rate'])}" if zh
                     else f"{fmt.percent(h['satisfaction_rate'])} satisfied")
    return ("，" if zh else ", ").join(parts)


def hot_section(b) -> dict:
    """集中诉求: the hottest five of the period (metrics.hot, as the 集中诉求 page ranks them) and what happened to
    them; how many there are in all."""
    zh = b.lang == "zh"
    if not b.hot_issues:
        return {"key": "hot", "paragraphs": ["本期无集中诉求。" if zh else "No hot issue this period."], "tables": []}
    shown = len(b.hot_issues)
    lead = (f"本期集中诉求{b.hot_total}项（同一小区多位居民反映的同一具体问题），热度最高的{shown}项如下：" if zh
            else f"{b.hot_total} hot issues this period (one concrete problem written about by several residents of "
                 f"one compound); the {shown} hottest:")
    header = (["序号", "问题", "小区", "时间", "工单", "居民", "热度", "办理情况"] if zh
              else ["No.", "Issue", "Compound", "Dates", "Orders", "Residents", "Heat", "Outcome"])
    rows = []
    for i, h in enumerate(b.hot_issues, 1):
        title = (h["title"] or fmt.DASH) + (("（新）" if zh else " (new)") if h["new"] else "")
        dates = f"{h['first_day']:%m-%d}至{h['last_day']:%m-%d}" if zh else f"{h['first_day']:%m-%d} to {h['last_day']:%m-%d}"
        rows.append([str(i), title, h["place"], dates, fmt.count(h["orders"]), fmt.count(h["residents"]),
                     f"{h['heat']:.1f}", hot_outcome(h, b.lang)])
    after = ["热度＝（3×居民数＋重复来电数＋投诉数＋0.1×点赞数）×（1＋0.5×较上期增幅，最多按200%计，新出现的按200%计）。" if zh
             else "Heat = (3 × residents + repeated calls + complaints + 0.1 × likes) × (1 + 0.5 × growth on the previous period, at "
                  "most 200%; a new issue counts 200%)."]
    return {"key": "hot", "paragraphs": [lead], "tables": [{"header": header, "rows": rows}], "after": after}


CHECK_WORDS = {   # impossible orderings among the briefing's own orders: (中文, English)
    "closed_before_received": ("办结早于受理{n}件", "{n} closed before received"),
    "due_before_received": ("时限早于受理{n}件", "{n} due before received"),
    "revisit_before_close": ("回访早于办结{n}件", "{n} revisited before closed"),
}


def note_lines(b) -> list[str]:
    """数据说明 of this briefing's own scope and period: what it counted, the doubtful records among them, what the
    figures rest on (deadlines derived by rule, files without a close time, the data starting inside the period),
    the data's moment and the names outside the registry (never the district's import totals)."""
    zh = b.lang == "zh"
    n = b.data_note
    complaints = n["complaints"]
    if zh:
        counted = f"受理的{b.noun}{n['orders']}件" + (f"、登记的投诉{complaints}件" if complaints is not None else "")
        lines = [f"本简报统计{b.scope_name}{b.period_label}{counted}，涉及台账小区{n['compounds']}个。"]
    else:
        counted = f"the {fmt.count(n['orders'])} {b.noun} received" + (
            f" and {fmt.count(complaints)} complaints filed" if complaints is not None else "")
        lines = [f"This briefing counts {counted} in {b.scope_name} in {b.period_label}, and "
                 f"{fmt.count(n['compounds'])} registry compounds."]
    if b.coverage:
        lines.append(f"{b.coverage}，{b.period_label}的数据不完整。" if zh
                     else f"The data starts inside {b.period_label} ({b.coverage}): the period is covered in part.")
    if b.caveats:
        lines.append(("；".join(b.caveats) + "。") if zh else ("; ".join(b.caveats).capitalize() + "."))
    parts = [CHECK_WORDS[c][0 if zh else 1].format(n=fmt.count(v)) for c, v in n["checks"].items() if v]
    if parts:
        lines.append(("其中时间顺序有误的工单：" + "，".join(parts) + "；照常计入件数，其用时不计入办结用时统计。") if zh
                     else ("Orders with times in an impossible order: " + ", ".join(parts)
                           + "; they are counted, their durations are not in the hours to close."))
    lines.append(f"数据截至{b.as_of}。" if zh else f"Data as of {b.as_of}.")
    if n["unmatched_orders"]:
        lines.append(f"本期有{n['unmatched_orders']}件工单的小区名称（{n['unmatched_names']}个）未能与台账匹配，已计入街道和全区合计，在小区排名中按导出名称单列并标注“未入台账”。"
                     if zh else f"{n['unmatched_orders']} orders name {n['unmatched_names']} compounds not in the registry: they count in "
                                "street and district totals and are ranked under the exported name, marked not in registry.")
    return lines


def issue_date(day, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else f"{day.day} {day:%B %Y}"


def head(b) -> dict:
    """The head block of a work briefing (报头): title, 期数, 编发单位 and 印发日期 on one line under it, then the rule.
    `issue` is None on a preview: a number is given only when a briefing is issued."""
    zh = b.lang == "zh"
    issue = None if b.issue is None else (f"第{b.issue}期" if zh else f"No. {b.issue}")
    return {"title": b.title, "title_lines": title_lines(b.title, b.period_label, b.lang), "issue": issue,
            "issuer": f"{b.issuer}编" if zh else f"Issued by {b.issuer}",
            "date": f"{issue_date(b.issued_on, 'zh')}印发" if zh else f"Issued on {issue_date(b.issued_on, 'en')}"}


def distribution_lines(b) -> list[str]:
    """报送 and 抄送 at the end of the briefing (config.yaml briefing.report_to / copy_to); none that is empty."""
    zh = b.lang == "zh"
    out = []
    if b.report_to:
        out.append(("报送：" + "，".join(b.report_to)) if zh else ("To: " + "; ".join(b.report_to)))
    if b.copy_to:
        out.append(("抄送：" + "，".join(b.copy_to)) if zh else ("Copy: " + "; ".join(b.copy_to)))
    if getattr(b, "copies", None):   # 共印份数, where config briefing.copies asks for it
        out.append(f"（共印{b.copies}份）" if zh else f"({b.copies} copies printed)")
    return out


def subject(b) -> str:
    """The documents' subject property: the series and the issue."""
    series = "红色物业工作简报" if b.lang == "zh" else "Red property briefing"
    issue = head(b)["issue"]
    return f"{series} {issue}" if issue else series


# The page's text line and the table font, in points: what layout() measures against (writers.py holds the page
# geometry; these are its consequences: 21.0 - 2.8 - 2.6 cm of text, 12 pt table text, 5.4 pt cell padding).
TEXT_WIDTH_PT = (21.0 - 2.8 - 2.6) / 2.54 * 72
TITLE_PT, TABLE_PT, CELL_PAD_PT = 22, 12, 5.4
CELL_SLACK_PT = 4      # beyond the measured text: glyph widths are estimated, never under


def ems(text: str) -> float:
    """A text's width in ems, as CJK fonts set it: a Chinese character or full-width mark one em, a digit, Latin
    letter or ASCII mark about 0.6 (Noto CJK's proportional Latin; an estimate on the wide side)."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.6 for c in text)


def title_lines(title: str, period_label: str, lang: str = "zh") -> list[str]:
    """The title as lines: one when it fits the text width at the title size, else broken before the period
    (“映川街道红色物业工作简报” / “（2025年下半年）”), so the period never breaks inside (“2025年下半” / “年）”)."""
    if ems(title) * TITLE_PT <= TEXT_WIDTH_PT or period_label not in title:
        return [title]
    cut = title.rindex(period_label)
    if lang == "zh" and title[cut - 1:cut] == "（":
        cut -= 1
    head_, tail = title[:cut].rstrip(" ,"), title[cut:]
    return [head_, tail] if head_ else [title]


def _pieces(text: str) -> list[str]:
    """Where a cell may break without breaking a word: before （, after ；，、 and spaces, at a line break."""
    import re

    # a space before a unit ("+1.0 pp") or after a sign does not break: "+1.0 pp" is one piece, as 下降0.1个百分点
    return [p for p in re.split(r"(?<=[；，、;,])|(?<=\s)(?!pp\b)|(?=（)|\n", text) if p.strip()]


def column_widths(table: dict, width_pt: float = TEXT_WIDTH_PT, size_pt: float = TABLE_PT) -> list[float]:
    """Column widths (pt) from the content, the same for Word and PDF: each column as wide as its widest cell, the
    spare width shared out; when the widest cells do not fit, the widest column wraps first, never narrower than
    its longest unbreakable piece (“下降0.1个百分点”, a company name, “办结用时中位数” of “办结用时中位数（小时）”),
    and only a text column of sentences (需关注's reasons) wraps inside them."""
    rows = [table["header"]] + [list(map(str, r)) for r in table["rows"]]
    pad = 2 * CELL_PAD_PT + CELL_SLACK_PT
    lines = [[str(row[c]).split("\n") for row in rows] for c in range(len(table["header"]))]
    natural = [max(ems(line) for cell in col for line in cell) * size_pt + pad for col in lines]
    least = [max(ems(p) for cell in col for line in cell for p in _pieces(line) or [""]) * size_pt + pad
             for col in lines]
    widths = list(natural)
    while sum(widths) > width_pt:
        shrinkable = [c for c in range(len(widths)) if widths[c] > least[c] + 0.01]
        over = sum(widths) - width_pt
        if shrinkable:
            c = max(shrinkable, key=lambda i: widths[i])
            widths[c] = max(least[c], widths[c] - over)
        else:   # even the unbreakable pieces do not fit: the widest column wraps inside them
            c = max(range(len(widths)), key=lambda i: widths[i])
            widths[c] = max(widths[c] - over, 3 * size_pt + pad)
            break
    spare = width_pt - sum(widths)
    if spare > 0:
        widths = [w + spare * w / sum(widths) for w in widths]
    return widths


def row_lines(table: dict, widths: list[float], size_pt: float = TABLE_PT) -> int:
    """How many lines the table's rows take, estimated from the widths (a short table is kept on one page)."""
    import math

    total = 0
    for row in table["rows"]:
        total += max(sum(max(1, math.ceil(ems(line) * size_pt / max(w - 2 * CELL_PAD_PT, 1)))
                         for line in str(text).split("\n")) for text, w in zip(row, widths))
    return total


def wrapped_rows(table: dict, widths: list[float], size_pt: float = TABLE_PT) -> list[list[str]]:
    """The rows with every cell wider than its column broken into lines at its own break points (_pieces), packed
    greedily, so Word and the PDF break a long cell alike and never inside “（468件）” or a number with its unit."""
    out = []
    for row in table["rows"]:
        cells = []
        for text, width in zip(row, widths):
            room = (width - 2 * CELL_PAD_PT - CELL_SLACK_PT / 2) / size_pt
            lines = []
            for line in str(text).split("\n"):
                current = ""
                for piece in _pieces(line) or [line]:
                    if current and ems(current + piece) > room:
                        lines.append(current)
                        current = piece.lstrip()
                    else:
                        current += piece
                lines.append(current)
            cells.append("\n".join(lines))
        out.append(cells)
    return out


def layout(table: dict) -> dict:
    """A table as both writers set it: the column widths (pt), the rows with their line breaks, and which columns
    are set left-aligned."""
    widths = column_widths(table)
    rows = wrapped_rows(table, widths)
    # a column whose cells run to several lines (需关注's reasons) reads left-aligned; figures stay centred
    left = [any("\n" in row[c] for row in rows) for c in range(len(widths))]
    return {"widths": widths, "rows": rows, "left": left}
