"""Issue 14, defect 6: no English inside the Chinese interface. Streamlit's own words are avoided or set: no
st.date_input (its calendar speaks the browser's language: January, S M T W, weeks from Sunday), no multiselect
"Select all", every empty selectbox and multiselect has a Chinese placeholder (else "Choose an option"), and the
upload box's "Upload" and "500MB per file" are replaced by the stylesheet (ui/style.py)."""
import re

import pytest
from conftest import ROOT

from ui import style

PAGES = ["overview", "causes", "trends", "compare", "party", "profile", "supervision", "briefing", "import", "admin"]
HAN = re.compile(r"[\u4e00-\u9fff]")


def widgets(at, kind: str) -> list:
    return list(at.get(kind))


@pytest.mark.parametrize("page", PAGES)
def test_streamlit_writes_no_english_words_on_a_chinese_page(app, page):
    app.query_params["period"] = "custom"   # the custom range's day boxes are drawn too
    at = app.run()
    if page != "overview":
        at = at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert widgets(at, "date_input") == []
    for box in widgets(at, "multiselect"):
        assert (box.proto.select_all, bool(HAN.search(box.placeholder or ""))) == (False, True), box.label
    for box in widgets(at, "selectbox"):
        if box.value is None:   # an empty selectbox shows its placeholder
            assert HAN.search(box.placeholder or ""), box.label
    styles = [e.proto.body for e in at.get("html") if "<style>" in e.proto.body]
    assert styles == [f"<style>{style.css('zh')}</style>"]


def test_the_upload_box_words():
    zh, en = style.css("zh"), style.css("en")
    # Streamlit's "500MB per file • XLSX, CSV" is hidden in both languages (the import page's caption states the
    # limits); only the Chinese sheet replaces the button's "Upload"
    hidden = '[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }'
    assert hidden in zh and hidden in en
    assert 'content: "选择文件"' in zh and "选择文件" not in en
    assert (ROOT / "ui" / "style.css").read_text(encoding="utf-8") in zh
