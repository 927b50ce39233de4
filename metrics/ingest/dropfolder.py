"""A drop folder for scheduled exports: every file not imported yet (by content) is imported in name order,
each atomically, and moved to imported/ or failed/ with its rejection file beside it, so the folder holds
only what has not been looked at and a job can run every night."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from metrics.db import scalar
from metrics.ingest.filenames import path_name, path_parts, shown_name
from metrics.ingest.header_profiles import header_score_for
from metrics.ingest.importer import ImportResult, file_sha256, import_file
from metrics.ingest.limits import too_large
from metrics.ingest.readers import ImportFailure, first_rows
from metrics.masking import mask_message
from metrics.schema import DATASETS

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass
class Outcome:
    name: str
    result: ImportResult | ImportFailure | None
    skipped: bool          # the same content was imported before
    moved_to: Path


def import_folder(con, folder: Path, config: dict, *, kind: str | None = None, progress=None,
                  actor: str | None = None) -> list[Outcome]:
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFailure(f"{folder}: 文件夹不存在 / no such folder")
    done, failed = folder / "imported", folder / "failed"
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                   and not p.name.startswith("."))
    outcomes = []
    for i, path in enumerate(files, start=1):
        name = shown_name(path.name)
        if progress:
            progress(f"[{i}/{len(files)}] {name} …")
        # a file over the per-file limit is not read at all (neither hashed nor looked into for its kind)
        refused = too_large(name, path.stat().st_size, config)
        if not refused and scalar(con, "SELECT count(*) FROM import_log WHERE file_sha256 = ?", [file_sha256(path)]):
            outcomes.append(Outcome(name, None, True, _move(path, done)))
            continue
        try:
            if refused:
                raise ImportFailure(mask_message(refused))
            result = import_file(con, kind or detect_kind(path, config), path, config, rejection_dir=done, actor=actor)
        except ImportFailure as failure:
            target = _move(path, failed)
            # beside the file, under a name that fits (the file's own may leave no room for ".error.txt")
            target.with_name(path_name(target.name) + ".error.txt").write_text(mask_message(failure) + "\n",
                                                                               encoding="utf-8")
            outcomes.append(Outcome(name, failure, False, target))
            continue
        target = _move(path, failed if result.mostly_rejected else done)
        if result.rejection_file and Path(result.rejection_file).parent != target.parent:
            _move(Path(result.rejection_file), target.parent)
        outcomes.append(Outcome(name, result, False, target))
    return outcomes


def detect_kind(path: Path, config: dict) -> str:
    """The dataset whose known headers the file's best row holds most of."""
    rows = first_rows(path)
    scores = {k: max((header_score_for(config, k)(r) for r in rows), default=0) for k in DATASETS}
    best = max(scores, key=lambda k: scores[k])
    if not scores[best]:
        raise ImportFailure(f"{path.name}: 无法判断是哪类数据（没有可识别的表头） / cannot tell the kind of data: "
                            "no known header")
    return best


def _move(path: Path, folder: Path) -> Path:
    """Into folder, never over an earlier file of the same name (a number is added to its safe stem)."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    stem, ext = path_parts(path.name)
    n = 1
    while target.exists():
        target = folder / f"{stem}_{n}{ext}"
        n += 1
    shutil.move(str(path), target)
    return target
