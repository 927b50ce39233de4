"""One call from scope and period to a finished document, for the CLI and the dashboard alike."""
from __future__ import annotations

import re
from pathlib import Path

from metrics.kpis import Scope
from metrics.periods import Window

from .content import build
from .images import complaint_images, image_server
from .writers import write_docx, write_pdf

FORMATS = ("docx", "pdf")


def write_briefing(con, config: dict, scope: Scope, window: Window, fmt: str, out: Path, lang: str = "zh") -> Path:
    """Write one briefing; call inside `image_server()` when writing several."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    briefing = build(con, config, scope, window, lang)
    images = complaint_images(briefing)
    writer = write_docx if fmt == "docx" else write_pdf
    return writer(briefing, images, config, Path(out))


def safe_file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "briefing"


def write_all_streets(con, config: dict, streets: list[str], window: Window, fmt: str, folder: Path,
                      lang: str = "zh", progress=None) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with image_server():
        for i, street in enumerate(streets, start=1):
            if progress:
                progress(i, len(streets), street)
            name = safe_file_name(f"{street}_{window.period.label(lang)}_简报" if lang == "zh"
                                  else f"{street}_{window.period.label(lang)}_briefing")
            written.append(write_briefing(con, config, Scope(street=street), window, fmt, folder / f"{name}.{fmt}", lang))
    return written
