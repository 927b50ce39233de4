"""What the import page shows besides the import itself: previews, history and data quality."""
from __future__ import annotations

from pathlib import Path

import duckdb

from metrics.db import quote, rows
from metrics.ingest.header_profiles import header_score_for, match_profile, shown_header
from metrics.ingest.importer import _type_staging
from metrics.ingest.readers import read_into, release
from metrics.places import write_place
from metrics.schema import DATASETS, IMPORT_LOG_ADDED


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


def imports_in(con, scope=None, alias: str = "import_log") -> tuple[str, dict]:
    """SQL true for the imports of import_log (as `alias`) made under `scope` (metrics.ingest.importer.write_place: an
    account or a (street, community) pair), with its bound parameters: every import for the district (None); for a
    street, those made under it (by its street admins or its communities' admins, whoever); for a community, those
    made under it. An import from the command line, or made before import_log kept the scope, is the district's."""
    place = write_place(scope)
    if place is None:
        return "true", {}
    columns = {r["column_name"] for r in rows(con, "SELECT column_name FROM duckdb_columns() "
                                                   "WHERE table_name = 'import_log'")}
    if "scope_street" not in columns:   # a file opened read-only before it was upgraded: no import is a street's
        return "false", {}
    condition = f"{alias}.scope_street = $scope_street"
    params = {"scope_street": place[0]}
    if place[1] is not None:
        condition += f" AND {alias}.scope_community = $scope_community"
        params["scope_community"] = place[1]
    return f"coalesce({condition}, false)", params


def import_history(con, scope=None) -> list[dict]:
    """The imports made under `scope` (imports_in; all of them without one), newest first, with their row
    accounting and check counts (IMPORT_CHECKS, unmapped columns, missing fields). A database opened read-only
    before it was upgraded lacks the newer columns: None then."""
    where, params = imports_in(con, scope)
    found = rows(con, f"SELECT * FROM import_log WHERE {where} ORDER BY import_id DESC", params)
    for r in found:
        for name, _ in IMPORT_LOG_ADDED:
            r.setdefault(name, None)
    return found


def issues_by_column(con, scope=None) -> list[dict]:
    """Rejections, duplicates and warnings of the imports made under `scope` (imports_in), counted by dataset,
    column and reason."""
    where, params = imports_in(con, scope, alias="l")
    return rows(con, f"""SELECT l.kind, i.column_name, i.severity, i.reason, count(*) AS rows
                         FROM import_issues i JOIN import_log l USING (import_id) WHERE {where}
                         GROUP BY ALL ORDER BY rows DESC, l.kind, i.column_name""", params)
