"""The interface's string table: Simplified Chinese first, English as a choice."""
from __future__ import annotations

STRINGS = {
    "app_title": ("红色物业治理看板", "Compound Governance Dashboard"),
    "overview": ("总览", "Overview"),
    "language": ("语言 / Language", "语言 / Language"),
    "period": ("统计时段", "Period"),
    "this_month": ("本月", "This month"),
    "last_month": ("上月", "Last month"),
    "this_quarter": ("本季度", "This quarter"),
    "first_half": ("上半年", "First half"),
    "second_half": ("下半年", "Second half"),
    "this_year": ("本年", "This year"),
    "last_year": ("去年", "Last year"),
    "custom": ("自定义", "Custom"),
    "street": ("街道", "Street"),
    "all": ("全部", "All"),
    "as_of": ("数据截至", "Data as of"),
    "imported": ("最近导入", "Last import"),
    "demo_badge": ("演示数据（虚构示范区，非真实数据）", "Demo data (a fictional district, not real data)"),
    "building_demo": ("首次启动：正在生成演示数据库…", "First start: building the demo database…"),
    "target": ("目标", "Target"),
    "vs_previous": ("环比", "vs previous"),
    "vs_last_year": ("同比", "vs last year"),
    "no_data": ("所选范围内没有数据。", "Nothing in the selected scope."),
    "kpi_cards_title": ("{period}主要指标", "Key figures, {period}"),
}


def t(key: str, lang: str = "zh", **values) -> str:
    zh, en = STRINGS[key]
    return (zh if lang == "zh" else en).format(**values)
