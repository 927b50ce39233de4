"""Commands that write or move data: import, import-folder, demo, templates, unmatched, lake, rollup, backup, restore."""
from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path

import store
from metrics.cli.common import _actor, _db, _queued, _reader, _yield_cpu
from metrics.config import demo_database_path
from metrics.ingest.filenames import shown_name
from metrics.ingest.importer import import_files, space_for
from metrics.ingest.readers import ImportFailure
from metrics.masking import mask_message, mask_text
from metrics.names import unmatched_compounds
from metrics.schema import DATASETS


def cmd_import(args, config) -> int:
    db = _db(args, config)
    rejection_dir = args.rejections or db.parent / "rejections"

    def progress(i, n, name):
        print(f"[{i + 1}/{n}] {name} …", file=sys.stderr, flush=True)

    names = "、".join(mask_text(shown_name(Path(p).name)) for p in args.files)

    def audit(results):   # under the write lock, once the write is published (or known not to be)
        for path, result in zip(args.files, results):
            _audit_import(db, result, Path(path))

    results, unmatched = _write(db, config, f"命令行导入 {names}", lambda con: import_files(
        con, args.kind, args.files, config, profile=args.profile, rejection_dir=rejection_dir, progress=progress,
        actor=_actor()),   # the command line imports for the whole district (no scope)
        need_bytes=space_for(args.files), audit=audit)
    return _print_results(results, unmatched, db)


def _audit_import(db: Path, result, path: Path | None) -> None:
    """The audit entry of a file imported from the command line (the actor is the system user running it). A
    refused first import left no database: no access file is made for it either (one that exists is told)."""
    from access import audit
    from access.db import path_for

    if not db.exists() and not path_for(db).exists():
        return
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else None
    audit.imported(db, result, login=_actor(), file_sha256=digest)


def _imported(con) -> bool:
    """Whether the database holds any import (a new one only refused files leaves nothing behind)."""
    return con.execute("SELECT count(*) FROM import_log").fetchone()[0] > 0


def _write(db: Path, config: dict, what: str, work, *, need_bytes: int = 0, audit=None):
    """A command's write: at a lower priority, queued behind any other write, then the names still unmatched.
    Into a database that did not exist, a write that imports nothing (every file refused) leaves no file.

    The disk must have room first (store.DiskFull: nothing changed, nothing audited). `audit(results)` writes the
    audit entries under the write lock once the write is published, or known not to be: then each committed
    import says so (`published` False, and why), is audited as `unpublished`, and is published by the next
    write or start."""
    from metrics.ingest.importer import ImportResult, mark_unaudited, mark_unpublished
    from metrics.rollup import only

    _yield_cpu(config)
    done = {}

    def after(published, cause):
        done["after"] = "started"
        if not published:
            for result in _results(done["results"]):
                if isinstance(result, ImportResult):
                    mark_unpublished(result, cause)
        if audit is not None:
            audit(done["results"])
        done["after"] = "done"

    try:
        with store.writer(db, config, what=what, on_wait=_queued, keep_new=_imported, need_bytes=need_bytes,
                          after=after) as con:
            if only(con):
                raise store.StoreError(f"{db} 只含月度汇总，由汇总作业生成，不能导入；请重新运行 python -m metrics rollup / "
                                       f"{db} holds the monthly rollups only, built by the rollup job: nothing is "
                                       f"imported into it; run python -m metrics rollup again")
            done["results"] = work(con)
            done["unmatched"] = unmatched_compounds(con, config)
    except store.NotPublished:
        pass   # each result says whether it committed (then: not published) or failed (nothing changed)
    except Exception as exc:
        if done.get("after") != "started":
            raise
        # the audit entries could not be written (a full disk): the write stands, its marker stays, and the next
        # start or write enters what no entry names
        logging.getLogger("metrics.cli").warning("audit entries not written: %s", exc)
        for result in _results(done["results"]):
            if isinstance(result, ImportResult):
                mark_unaudited(result, exc)
    return done["results"], done["unmatched"]


def _results(found) -> list:
    """The import results of a write's work (import-folder's outcomes carry theirs)."""
    return [getattr(r, "result", r) for r in found]


def _print_results(results, unmatched, db) -> int:
    """Each file's accounting, checks and notes; 1 when a file failed or rejected most of its rows."""
    failed = unpublished = 0
    for r in results:
        if isinstance(r, ImportFailure):
            failed += 1
            print(f"失败 FAILED: {r}")
            continue
        print(f"{r.file} ({r.kind}, profile {r.profile}): read {r.rows_read} = new {r.rows_new} + updated "
              f"{r.rows_updated} + unchanged {r.rows_unchanged} + duplicate {r.rows_duplicate} + rejected "
              f"{r.rows_rejected}; warnings {r.warnings}")
        if not r.published:
            unpublished += 1
            print(f"尚未发布 NOT PUBLISHED: {r.file}: {r.not_published}")
        if r.not_audited:
            unpublished += 1
            print(f"未记入审计 NOT AUDITED: {r.file}: {r.not_audited}")
        if r.mostly_rejected:
            failed += 1
            print(f"  拒绝过多 MOSTLY REJECTED: {r.rows_rejected} / {r.rows_read} 行被拒绝 rows rejected; "
                  "主要原因 top reasons:")
            for reason, n in r.rejection_reasons:
                print(f"    {n} × {reason}")
        checks = {k: n for k, n in r.checks.items() if n}
        if checks:
            print("  checks: " + ", ".join(f"{k} {n}" for k, n in checks.items()))
        if r.unmapped_columns:
            print(f"  未识别的列 unmapped columns: {'; '.join(r.unmapped_columns)}")
        if r.missing_fields:
            labels = [DATASETS[r.kind].field(f).label_zh for f in r.missing_fields]   # headers, not internal names
            print(f"  映射方案有而文件中没有的字段 expected fields not in the file: {'; '.join(labels)}")
        if r.rejection_file:
            print(f"  rejection file: {r.rejection_file}")
        for note in r.notes:
            print(f"  note: {note}")
    if unmatched:
        print(f"unmatched compound names: {len(unmatched)} (python -m metrics unmatched --db {db})")
    return 3 if unpublished else 1 if failed else 0


def cmd_demo(args, config) -> int:
    from metrics.demo import build_demo_database

    db = args.db or demo_database_path(config)
    build_demo_database(db, config, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(db)
    return 0


def cmd_templates(args, config) -> int:
    from metrics.ingest.templates import write_templates

    for path in write_templates(config, args.out):
        print(path)
    return 0


def cmd_unmatched(args, config) -> int:
    con = _reader(args, config)
    print(json.dumps(unmatched_compounds(con, config), ensure_ascii=False, indent=2))
    return 0


def cmd_lake(args, config) -> int:
    """The clean tables as Parquet for a warehouse (docs/scale-out.md), from the published snapshot."""
    from metrics.scale.lake import export

    for table, rows in export(_reader(args, config), args.out).items():
        print(f"{table}: {rows} rows -> {args.out / table}")
    return 0


def cmd_rollup(args, config) -> int:
    """The monthly rollups of a lake, on DuckDB or Spark, into a rollups-only file the dashboard opens (docs/scale-out.md)."""
    import time

    from metrics.scale.rollup_job import build

    started = time.monotonic()
    written = build(args.lake, args.out, args.engine, config)
    for table, n in written["tables"].items():
        print(f"{table}: {n} rows")
    print(f"汇总了 {written['orders']} 件工单、{written['complaints']} 件投诉，数据截至 {written['latest_timestamp']} / "
          f"rolled up {written['orders']} orders and {written['complaints']} complaints, data as of "
          f"{written['latest_timestamp']}")
    print(f"{args.out} ({args.engine}, {time.monotonic() - started:.1f} s)")
    return 0


def cmd_backup(args, config) -> int:
    from access.db import backup as backup_access

    db = _db(args, config)
    out = store.backup(db, args.out, config)
    print(out)
    copied = backup_access(db, Path(out))   # accounts and the audit log, beside the copy
    if copied:
        print(copied)
    return 0


def cmd_restore(args, config) -> int:
    from access import audit

    db = _db(args, config)
    try:
        store.restore(db, args.source, config, on_wait=_queued)
    except store.NotPublished as exc:   # the backup is in place; pages show it after the next write or start
        audit.record(db, "import", login=_actor(), target=Path(args.source).name, outcome="unpublished",
                     details={"restore": True, "not_published": str(exc)})
        print(f"尚未发布 NOT PUBLISHED: {mask_message(exc)}")
        return 3
    # the database is replaced, not the access file: accounts stay, and the audit log is never rolled back
    audit.record(db, "import", login=_actor(), target=Path(args.source).name, details={"restore": True})
    print(db)
    return 0


def cmd_import_folder(args, config) -> int:
    from metrics.ingest.dropfolder import import_folder

    db = _db(args, config)

    def audit(outcomes):   # under the write lock, once the write is published (or known not to be)
        for o in outcomes:
            if not o.skipped and o.result is not None:
                _audit_import(db, o.result, o.moved_to)

    folder = Path(args.folder)
    waiting = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    outcomes, unmatched = _write(db, config, f"文件夹导入 {mask_text(args.folder.name)}", lambda con: import_folder(
        con, args.folder, config, kind=args.kind, progress=lambda msg: print(msg, file=sys.stderr, flush=True),
        actor=_actor()), need_bytes=space_for(waiting), audit=audit)
    for o in outcomes:
        if o.skipped:
            print(f"{o.name}: 已导入过（内容相同） / already imported (same content) -> {o.moved_to}")
    code = _print_results([o.result for o in outcomes if not o.skipped], unmatched, db)
    for o in outcomes:
        if not o.skipped:
            print(f"{o.name} -> {o.moved_to}")
    return code
