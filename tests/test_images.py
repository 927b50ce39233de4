"""Chart images never hang a briefing (briefing/images.py): a render that does not come back within its time is
given up, the browser replaced and the image drawn once more; a second failure is an ImageError with words a page
can show. kaleido's own sync server waited without end (a test run sat in it for over ten minutes under load, until stopped)."""
from __future__ import annotations

import asyncio
import concurrent.futures
import time

import pytest

import charts
from briefing import images

STREETS = [{"street": "东街道", "on_time_closure_rate": 0.9}, {"street": "西街道", "on_time_closure_rate": 0.8}]


def figure():
    return charts.bars(STREETS, "street", [("on_time_closure_rate", "按时办结率")], "按时办结率", percent=True)


def test_a_render_past_its_time_is_given_up_and_the_browser_still_serves_and_closes():
    """A coroutine that would take 30 s, bounded at 0.5 s: TimeoutError in about that time; the loop and browser go
    on drawing (a PNG's signature); closed, the browser process is gone."""
    renderer = images.Renderer()
    try:
        began = time.monotonic()
        with pytest.raises((TimeoutError, concurrent.futures.TimeoutError)):
            renderer._call(asyncio.sleep(30), 0.5)
        assert time.monotonic() - began < 5
        assert renderer.png(figure().to_dict())[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        renderer.close()
    assert renderer._kaleido.subprocess.poll() is not None


class FakeRenderer:
    """Renderer's stand-in: the first one made never answers, the next ones draw b"png"; each says it was closed."""
    made: list = []

    def __init__(self):
        self.closed = False
        self.hangs = not FakeRenderer.made
        FakeRenderer.made.append(self)

    def png(self, drawn: dict) -> bytes:
        if self.hangs:
            raise concurrent.futures.TimeoutError()
        return b"png"

    def close(self):
        self.closed = True


def test_a_browser_that_does_not_answer_is_replaced_once(monkeypatch):
    monkeypatch.setattr(images, "Renderer", FakeRenderer)
    monkeypatch.setattr(FakeRenderer, "made", [])
    with images.image_server():
        assert images.png(figure()) == b"png"
        first, second = FakeRenderer.made
        assert (first.closed, second.closed, images._renderer is second) == (True, False, True)
    assert second.closed and images._renderer is None


def test_twice_no_answer_is_an_image_error(monkeypatch):
    class Silent(FakeRenderer):
        def png(self, drawn):
            raise concurrent.futures.TimeoutError()

    monkeypatch.setattr(images, "Renderer", Silent)
    monkeypatch.setattr(FakeRenderer, "made", [])
    with images.image_server(), pytest.raises(images.ImageError, match="图表图片生成超时"):
        images.png(figure())
    assert len(FakeRenderer.made) == 2 and all(r.closed for r in FakeRenderer.made)
