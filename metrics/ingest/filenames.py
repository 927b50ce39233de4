"""File names that come from users (an upload's name, an export in a drop folder) and the files written after
them. Messages, the import log and the audit show the name as written (`shown_name`); a file the program writes
from it (an upload's temporary copy, a rejection list, an error note) is named by `path_name`: never hidden,
never a folder part, never over the file system's 255 bytes, and still telling which upload it belongs to."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

FALLBACK = "上传文件"        # the stem of a name that has nothing left once cleaned ("..csv", ".csv")
STEM_BYTES = 120             # of 255: room for "-" + hash, the extension and "_导入问题_<id>.xlsx" or "_<n>"
HASH_CHARS = 8
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_RESERVED = set('/\\<>:"|?*\ufffd')   # a folder separator here or on Windows, not allowed in a Windows name, or
                                     # a character shown_name replaced


def shown_name(name) -> str:
    """The name as the user knows it: without any folder part a browser or a path carries, control characters
    and undecodable bytes as U+FFFD (a NUL or a line break would break a message line); a placeholder when
    nothing is left."""
    text = "".join("\ufffd" if unicodedata.category(c) in ("Cc", "Cs") else c for c in str(name))
    base = PurePosixPath(text.replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else FALLBACK


def split(name: str) -> tuple[str, str]:
    """(stem, extension): ".csv" -> ("", ".csv"), "..csv" -> (".", ".csv"), "a.tar.gz" -> ("a.tar", ".gz")."""
    found = _EXTENSION.search(name)
    return (name[:found.start()], found.group()) if found else (name, "")


def _cleaned(stem: str) -> str:
    """Unsafe characters as "_", then no leading dot or space (hidden; "..") and no trailing one (Windows)."""
    safe = "".join("_" if c in _RESERVED or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in stem)
    return safe.lstrip(". ").rstrip(". ")


def _cut(text: str, budget: int) -> str:
    """At most `budget` bytes of UTF-8, cut on a character boundary."""
    return text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")


def path_parts(name) -> tuple[str, str]:
    """(stem, extension) of the file name to write for `name`: the name itself when it is safe; else its cleaned
    stem cut to STEM_BYTES, "-" and the first 8 hex digits of the SHA-256 of the name as shown (so two long names
    alike in their first 40 characters stay apart), and the extension."""
    shown = shown_name(name)
    stem, ext = split(shown)
    clean = _cleaned(stem)
    if clean and clean == stem and len(stem.encode("utf-8")) <= STEM_BYTES:
        return stem, ext
    digest = hashlib.sha256(shown.encode("utf-8")).hexdigest()[:HASH_CHARS]
    return f"{_cut(clean, STEM_BYTES).rstrip('. ') or FALLBACK}-{digest}", ext


def path_name(name) -> str:
    """The safe file name for `name` (path_parts joined): "工单.csv" stays; "..csv" -> "上传文件-<hash>.csv"."""
    return "".join(path_parts(name))
