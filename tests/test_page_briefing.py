"""简报 page through AppTest: the preview says what the document will say, and the files are produced."""

from briefing.content import build
from metrics.db import connect
from metrics.kpis import Scope
from metrics.periods import Period, Window
import datetime as dt


def test_preview_and_generation(app, app_db, config):
    at = app.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    expected = build(connect(app_db), config, Scope(),
                     Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12)))
    # H1 2024 at 07-01 12:00: 12 orders (11 via 12345, 1 via 啄木鸟)
    assert expected.headline.startswith("2024年上半年，示范区共收到12345平台、啄木鸟平台的物业工单12件")
    assert any(m.value == expected.headline for m in at.markdown)
    at.button(key="briefing_run").click().run()
    assert not at.exception
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert "下载 Word" in buttons and "下载 PDF" in buttons


def test_street_scope_and_english(app):
    app.query_params["street"] = "东街道"
    at = app.run()
    at.switch_page("pages/briefing.py").run()
    at.radio(key="briefing_lang").set_value("en").run()
    assert not at.exception
    assert any(m.value.startswith("In H1 2024, 东街道 received 8 property work orders") for m in at.markdown)
