"""The interface's string table: Simplified Chinese first, English as a choice.

Common strings live here; a page registers its own with `register({...})` at import, so every label of
every page is in one (zh, en) table and a missing translation fails a test instead of a screen."""
from __future__ import annotations

from metrics.catalog import KPIS

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("红色物业治理看板", "Compound Governance Dashboard"),
    "language": ("语言 / Language", "语言 / Language"),
    # pages
    "page_overview": ("总览", "Overview"),
    "page_causes": ("原因分析", "Causes"),
    "page_trends": ("诉求趋势", "Trends"),
    "page_compare": ("小区对比", "Compare compounds"),
    "page_party": ("党建覆盖", "Party building"),
    "page_profile": ("小区档案", "Compound profile"),
    "page_supervision": ("督办", "Supervision"),
    "page_hot": ("集中诉求", "Hot issues"),
    "page_import": ("数据导入", "Import"),
    "page_briefing": ("简报", "Briefing"),
    "page_admin": ("系统管理", "Administration"),
    # filters
    "filters": ("筛选", "Filters"),
    "period": ("统计时段", "Period"),
    "this_month": ("本月", "This month"),
    "last_month": ("上月", "Last month"),
    "this_quarter": ("本季度", "This quarter"),
    "first_half": ("上半年", "First half"),
    "second_half": ("下半年", "Second half"),
    "this_year": ("本年", "This year"),
    "last_year": ("去年", "Last year"),
    "custom": ("自定义", "Custom range"),
    "refused_back": ("返回本账号可查看的范围", "Back to what this account may see"),
    "error_id": ("页面出错，已记录。请将错误编号 {id} 告知管理员。", "Something went wrong and was logged. Please give the administrator error id {id}."),
    "range_clamped": ("网址中的日期超出可查询的范围（{low} 至 {high}），已按 {start} 至 {end} 显示",
                      "The dates in the address are outside what can be shown ({low} to {high}): showing {start} to {end}"),
    "latest_complete": ("最近完整时段", "Latest complete period"),
    "last_12_months": ("近12个月", "Last 12 months"),
    "all_data": ("全部数据", "All data"),
    # saved views (ui/views.py)
    "views": ("已保存的视图", "Saved views"),
    "views_none": ("尚无已保存的视图：选好页面、时段和筛选后点“保存当前视图”。", "No saved view yet: choose the page, period and filters, then “Save this view”."),
    "view_save": ("保存当前视图", "Save this view"),
    "view_name": ("视图名称", "View name"),
    "view_shared": ("共享给{scope}范围内的账号", "Share with the accounts of {scope}"),
    "view_relative": ("时段随数据更新（{period}）", "Period follows the data ({period})"),
    "view_fixed": ("固定为{period}", "Fixed to {period}"),
    "view_save_button": ("保存", "Save"),
    "view_saved": ("已保存视图“{name}”", "View “{name}” saved"),
    "view_deleted": ("已删除视图“{name}”", "View “{name}” deleted"),
    "view_delete": ("删除视图“{name}”", "Delete view “{name}”"),
    "view_open_help": ("打开：{page} · {period}", "Open: {page} · {period}"),
    "view_shared_mark": ("共享", "shared"),
    "view_by": ("{owner}共享", "shared by {owner}"),
    "view_not_here": ("此页面不能保存为视图", "This page cannot be saved as a view"),
    # alerts (ui/alerts.py)
    "alerts": ("提醒", "Alerts"),
    "alerts_title": ("提醒 · {count}条待确认", "Alerts · {count} to acknowledge"),
    "alerts_title_new": ("提醒 · {count}条待确认，其中{new}条为上次访问以来新增", "Alerts · {count} to acknowledge, {new} new since your last visit"),
    "alerts_since": ("上次访问：{moment}。标“新”的提醒是此后产生的。", "Last visit: {moment}. Alerts marked “new” were raised since."),
    "alerts_first": ("首次访问：以下为本账号范围内的全部提醒。", "First visit: every alert in this account's scope."),
    "alert_new": ("新", "new"),
    "alert_open": ("查看", "View"),
    "alert_ack": ("知道了", "Acknowledge"),
    "alerts_ack_all": ("全部知道了", "Acknowledge all"),
    "alerts_show_all": ("显示全部{count}条（另有{rest}条）", "Show all {count} ({rest} more)"),
    "alerts_acked": ("已确认{count}条提醒", "{count} alerts acknowledged"),
    "default_period": ("默认：{period}（{which}）", "Default: {period} ({which})"),
    "which_half_year": ("最近一个完整的半年", "the latest complete half-year"),
    "which_quarter": ("最近一个完整的季度", "the latest complete quarter"),
    "which_month": ("最近一个完整的月", "the latest complete month"),
    "which_running_month": ("尚无完整的月份，为截至数据截至的本月", "no complete month yet: this month so far"),
    "caveats": ("说明：{notes}。", "Note: {notes}."),
    "no_rates_yet": ("所选范围和时段内的工单尚无可计算的{what}（没有已到期、已办结或已回访的工单）。",
                     "No {what} can be computed yet for the orders in the selected scope and period (none due, closed "
                     "or revisited)."),
    "cannot_draw": ("无法绘制{what}：{why}。", "{what} cannot be drawn: {why}."),
    "no_dimension": ("所选范围和时段内的工单都没有{dim}信息（导出文件无此列或为空），无法按{dim}比较。",
                     "No order in the selected scope and period names its {dim} (the export has no such column, or it is "
                     "blank): nothing to compare by {dim}."),
    "which_data_span": ("数据尚未完整覆盖任何一个月，为全部数据", "no month is covered whole yet: all the data"),
    "date_from": ("开始日期", "From"),
    "date_to": ("结束日期", "To"),
    "date_help": ("按“年-月-日”填写，如 2024-01-01；也可写 2024/1/1 或 2024年1月1日。",
                  "Year-month-day, e.g. 2024-01-01 (2024/1/1 works too)."),
    "date_unreadable": ("“{text}”不是日期，请按 2024-01-01 的格式填写；仍按 {date} 显示。",
                        "“{text}” is not a date: write it as 2024-01-01. Still showing {date}."),
    "date_outside": ("{date} 超出可查询的范围（{low} 至 {high}），已按 {shown} 显示。",
                     "{date} is outside what can be shown ({low} to {high}): showing {shown}."),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "compound": ("小区", "Compound"),
    "compound_kind": ("小区类型", "Compound kind"),
    "management_mode": ("管理模式", "Management mode"),
    "source": ("来源渠道", "Source"),
    "category": ("诉求类别", "Category"),
    "request_type": ("诉求类型", "Request type"),
    "all": ("全部", "All"),
    "reset_filters": ("清除筛选", "Clear filters"),
    # header
    "as_of": ("数据截至", "Data as of"),
    "file_as_of": ("截至{day}", "as_of_{day}"),
    "download_docx_table": ("下载 Word", "Download Word"),
    "imported": ("最近导入", "Last import"),
    "never": ("尚未导入", "never"),
    "demo_badge": ("演示数据：虚构的示范区，并非真实数据", "Demo data: a fictional district, not real data"),
    "building_demo": ("首次启动：正在生成演示数据库…", "First start: building the demo database…"),
    "demo_built": ("首次启动：演示数据库已生成", "First start: the demo database is built"),
    "scope_label": ("范围", "Scope"),
    "district": ("全区", "Whole district"),
    # common
    "target": ("目标", "Target"),
    "vs_previous": ("环比", "vs previous"),
    "vs_last_year": ("同比", "vs last year"),
    "comparisons_not_in_rollups": ("环比、同比未显示：数据截至 {as_of} 落在本时段内，比较时段须截到相同时长，"
                                   "而此数据库只含月度汇总（汇总作业生成），无法截取。",
                                   "No comparison with the previous period or last year: the data ends ({as_of}) inside "
                                   "this period, so they must be cut to the same elapsed time, which a database of "
                                   "monthly rollups only (the rollup job's) cannot do."),
    "no_data": ("所选范围和时段内没有数据，请调整筛选条件。", "Nothing in the selected scope and period: change the filters."),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "month": ("月份", "Month"),
    "week": ("周", "Week"),
    "count_unit": ("件", ""),
    "orders": ("工单", "Orders"),
    "complaints": ("投诉", "Complaints"),
    "rate": ("比率", "Rate"),
    "value": ("数值", "Value"),
    "unknown": ("未知", "Unknown"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "small_sample": ("样本少", "Small sample"),
    "not_in_registry": ("未入台账", "Not in registry"),
    "open_compound": ("点击表格中的一行可打开该小区档案。", "Click a row to open the compound's profile."),
}

VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "compound_kind": {"commercial": ("商品房小区", "Commercial"), "resettlement": ("安置房小区", "Resettlement"),
                      "old": ("老旧小区", "Old compound"), "work_unit": ("单位宿舍/房改房", "Work-unit housing")},
    "management_mode": {"company_managed": ("物业服务企业管理", "Company managed"),
                        "cluster_managed": ("连片管理", "Cluster managed"), "self_governed": ("业主自治", "Self-governed"),
                        "community_fallback": ("社区兜底", "Community fallback")},
    "party_org_type": {"independent_branch": ("独立党支部", "Independent branch"), "joint_branch": ("联合党支部", "Joint branch"),
                       "party_group": ("党小组", "Party group"), "none": ("无", "None")},
    "revisit_result": {"satisfied": ("满意", "Satisfied"), "basically_satisfied": ("基本满意", "Basically satisfied"),
                       "dissatisfied": ("不满意", "Dissatisfied"), "unreachable": ("无法联系", "Unreachable")},
    "model_project_level": {"provincial": ("省级", "Provincial"), "city": ("市级", "City"), "district": ("区级", "District"),
                            "none": ("无", "None")},
    "list": {"red": ("红榜", "Red list"), "black": ("黑榜", "Black list")},
}


def register(table: dict[str, tuple[str, str]]) -> None:
    for key, pair in table.items():
        if key in STRINGS and STRINGS[key] != pair:
            raise KeyError(f"string {key!r} registered twice with different text")
        STRINGS[key] = pair


def t(key: str, lang: str = "zh", **values) -> str:
    zh, en = STRINGS[key]
    return (zh if lang == "zh" else en).format(**values)


def value_label(vocab: str, value, lang: str = "zh") -> str:
    """A canonical value (old, satisfied, …) in the reader's language; unknown values pass through."""
    if value is None:
        return t("unknown", lang)
    pair = VALUE_LABELS.get(vocab, {}).get(value)
    return (pair[0] if lang == "zh" else pair[1]) if pair else str(value)


def kpi_label(name: str, lang: str = "zh") -> str:
    return KPIS[name].label(lang)
