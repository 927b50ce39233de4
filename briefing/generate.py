"""One call from scope and period to a finished document, for the CLI and the dashboard alike."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from metrics.db import one
from metrics.kpis import Scope
from metrics.periods import Window

from . import issues
from .archive import keep
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


def issue_briefing(con, config: dict, scope: Scope, window: Window, files, lang: str = "zh", *,
                   issue_db: Path | None = None, issue: int | None = None, issued_on: dt.date | None = None,
                   archive: dict | None = None, cases_db: Path | None = None) -> dict:
    """Write one briefing in several formats ({format: path}, or a function of the built Briefing returning that,
    so file names can carry its 期数) that share one issue number and one set of chart images (drawn once). The
    number is taken from the counter of `issue_db`'s access file (briefing.issues) unless `issue` gives it; with
    neither the head block has no 期数 (a draft). The same scope, period and data issued again in a format not
    written yet under its number (the PDF after the Word) takes that number again. With `archive`
    ({"issued_by": login or None, "via": "page" | "schedule" | "command"}) and `issue_db`, the files written are kept
    in the archive exactly as issued (briefing.archive). 印发日期: `issued_on`, else today in the config's time zone
    (Asia/Shanghai). `cases_db`: the database whose access file holds the 督办 it counts (briefing.content.build).
    Call inside `image_server()`."""
    return issue_full(con, config, scope, window, files, lang, issue_db=issue_db, issue=issue, issued_on=issued_on,
                      archive=archive, cases_db=cases_db)["files"]


def issue_full(con, config: dict, scope: Scope, window: Window, files, lang: str = "zh", *,
               issue_db: Path | None = None, issue: int | None = None, issued_on: dt.date | None = None,
               archive: dict | None = None, cases_db: Path | None = None) -> dict:
    """issue_briefing's whole answer: {"briefing": the Briefing (its .issue the 期数), "files": {format: path},
    "archived": the archive row's id or None}."""
    briefing = build(con, config, scope, window, lang, cases_db=cases_db)
    if issued_on is not None:
        briefing.issued_on = issued_on
    formats = files(briefing) if callable(files) else files   # the formats only: the names may need the number
    if set(formats) - set(FORMATS):
        raise ValueError(f"format must be one of {FORMATS}")
    images = complaint_images(briefing)
    if issue is None and issue_db is not None:
        edition = issues.edition(briefing.scope_name, scope.as_dict(), (window.period.start, window.period.end),
                                 data_mark(con, window))
        issue = issues.take(issue_db, briefing.scope_name, config, edition, [f"{lang}:{fmt}" for fmt in formats])
    briefing.issue = issue
    if callable(files):
        files = files(briefing)
    written = {fmt: WRITERS[fmt](briefing, images, config, Path(path)) for fmt, path in files.items()}
    archived = None
    if archive is not None and issue_db is not None and issue is not None:
        archived = keep(issue_db, scope=Scope(street=scope.street, community=scope.community),
                        scope_name=briefing.scope_name, issue=issue, period=window.period,
                        period_label=briefing.period_label, lang=lang, title=briefing.title,
                        issued_on=briefing.issued_on, files=written, issued_by=archive.get("issued_by"),
                        via=archive.get("via", "page"))
    return {"briefing": briefing, "files": written, "archived": archived}


def write_briefing(con, config: dict, scope: Scope, window: Window, fmt: str, out: Path, lang: str = "zh", *,
                   issue_db: Path | None = None, issue: int | None = None, issued_on: dt.date | None = None,
                   cases_db: Path | None = None) -> Path:
    """Write one briefing in one format; call inside `image_server()` when writing several."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    return issue_briefing(con, config, scope, window, {fmt: out}, lang, issue_db=issue_db, issue=issue,
                          issued_on=issued_on, cases_db=cases_db)[fmt]


def safe_file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "briefing"


def file_stem(place: str, briefing, lang: str = "zh") -> str:
    """A batch briefing's file name without extension: 映川街道_2025年下半年_简报_第3期 (the 期数 in the name: a
    folder of a year's briefings lists them in order, and a reissue does not overwrite the issue before)."""
    period = briefing.period_label
    if lang == "zh":
        return safe_file_name(f"{place}_{period}_简报" + (f"_第{briefing.issue}期" if briefing.issue else ""))
    return safe_file_name(f"{place}_{period}_briefing" + (f"_No{briefing.issue}" if briefing.issue else ""))


def write_each(con, config: dict, scopes: list[Scope], window: Window, formats, folder: Path,
               lang: str = "zh", progress=None, *, issue_db: Path | None = None, issued_on: dt.date | None = None,
               archive: dict | None = None, cases_db: Path | None = None) -> list[Path]:
    """One briefing per scope (a street, or a community of its street) into `folder`, in one format ("docx") or
    several (("docx", "pdf"): one 期数 each, from the scope's own counter), archived when `archive` says by whom."""
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with image_server():
        for i, scope in enumerate(scopes, start=1):
            place = scope.community or scope.street
            if progress:
                progress(i, len(scopes), place)

            def names(briefing, place=place):
                return {fmt: folder / f"{file_stem(place, briefing, lang)}.{fmt}" for fmt in formats}

            files = issue_briefing(con, config, scope, window, names, lang, issue_db=issue_db, issued_on=issued_on,
                                   archive=archive, cases_db=cases_db)
            written += [files[fmt] for fmt in formats]
    return written


def write_all_streets(con, config: dict, streets: list[str], window: Window, formats, folder: Path,
                      lang: str = "zh", progress=None, *, issue_db: Path | None = None,
                      issued_on: dt.date | None = None, archive: dict | None = None,
                      cases_db: Path | None = None) -> list[Path]:
    """One briefing per street into `folder` (write_each over the streets)."""
    return write_each(con, config, [Scope(street=s) for s in streets], window, formats, folder, lang, progress,
                      issue_db=issue_db, issued_on=issued_on, archive=archive, cases_db=cases_db)
