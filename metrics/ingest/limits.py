"""Upload limits (config.yaml `uploads`): per file in MB, per import in MB in all and in files. Checked from the
sizes alone, before a byte of a file is read: by the import page for a browser's upload, by the importer for
every file (the command line and the drop folder too)."""
from __future__ import annotations

from typing import Sequence

from metrics.ingest.filenames import shown_name

MB = 1024 * 1024      # as Streamlit counts server.maxUploadSize
LIMITS = {"file_mb": 200, "import_mb": 500, "import_files": 20}   # config.yaml `uploads` when a key is missing


def limits(config: dict) -> dict:
    """The upload limits: per file (MB), per import (MB in all, and files)."""
    return {**LIMITS, **(config.get("uploads") or {})}


def file_limit_bytes(config: dict) -> int:
    """The per-file limit in bytes (the door refuses an upload over it before reading it: gateway.middleware)."""
    return int(float(limits(config)["file_mb"]) * MB)


def _mb(size: int) -> str:
    return f"{size / MB:,.1f}"


def too_large(name: str, size: int, config: dict) -> str | None:
    """The refusal of a file over the per-file limit ("中文 / English", naming the file and the limit), else None."""
    limit = limits(config)["file_mb"]
    if size <= limit * MB:
        return None
    return (f"{shown_name(name)}: 文件大小 {_mb(size)} MB，超过单个文件上限 {limit:g} MB，未读取 / "
            f"{_mb(size)} MB is over the per-file limit of {limit:g} MB; not read")


def screen(files: Sequence[tuple[str, int]], config: dict) -> tuple[list[int], list[tuple[str | None, str]]]:
    """Which of the files (name, size in bytes) one import may read, by position, and why the others may not,
    as (file name or None for the whole import, "中文 / English" message): a file over the per-file limit is left
    out alone; more files, or more MB, than one import may hold leave out all of them (the user splits them)."""
    limit = limits(config)
    refusals = [(i, name, too_large(name, size, config)) for i, (name, size) in enumerate(files)]
    kept = [i for i, _, refused in refusals if refused is None]
    messages = [(shown_name(name), refused) for _, name, refused in refusals if refused]
    total = sum(files[i][1] for i in kept)
    if len(kept) > limit["import_files"]:
        messages.append((None, f"一次导入最多 {limit['import_files']} 个文件，现有 {len(kept)} 个，均未读取：请分批导入 / "
                               f"at most {limit['import_files']} files per import, {len(kept)} given; none read: "
                               "import them in batches"))
        kept = []
    elif total > limit["import_mb"] * MB:
        messages.append((None, f"本次导入的文件共 {_mb(total)} MB，超过单次导入上限 {limit['import_mb']:g} MB，均未读取："
                               f"请分批导入 / {_mb(total)} MB in all is over the per-import limit of "
                               f"{limit['import_mb']:g} MB; none read: import the files in batches"))
        kept = []
    return kept, messages
