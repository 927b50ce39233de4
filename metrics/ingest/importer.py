"""Importing one export file: every row read is new, updated, unchanged, a duplicate in the file,
or rejected with its reason, and a file that cannot be imported leaves the database as it was."""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa

from metrics import hot, masking, names, rollup
from metrics.db import one, quote, rows, scalar
from metrics.formulas import inert
from metrics.ingest import cleaning, duetime
from metrics.ingest.filenames import path_parts, shown_name
from metrics.ingest.header_profiles import Mapping, column_letter, header_score_for, match_profile, shown_header
from metrics.ingest.limits import too_large
from metrics.ingest.readers import ROWS_TABLE, SOURCE, ImportFailure, copy_rows, read_into, release
from metrics.places import place_filter, write_place
from metrics.schema import DATASETS, IMPORT_CHECKS, RESOLVED_COLUMNS, Dataset, content_columns, stored_name
from store import describe, disk_full

MAX_ISSUES_KEPT = 100_000
LOG = logging.getLogger("metrics.ingest.importer")
TOP_REASONS = 5

# Orderings no real order has: (check, the later field, the field it cannot precede). The row is kept with a
# warning; its duration is kept out of every time statistic (rollup.CLOSE_HOURS).
ORDERINGS = (
    ("closed_before_received", "closed_at", None),     # None: the dataset's main timestamp
    ("due_before_received", "due_at", None),
    ("revisit_before_close", "revisited_at", "closed_at"),
)


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
    checks: dict[str, int] = field(default_factory=dict)        # IMPORT_CHECKS -> count
    unmapped_columns: list[str] = field(default_factory=list)   # columns of the file no field took
    missing_fields: list[str] = field(default_factory=list)     # fields the profile expected, not in the file
    rejection_reasons: list[tuple[str, int]] = field(default_factory=list)   # most frequent first
    mostly_rejected: bool = False            # all rows, or more than import_checks.max_rejected_share
    registry_conflicts: list[dict] = field(default_factory=list)   # names.registry_conflicts, after a registry
    derived_due: int = 0                     # orders whose deadline came from config.yaml time_limits
    derived_due_rules: list[dict] = field(default_factory=list)   # per rule: category (None: default), value,
                                                                  # unit, orders; the default first
    published: bool = True                   # False: committed, but the write's snapshot failed (store.NotPublished)
    not_published: str | None = None         # why not, "中文 / English"
    not_audited: str | None = None           # committed, but its audit entry could not be written (why)

    def accounted(self) -> bool:
        return self.rows_read == (self.rows_new + self.rows_updated + self.rows_unchanged
                                  + self.rows_duplicate + self.rows_rejected)


# What an import may add to the database's disk beyond the database as it is (store.space_needed adds the
# database, its WAL and a margin), per byte of the file: its rows written into the database and copied into the
# snapshot. A CSV's text takes at most its own size in DuckDB (compressed; measured: 20.7 MB of CSV, 100,000
# orders, grew the database by 4 MB); an xlsx is zipped XML, its text about 5 times the file, and measured
# 7.1 MB of xlsx grew it by 1.5 MB: twice a CSV, five times a workbook, with room to spare.
SPACE_PER_BYTE = {".xlsx": 5, ".xlsm": 5, ".xls": 5}
SPACE_PER_BYTE_TEXT = 2


def space_for_sizes(files) -> int:
    """The disk space an import of files (name, size in bytes) may take beyond the database (SPACE_PER_BYTE)."""
    return sum(SPACE_PER_BYTE.get(Path(name).suffix.lower(), SPACE_PER_BYTE_TEXT) * size for name, size in files)


def space_for(paths) -> int:
    """space_for_sizes of files on disk; a file that does not exist counts nothing (it fails alone)."""
    found = []
    for path in map(Path, paths):
        try:
            found.append((path.name, path.stat().st_size))
        except OSError:
            continue
    return space_for_sizes(found)


def next_import_id(con) -> int:
    """One above the highest import id the database holds and the highest the audit log ever named (the store's
    writer tells the connection: store.IMPORT_ID_FLOOR), so an id is never given twice, even after a restore."""
    held = scalar(con, "SELECT max(import_id) FROM import_log") or 0
    floor = scalar(con, "SELECT getvariable('dashboard_import_id_floor')") or 0
    return max(int(held), int(floor)) + 1


def mark_unpublished(result: ImportResult, cause: BaseException) -> None:
    """Mark a committed import whose write could not publish its snapshot, saying why and what happens next."""
    zh, en = describe(cause)
    result.published = False
    result.not_published = (f"已导入并提交（导入编号 {result.import_id}），但快照未能发布（{zh}），看板暂不显示；下次启动或"
                            f"写入时自动发布 / imported and committed (import {result.import_id}), but the snapshot "
                            f"could not be published ({en}): pages do not show it yet; it is published at the next "
                            "start or write")


def mark_unaudited(result: ImportResult, cause: BaseException) -> None:
    """Mark a committed import whose audit entry could not be written (a full disk): the write's marker stays,
    and the next start or write enters it (store._recover)."""
    zh, en = describe(cause)
    result.not_audited = (f"导入编号 {result.import_id} 已提交，但审计记录未能写入（{zh}）；下次启动或写入时补记 / import "
                          f"{result.import_id} is committed, but its audit entry could not be written ({en}); it is "
                          "written at the next start or write")


_HASHER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-sha256")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_files(con, kind: str, paths, config: dict, *, names=None, profile: str | None = None,
                 rejection_dir: Path | None = None, progress=None, scope=None,
                 actor: str | None = None) -> list[ImportResult | ImportFailure]:
    """Import several files, each atomically; a failed file is returned as its ImportFailure. `names`: the
    names the user knows the files by, when the paths carry other (safe) names (an upload's temporary copy).
    `scope` and `actor` as import_file's."""
    results = []
    names = list(names) if names is not None else [None] * len(paths)
    for i, (path, name) in enumerate(zip(paths, names)):
        if progress:
            progress(i, len(paths), shown_name(name if name is not None else Path(path).name))
        try:
            results.append(import_file(con, kind, path, config, name=name, profile=profile,
                                       rejection_dir=rejection_dir, scope=scope, actor=actor))
        except ImportFailure as failure:
            results.append(failure)
    return results


class DateWindow(NamedTuple):
    """The dates an export can hold: from `low` to `high`; a deadline (AHEAD_FIELDS) up to `ahead`."""
    low: dt.datetime
    high: dt.datetime
    ahead: dt.datetime

    def of(self, field_name: str) -> tuple[dt.datetime, dt.datetime]:
        return (self.low, self.ahead if field_name in AHEAD_FIELDS else self.high)


AHEAD_FIELDS = ("due_at",)   # a deadline lies ahead of the export by nature: an open order's is days or weeks away


def plausible_window(config: dict, imported_at: dt.datetime) -> DateWindow:
    """The dates an export can hold: from import_checks.earliest_date to the import's own time plus
    latest_days_ahead days (an export cannot speak of next year; an Excel serial 99999 is 2173); a deadline (办结时限)
    up to deadline_days_ahead days after the import (an open order's deadline is ahead of the export that carries
    it, and blanking it would put a derived one in its place)."""
    checks = config.get("import_checks") or {}
    earliest = checks.get("earliest_date", dt.date(2000, 1, 1))
    if isinstance(earliest, str):
        earliest = dt.date.fromisoformat(earliest)
    if not isinstance(earliest, dt.datetime):
        earliest = dt.datetime.combine(earliest, dt.time())
    return DateWindow(earliest, imported_at + dt.timedelta(days=checks.get("latest_days_ahead", 1)),
                      imported_at + dt.timedelta(days=checks.get("deadline_days_ahead", 366)))


def import_file(con, kind: str, path, config: dict, *, name: str | None = None, profile: str | None = None,
                rejection_dir: Path | None = None, imported_at: dt.datetime | None = None, scope=None,
                actor: str | None = None) -> ImportResult:
    """`imported_at` is the import's own time (now unless given): the import log records it and the
    plausible window of dates ends a day after it. `name` is the file's name as the user gave it (default:
    the path's): messages and the import log say it; the rejection file is named from it, made safe.
    A file over the per-file upload limit (config.yaml uploads.file_mb) fails before it is read.

    `scope` confines the import to a street (and community): an account (anything with `street` and
    `community`, as access.Account) or a (street, community) pair; None or a district account imports
    everything. Rows outside it are rejected (OUTSIDE_REASON, see _mark_outside), the others import. `actor`
    is who imports (a login; default the scope's `login`, if it has one): the import log keeps it with the
    scope, and the import history and undo are confined by them (docs/access.md)."""
    imported_at = imported_at or dt.datetime.now()
    place = write_place(scope)
    actor = actor if actor is not None else getattr(scope, "login", None)
    window = plausible_window(config, imported_at)
    if kind not in DATASETS:
        raise ImportFailure(f"未知的数据类型 {kind} / unknown kind (compounds, work_orders, complaints)")
    dataset = DATASETS[kind]
    path = Path(path)
    shown = shown_name(name if name is not None else path.name)
    if path.is_file() and (refused := too_large(shown, path.stat().st_size, config)):
        raise ImportFailure(masking.mask_message(refused))
    rejection_path = raw = None
    # the file's fingerprint is taken beside the import (hashing lets go of the interpreter lock)
    hashing = _HASHER.submit(file_sha256, path) if path.exists() else None
    committed = False
    try:
        con.execute("BEGIN TRANSACTION")
        raw = read_into(con, path, header_score_for(config, kind))
        mapping = match_profile(config, kind, raw.headers, shown, profile)
        _type_staging(con, raw, dataset, mapping, config, window, place)
        rows_read = scalar(con, "SELECT count(*) FROM staging") + len(raw.ragged) + len(raw.stray)
        unmapped = unmapped_columns(con, raw, mapping)
        _record_issues(con, dataset, mapping, window)
        if place is not None:
            _record_outside(con, dataset, mapping)
        _record_ragged(con, raw)
        _record_stray(con, raw)
        derive_notes, derived_rules = _derive_due_at(con, dataset, mapping, config)
        notes = raw.notes + derive_notes
        import_id = next_import_id(con)
        counts = _upsert(con, dataset, import_id, config)
        if kind == "work_orders" and "closed_at" not in mapping.columns:
            notes.append(_no_close_note(counts["new"] + counts["updated"] + counts["unchanged"]))
        _record_fields(con, import_id, mapping)
        conflicts = []
        if kind == "compounds":   # a registry can move every order and complaint to another compound
            names.resolve_compounds(con, config)
            conflicts, outside = names.registry_conflicts(con, config), []
            if place is not None:   # an account of one street is told of its own compounds only, naming no other
                conflicts, outside = _conflicts_in(con, conflicts, place)
            notes += [names.conflict_note(c) for c in conflicts] + [_outside_conflict_note(c) for c in outside]
        span = counts.get("span") or {}
        rollup.refresh(con, kind, span.get("first"), span.get("last"))
        refresh_hot(con, kind, import_id, config)
        issue_counts = one(con, """SELECT count(*) FILTER (severity = 'rejected') AS rejected,
                                          count(*) FILTER (severity = 'duplicate') AS duplicate,
                                          count(*) FILTER (severity = 'warning') AS warnings FROM staging_issues""")
        checks = _check_counts(con)
        reasons = [(r["reason"], int(r["n"])) for r in rows(con, """
            SELECT reason, count(*) AS n FROM staging_issues WHERE severity = 'rejected'
            GROUP BY reason ORDER BY n DESC, reason LIMIT ?""", [TOP_REASONS])]
        share = (config.get("import_checks") or {}).get("max_rejected_share", 0.5)
        rejected = issue_counts["rejected"]
        if issue_counts["rejected"] or issue_counts["duplicate"] or issue_counts["warnings"]:
            rejection_path = _write_rejections(con, shown, rejection_dir or path.parent, import_id)
        result = ImportResult(
            file=masking.mask_text(shown), kind=kind, profile=mapping.profile, import_id=import_id, rows_read=rows_read,
            rows_new=counts["new"], rows_updated=counts["updated"], rows_unchanged=counts["unchanged"],
            rows_duplicate=issue_counts["duplicate"], rows_rejected=issue_counts["rejected"],
            warnings=issue_counts["warnings"], rejection_file=str(rejection_path) if rejection_path else None,
            columns=mapping.headers, notes=notes, checks=checks, unmapped_columns=unmapped,
            missing_fields=mapping.missing, rejection_reasons=reasons, registry_conflicts=conflicts,
            mostly_rejected=bool(rows_read) and (rejected == rows_read or rejected > share * rows_read),
            derived_due=sum(r["orders"] for r in derived_rules), derived_due_rules=derived_rules,
        )
        if not result.accounted():
            raise ImportFailure(f"{shown}: 行数核对不平 / row accounting does not balance: {result}")
        logged = ["import_id", "kind", "file_name", "file_sha256", "profile", "imported_at", "rows_read", "rows_new",
                  "rows_updated", "rows_unchanged", "rows_duplicate", "rows_rejected", "warnings", "rejection_file",
                  *IMPORT_CHECKS, "unmapped_columns", "missing_fields", "due_derived", "imported_by", "scope_street",
                  "scope_community"]
        con.execute(
            f"INSERT INTO import_log ({', '.join(logged)}) VALUES ({', '.join('?' for _ in logged)})",
            [import_id, kind, result.file, hashing.result(), mapping.profile, imported_at,
             rows_read, result.rows_new, result.rows_updated, result.rows_unchanged, result.rows_duplicate,
             result.rows_rejected, result.warnings, result.rejection_file,
             *(checks[c] for c in IMPORT_CHECKS), unmapped, result.missing_fields,
             result.derived_due if kind == "work_orders" else None, actor, *(place or (None, None))],
        )
        con.execute(
            "INSERT INTO import_issues SELECT ?, row_number, column_name, severity, reason, value "
            "FROM staging_issues ORDER BY row_number LIMIT ?", [import_id, MAX_ISSUES_KEPT])
        con.execute("INSERT OR REPLACE INTO meta VALUES ('latest_import_at', ?)", [str(imported_at)])
        con.execute("COMMIT")
        committed = True
        return result
    except Exception as exc:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass   # a failed COMMIT (a full disk) ended the transaction itself: its error is the one to tell
        if rejection_path and Path(rejection_path).exists():
            Path(rejection_path).unlink()
        # a reader's or the database's error may quote a whole row of the file: said masked, without its cause;
        # a reader names the path, which may be an upload's safe copy: the user knows the file as `shown`
        if isinstance(exc, ImportFailure):
            message = str(exc)
        elif disk_full(exc):
            message = (f"{shown}: 磁盘空间不足，导入未提交，数据库未改变 / not enough disk space: the import was not "
                       f"committed, the database is unchanged ({str(exc).splitlines()[0]})")
        else:
            message = f"{shown}: 导入失败，数据库未改变 / import failed, database unchanged: {exc}"
        if path.name != shown:
            message = message.replace(path.name, shown)
        raise ImportFailure(masking.mask_message(message)) from None
    finally:
        # temporary tables only: a failure to drop them (a database a full disk invalidated) must not turn a
        # committed import into a failure, nor hide why an import failed
        try:
            release(con, raw)
            for table in ("staging_dups", "staging_issues", "incoming", "staging_outside"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
        except duckdb.Error as exc:
            LOG.warning("%s: staging tables not dropped after the import (%s): %s", shown,
                        "committed" if committed else "not committed", exc)


def refresh_hot(con, kind: str, import_id: int | None, config: dict) -> None:
    """Keep the hot-issue tables (metrics.hot) up to date inside the import's transaction: an order import's
    written orders (new and updated: they carry its import_id) are read; a registry import can move orders to
    another compound and bring names the dictionary did not know, so everything is compared; complaints are
    compared when their table has a text (complaint counts are read live). `import_id` None (an undo): everything."""
    if kind == "work_orders" and import_id is not None:
        written = [r[0] for r in con.execute("SELECT order_id FROM work_orders WHERE import_id = ?",
                                             [import_id]).fetchall()]
        hot.refresh(con, config, written)
    elif kind != "complaints" or hot.store.text_sql(con, "complaints"):
        hot.refresh(con, config)


def _type_staging(con, raw, dataset: Dataset, mapping: Mapping, config: dict,
                  window: DateWindow | None = None,
                  place: tuple[str, str | None] | None = None) -> None:
    """staging: _row, the typed value of every mapped field (NULL when absent) and, where a warning or a
    rejection must tell a bad value from a blank one, its trimmed text when it could not be read or fell
    outside the plausible window of dates (raw_*). Ids are normalised (cleaning.normalised_id).

    The inner query trims each cell once; the middle one types the trimmed text; the outer one keeps dates
    inside `window` (plausible_window; now's when not given), so the file is read once, straight into its
    typed copy, and no expression is evaluated twice. With `place` (write_place), rows outside it are rejected
    too (_mark_outside), before duplicates are looked for: each row of the file is judged on its own."""
    window = window or plausible_window(config, dt.datetime.now())
    low, high = window.low, window.high
    select = ["_row"]
    inner = select + [f"{masking.needle(f'c{i}')} AS p{i}" for i in mapping.personal]
    params, checked, checked_params, inner_params = [], [], [], []
    personal = [f"p{i}" for i in mapping.personal]
    for f in dataset.fields:
        pos = mapping.columns.get(f.name)
        raw_name, name = quote("raw_" + f.name), quote(f.name)
        cell = cleaning.raw_text(f"c{pos}") if pos is not None else "CAST(NULL AS VARCHAR)"
        if pos is not None and f.name in cleaning.PLACE_FIELDS and dataset.kind in cleaning.PLACE_DATASETS:
            cell, p = cleaning.unknown_place(cell, config.get("unknown_places"))   # "Unspecified" is no place
            inner_params += p
        inner.append(f"{cell} AS {raw_name}")
        # a platform's id is normalised; text people type (a registry's compound name too) is masked
        if (f.kind == "id" and not f.masked) or f.name in LINKED_IDS.get(dataset.kind, ()):
            sql, p = cleaning.normalised_id(raw_name)
            select.append(f"{sql} AS {name}")
            params += p
            continue
        text, p = masking.sql(raw_name, personal) if f.masked else (raw_name, [])
        if f.kind in ("id", "text"):  # the trimmed (masked) text is the value: no second copy of the column
            select.append(f"{text} AS {name}")
            params += p
            continue
        vocab = mapping.values.get("boolean") if f.kind == "bool" else mapping.values.get(f.vocab or "")
        sql, typed_params = cleaning.typed(f.kind, text, vocab, mapping.date_formats)
        p = p + typed_params
        dated = f.kind in DATED
        span = list(window.of(f.name))
        if f.kind in cleaning.KIND_WARNING or f.name == dataset.main_timestamp:
            select.append(raw_name)  # kept to tell a bad value (warning) from a blank one
            bad = f"{name} IS NULL" + (f" OR NOT {name} BETWEEN ? AND ?" if dated else "")
            checked.append(f"CASE WHEN {bad} THEN {raw_name} END AS {raw_name}")
            checked_params += span if dated else []
        if dated:
            checked.append(f"CASE WHEN {name} BETWEEN ? AND ? THEN {name} END AS {name}")
            checked_params += span
        select.append(f"CAST({sql} AS {_sql_type(f.kind)}) AS {name}")
        params += p
    id_field, ts = quote(dataset.id_field), dataset.main_timestamp
    rejected = f"{id_field} IS NULL" + (f" OR NOT coalesce({quote(ts)} BETWEEN ? AND ?, false)" if ts else "")
    checked_params += [low, high] if ts else []
    derived = ", false AS due_at_derived" if dataset.kind == "work_orders" else ""
    # the text of a typed value is kept only where it could not be read (a million copies of good dates cost)
    copy_rows(con, raw, f"""SELECT * REPLACE ({', '.join(checked)}), ({rejected}) AS rejected{derived}
        FROM (SELECT {', '.join(select)} FROM (SELECT {', '.join(inner)} FROM {SOURCE}))""",
              checked_params + params + inner_params)
    if place is not None:
        _mark_outside(con, dataset, config, place, mapping)
    # ids the file carries more than once, with the row kept: the last (earlier ones are duplicates)
    con.execute(f"""CREATE TEMP TABLE staging_dups AS SELECT {id_field}, max(_row) AS keep_row FROM staging
                    WHERE NOT rejected GROUP BY {id_field} HAVING count(*) > 1""")


OUTSIDE_REASON = "不在本账号范围 / outside this account's scope"
WHOLE_ROW = "(整行 / whole row)"


def _mark_outside(con, dataset: Dataset, config: dict, place: tuple[str, str | None], mapping: Mapping) -> None:
    """Reject the rows of a file confined to `place` (a street account's import) that lie outside it, into
    staging_outside (_rid, _row, column_name) for _record_outside. Outside:
    - the row's place as it would be stored: for orders and complaints the street and community after matching to
      the registry (the export's, else the matched registry compound's: names.RESOLVED_SQL), for the registry its
      own columns. A row with no street (or, for a community account, no community) cannot be placed: it could be
      anyone's, and it is rejected;
    - or the row updates an order, complaint or registry compound already stored whose stored street (community)
      lies outside: an export that claims the account's street cannot rewrite another street's record.
    Every such row gets the one reason OUTSIDE_REASON, named by the street column (the id column when only the
    stored record is outside), never with a stored value: the rejection says nothing of another street's data, and
    a place the registry puts elsewhere reads the same as one nobody knows."""
    id_field = quote(dataset.id_field)
    if dataset.kind == "compounds":
        resolved = "SELECT _rid, street, community FROM staging WHERE NOT rejected"
    else:
        names.register_matches(con, names.registry_keys(con, config),
                               "SELECT compound, count(*) FROM staging WHERE compound IS NOT NULL AND NOT rejected "
                               "GROUP BY compound")
        resolved = f"""SELECT t._rid, {names.RESOLVED_SQL}
                       FROM (SELECT _rid, street AS street_export, community AS community_export,
                                    compound AS compound_raw FROM staging WHERE NOT rejected) t
                       {names.RESOLVED_JOINS}"""
    row_inside, params = place_filter("r", place)
    stored_inside, _ = place_filter("t", place)
    place_column = next((mapping.headers[f] for f in ("street", "community", "compound") if f in mapping.headers),
                        WHOLE_ROW)
    con.execute(f"""CREATE TEMP TABLE staging_outside AS
        SELECT s._rid, s._row, CASE WHEN NOT {row_inside} THEN $place_column ELSE $id_column END AS column_name
        FROM staging s JOIN ({resolved}) r USING (_rid)
        WHERE NOT {row_inside}
           OR EXISTS (SELECT 1 FROM {dataset.table} t WHERE t.{id_field} = s.{id_field} AND NOT {stored_inside})""",
                {**params, "place_column": place_column, "id_column": mapping.headers[dataset.id_field]})
    if dataset.kind != "compounds":
        con.unregister("compound_match")
    con.execute(f"UPDATE {ROWS_TABLE} SET rejected = true WHERE rowid IN (SELECT _rid FROM staging_outside)")


def _record_outside(con, dataset: Dataset, mapping: Mapping) -> None:
    """The rows _mark_outside rejected, in staging_issues: row number, column, OUTSIDE_REASON, no value."""
    con.execute("""INSERT INTO staging_issues SELECT _row, column_name, 'rejected', ?, NULL, 'outside_scope'
                   FROM staging_outside""", [OUTSIDE_REASON])


def _conflicts_in(con, conflicts: list[dict], place: tuple[str, str | None]) -> tuple[list[dict], list[dict]]:
    """names.registry_conflicts as an account of `place` may hear of them: (those whose compounds all lie inside,
    those with a compound inside and one outside); conflicts among compounds outside it are not its business."""
    if not conflicts:
        return [], []
    inside_sql, params = place_filter("c", place)
    inside = {r["compound_name"] for r in rows(con, f"SELECT compound_name FROM compounds c WHERE {inside_sql}", params)}
    own, mixed = [], []
    for c in conflicts:
        claimants = set(c["claims"])
        if claimants <= inside:
            own.append(c)
        elif claimants & inside:
            mixed.append({"inside": sorted(claimants & inside)})
    return own, mixed


def _outside_conflict_note(conflict: dict) -> str:
    """A registry conflict between a compound of the account's scope and one outside it, naming only its own."""
    own = "、".join(conflict["inside"])
    return (f"台账中{own}与本账号范围外的一个小区归一后是同一名称，写作它的工单和投诉可能不能匹配到{own}：请改名，或请区级管理员"
            f"处理 / the registry name {', '.join(conflict['inside'])} normalises to the same name as a compound "
            "outside this account's scope: orders and complaints that write it may not match it; rename it, or ask a "
            "district admin")


def _record_fields(con, import_id: int, mapping: Mapping) -> None:
    """The fields this import's file carried, so a KPI whose input no file carried is null rather than 0
    (a file without 回访结果 did not revisit nothing); read by metrics.rollup before the rollups are built."""
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [rollup.FIELDS_KEY.format(import_id=import_id), ",".join(sorted(mapping.columns))])


DATED = ("timestamp", "date")
LINKED_IDS = {"complaints": ("order_id",)}   # another dataset's id, normalised the same way so it links


def _sql_type(kind: str) -> str:
    from metrics.schema import SQL_TYPES
    return SQL_TYPES[kind]


def _window_text(span: tuple[dt.datetime, dt.datetime]) -> tuple[str, str]:
    low, high = span
    return (f"{low:%Y-%m-%d} 至 {high:%Y-%m-%d %H:%M}", f"{low:%Y-%m-%d} to {high:%Y-%m-%d %H:%M}")


def _record_issues(con, dataset: Dataset, mapping: Mapping, window) -> None:
    """staging_issues: one row per rejected row, duplicate row, nulled optional value and impossible
    ordering, with check_name saying which rule it is (counted per import in IMPORT_CHECKS)."""
    con.execute("""CREATE TEMP TABLE staging_issues (row_number BIGINT, column_name VARCHAR,
                   severity VARCHAR, reason VARCHAR, value VARCHAR, check_name VARCHAR)""")
    id_field, ts = dataset.id_field, dataset.main_timestamp
    id_header = mapping.headers[id_field]
    id_label = dataset.field(id_field).label_zh
    con.execute(
        f"INSERT INTO staging_issues SELECT _row, ?, 'rejected', ?, NULL, 'missing' FROM staging "
        f"WHERE {quote(id_field)} IS NULL", [id_header, f"缺少{id_label} / missing {dataset.field(id_field).named_en}"])

    def dated_issues(f, severity: str, where: str, blanked: str) -> None:
        """Rows whose date in field f is missing, unreadable or outside the window, told apart by reading
        the kept text again; the value shows the text (masked whole, then cut: a cut number would escape the
        masker) and the date it was read as."""
        raw = quote("raw_" + f.name)
        value, value_params = masking.sql("raw")
        value = f"left({value}, 60)"
        parsed, parsed_params = cleaning.typed(f.kind, raw, formats=mapping.date_formats)
        span_zh, span_en = _window_text(window.of(f.name))
        shown = "%Y-%m-%d" if f.kind == "date" else "%Y-%m-%d %H:%M:%S"
        con.execute(
            f"""INSERT INTO staging_issues
                SELECT _row, ?, ?, CASE WHEN raw IS NULL THEN ? WHEN parsed IS NULL THEN ? ELSE ? END,
                       {value} || CASE WHEN parsed IS NOT NULL
                           THEN ' → ' || strftime(CAST(parsed AS TIMESTAMP), '{shown}') ELSE '' END,
                       CASE WHEN raw IS NULL THEN 'missing' WHEN parsed IS NULL THEN 'unreadable' ELSE 'out_of_window' END
                FROM (SELECT _row, {raw} AS raw, {parsed} AS parsed FROM staging WHERE {where})""",
            [mapping.headers[f.name], severity, f"缺少{f.label_zh} / missing {f.named_en}",
             f"{cleaning.KIND_WARNING[f.kind][0] if severity == 'warning' else '无法识别的' + f.label_zh}{blanked[0]} / "
             f"{cleaning.KIND_WARNING[f.kind][1] if severity == 'warning' else 'unreadable ' + f.named_en}{blanked[1]}",
             f"{f.label_zh}超出合理范围（{span_zh}）{blanked[0]} / {f.named_en} outside the plausible range ({span_en}){blanked[1]}",
             *value_params, *parsed_params])

    if ts:
        dated_issues(dataset.field(ts), "rejected",
                     f"{quote(id_field)} IS NOT NULL AND {quote(ts)} IS NULL", ("", ""))
    con.execute(f"""
        INSERT INTO staging_issues
        SELECT _row, ?, 'duplicate', '与第' || keep_row || '行' || ? || '重复（保留文件中最后一次出现） / duplicate id in file, the last occurrence is kept', {quote(id_field)}, 'duplicate'
        FROM staging JOIN staging_dups USING ({quote(id_field)}) WHERE NOT rejected AND _row < keep_row""",
        [id_header, id_label])
    for f in dataset.fields:
        if f.name not in mapping.columns or f.kind not in cleaning.KIND_WARNING or f.name == ts:
            continue
        where = f"NOT rejected AND {quote('raw_' + f.name)} IS NOT NULL AND {quote(f.name)} IS NULL"
        if f.kind in DATED:
            dated_issues(f, "warning", where, ("，已置空", ", left blank"))
            continue
        zh, en = cleaning.KIND_WARNING[f.kind]
        # a value in the wrong column could be a phone number: the issue keeps it masked
        value, value_params = masking.sql(quote('raw_' + f.name))
        value = f"left({value}, 60)"
        con.execute(
            f"""INSERT INTO staging_issues SELECT _row, ?, 'warning', ?, {value}, 'unreadable'
                FROM staging WHERE {where}""",
            [mapping.headers[f.name], f"{zh}，已置空 / {en}, left blank", *value_params])
    _record_orderings(con, dataset, mapping)


def _record_orderings(con, dataset: Dataset, mapping: Mapping) -> None:
    """Warnings for orderings no real record has; the row and its values are kept as exported."""
    present = {f.name for f in dataset.fields if f.name in mapping.columns}
    stamp = "strftime({}, '%Y-%m-%d %H:%M')"
    for check, later, earlier in ORDERINGS:
        earlier = earlier or dataset.main_timestamp
        if later not in present or earlier not in present:
            continue
        a, b = dataset.field(later), dataset.field(earlier)
        con.execute(
            f"""INSERT INTO staging_issues SELECT _row, ?, 'warning', ?,
                       {stamp.format(quote(later))} || ' < ' || {stamp.format(quote(earlier))}, ?
                FROM staging WHERE NOT rejected AND {quote(later)} < {quote(earlier)}""",
            [mapping.headers[later], f"{a.label_zh}早于{b.label_zh}（已导入，不计入办结用时） / {a.named_en} before {b.named_en} "
             "(imported, kept out of time statistics)", check])
    revisit = [n for n in ("revisited_at", "revisit_result") if n in present]
    if "closed_at" in present and revisit:   # a revisit (a time or an answer) on an order not closed
        shown = " ".join(f"WHEN {quote(n)} IS NOT NULL THEN {stamp.format(quote(n)) if n == 'revisited_at' else quote(n)}"
                         for n in revisit)
        con.execute(
            f"""INSERT INTO staging_issues SELECT _row, ?, 'warning', ?, CASE {shown} END, 'revisit_while_open'
                FROM staging WHERE NOT rejected AND closed_at IS NULL
                  AND ({' OR '.join(f'{quote(n)} IS NOT NULL' for n in revisit)})""",
            [mapping.headers[revisit[0]], "未办结的工单有回访（已导入，不计入回访） / revisit on an order not closed "
             "(imported, not counted as a revisit)"])


def _check_counts(con) -> dict[str, int]:
    """The import's IMPORT_CHECKS counts, from staging_issues."""
    counted = {"out_of_window_rejected": "severity = 'rejected' AND check_name = 'out_of_window'",
               "out_of_window_blanked": "severity = 'warning' AND check_name = 'out_of_window'"}
    filters = [counted.get(c, f"check_name = '{c}'") for c in IMPORT_CHECKS]
    found = con.execute("SELECT " + ", ".join(f"count(*) FILTER ({w})" for w in filters) + " FROM staging_issues").fetchone()
    return dict(zip(IMPORT_CHECKS, (int(n) for n in found)))


def unmapped_columns(con, raw, mapping: Mapping) -> list[str]:
    """The file's columns no field took (personal-data columns aside): named ones by their header (by their
    letter where the header holds personal data: shown_header), and columns with data under a blank header cell
    (a merged header, a header left empty) by their letter."""
    used = set(mapping.columns.values()) | set(mapping.personal)
    out = [shown_header(h, i) for i, h in enumerate(raw.headers) if i not in used and h]
    blank = [i for i, h in enumerate(raw.headers) if i not in used and not h]
    if blank:   # read once more for those columns only: does any line below the header carry data?
        found = con.execute(f"SELECT {', '.join(f'count(NULLIF(trim(c{i}), {chr(39)}{chr(39)}))' for i in blank)} "
                            f"FROM {SOURCE}").fetchone()   # the file's data rows only
        out += [f"{column_letter(i)}列（无表头） / column {column_letter(i)} (no header)"
                for i, n in zip(blank, found) if n]
    return out


def _record_ragged(con, raw) -> None:
    """Rows whose cell count differs from the header's: rejected whole, as a shifted row would store a value
    under the wrong column."""
    if raw.ragged:
        expected = len(raw.headers)
        con.executemany(
            "INSERT INTO staging_issues VALUES (?, '(整行 / whole row)', 'rejected', ?, NULL, 'ragged_row')",
            [[row, f"本行有{cells}个单元格，表头有{expected}列 / the row has {cells} cells, the header has {expected}"]
             for row, cells in raw.ragged])


def _record_stray(con, raw) -> None:
    """Rows where a stray quote opened a cell that swallowed the lines after it: rejected whole (the cell is
    made of other rows, names and phones of their personal columns among them), named by row and column, never
    by their content. The swallowed lines were read again as rows of their own (metrics.ingest.readers)."""
    if raw.stray:
        def column(position: int) -> str:
            header = raw.headers[position] if position < len(raw.headers) else ""
            if header:
                return shown_header(header, position)
            return f"{column_letter(position)}列 / column {column_letter(position)}"

        con.executemany(
            "INSERT INTO staging_issues VALUES (?, ?, 'rejected', ?, NULL, 'unclosed_quote')",
            [[row, column(position), f"未闭合的引号：从第{row}行起的单元格吞并了其后的{lines:,}行（其后各行已单独读取） / "
              f"an unclosed quote: the cell from row {row} on swallowed the {lines:,} lines after it (those lines "
              "were read on their own)"] for row, position, lines in raw.stray])


def _no_close_note(orders: int) -> str:
    """What the import assumed of a work-order file without 办结时间: no order of it is closed."""
    return f"文件中没有办结时间列：{orders:,}件全部按在办计 / the file has no close-time column: all {orders:,} orders count as open"


UNIT_WORDS = {"hours": ("小时", "hours"), "calendar_days": ("个自然日", "calendar days"),
              "working_days": ("个工作日", "working days")}


def _derived_note(rules: list[dict]) -> str:
    """How many deadlines the import derived, by which rule: a deadline it made up is said, not hidden."""
    total = sum(r["orders"] for r in rules)
    zh, en = [], []
    for r in rules:
        unit_zh, unit_en = UNIT_WORDS[r["unit"]]
        zh.append(f"{r['category'] or '默认'}{r['value']}{unit_zh}：{r['orders']:,}件")
        en.append(f"{r['category'] or 'default'} {r['value']} {unit_en}: {r['orders']:,}")
    return (f"办结时限按规则推算：{total:,}件（{'；'.join(zh)}） / deadlines derived by rule (config.yaml time_limits): "
            f"{total:,} orders ({'; '.join(en)})")


def _derived_rules(con, dataset: Dataset, config: dict) -> list[dict]:
    """The orders of the file (earlier duplicates aside) whose deadline was derived, per time_limits rule: the
    default first, then the categories' rules by their count."""
    id_field = quote(dataset.id_field)
    by_rule = {}
    for r in rows(con, f"""SELECT category, count(*) AS n FROM staging s ANTI JOIN staging_dups d
                           ON d.{id_field} = s.{id_field} AND s._row < d.keep_row
                           WHERE s.due_at_derived AND NOT s.rejected GROUP BY category"""):
        own = r["category"] in ((config["time_limits"].get("by_category") or {}))
        limit = duetime.time_limit(config, r["category"])
        key = (r["category"] if own else None, int(limit["value"]), limit["unit"])
        by_rule[key] = by_rule.get(key, 0) + int(r["n"])
    ordered = sorted(by_rule.items(), key=lambda kv: (kv[0][0] is not None, -kv[1], kv[0][0] or ""))
    return [{"category": c, "value": v, "unit": u, "orders": n} for (c, v, u), n in ordered]


def _derive_due_at(con, dataset: Dataset, mapping: Mapping, config: dict) -> tuple[list[str], list[dict]]:
    """Fill due_at from config time limits where the export has none (work orders only); the notes to show
    (how many were derived, by which rule) and the count per rule (_derived_rules)."""
    if dataset.kind != "work_orders":
        return [], []
    if not mapping.derive_due_at:
        return [], []
    categories = [r["category"] for r in rows(con, "SELECT DISTINCT category FROM staging WHERE due_at IS NULL AND NOT rejected")]
    if not categories:
        return [], []
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
    rules = _derived_rules(con, dataset, config)
    return [_derived_note(rules)] + notes if rules else notes, rules


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
                               "SELECT compound, count(*) FROM staging WHERE compound IS NOT NULL AND NOT rejected "
                               "GROUP BY compound")
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
        if out["updated"]:
            _keep_replaced(con, dataset, import_id)
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


REPLACED_TABLE = "replaced_{table}"   # the rows each import replaced, by import_id (replaced_by): access.undo


def _keep_replaced(con, dataset: Dataset, import_id: int) -> None:
    """Keep the rows this import is about to replace (its `updated` ids), under its import_id, so that
    access.undo can put them back: without them an update could not be undone."""
    table, id_field = REPLACED_TABLE.format(table=dataset.table), quote(dataset.id_field)
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS "
                f"SELECT CAST(NULL AS BIGINT) AS replaced_by, * FROM {dataset.table} LIMIT 0")
    con.execute(f"""INSERT INTO {table} BY NAME SELECT ? AS replaced_by, * FROM {dataset.table}
                    WHERE {id_field} IN (SELECT {id_field} FROM incoming WHERE _outcome = 'updated')""", [import_id])


def _write_rejections(con, shown: str, folder: Path, import_id: int) -> Path:
    """An Excel list of every rejected, duplicate and warned row: file, row, column, reason. Its name is the
    file's (masked, made safe: metrics.ingest.filenames) with the import's id: `<stem>_导入问题_<id>.xlsx`."""
    import xlsxwriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = masking.mask_text(shown)
    out = folder / f"{path_parts(name)[0]}_导入问题_{import_id}.xlsx"
    total = scalar(con, "SELECT count(*) FROM staging_issues")
    # at most MAX_ISSUES_KEPT rows, as the import log keeps (a sheet holds 1,048,576 rows; writing a million
    # takes minutes); the counts of the import still cover them all and the last row says how many are left out
    issues = con.execute("""SELECT row_number, column_name, severity, reason, value FROM staging_issues
                            ORDER BY CASE severity WHEN 'rejected' THEN 0 WHEN 'duplicate' THEN 1 ELSE 2 END, row_number
                            LIMIT ?""", [MAX_ISSUES_KEPT]).fetchall()
    labels = {"rejected": "拒绝导入 rejected", "duplicate": "文件内重复 duplicate", "warning": "警告（已导入） warning"}
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = workbook.add_worksheet("导入问题")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, ["文件 File", "行号 Row", "列 Column", "处理 Outcome", "原因 Reason", "原值 Value"], bold)
    # every text from the file (its name, a header, a value) made inert: formulas.inert
    for i, (row_number, column, severity, reason, value) in enumerate(issues, start=1):
        sheet.write_string(i, 0, inert(name))
        sheet.write_number(i, 1, row_number)
        sheet.write_string(i, 2, inert(column or ""))
        sheet.write_string(i, 3, labels[severity])
        sheet.write_string(i, 4, inert(reason))
        sheet.write_string(i, 5, inert("" if value is None else str(value)))
    if total > len(issues):
        left = total - len(issues)
        sheet.write_string(len(issues) + 1, 0, f"另有{left:,}条问题未列出（共{total:,}条；本文件列出前{len(issues):,}条） / "
                                               f"{left:,} more issues not listed ({total:,} in all)")
    sheet.set_column(0, 0, 28)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 4, 40)
    workbook.close()
    return out
