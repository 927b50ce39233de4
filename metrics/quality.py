"""What the import page shows besides the import itself: previews, history and data quality."""
from __future__ import annotations

from pathlib import Path

import duckdb

from .db import quote, rows
from .importer import _type_staging
from .profiles import header_score_for, match_profile, shown_header
from .readers import read_into, release
from .schema import DATASETS, IMPORT_LOG_ADDED


def preview_file(path: Path, kind: str, config: dict, limit: int = 10) -> dict:
    """The detected profile and column mapping and the first rows as they would be stored (personal data
    dropped, content masked), read in a scratch in-memory database so nothing is imported."""
    con = duckdb.connect()
    raw = None
    try:
        raw = read_into(con, Path(path), header_score_for(config, kind))
        mapping = match_profile(config, kind, raw.headers, Path(path).name)
        _type_staging(con, raw, DATASETS[kind], mapping, config)
        fields = [f.name for f in DATASETS[kind].fields if f.name in mapping.columns]
        sample = rows(con, f"SELECT {', '.join(quote(f) for f in fields)} FROM staging ORDER BY _row LIMIT ?", [limit])
        total = con.execute("SELECT count(*) FROM staging").fetchone()[0]
    finally:
        release(con, raw)
        con.close()
    used = set(mapping.columns.values()) | set(mapping.personal)
    return {
        "profile": mapping.profile, "rows": total, "header_row": raw.header_row, "encoding": raw.encoding,
        "columns": mapping.headers,
        "personal_dropped": [raw.headers[i] for i in mapping.personal],
        "ignored": [shown_header(h, i) for i, h in enumerate(raw.headers) if i not in used and h],
        "sample": sample,
    }


def import_history(con) -> list[dict]:
    """Every import, newest first, with its row accounting and check counts (IMPORT_CHECKS, unmapped columns,
    missing fields). A database opened read-only before it was upgraded lacks the newer columns: None then."""
    found = rows(con, "SELECT * FROM import_log ORDER BY import_id DESC")
    for r in found:
        for name, _ in IMPORT_LOG_ADDED:
            r.setdefault(name, None)
    return found


def issues_by_column(con) -> list[dict]:
    """Rejections, duplicates and warnings of every import, counted by dataset, column and reason."""
    return rows(con, """SELECT l.kind, i.column_name, i.severity, i.reason, count(*) AS rows
                        FROM import_issues i JOIN import_log l USING (import_id)
                        GROUP BY ALL ORDER BY rows DESC, l.kind, i.column_name""")
