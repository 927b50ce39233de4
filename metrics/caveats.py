"""What a figure rests on that its reader cannot see: deadlines derived by rule, orders from files without a
close-time column, complaint data that covers only part of the period. Said beside the cards and in the briefing's
data note, in the same words, from the same report (metrics.kpis.kpi_report)."""
from __future__ import annotations

import datetime as dt

from metrics.formatting import count


def _month(day: dt.date, lang: str) -> str:
    return f"{day.year}年{day.month}月" if lang == "zh" else day.strftime("%B %Y")


def caveats(report: dict, lang: str = "zh") -> list[str]:
    """The sentences a card or a briefing owes its reader about this report's scope and period."""
    zh = lang == "zh"
    out = []
    derived = report.get("orders_deadline_derived") or 0
    if derived:
        out.append(f"办结时限按规则推算（{count(derived)}件）" if zh
                   else f"deadlines derived by rule ({count(derived)} orders)")
    total, tracked = report.get("orders_total") or 0, report.get("orders_close_tracked")
    if total and tracked is not None and tracked < total:
        n = total - tracked
        out.append(f"{count(n)}件工单的导出文件没有办结时间列，全部按在办计" if zh
                   else f"{count(n)} orders come from files without a close-time column: all count as open")
    first, last = report.get("complaints_first_month"), report.get("complaints_last_month")
    period = report.get("period") or {}
    if report.get("complaints_covered") and period:
        start, end = dt.date.fromisoformat(period["from"]), dt.date.fromisoformat(period["to"])
        if first > start.replace(day=1):
            out.append(f"投诉数据自{_month(first, lang)}起" if zh else f"complaint data from {_month(first, lang)}")
        if last < end.replace(day=1):
            out.append(f"投诉数据至{_month(last, lang)}止" if zh else f"complaint data up to {_month(last, lang)}")
    return out
