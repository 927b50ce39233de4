"""Files uploaded in the browser, as the importer sees them: (name, bytes) saved in a temporary folder under a
safe name (metrics.filenames: a long, hidden or folder-like name must not fail or escape), while the import log,
the messages and the rejection file carry the name the user knows; the folder is gone when the import is done.
The upload limits of config.yaml `uploads` are checked here from the sizes alone, before a file is read."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import store

from .config import ROOT, database_path
from .filenames import path_name, shown_name
from .importer import ImportResult, import_files
from .limits import MB, limits, screen, too_large  # noqa: F401  (the page asks uploads for them)
from .masking import mask_message, mask_text
from .quality import preview_file
from .readers import ImportFailure
from .templates import TEMPLATE_NAMES

KINDS = ("compounds", "work_orders", "complaints")
TEMPLATES_DIR = ROOT / "data" / "templates"

Upload = tuple[str, bytes]


def template_files() -> dict[str, Path]:
    """The shipped Excel template of each dataset."""
    return {kind: TEMPLATES_DIR / TEMPLATE_NAMES[kind] for kind in KINDS}


def rejection_dir(config: dict) -> Path:
    """Rejection files live beside the user's database (never beside the demo)."""
    return database_path(config).parent / "rejections"


@contextmanager
def saved(files: Sequence[Upload]) -> Iterator[list[Path]]:
    """The uploads written to a temporary folder, each under its safe name (a subfolder per file, so two
    uploads with the same name do not overwrite each other); removed on exit."""
    with tempfile.TemporaryDirectory(prefix="dashboard_upload_") as folder:
        paths = []
        for i, (name, data) in enumerate(files):
            path = Path(folder) / str(i) / path_name(name)
            path.parent.mkdir()
            path.write_bytes(data)
            paths.append(path)
        yield paths


def preview_upload(name: str, data: bytes, kind: str, config: dict, limit: int = 5) -> dict:
    """metrics.quality.preview_file on an uploaded file; any reading error is an ImportFailure naming it."""
    with saved([(name, data)]) as (path,):
        try:
            return preview_file(path, kind, config, limit=limit)
        except ImportFailure as failure:
            raise _without_folder(failure, path, name) from failure
        except Exception as exc:
            raise _without_folder(ImportFailure(f"{path.name}: 无法读取文件 / cannot read the file: {exc}"),
                                  path, name) from exc


def import_uploads(db: Path, kind: str, files: Sequence[Upload], config: dict, *, rejection_dir: Path,
                   progress=None, on_wait=None, scope=None,
                   actor: str | None = None) -> list[tuple[str, ImportResult | ImportFailure]]:
    """Import the uploads into database `db` in order, each atomically, when it is this import's turn to write
    (on_wait(holder) is told what it waits behind); pairs each file's name with its result or failure. `scope`
    (the signed-in account's (street, community)) and `actor` (its login) as metrics.importer.import_file's."""
    shown = [shown_name(name) for name, _ in files]
    with saved(files) as paths, store.writer(db, config, what=f"网页导入 {'、'.join(map(mask_text, shown))}",
                                             on_wait=on_wait) as con:
        results = import_files(con, kind, paths, config, names=shown, rejection_dir=rejection_dir, progress=progress,
                               scope=scope, actor=actor)
    return [(mask_text(name), _without_folder(result, path, name) if isinstance(result, ImportFailure) else result)
            for name, path, result in zip(shown, paths, results)]


def _without_folder(failure: ImportFailure, path: Path, name: str) -> ImportFailure:
    """The message with the temporary folder taken out and the file called by the name the user gave it, masked:
    a reader's error may quote a row of the file."""
    text, shown = str(failure).replace(str(path.parent) + os.sep, ""), shown_name(name)
    return ImportFailure(mask_message(text.replace(path.name, shown) if path.name != shown else text))


def reason(message: str, name: str) -> str:
    """A failure message without the file name it starts with (shown beside the name already)."""
    for shown in (name, mask_text(name)):
        if message.startswith(f"{shown}: "):
            return message[len(shown) + 2:]
    return message


def accounting(results: Sequence[tuple[str, ImportResult | ImportFailure]]) -> list[dict]:
    """One row per imported file: read = new + updated + unchanged + duplicate + rejected, warnings;
    a failed file carries its message instead of counts."""
    rows = []
    for name, result in results:
        if isinstance(result, ImportFailure):
            rows.append({"file": name, "error": str(result)})
            continue
        rows.append({"file": name, "error": None, "import_id": result.import_id, "profile": result.profile,
                     "rows_read": result.rows_read, "rows_new": result.rows_new,
                     "rows_updated": result.rows_updated, "rows_unchanged": result.rows_unchanged,
                     "rows_duplicate": result.rows_duplicate, "rows_rejected": result.rows_rejected,
                     "warnings": result.warnings, "balanced": result.accounted(),
                     "rejection_file": result.rejection_file, "notes": list(result.notes),
                     "checks": dict(result.checks), "unmapped_columns": list(result.unmapped_columns),
                     "missing_fields": list(result.missing_fields), "mostly_rejected": result.mostly_rejected,
                     "rejection_reasons": list(result.rejection_reasons), "derived_due": result.derived_due})
    return rows


def in_language(text: str | None, lang: str) -> str | None:
    """The Chinese or English half of an engine message written "中文 / English"."""
    if not text or " / " not in text:
        return text
    zh, en = text.split(" / ", 1)
    return zh if lang == "zh" else en
