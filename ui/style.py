"""The dashboard's own CSS in one place (ui/style.css plus the upload box's Chinese words), injected once per run by
dashboard.py. Why CSS: Streamlit 1.67 has no setting for the phone layout of cards, the print layout or the upload
box's texts. Only this static text is ever written as HTML here: never a value from data."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

SHEET = Path(__file__).with_name("style.css")

# The upload box: Streamlit writes "Upload" on its button and "500MB per file • XLSX, CSV" beneath, in English
# whatever the language (file_uploader takes no text for either). The import page states the limits in its own
# caption, so Streamlit's line is hidden; in Chinese the button's word is replaced by 选择文件.
UPLOAD_ZH = """
[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none !important; }
[data-testid="stFileUploaderDropzone"] button > div::after { content: "选择文件"; }
"""
UPLOAD_EN = '[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }'


def css(lang: str) -> str:
    """The whole stylesheet for a language: the file, then the upload box's words."""
    return SHEET.read_text(encoding="utf-8") + (UPLOAD_ZH if lang == "zh" else UPLOAD_EN)


def inject(lang: str) -> None:
    """A <style> element only: Streamlit puts it out of the page flow (it takes no room)."""
    st.html(f"<style>{css(lang)}</style>")
