"""Chart images for documents: the dashboard's own chart builders, rendered to PNG by kaleido.

kaleido starts a browser per call unless its sync server runs; one server serves a whole batch of
briefings (0.1-0.8 s per image instead of 6-10 s).

An image must not depend on what else the process imported: `import streamlit` sets plotly's default
template to "streamlit" (streamlit/elements/lib/streamlit_plotly_theme.py), which lacks the "plotly" template's
axis automargin; with the charts' 10 px margins the dashboard's briefings came out with category names cut to
one character and tick labels to their last digit, while the command line's were whole (issue 14, defect 1).
So every image is drawn with the template named here, in the server as on the command line."""
from __future__ import annotations

import contextlib
import threading
import warnings

import kaleido
import plotly.io as pio

import charts

WIDTH, HEIGHT, SCALE = 900, 380, 2
TEMPLATE = "plotly"   # the template a plain Python process uses: what the command line always drew with

_server_lock = threading.Lock()
_server_users = 0


@contextlib.contextmanager
def image_server():
    """kaleido's one sync server, shared: in the dashboard two sessions may write briefings at once, and the
    first to finish must not stop the server under the other (counted; the last one out stops it)."""
    global _server_users
    with _server_lock:
        if _server_users == 0:
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        _server_users += 1
    try:
        yield
    finally:
        with _server_lock:
            _server_users -= 1
            if _server_users == 0:
                kaleido.stop_sync_server(silence_warnings=True)


def png(figure) -> bytes:
    """The figure as a PNG without its title: the document prints the title as the picture's caption, once
    (issue 14, defect 8: it was drawn twice, in the image and beneath it)."""
    margin = figure.layout.margin
    figure.update_layout(width=WIDTH, height=HEIGHT, template=pio.templates[TEMPLATE], title={"text": ""},
                         margin={"l": margin.l, "r": margin.r, "b": margin.b, "t": 24})
    with warnings.catch_warnings():  # plotly passes options the running server ignores, and says so
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        return figure.to_image(format="png", width=WIDTH, height=HEIGHT, scale=SCALE)


def complaint_images(briefing) -> list[tuple[str, bytes, str]]:
    """(caption, png, section key) for the complaint trend and categories (section "complaints") and the
    streets or communities side by side (section "units"); none for what the data lacks."""
    lang = briefing.lang
    targets = {r["kpi"]: r["target"] for r in briefing.kpi_table if r.get("target") is not None}
    out = []
    if briefing.complaints_by_month:
        title = "投诉量月度走势" if lang == "zh" else "Complaints by month"
        rows = [{"month": charts.month_label(r["month"], lang), "complaint_count": r["complaint_count"]}
                for r in briefing.complaints_by_month]
        out.append((title, png(charts.bars(rows, "month", [("complaint_count", "投诉量" if lang == "zh" else "Complaints")],
                                           title, lang=lang)), "complaints"))
    if briefing.complaints_by_category:
        title = "投诉类别分布" if lang == "zh" else "Complaints by category"
        rows = [{"category": r["category"] or ("未分类" if lang == "zh" else "Uncategorised"),
                 "complaint_count": r["complaint_count"]} for r in briefing.complaints_by_category[:10]]
        out.append((title, png(charts.bars(rows, "category", [("complaint_count", "投诉量" if lang == "zh" else "Complaints")],
                                           title, horizontal=True, lang=lang)), "complaints"))
    if briefing.units:
        unit = briefing.unit_dimension
        title = (("各街道" if unit == "street" else "各社区") + "按时办结率与满意率") if lang == "zh" \
            else f"On-time closure and satisfaction by {unit}"
        out.append((title, png(charts.bars(briefing.units, unit, [
            ("on_time_closure_rate", "按时办结率" if lang == "zh" else "On-time closure rate"),
            ("satisfaction_rate", "满意率" if lang == "zh" else "Satisfaction rate")], title, percent=True,
            targets=targets, lang=lang)), "units"))
    return out
