"""简报 page through AppTest: the preview says what the document will say, and the files are produced."""

import datetime as dt

import pytest

from briefing.content import build
from metrics.database import connect
from metrics.kpis import Scope
from metrics.periods import Period, Window


@pytest.mark.slow
def test_preview_and_generation(app, app_db, config):
    at = app.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    expected = build(connect(app_db), config, Scope(),
                     Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12)))
    # H1 2024 at 07-01 12:00: 12 orders (11 via 12345, 1 via 啄木鸟)
    # the data starts 2024-05-20, inside 2024年上半年: the opening sentence says so
    assert expected.headline.startswith("2024年上半年（数据自2024年5月20日起），示范区共收到12345平台、啄木鸟平台的物业工单12件")
    assert any(m.value == expected.headline for m in at.markdown)
    at.button(key="briefing_run").click().run()
    assert not at.exception
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert "下载 Word" in buttons and "下载 PDF" in buttons
    # the generation is audited: who, which briefing, its scope, period, language and formats
    from conftest import TESTER

    from access import audit

    entry = audit.entries(app_db, action="briefing")[-1]
    assert (entry["login"], entry["target"], entry["scope"], entry["outcome"]) == (
        TESTER[0], "示范区红色物业工作简报（2024年上半年）", None, "ok")
    from metrics.periods import today_in

    assert entry["details"] == {"formats": ["docx", "pdf"], "language": "zh", "period": "2024年上半年",
                                "issued_on": today_in().isoformat()}
    # issue 25: the issued briefing is archived, listed under the page's scope, and offered again byte for byte
    from briefing import archive

    kept = archive.issued(app_db, Scope())
    assert [(e["issue"], e["period_label"], e["issued_by"], e["via"]) for e in kept] == [
        (1, "2024年上半年", TESTER[0], "page")]
    listed = at.dataframe[-1].value   # the archive: the page's last table
    assert list(listed["期数"]) == [1] and list(listed["统计时段"]) == ["2024年上半年"]
    assert list(listed["印发者"]) == [TESTER[0]]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 Word", "下载 PDF", "重新下载 Word", "重新下载 PDF"]   # the files just made, and the archive's
    name, data = archive.file_of(app_db, kept[0]["id"], "pdf", Scope())
    assert name == "示范区红色物业工作简报（2024年上半年）.pdf" and data[:5] == b"%PDF-"
    # a street's page lists the street's own archive: none here
    assert archive.issued(app_db, Scope(street="东街道")) == []


def test_street_scope_and_english(app):
    app.query_params["street"] = "东街道"
    at = app.run()
    at.switch_page("pages/briefing.py").run()
    at.radio(key="briefing_lang").set_value("en").run()
    assert not at.exception
    assert any(m.value.replace("\\", "").startswith("In H1 2024 (data from 2024-05-20), 东街道 received 8 property work orders")
               for m in at.markdown)   # markdown escapes the brackets


def media(docx_bytes: bytes) -> list[tuple[str, bytes]]:
    """The pictures of a Word file, in name order (image1.png, image2.png, ...)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        return sorted((n, z.read(n)) for n in z.namelist() if n.startswith("word/media/"))


@pytest.mark.slow
def test_page_charts_equal_the_command_lines(app, app_db, tmp_path):
    """Issue 14, defect 1: the page's briefing had its charts drawn with Streamlit's plotly template (no axis
    automargin: category names cut to one character). The same briefing from the page (this process, Streamlit
    imported) and from `python -m metrics report` (a fresh process) carries the very same chart images."""
    import io
    import subprocess
    import sys

    from conftest import ROOT
    from PIL import Image

    app.query_params["street"] = "东街道"
    at = app.run()
    at.switch_page("pages/briefing.py").run()
    at.button(key="briefing_run").click().run()
    assert not at.exception
    page_images = media(at.session_state["briefing_files"]["files"]["docx"][1])
    out = tmp_path / "cli.docx"
    done = subprocess.run([sys.executable, "-m", "metrics", "report", "--db", str(app_db), "--street", "东街道",
                           "--from", "2024-01-01", "--to", "2024-06-30", "--format", "docx", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    cli_images = media(out.read_bytes())
    # 东街道: complaints by month, by category, the communities side by side
    assert [name for name, _ in page_images] == [name for name, _ in cli_images] == [
        "word/media/image1.png", "word/media/image2.png", "word/media/image3.png"]
    for (name, page_png), (_, cli_png) in zip(page_images, cli_images):
        assert Image.open(io.BytesIO(page_png)).size == Image.open(io.BytesIO(cli_png)).size == (1800, 760), name
        assert page_png == cli_png, f"{name}: the page's chart differs from the command line's"


def test_issue_date_chosen_and_head_block_in_the_preview(app, app_db, config):
    """Issue 25: 印发日期 is the day typed (any way 2024/7/5 is written), not the machine's clock; the preview shows
    the head block as the files have it: title, the number it will take, 编发单位 and 印发日期, 报送/抄送."""
    app.query_params["street"] = "东街道"
    at = app.run()
    at.switch_page("pages/briefing.py").run()
    at.text_input(key="briefing_issued_on").set_value("2024/7/5").run()
    assert not at.exception
    from briefing import issues

    shown = [m.value.replace("\\", "") for m in at.markdown]
    upcoming = (issues.last(app_db, "东街道") or 0) + 1   # the module's database: other tests may have issued before
    for text in ("### :red[东街道红色物业工作简报（2024年上半年）]", f"印发时编为第{upcoming}期", "东街道办事处编", "2024年7月5日印发",
                 "报送：示范区红色物业工作领导小组办公室", "抄送：各社区党委、居委会"):
        assert text in shown, text
    assert at.text_input(key="briefing_issued_on").value == "2024-07-05"
    assert len(at.get("plotly_chart")) == 3
