"""Chart images for documents: the dashboard's own chart builders, rendered to PNG by kaleido.

kaleido starts a browser per call unless its sync server runs; one server serves a whole batch of
briefings (0.1-0.8 s per image instead of 6-10 s)."""
from __future__ import annotations

import contextlib
import warnings

import kaleido

from ui import charts

WIDTH, HEIGHT, SCALE = 900, 380, 2


@contextlib.contextmanager
def image_server():
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def png(figure) -> bytes:
    figure.update_layout(width=WIDTH, height=HEIGHT)
    with warnings.catch_warnings():  # plotly passes options the running server ignores, and says so
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        return figure.to_image(format="png", width=WIDTH, height=HEIGHT, scale=SCALE)


def complaint_images(briefing) -> list[tuple[str, bytes, str]]:
    """(caption, png, section key) for the complaint trend and categories (section "complaints") and the
    streets or communities side by side (section "units"); none for what the data lacks."""
    lang = briefing.lang
    out = []
    if briefing.complaints_by_month:
        title = "投诉量月度走势" if lang == "zh" else "Complaints by month"
        rows = [{"month": charts.month_label(r["month"], lang), "complaint_count": r["complaint_count"]}
                for r in briefing.complaints_by_month]
        out.append((title, png(charts.bars(rows, "month", [("complaint_count", "投诉量" if lang == "zh" else "Complaints")],
                                           title)), "complaints"))
    if briefing.complaints_by_category:
        title = "投诉类别分布" if lang == "zh" else "Complaints by category"
        rows = [{"category": r["category"] or ("未分类" if lang == "zh" else "Uncategorised"),
                 "complaint_count": r["complaint_count"]} for r in briefing.complaints_by_category[:10]]
        out.append((title, png(charts.bars(rows, "category", [("complaint_count", "投诉量" if lang == "zh" else "Complaints")],
                                           title, horizontal=True)), "complaints"))
    if briefing.units:
        unit = briefing.unit_dimension
        title = (("各街道" if unit == "street" else "各社区") + "按时办结率与满意率") if lang == "zh" \
            else f"On-time closure and satisfaction by {unit}"
        out.append((title, png(charts.bars(briefing.units, unit, [
            ("on_time_closure_rate", "按时办结率" if lang == "zh" else "On-time closure rate"),
            ("satisfaction_rate", "满意率" if lang == "zh" else "Satisfaction rate")], title, percent=True)), "units"))
    return out
