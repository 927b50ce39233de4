"""One call from scope and period to a finished document, for the CLI and the dashboard alike."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from metrics.db import one
from metrics.kpis import Scope
from metrics.periods import Window

from . import issues
from .content import build
from .images import complaint_images, image_server
from .writers import write_docx, write_pdf

FORMATS = ("docx", "pdf")
WRITERS = {"docx": write_docx, "pdf": write_pdf}


def data_mark(con, window: Window) -> dict:
    """Which data a briefing was made from: 数据截至, the latest import (id and time) and how many imports were undone
    since (access.undo); a lake read by Spark keeps no import log: 数据截至 alone."""
    from metrics.scale.spark import SparkDatabase

    mark = {"as_of": window.as_of}
    if not isinstance(con, SparkDatabase):
        mark.update(one(con, """SELECT max(import_id) AS import_id, max(imported_at) AS imported_at,
                                       (SELECT count(*) FROM meta WHERE key LIKE 'undone_import:%') AS undone
                                FROM import_log"""))
    return mark


def issue_briefing(con, config: dict, scope: Scope, window: Window, files: dict, lang: str = "zh", *,
                   issue_db: Path | None = None, issue: int | None = None, issued_on: dt.date | None = None) -> dict:
    """Write one briefing in several formats ({format: path}) that share one issue number and one set of chart
    images (drawn once). The number is taken from the counter of `issue_db`'s access file (briefing.issues)
    unless `issue` gives it; with neither the head block has no 期数 (a draft). The same scope, period and data
    issued again in a format not written yet under its number (the PDF after the Word) takes that number again.
    Call inside `image_server()`."""
    if set(files) - set(FORMATS):
        raise ValueError(f"format must be one of {FORMATS}")
    briefing = build(con, config, scope, window, lang)
    images = complaint_images(briefing)
    if issue is None and issue_db is not None:
        edition = issues.edition(briefing.scope_name, scope.as_dict(), (window.period.start, window.period.end),
                                 data_mark(con, window))
        issue = issues.take(issue_db, briefing.scope_name, config, edition, [f"{lang}:{fmt}" for fmt in files])
    briefing.issue = issue
    if issued_on is not None:
        briefing.issued_on = issued_on
    return {fmt: WRITERS[fmt](briefing, images, config, Path(path)) for fmt, path in files.items()}


def write_briefing(con, config: dict, scope: Scope, window: Window, fmt: str, out: Path, lang: str = "zh", *,
                   issue_db: Path | None = None, issue: int | None = None, issued_on: dt.date | None = None) -> Path:
    """Write one briefing in one format; call inside `image_server()` when writing several."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    return issue_briefing(con, config, scope, window, {fmt: out}, lang, issue_db=issue_db, issue=issue,
                          issued_on=issued_on)[fmt]


def safe_file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "briefing"


def write_all_streets(con, config: dict, streets: list[str], window: Window, formats, folder: Path,
                      lang: str = "zh", progress=None, *, issue_db: Path | None = None) -> list[Path]:
    """One briefing per street into `folder`, in one format ("docx") or several (("docx", "pdf"): one number each)."""
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with image_server():
        for i, street in enumerate(streets, start=1):
            if progress:
                progress(i, len(streets), street)
            name = safe_file_name(f"{street}_{window.period.label(lang)}_简报" if lang == "zh"
                                  else f"{street}_{window.period.label(lang)}_briefing")
            files = issue_briefing(con, config, Scope(street=street), window,
                                   {fmt: folder / f"{name}.{fmt}" for fmt in formats}, lang, issue_db=issue_db)
            written += [files[fmt] for fmt in formats]
    return written
