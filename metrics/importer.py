"""Importing one export file: every row read is new, updated, unchanged, a duplicate in the file,
or rejected with its reason, and a file that cannot be imported leaves the database as it was."""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from . import cleaning, duetime, masking, names, rollup
from .db import one, quote, rows, scalar
from .profiles import Mapping, header_score_for, match_profile
from .readers import ROWS_TABLE, ImportFailure, copy_rows, read_into, release
from .schema import DATASETS, RESOLVED_COLUMNS, Dataset, content_columns, stored_name

MAX_ISSUES_KEPT = 100_000


@dataclass
class ImportResult:
    file: str
    kind: str
    profile: str
    import_id: int
    rows_read: int
    rows_new: int
    rows_updated: int
    rows_unchanged: int
    rows_duplicate: int
    rows_rejected: int
    warnings: int
    rejection_file: str | None
    columns: dict[str, str]                      # field -> header in the file
    notes: list[str] = field(default_factory=list)

    def accounted(self) -> bool:
        return self.rows_read == (self.rows_new + self.rows_updated + self.rows_unchanged
                                  + self.rows_duplicate + self.rows_rejected)


_HASHER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-sha256")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_files(con, kind: str, paths, config: dict, *, profile: str | None = None,
                 rejection_dir: Path | None = None, progress=None) -> list[ImportResult | ImportFailure]:
    """Import several files, each atomically; a failed file is returned as its ImportFailure."""
    results = []
    for i, path in enumerate(paths):
        if progress:
            progress(i, len(paths), Path(path).name)
        try:
            results.append(import_file(con, kind, path, config, profile=profile, rejection_dir=rejection_dir))
        except ImportFailure as failure:
            results.append(failure)
    return results


def import_file(con, kind: str, path, config: dict, *, profile: str | None = None,
                rejection_dir: Path | None = None, imported_at: dt.datetime | None = None) -> ImportResult:
    if kind not in DATASETS:
        raise ImportFailure(f"未知的数据类型 {kind} / unknown kind (compounds, work_orders, complaints)")
    dataset = DATASETS[kind]
    path = Path(path)
    rejection_path = raw = None
    # the file's fingerprint is taken beside the import (hashing lets go of the interpreter lock)
    hashing = _HASHER.submit(file_sha256, path) if path.exists() else None
    con.execute("BEGIN TRANSACTION")
    try:
        raw = read_into(con, path, header_score_for(config, kind))
        mapping = match_profile(config, kind, raw.headers, path.name, profile)
        _type_staging(con, raw, dataset, mapping, config)
        rows_read = scalar(con, "SELECT count(*) FROM staging")
        _record_issues(con, dataset, mapping)
        notes = _derive_due_at(con, dataset, mapping, config)
        import_id = (scalar(con, "SELECT max(import_id) FROM import_log") or 0) + 1
        counts = _upsert(con, dataset, import_id, config)
        if kind == "compounds":   # a registry can move every order and complaint to another compound
            names.resolve_compounds(con, config)
        span = counts.get("span") or {}
        rollup.refresh(con, kind, span.get("first"), span.get("last"))
        issue_counts = one(con, """SELECT count(*) FILTER (severity = 'rejected') AS rejected,
                                          count(*) FILTER (severity = 'duplicate') AS duplicate,
                                          count(*) FILTER (severity = 'warning') AS warnings FROM staging_issues""")
        if issue_counts["rejected"] or issue_counts["duplicate"] or issue_counts["warnings"]:
            rejection_path = _write_rejections(con, path, rejection_dir or path.parent, import_id)
        result = ImportResult(
            file=masking.mask_text(path.name), kind=kind, profile=mapping.profile, import_id=import_id, rows_read=rows_read,
            rows_new=counts["new"], rows_updated=counts["updated"], rows_unchanged=counts["unchanged"],
            rows_duplicate=issue_counts["duplicate"], rows_rejected=issue_counts["rejected"],
            warnings=issue_counts["warnings"], rejection_file=str(rejection_path) if rejection_path else None,
            columns=mapping.headers, notes=notes,
        )
        if not result.accounted():
            raise ImportFailure(f"{path.name}: 行数核对不平 / row accounting does not balance: {result}")
        con.execute(
            "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, kind, result.file, hashing.result(), mapping.profile, imported_at or dt.datetime.now(),
             rows_read, result.rows_new, result.rows_updated, result.rows_unchanged, result.rows_duplicate,
             result.rows_rejected, result.warnings, result.rejection_file],
        )
        con.execute(
            "INSERT INTO import_issues SELECT ?, row_number, column_name, severity, reason, value "
            "FROM staging_issues ORDER BY row_number LIMIT ?", [import_id, MAX_ISSUES_KEPT])
        con.execute("INSERT OR REPLACE INTO meta VALUES ('latest_import_at', ?)", [str(imported_at or dt.datetime.now())])
        con.execute("COMMIT")
        return result
    except Exception as exc:
        con.execute("ROLLBACK")
        if rejection_path and Path(rejection_path).exists():
            Path(rejection_path).unlink()
        # a reader's or the database's error may quote a whole row of the file: said masked, without its cause
        if isinstance(exc, ImportFailure):
            raise ImportFailure(masking.mask_message(str(exc))) from None
        raise ImportFailure(masking.mask_message(
            f"{path.name}: 导入失败，数据库未改变 / import failed, database unchanged: {exc}")) from None
    finally:
        release(con, raw)
        for table in ("staging_dups", "staging_issues", "incoming"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _type_staging(con, raw, dataset: Dataset, mapping: Mapping, config: dict) -> None:
    """staging: _row, the typed value of every mapped field (NULL when absent) and, where a warning or a
    rejection must tell a bad value from a blank one, its trimmed text when it could not be read (raw_*).

    The inner query trims each cell once; the outer one types the trimmed text, so the file is read once,
    straight into its typed copy, and no expression is evaluated twice."""
    select = [raw.row_column] if raw.row_column else []
    inner = select + [f"{masking.needle(f'c{i}')} AS p{i}" for i in mapping.personal]
    params, unreadable = [], []
    personal = [f"p{i}" for i in mapping.personal]
    for f in dataset.fields:
        pos = mapping.columns.get(f.name)
        raw_name = quote("raw_" + f.name)
        inner.append((cleaning.raw_text(f"c{pos}") if pos is not None else "CAST(NULL AS VARCHAR)") + f" AS {raw_name}")
        vocab = mapping.values.get("boolean") if f.kind == "bool" else mapping.values.get(f.vocab or "")
        text, p = masking.sql(raw_name, personal) if f.masked else (raw_name, [])
        sql, typed_params = cleaning.typed(f.kind, text, vocab)
        p = p + typed_params
        if f.kind in ("id", "text"):  # the trimmed (masked) text is the value: no second copy of the column
            select.append(f"{text} AS {quote(f.name)}")
            params += p
            continue
        if f.kind in cleaning.KIND_WARNING or f.name == dataset.main_timestamp:
            select.append(raw_name)  # kept to tell a bad value (warning) from a blank one
            unreadable.append(f"CASE WHEN {quote(f.name)} IS NULL THEN {raw_name} END AS {raw_name}")
        select.append(f"CAST({sql} AS {_sql_type(f.kind)}) AS {quote(f.name)}")
        params += p
    id_field, ts = quote(dataset.id_field), dataset.main_timestamp
    rejected = f"{id_field} IS NULL" + (f" OR {quote(ts)} IS NULL" if ts else "")
    derived = ", false AS due_at_derived" if dataset.kind == "work_orders" else ""
    # the text of a typed value is kept only where it could not be read (a million copies of good dates cost)
    copy_rows(con, raw, f"""SELECT * REPLACE ({', '.join(unreadable)}), ({rejected}) AS rejected{derived}
        FROM (SELECT {', '.join(select)} FROM (SELECT {', '.join(inner)} FROM {raw.source}))""", params)
    # ids the file carries more than once, with the row kept: the last (earlier ones are duplicates)
    con.execute(f"""CREATE TEMP TABLE staging_dups AS SELECT {id_field}, max(_row) AS keep_row FROM staging
                    WHERE NOT rejected GROUP BY {id_field} HAVING count(*) > 1""")


def _sql_type(kind: str) -> str:
    from .schema import SQL_TYPES
    return SQL_TYPES[kind]


def _record_issues(con, dataset: Dataset, mapping: Mapping) -> None:
    """staging_issues: one row per rejected row, duplicate row and nulled optional value."""
    con.execute("""CREATE TEMP TABLE staging_issues (row_number BIGINT, column_name VARCHAR,
                   severity VARCHAR, reason VARCHAR, value VARCHAR)""")
    id_field, ts = dataset.id_field, dataset.main_timestamp
    id_header = mapping.headers[id_field]
    id_label = dataset.field(id_field).label_zh
    con.execute(
        f"INSERT INTO staging_issues SELECT _row, ?, 'rejected', ?, NULL FROM staging WHERE {quote(id_field)} IS NULL",
        [id_header, f"缺少{id_label} / missing id"])
    if ts:
        ts_header, ts_label = mapping.headers[ts], dataset.field(ts).label_zh
        value, value_params = masking.sql(quote('raw_' + ts))
        value = f"left({value}, 60)"   # masked whole, then cut: a cut number would escape the masker
        con.execute(
            f"""INSERT INTO staging_issues SELECT _row, ?, 'rejected',
                    CASE WHEN {quote('raw_' + ts)} IS NULL THEN ? ELSE ? END, {value}
                FROM staging WHERE {quote(id_field)} IS NOT NULL AND {quote(ts)} IS NULL""",
            [ts_header, f"缺少{ts_label} / missing {ts}", f"无法识别的{ts_label} / unreadable {ts}", *value_params])
    con.execute(f"""
        INSERT INTO staging_issues
        SELECT _row, ?, 'duplicate', '与第' || keep_row || '行' || ? || '重复（保留文件中最后一次出现） / duplicate id in file, the last occurrence is kept', {quote(id_field)}
        FROM staging JOIN staging_dups USING ({quote(id_field)}) WHERE NOT rejected AND _row < keep_row""",
        [id_header, id_label])
    for f in dataset.fields:
        if f.name not in mapping.columns or f.kind not in cleaning.KIND_WARNING or f.name == ts:
            continue
        zh, en = cleaning.KIND_WARNING[f.kind]
        # a value in the wrong column could be a phone number: the issue keeps it masked
        value, value_params = masking.sql(quote('raw_' + f.name))
        value = f"left({value}, 60)"
        con.execute(
            f"""INSERT INTO staging_issues SELECT _row, ?, 'warning', ?, {value}
                FROM staging WHERE NOT rejected AND {quote('raw_' + f.name)} IS NOT NULL AND {quote(f.name)} IS NULL""",
            [mapping.headers[f.name], f"{zh}，已置空 / {en}, left blank", *value_params])


def _derive_due_at(con, dataset: Dataset, mapping: Mapping, config: dict) -> list[str]:
    """Fill due_at from config time limits where the export has none (work orders only)."""
    if dataset.kind != "work_orders":
        return []
    if not mapping.derive_due_at:
        return []
    categories = [r["category"] for r in rows(con, "SELECT DISTINCT category FROM staging WHERE due_at IS NULL AND NOT rejected")]
    if not categories:
        return []
    limits = duetime.limits_table(config, categories)
    con.register("time_limits", pa.table({
        "category": pa.array([c for c, _, _ in limits], pa.string()),
        "limit_value": pa.array([v for _, v, _ in limits], pa.int64()),
        "limit_unit": pa.array([u for _, _, u in limits], pa.string())}))
    working_counts = {v for _, v, u in limits if u == "working_days"}
    notes = []
    workdays = {"received_date": [], "n": [], "due_date": []}
    if working_counts:
        dates = [r["d"] for r in rows(con, """SELECT DISTINCT CAST(received_at AS DATE) AS d FROM staging s
                                              JOIN time_limits l ON l.category IS NOT DISTINCT FROM s.category
                                              WHERE s.due_at IS NULL AND NOT s.rejected AND l.limit_unit = 'working_days'""")]
        table, fallback = duetime.working_day_table(dates, working_counts)
        for day, n, due in table:
            workdays["received_date"].append(day)
            workdays["n"].append(n)
            workdays["due_date"].append(due)
        if fallback:
            notes.append("部分日期超出节假日日历覆盖年份，按周一至周五计算工作日 / some dates are outside the "
                         "holiday calendar's years: working days counted Monday to Friday")
    con.register("working_days", pa.table({
        "received_date": pa.array(workdays["received_date"], pa.date32()),
        "n": pa.array(workdays["n"], pa.int64()),
        "due_date": pa.array(workdays["due_date"], pa.date32())}))
    con.execute(f"""
        UPDATE {ROWS_TABLE} SET due_at = d.due_at, due_at_derived = true
        FROM (SELECT s._rid, CASE l.limit_unit
                    WHEN 'hours' THEN s.received_at + to_hours(l.limit_value)
                    WHEN 'calendar_days' THEN s.received_at + to_days(CAST(l.limit_value AS INTEGER))
                    ELSE CAST(w.due_date AS TIMESTAMP) + (s.received_at - CAST(CAST(s.received_at AS DATE) AS TIMESTAMP))
                 END AS due_at
              FROM staging s JOIN time_limits l ON l.category IS NOT DISTINCT FROM s.category
              LEFT JOIN working_days w ON w.received_date = CAST(s.received_at AS DATE) AND w.n = l.limit_value
              WHERE s.due_at IS NULL AND NOT s.rejected) d
        WHERE {ROWS_TABLE}.rowid = d._rid""")
    con.unregister("time_limits")
    con.unregister("working_days")
    return notes


def _upsert(con, dataset: Dataset, import_id: int, config: dict) -> dict:
    """Classify kept rows against the table, then write new and changed ones; orders and complaints are
    matched to the registry as they are written."""
    id_field = dataset.id_field
    stored = content_columns(dataset)
    source_expr = {stored_name(dataset, f): quote(f.name) for f in dataset.fields}
    source_expr["due_at_derived"] = "due_at_derived"
    select = ", ".join(f"s.{source_expr[c]} AS {quote(c)}" for c in stored)
    main = dataset.main_timestamp
    old_time = f", t.{quote(main)} AS _old_time" if main else ""
    same = " AND ".join(f"s.{source_expr[c]} IS NOT DISTINCT FROM t.{quote(c)}" for c in stored)
    kept = f"""(SELECT * FROM staging ANTI JOIN staging_dups d
                ON d.{quote(id_field)} = staging.{quote(id_field)} AND staging._row < d.keep_row
                WHERE NOT rejected) s"""
    cols = ", ".join(quote(c) for c in stored)
    resolved, joins, resolved_cols = "", "", ""
    if dataset.kind != "compounds":
        names.register_matches(con, names.registry_keys(con, config),
                               "SELECT DISTINCT compound FROM staging WHERE compound IS NOT NULL")
        resolved, joins = ", " + names.RESOLVED_SQL, names.RESOLVED_JOINS
        resolved_cols = ", " + ", ".join(name for name, _ in RESOLVED_COLUMNS)

    def write(rows_sql: str) -> int:
        """Insert `rows_sql` (the stored columns), matched to the registry; the number of rows written."""
        return scalar(con, f"""INSERT INTO {dataset.table} ({cols}{resolved_cols}, import_id)
                               SELECT {', '.join(f't.{quote(c)}' for c in stored)}{resolved}, ?
                               FROM ({rows_sql}) t {joins}""", [import_id])

    out = {"new": 0, "updated": 0, "unchanged": 0}
    known = scalar(con, f"""SELECT EXISTS (SELECT 1 FROM {dataset.table} t
                                           SEMI JOIN staging s ON t.{quote(id_field)} = s.{quote(id_field)})""")
    if not known:   # only new ids (a new month's export): written straight from staging
        out["new"] = write(f"SELECT {select} FROM {kept}")
        if main:   # the months the rows cover (those of earlier duplicates too: a rebuilt month is still right)
            out["span"] = one(con, f"SELECT min({quote(main)}) AS first, max({quote(main)}) AS last FROM staging "
                                   "WHERE NOT rejected")
    else:
        con.execute(f"""CREATE TEMP TABLE incoming AS
            SELECT {select}, CASE WHEN t.{quote(id_field)} IS NULL THEN 'new' WHEN {same} THEN 'unchanged'
                                  ELSE 'updated' END AS _outcome{old_time}
            FROM {kept}
            LEFT JOIN {dataset.table} t ON t.{quote(id_field)} = s.{quote(id_field)}""")
        counts = {r["_outcome"]: r["n"] for r in rows(con, "SELECT _outcome, count(*) AS n FROM incoming GROUP BY _outcome")}
        out.update({k: int(counts.get(k, 0)) for k in out})
        con.execute(f"DELETE FROM {dataset.table} WHERE {quote(id_field)} IN "
                    f"(SELECT {quote(id_field)} FROM incoming WHERE _outcome = 'updated')")
        write("SELECT * FROM incoming WHERE _outcome IN ('new', 'updated')")
        if main:   # the span of time the written rows cover, old values included: what the rollups rebuild
            out["span"] = one(con, f"""SELECT least(min({quote(main)}), min(_old_time)) AS first,
                                              greatest(max({quote(main)}), max(_old_time)) AS last
                                       FROM incoming WHERE _outcome IN ('new', 'updated')""")
    if dataset.kind != "compounds":
        con.unregister("compound_match")
    return out


def _write_rejections(con, path: Path, folder: Path, import_id: int) -> Path:
    """An Excel list of every rejected, duplicate and warned row: file, row, column, reason."""
    import xlsxwriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = masking.mask_text(path.name)
    out = folder / f"{masking.mask_text(path.stem)}_导入问题_{import_id}.xlsx"
    issues = con.execute("""SELECT row_number, column_name, severity, reason, value FROM staging_issues
                            ORDER BY CASE severity WHEN 'rejected' THEN 0 WHEN 'duplicate' THEN 1 ELSE 2 END, row_number""").fetchall()
    labels = {"rejected": "拒绝导入 rejected", "duplicate": "文件内重复 duplicate", "warning": "警告（已导入） warning"}
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = workbook.add_worksheet("导入问题")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, ["文件 File", "行号 Row", "列 Column", "处理 Outcome", "原因 Reason", "原值 Value"], bold)
    for i, (row_number, column, severity, reason, value) in enumerate(issues, start=1):
        sheet.write_string(i, 0, name)
        sheet.write_number(i, 1, row_number)
        sheet.write_string(i, 2, column or "")
        sheet.write_string(i, 3, labels[severity])
        sheet.write_string(i, 4, reason)
        sheet.write_string(i, 5, _spreadsheet_safe(value))
    sheet.set_column(0, 0, 28)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 4, 40)
    workbook.close()
    return out


def _spreadsheet_safe(value) -> str:
    """Text that a spreadsheet would run as a formula is written with a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
