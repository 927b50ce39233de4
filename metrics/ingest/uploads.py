"""Files uploaded in the browser, as the importer sees them: (name, bytes) saved under a safe name
(metrics.ingest.filenames: a long, hidden or folder-like name must not fail or escape), while the import log, the
messages and the rejection file carry the name the user knows. The upload limits of config.yaml `uploads` are
checked here from the sizes alone, before a file is read.

An upload is a raw export, personal columns included: it is saved in the app's own folder beside the database
(`<db dir>/uploads/`, mode 0700), never in the shared /tmp, one folder per import or preview, removed when done
(also when the import fails). A process killed meanwhile leaves its folder: every folder there older than
LEFTOVER_SECONDS that no process holds (each holds a lock on its own while in use) is removed when a process
starts and after each import (`remove_leftovers`)."""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import store
from metrics.config import ROOT, database_path, load_config
from metrics.ingest.filenames import path_name, shown_name
from metrics.ingest.importer import (
    ImportResult,
    import_files,
    mark_unaudited,
    mark_unpublished,
    space_for,
    space_for_sizes,
)
from metrics.ingest.limits import MB, limits, screen, too_large  # noqa: F401  (the page asks uploads for them)
from metrics.ingest.quality import preview_file
from metrics.ingest.readers import ImportFailure
from metrics.ingest.templates import TEMPLATE_NAMES
from metrics.masking import mask_message, mask_text

KINDS = ("compounds", "work_orders", "complaints")
TEMPLATES_DIR = ROOT / "data" / "templates"

Upload = tuple[str, bytes]


def template_files() -> dict[str, Path]:
    """The shipped Excel template of each dataset."""
    return {kind: TEMPLATES_DIR / TEMPLATE_NAMES[kind] for kind in KINDS}


def rejection_dir(config: dict) -> Path:
    """Rejection files live beside the user's database (never beside the demo)."""
    return database_path(config).parent / "rejections"


LEFTOVER_SECONDS = 5 * 60   # an upload folder this old, held by no process, is a crashed import's leftover
IN_USE = ".in_use"          # the file each folder's process holds a lock on while it uses the folder
LOG = logging.getLogger("metrics.ingest.uploads")


class Unaudited(Exception):
    """An import's audit entry could not be written: raised out of the write's `after`, so its marker stays."""


def upload_dir(db: Path) -> Path:
    """Where uploads of database `db` are saved while they are previewed or imported: beside the database, on
    its disk, readable by the app's user only."""
    return Path(db).parent / "uploads"


@contextmanager
def saved(files: Sequence[Upload], db: Path | None = None) -> Iterator[list[Path]]:
    """The uploads written to a folder of their own in upload_dir(db) (the user's database by default), each
    under its safe name (a subfolder per file, so two uploads with the same name do not overwrite each other);
    removed on exit, whatever happened."""
    root = upload_dir(Path(db) if db is not None else database_path(load_config()))
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    folder = Path(tempfile.mkdtemp(prefix="upload_", dir=root))   # 0700 as well
    held = None
    try:
        held = open(folder / IN_USE, "w")
        fcntl.flock(held, fcntl.LOCK_EX)   # a crashed process lets go: its folder is then a leftover
        paths = []
        for i, (name, data) in enumerate(files):
            path = folder / str(i) / path_name(name)
            path.parent.mkdir()
            path.write_bytes(data)
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if held is not None:
            held.close()


def _in_use(entry: Path) -> bool:
    """Whether a process holds the folder's lock (it is previewing or importing from it)."""
    try:
        with open(entry / IN_USE, "r") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
            return False
    except (FileNotFoundError, NotADirectoryError):
        return False


def remove_leftovers(db: Path, older_than: float = LEFTOVER_SECONDS, now: float | None = None) -> list[str]:
    """Remove what crashed imports and previews left in upload_dir(db): every entry older than `older_than`
    seconds that no process holds. The names removed."""
    root = upload_dir(db)
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        try:
            if now - entry.lstat().st_mtime < older_than or (entry.is_dir() and _in_use(entry)):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            LOG.warning("%s: leftover upload not removed: %s", entry, exc)
    if removed:
        LOG.warning("%s: removed %d leftover upload(s) of crashed imports: %s", root, len(removed), removed)
    return removed


_STARTED: set[str] = set()
_STARTED_LOCK = threading.Lock()


def remove_leftovers_once(db: Path) -> None:
    """remove_leftovers, the first time a process asks for a database (its start)."""
    key = str(Path(db).resolve())
    with _STARTED_LOCK:
        if key in _STARTED:
            return
        _STARTED.add(key)
    remove_leftovers(Path(db))


def preview_upload(name: str, data: bytes, kind: str, config: dict, limit: int = 5) -> dict:
    """metrics.ingest.quality.preview_file on an uploaded file; any reading error is an ImportFailure naming it."""
    with saved([(name, data)], database_path(config)) as (path,):
        try:
            return preview_file(path, kind, config, limit=limit)
        except ImportFailure as failure:
            raise _without_folder(failure, path, name) from failure
        except Exception as exc:
            raise _without_folder(ImportFailure(f"{path.name}: 无法读取文件 / cannot read the file: {exc}"),
                                  path, name) from exc


def import_uploads(db: Path, kind: str, files: Sequence[Upload], config: dict, *, rejection_dir: Path,
                   progress=None, on_wait=None, record=None, scope=None,
                   actor: str | None = None) -> list[tuple[str, ImportResult | ImportFailure]]:
    """Import the uploads into database `db` in order, each atomically, when it is this import's turn to write
    (on_wait(holder) is told what it waits behind); pairs each file's name with its result or failure.

    store.DiskFull before anything is saved or written when the disk lacks room for the uploads and what the
    import may take. `record(result, data)` is each file's audit entry, written under the write lock once the
    write is published or known not to be (then each committed result says so: `published` False). The uploads
    are removed when the import is done, whatever happened, and so are leftovers of crashed ones. `scope` (the
    signed-in account's (street, community)) and `actor` (its login) as metrics.ingest.importer.import_file's."""
    db = Path(db)
    shown = [shown_name(name) for name, _ in files]
    store.check_space(db, sum(len(data) for _, data in files) + space_for_sizes([(n, len(d)) for n, d in files]))
    found, told = [], []

    def tell(paths) -> list:
        """The results, each failure's message without the upload folder and with the name the user gave."""
        return [_without_folder(r, p, n) if isinstance(r, ImportFailure) else r for n, p, r in zip(shown, paths, found)]

    try:
        with saved(files, db) as paths:
            def after(published, cause):
                told[:] = tell(paths)
                if not published:
                    for result in told:
                        if isinstance(result, ImportResult):
                            mark_unpublished(result, cause)
                if record is not None:
                    for (_, data), result in zip(files, told):
                        try:
                            record(result, data)
                        except Exception as exc:   # a full disk: the marker stays, the next start or write enters it
                            if not isinstance(result, ImportResult):
                                raise
                            LOG.warning("audit entry of import %s not written: %s", result.import_id, exc)
                            mark_unaudited(result, exc)
                if any(isinstance(r, ImportResult) and r.not_audited for r in told):
                    raise Unaudited()

            try:
                with store.writer(db, config, what=f"网页导入 {'、'.join(map(mask_text, shown))}", on_wait=on_wait,
                                  need_bytes=space_for(paths), after=after) as con:
                    found[:] = import_files(con, kind, paths, config, names=shown, rejection_dir=rejection_dir,
                                            progress=progress, scope=scope, actor=actor)
            except Unaudited:
                pass   # each result says so; the write's marker stays
            except store.NotPublished:
                pass   # each result says whether it committed (then: not published) or failed (nothing changed)
            if not told:   # a new database left empty (every file refused) was removed: nothing to record
                told[:] = tell(paths)
    finally:
        remove_leftovers(db)
    return [(mask_text(name), result) for name, result in zip(shown, told)]


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
                     "rejection_reasons": list(result.rejection_reasons), "derived_due": result.derived_due,
                     "published": result.published, "not_published": result.not_published,
                     "not_audited": result.not_audited})
    return rows


def in_language(text: str | None, lang: str) -> str | None:
    """The Chinese or English half of an engine message written "中文 / English"."""
    if not text or " / " not in text:
        return text
    zh, en = text.split(" / ", 1)
    return zh if lang == "zh" else en
