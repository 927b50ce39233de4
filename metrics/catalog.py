"""Every KPI, declared once: a ratio of named measures (or a count), with its labels and format.

The dashboard, the briefing and the command line all read these declarations; the SQL of each
measure lives in metrics.kpis. Rates are fractions 0..1, and null when the denominator is 0."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    name: str
    label_zh: str
    label_en: str
    kind: str                     # rate, count, hours, score, list
    numerator: str | None = None
    denominator: str | None = None
    description_zh: str = ""
    description_en: str = ""
    dataset: str = "work_orders"  # work_orders, complaints, compounds
    inputs: tuple[str, ...] = ()  # what the KPI stands on (INPUTS): without it the figure is "—", never 0

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


KPIS: dict[str, Kpi] = {k.name: k for k in [
    Kpi("orders_total", "工单总量", "Work orders", "count", inputs=("work_orders",),
        description_zh="期内受理（受理时间在期内且不晚于数据截至时间）的工单数。",
        description_en="Orders received in the period (and not after the data's as-of time)."),
    Kpi("closed", "已办结", "Closed", "count", inputs=("closed_at",),
        description_zh="有办结时间且办结时间不晚于数据截至时间的工单。",
        description_en="Orders with a closing time no later than as-of."),
    Kpi("closed_on_time", "按时办结", "Closed on time", "count", inputs=("due_at", "closed_at"),
        description_zh="已办结且办结时间不晚于办结时限（无时限的工单不作按时或超时判断）。",
        description_en="Closed with closed_at <= due_at (an order without a deadline is neither on time nor late)."),
    Kpi("orders_due", "应办结", "Orders due", "count", inputs=("due_at",),
        description_zh="有办结时限且已办结，或办结时限已到（不晚于数据截至时间）的工单；未到期和无时限的工单不计入。",
        description_en="Orders with a deadline that are closed, or due by as-of; not yet due and no-deadline orders are not counted."),
    Kpi("on_time_closure_rate", "按时办结率", "On-time closure rate", "rate", "closed_on_time", "orders_due",
        "按时办结 ÷ 应办结（只计有办结时限的工单）。", "closed_on_time / orders_due (orders with a deadline only).",
        inputs=("due_at", "closed_at")),
    Kpi("revisited", "已回访", "Revisited", "count", inputs=("closed_at", "revisit_result"),
        description_zh="已办结且回访结果为满意、基本满意或不满意的工单（无法联系和空白不算回访）。",
        description_en="Closed orders whose revisit answer is satisfied, basically satisfied or dissatisfied."),
    Kpi("revisit_rate", "回访率", "Revisit rate", "rate", "revisited", "closed_revisit_tracked",
        "已回访 ÷ 已办结（只计导出文件有回访结果列的工单）。",
        "revisited / closed (orders from files with a revisit-result column only).",
        inputs=("closed_at", "revisit_result")),
    Kpi("satisfaction_rate", "满意率", "Satisfaction rate", "rate", "satisfied_weighted", "revisited",
        "（满意 × 权重 + 基本满意 × 权重）÷ 已回访，权重见 config.yaml satisfaction.weights。",
        "Weighted satisfied answers / revisited; weights in config.yaml satisfaction.weights.",
        inputs=("closed_at", "revisit_result")),
    Kpi("first_contact_rate", "先行联系率", "First-contact rate", "rate", "first_contacted", "first_contact_known",
        "已回访工单中先行联系为“是”的比例（仅计有该列取值的工单；数据无此列时为空）。",
        "Share of revisited orders marked first-contacted (over those with a value; null without the column).",
        inputs=("closed_at", "revisit_result", "first_contact")),
    Kpi("resolution_rate", "解决率", "Resolution rate", "rate", "resolved_yes", "resolved_known",
        "已回访工单中是否解决为“是”的比例（数据无此列时为空）。",
        "Share of revisited orders marked resolved (null without the column).",
        inputs=("closed_at", "revisit_result", "resolved")),
    Kpi("three_rates_score", "三率综合", "Three-rates composite", "score",
        description_zh="响应率（先行联系率）、解决率、满意率的加权和，权重见 config.yaml three_rates；任一为空则为空。",
        description_en="Weighted sum of first-contact, resolution and satisfaction rates (config.yaml three_rates).",
        inputs=("closed_at", "revisit_result", "first_contact", "resolved")),
    Kpi("repeat_orders", "重复诉求", "Repeat requests", "count", inputs=("is_repeat",),
        description_zh="标记为重复诉求的工单数（只计导出文件有“是否重复诉求”列的工单）。",
        description_en="Orders marked as repeats (orders from files with a repeat column only)."),
    Kpi("repeat_rate", "重复诉求率", "Repeat rate", "rate", "repeat_orders", "orders_repeat_tracked",
        "重复诉求 ÷ 工单总量（只计导出文件有“是否重复诉求”列的工单）。",
        "repeat_orders / orders (orders from files with a repeat column only).", inputs=("is_repeat",)),
    Kpi("median_close_hours", "办结用时中位数（小时）", "Median hours to close", "hours", inputs=("closed_at",),
        description_zh="已办结工单从受理到办结的小时数的中位数（精确值）。",
        description_en="Exact median of hours from received to closed, over closed orders."),
    Kpi("p90_close_hours", "办结用时90分位（小时）", "90th percentile hours to close", "hours", inputs=("closed_at",),
        description_zh="已办结工单办结小时数的90%分位数（线性插值）。",
        description_en="90th percentile of hours to close (linear interpolation)."),
    Kpi("complaint_count", "投诉量", "Complaints", "count", dataset="complaints", inputs=("complaints", "complaint_period"),
        description_zh="期内投诉时间落在期内的投诉记录数（投诉数据覆盖该时段时才有数）。",
        description_en="Complaint records filed in the period (a figure only where complaint data covers it)."),
    Kpi("compounds_total", "小区数", "Compounds", "count", dataset="compounds", inputs=("registry",),
        description_zh="范围内台账小区数。", description_en="Registry compounds in scope."),
    Kpi("party_org_coverage", "党组织覆盖率", "Party-organisation coverage", "rate", "compounds_covered",
        "compounds_total", "党组织类型属于覆盖类型（默认独立党支部、联合党支部、党小组）且成立日期不晚于统计日的小区 ÷ 小区数。",
        "Compounds whose party organisation is a covered type (founded by the reference day) / compounds.",
        dataset="compounds", inputs=("registry", "party_org_type")),
    Kpi("independent_branch_rate", "独立组建率", "Independent-branch rate", "rate",
        "compounds_independent_branch", "compounds_total", "有独立党支部的小区 ÷ 小区数。",
        "Compounds with a branch of their own / compounds.", dataset="compounds",
        inputs=("registry", "party_org_type")),
    Kpi("owners_committee_rate", "业委会组建率", "Owners'-committee rate", "rate", "compounds_with_committee",
        "compounds_total", "成立业委会的小区 ÷ 小区数。", "Compounds with an owners' committee / compounds.",
        dataset="compounds", inputs=("registry", "has_owners_committee")),
    Kpi("dual_role_rate", "“一肩挑”比例", "Dual-role rate", "rate", "compounds_dual_role",
        "compounds_branch_and_committee", "“一肩挑”小区 ÷ 既有党支部（独立或联合）又有业委会的小区。",
        "Dual-role compounds / compounds with both a branch and an owners' committee.", dataset="compounds",
        inputs=("registry", "party_org_type", "has_owners_committee", "dual_role")),
    Kpi("fee_collection_rate", "物业费收缴率", "Fee collection rate", "rate", "fee_households_collected",
        "fee_households", "按户数加权的物业费收缴率：Σ(收缴率 × 户数) ÷ Σ户数（两项都有值的小区）。",
        "Household-weighted fee collection: sum(rate x households) / sum(households).", dataset="compounds",
        inputs=("registry", "fee_collection_rate", "households")),
    Kpi("eligible_uncovered", "应建未建小区", "Eligible but uncovered", "list", dataset="compounds",
        inputs=("registry", "party_members", "party_org_type"),
        description_zh="正式党员达到配置人数（默认3人）但没有独立党支部的小区名单。",
        description_en="Compounds with at least the configured number of full members (3) and no branch of their own."),
]}

ORDER_KPIS = [k.name for k in KPIS.values() if k.dataset == "work_orders"]
COMPLAINT_KPIS = [k.name for k in KPIS.values() if k.dataset == "complaints"]
COMPOUND_KPIS = [k.name for k in KPIS.values() if k.dataset == "compounds"]
RATE_KPIS = [k.name for k in KPIS.values() if k.kind == "rate"]


@dataclass(frozen=True)
class Input:
    """Something a KPI stands on: a field of the orders (present when the scope's `measure` is non-zero: orders
    from files that carried it, or orders with a value), a dataset, or a registry field (present when some
    import's file carried it: `carried`)."""
    measure: str | None
    text_zh: str
    text_en: str


INPUTS: dict[str, Input] = {
    "work_orders": Input(None, "未导入工单数据", "no work-order data was imported"),
    "due_at": Input("orders_with_deadline", "数据中没有“办结时限”（导出文件无此列或为空，且该映射方案不按配置推算时限）",
                    "the data has no deadline (办结时限: not exported and not derived under this profile)"),
    "closed_at": Input("orders_close_tracked", "导出文件没有“办结时间”列（工单全部按在办计）",
                       "the export has no close-time (办结时间) column (every order counts as open)"),
    "revisit_result": Input("orders_revisit_tracked", "数据中没有“回访结果”列", "the data has no revisit-result (回访结果) column"),
    "first_contact": Input(None, "数据中没有“是否先行联系”列", "the data has no first-contact (是否先行联系) column"),
    "resolved": Input(None, "数据中没有“是否解决”列", "the data has no resolved (是否解决) column"),
    "is_repeat": Input("orders_repeat_tracked", "数据中没有“是否重复诉求”列", "the data has no repeat (是否重复诉求) column"),
    "complaints": Input("complaints_recorded", "未导入投诉数据", "no complaint data was imported"),
    "complaint_period": Input("complaints_covered", "投诉数据未覆盖本时段", "the complaint data does not cover this period"),
    "registry": Input(None, "未导入小区台账", "no compound registry was imported"),
    "party_org_type": Input(None, "台账中没有“党组织类型”列", "the registry has no party-organisation (党组织类型) column"),
    "party_members": Input(None, "台账中没有“党员人数”列", "the registry has no party-members (党员人数) column"),
    "has_owners_committee": Input(None, "台账中没有“是否成立业委会”列", "the registry has no owners'-committee column"),
    "dual_role": Input(None, "台账中没有“是否一肩挑”列", "the registry has no dual-role (是否一肩挑) column"),
    "fee_collection_rate": Input(None, "台账中没有“物业费收缴率”列", "the registry has no fee-collection column"),
    "households": Input(None, "台账中没有“户数”列", "the registry has no households (户数) column"),
}
# an input that is a dataset or registry field: the field whose presence in some import's file stands for it
CARRIED_AS = {"work_orders": "order_id", "registry": "compound_name"}
# an input absent because another is: said once ("no complaint data", not also "it does not cover the period")
IMPLIED = {"complaint_period": "complaints", "closed_at": "work_orders", "due_at": "work_orders",
           "revisit_result": "work_orders", "first_contact": "work_orders", "resolved": "work_orders",
           "is_repeat": "work_orders",
           **{f: "registry" for f in ("party_org_type", "party_members", "has_owners_committee", "dual_role",
                                       "fee_collection_rate", "households")}}


def lacking(kpi: Kpi, measures: dict, carried=None) -> list[str]:
    """The inputs of `kpi` absent for this scope: a measured input whose measure is 0 or missing, a carried one no
    import's file had (`carried`: the set of fields imports carried; None when unknown: taken as present)."""
    out = []
    for name in kpi.inputs:
        spec = INPUTS[name]
        if spec.measure is not None:
            if spec.measure in measures and not measures[spec.measure]:
                out.append(name)
        elif carried is not None and CARRIED_AS.get(name, name) not in carried:
            out.append(name)
    return out


def withhold(measures: dict, names, carried=None) -> dict:
    """The KPIs among `names` whose inputs the scope lacks set to None: a count or a rate of something the data
    never recorded is no 0 and no 0.0% (a file without 是否重复诉求 did not have no repeats)."""
    out = dict(measures)
    for name in names:
        if name in out and lacking(KPIS[name], out, carried):
            out[name] = None
    return out


def missing_inputs(measures: dict, carried=None) -> dict[str, list[str]]:
    """KPI -> the inputs it lacks, for each KPI of the report that is None for that reason (a null with the inputs
    present is an ordinary empty denominator). Order KPIs of a scope without orders are empty, not missing."""
    out = {}
    for kpi in KPIS.values():
        if kpi.name not in measures or measures[kpi.name] not in (None, []):
            continue
        if kpi.dataset == "work_orders" and not measures.get("orders_total") and "work_orders" not in (
                lacking(kpi, measures, carried)):
            continue
        found = lacking(kpi, measures, carried)
        if found:
            out[kpi.name] = [f for f in found if IMPLIED.get(f) not in found]
    return out


def missing_reason(fields: list[str], lang: str = "zh") -> str:
    """What a "—" card says beneath it: 未导入投诉数据."""
    return ("；" if lang == "zh" else "; ").join(INPUTS[f].text_zh if lang == "zh" else INPUTS[f].text_en for f in fields)


def missing_text(fields: list[str], lang: str = "zh") -> str:
    """The tooltip of a KPI the data cannot give: which column or dataset is missing."""
    if lang == "zh":
        return "；".join(INPUTS[f].text_zh for f in fields) + "，无法计算，显示为“—”。"
    return "Not computable: " + "; ".join(INPUTS[f].text_en for f in fields) + "."


def ratio(numerator, denominator) -> float | None:
    """A rate: None when the denominator is zero or missing, never 0 and never an error."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def apply_ratios(measures: dict, names=None) -> dict:
    """Add every declared rate whose measures are present to a dict of measures."""
    out = dict(measures)
    for kpi in KPIS.values():
        if kpi.kind == "rate" and (names is None or kpi.name in names) and kpi.numerator in measures:
            out[kpi.name] = ratio(measures[kpi.numerator], measures[kpi.denominator])
    return out
