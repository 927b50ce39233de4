"""Chart images for documents: the dashboard's own chart builders, rendered to PNG by kaleido.

kaleido starts a browser per call unless a browser is kept open; one browser serves a whole batch of briefings
(0.1-0.8 s per image instead of 6-10 s). It is ours, not kaleido's sync server: that server waits without end when
the browser stops answering (seen under load: a tab's reload after a render never came back, and a test run hung
for good), and neither the dashboard nor a timer may hang on a chart. Here every render has RENDER_SECONDS; one that
runs out closes the browser (killed when it will not close), opens a new one and tries once more, and a second
failure is an ImageError, which the page reports with an error id and the command line as a failed briefing.

An image must not depend on what else the process imported: `import streamlit` sets plotly's default
template to "streamlit" (streamlit/elements/lib/streamlit_plotly_theme.py), which lacks the "plotly" template's
axis automargin; with the charts' 10 px margins the dashboard's briefings came out with category names cut to
one character and tick labels to their last digit, while the command line's were whole (issue 14, defect 1).
So every image is drawn with the template named here, in the server as on the command line."""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading

import kaleido
import plotly.io as pio

import charts

WIDTH, HEIGHT, SCALE = 900, 380, 2
TEMPLATE = "plotly"   # the template a plain Python process uses: what the command line always drew with
RENDER_SECONDS = 60    # one image (0.1-0.8 s when well; a cold browser's first one takes a few seconds)
OPEN_SECONDS = 60      # the browser's start
CLOSE_SECONDS = 20     # its close, before it is killed

_log = logging.getLogger(__name__)
_server_lock = threading.Lock()
_server_users = 0
_renderer: "Renderer | None" = None


class ImageError(RuntimeError):
    """A chart image could not be drawn (the browser did not answer twice)."""


class Renderer:
    """One kaleido browser, driven from an event loop in a thread of its own, every call bounded in time."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chart-images", daemon=True)
        self._thread.start()
        self._kaleido = kaleido.Kaleido(n=1, mathjax=False, timeout=RENDER_SECONDS)
        try:
            self._call(self._kaleido.open(), OPEN_SECONDS)
        except BaseException:
            self.close()
            raise

    def _call(self, coroutine, seconds: float):
        async def bounded():
            return await asyncio.wait_for(coroutine, seconds)
        # the caller's own bound too: a cancelled render whose clean-up hangs would hold wait_for itself
        return asyncio.run_coroutine_threadsafe(bounded(), self._loop).result(seconds + 5)

    def png(self, figure: dict) -> bytes:
        return self._call(self._kaleido.calc_fig(figure, opts={"format": "png", "width": WIDTH, "height": HEIGHT,
                                                               "scale": SCALE}), RENDER_SECONDS)

    def close(self) -> None:
        """Close the browser; kill it when it does not close; stop the loop."""
        try:
            self._call(self._kaleido.close(), CLOSE_SECONDS)
        except BaseException:   # noqa: BLE001  a browser that will not close is killed
            process = getattr(self._kaleido, "subprocess", None)
            if process is not None and process.poll() is None:
                process.kill()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CLOSE_SECONDS)


@contextlib.contextmanager
def image_server():
    """One browser, shared: in the dashboard two sessions may write briefings at once, and the first to finish must
    not close it under the other (counted; the last one out closes it)."""
    global _server_users, _renderer
    with _server_lock:
        if _server_users == 0:
            _renderer = Renderer()
        _server_users += 1
    try:
        yield
    finally:
        with _server_lock:
            _server_users -= 1
            if _server_users == 0 and _renderer is not None:
                done, _renderer = _renderer, None
                done.close()


def _render(figure) -> bytes:
    """The figure's PNG, by the shared browser (a fresh one, once, when it did not answer), or by a browser of its
    own outside `image_server()`."""
    global _renderer
    drawn = figure.to_dict()
    with _server_lock:
        shared = _renderer
    if shared is None:
        with contextlib.closing(Renderer()) as own:
            return own.png(drawn)
    try:
        return shared.png(drawn)
    except (TimeoutError, concurrent.futures.TimeoutError):
        _log.warning("a chart image took over %s s: the browser is replaced and the image drawn again", RENDER_SECONDS)
    with _server_lock:
        if _renderer is shared:   # not replaced meanwhile by another session's retry
            shared.close()
            _renderer = Renderer()
        fresh = _renderer
    try:
        return fresh.png(drawn)
    except (TimeoutError, concurrent.futures.TimeoutError):
        raise ImageError("图表图片生成超时，请稍后重试 / a chart image timed out; try again later") from None


def png(figure) -> bytes:
    """The figure as a PNG without its title: the document prints the title as the picture's caption, once
    (issue 14, defect 8: it was drawn twice, in the image and beneath it)."""
    margin = figure.layout.margin
    unit = figure.layout.title.subtitle.text   # the value axis's unit stays in the picture, as its only title line
    figure.update_layout(width=WIDTH, height=HEIGHT, template=pio.templates[TEMPLATE],
                         title={"text": unit or "", "subtitle": {"text": None}, "font": charts.UNIT_FONT},
                         margin={"l": margin.l, "r": margin.r, "b": margin.b, "t": 36 if unit else 24})
    return _render(figure)


def complaint_images(briefing) -> list[tuple[str, bytes, str]]:
    """(caption, png, section key) for the complaint trend and categories (section "complaints") and the
    streets or communities side by side (section "units"); none for what the data lacks."""
    return [(title, png(figure), key) for title, figure, key in complaint_figures(briefing)]


def complaint_figures(briefing) -> list[tuple[str, object, str]]:
    """(caption, plotly figure, section key) of complaint_images: the 简报 page's preview draws the same charts."""
    lang = briefing.lang
    targets = {r["kpi"]: r["target"] for r in briefing.kpi_table if r.get("target") is not None}
    out = []
    if briefing.complaints_by_month:
        title = "投诉量月度走势" if lang == "zh" else "Complaints by month"
        rows = [{"month": charts.month_label(r["month"], lang), "complaint_count": r["complaint_count"]}
                for r in briefing.complaints_by_month]
        out.append((title, charts.bars(rows, "month", [("complaint_count", "投诉量" if lang == "zh" else "Complaints")],
                                       title, lang=lang), "complaints"))
    if briefing.complaints_by_category:
        title = "投诉类别分布" if lang == "zh" else "Complaints by category"
        rows = [{"category": r["category"] or ("未分类" if lang == "zh" else "Uncategorised"),
                 "complaint_count": r["complaint_count"]} for r in briefing.complaints_by_category[:10]]
        out.append((title, charts.bars(rows, "category", [("complaint_count", "投诉量" if lang == "zh" else "Complaints")],
                                       title, horizontal=True, lang=lang), "complaints"))
    if briefing.units:
        unit = briefing.unit_dimension
        title = (("各街道" if unit == "street" else "各社区") + "按时办结率与满意率") if lang == "zh" \
            else f"On-time closure and satisfaction by {unit}"
        out.append((title, charts.bars(briefing.units, unit, [
            ("on_time_closure_rate", "按时办结率" if lang == "zh" else "On-time closure rate"),
            ("satisfaction_rate", "满意率" if lang == "zh" else "Satisfaction rate")], title, percent=True,
            targets=targets, lang=lang), "units"))
    return out
