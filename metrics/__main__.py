"""Command line for scripts and scheduled jobs: import, kpis, compounds, supervision, report, demo, templates,
unmatched, lake, rollup, users, audit."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import logging
import numbers
import os
import sys
import uuid
from pathlib import Path

import duckdb

import store
from metrics.config import database_path, demo_database_path, load_config
from metrics.formulas import inert
from metrics.ingest.filenames import shown_name
from metrics.ingest.importer import import_files, space_for
from metrics.ingest.readers import ImportFailure
from metrics.kpis import Scope, Window, kpi_report, latest_timestamp, window_for
from metrics.masking import mask_message, mask_text
from metrics.names import resolve_compound_name, unmatched_compounds
from metrics.periods import Period, latest_complete, parse_date, parse_timestamp, preset_period
from metrics.schema import DATASETS
from metrics.scorecard import scorecard


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "__float__"):
        return float(value)
    return str(value)


def _add_scope_args(parser: argparse.ArgumentParser, dates_required: bool = True, lake: bool = True) -> None:
    parser.add_argument("--db", type=Path)
    if lake:
        parser.add_argument("--lake", type=Path, help="ask Spark (config.yaml spark) over this lake instead of a database")
    parser.add_argument("--from", dest="start", required=dates_required, help="YYYY-MM-DD, inclusive")
    parser.add_argument("--to", dest="end", required=dates_required, help="YYYY-MM-DD, inclusive")
    parser.add_argument("--as-of", dest="as_of", help="data as of (default: latest timestamp in the data)")
    for name in ("street", "community", "compound", "source", "category", "request-type", "compound-kind",
                 "management-mode"):
        parser.add_argument(f"--{name}")


class UsageError(ValueError):
    """A command given the wrong arguments: one line on standard error, exit code 2."""


def _scope(args, con, config) -> Scope:
    compound = None
    if args.compound:
        compound = resolve_compound_name(con, config, args.compound)
        if compound is None:
            raise SystemExit(f"未找到小区（台账和工单、投诉中均没有） / compound found neither in the registry nor "
                             f"in orders and complaints: {args.compound}")
    return Scope(street=args.street, community=args.community, compound=compound, source=args.source,
                 category=args.category, request_type=args.request_type, compound_kind=args.compound_kind,
                 management_mode=args.management_mode)


def _as_of(args) -> dt.datetime | None:
    try:
        return parse_timestamp(args.as_of) if args.as_of else None
    except ValueError:
        raise UsageError(f"--as-of 应写作 YYYY-MM-DD 或 \"YYYY-MM-DD HH:MM\" / --as-of is a day or a moment: "
                         f"{args.as_of}") from None


def _period(start: str, end: str) -> Period:
    try:
        return Period(parse_date(start), parse_date(end))
    except ValueError:
        raise UsageError(f"--from、--to 应写作 YYYY-MM-DD，且 --from 不晚于 --to / --from and --to are YYYY-MM-DD, "
                         f"--from not after --to: {start} {end}") from None


def _scope_and_window(args, con, config):
    period = _period(args.start, args.end)
    return _scope(args, con, config), window_for(con, period.start, period.end, _as_of(args))


def _moment(con, as_of: dt.datetime | None) -> dt.datetime:
    """数据截至 as the dashboard takes it: --as-of, else the data's latest timestamp, else now (no data yet)."""
    return as_of or latest_timestamp(con) or dt.datetime.now().replace(microsecond=0)


def _db(args, config) -> Path:
    return args.db or database_path(config)


def _queued(holder) -> None:
    behind = holder.text() if holder else "?"
    print(f"排队中 QUEUED: 等待另一项写入完成 / waiting for another write: {behind}", file=sys.stderr, flush=True)


def _reader(args, config):
    """A read-only cursor on the database's newest snapshot: never waits for, nor blocks, a writer. With --lake,
    the Spark door onto the lake (metrics.scale.spark): the same questions, asked of a city's warehouse."""
    if getattr(args, "lake", None):
        from metrics.scale.spark import lake_database
        return lake_database(args.lake, config)
    return store.reader(_db(args, config), config).cursor()


def _yield_cpu(config) -> None:
    """A scheduled or command-line write runs at a lower priority: open dashboards keep their share."""
    try:
        os.nice(int(store.settings(config)["import_nice"]))
    except OSError:
        pass


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


def cmd_kpis(args, config) -> int:
    """--from/--to, or --period default: the period the dashboard opens on (metrics.periods.latest_complete at
    数据截至 over the data's span, as ui/state.render_filters chooses it)."""
    from metrics.options import data_span

    if args.period and (args.start or args.end):
        raise UsageError("--period 与 --from/--to 只能给出其一 / give --period or --from and --to, not both")
    if not args.period and not (args.start and args.end):
        raise UsageError("请给出 --from 和 --to，或 --period default / give --from and --to, or --period default")
    con = _reader(args, config)
    span = data_span(con)
    if args.period == "default":
        scope, as_of = _scope(args, con, config), _moment(con, _as_of(args))
        period, kind = latest_complete(as_of, span)
        window = Window(period, as_of)
    else:
        (scope, window), kind = _scope_and_window(args, con, config), None
    report = {"scope": scope.as_dict(), **kpi_report(con, config, scope, window)}
    report["period"]["data_starts"] = span.first_day.isoformat() if span.first_day else None
    if kind is not None:
        report["period"]["default_kind"] = kind
    print(json.dumps(report, ensure_ascii=False, indent=2, default=_json_default))
    return 0


SUPERVISION_SECTIONS = ("overdue", "due_soon", "no_deadline")
SUPERVISION_COLUMNS = ["section", "order_id", "status", "days_overdue", "days_left", "days_open", "street", "community",
                       "compound_name", "compound_raw", "handling_unit", "category", "received_at", "due_at"]


def cmd_supervision(args, config) -> int:
    """督办: the open orders overdue, due within N days and without a deadline, with the counts of each; the period
    by --from/--to, each defaulting to the data's first and last day (全部数据, as the dashboard's preset)."""
    from metrics.kpis import _period_info
    from metrics.options import data_span
    from metrics.supervision import due_within_days, no_deadline, queue, totals

    con = _reader(args, config)
    scope, as_of, span = _scope(args, con, config), _moment(con, _as_of(args)), data_span(con)
    everything = preset_period("all_data", as_of, span)
    period = _period(args.start or everything.start.isoformat(), args.end or everything.end.isoformat())
    window = Window(period, as_of)
    found = {"overdue": queue(con, config, scope, window, which="overdue"),
             "due_soon": queue(con, config, scope, window, which="due_soon"),
             "no_deadline": no_deadline(con, config, scope, window)}
    if args.format == "json":
        print(json.dumps({"scope": scope.as_dict(),
                          "period": {**_period_info(window),
                                     "data_starts": span.first_day.isoformat() if span.first_day else None},
                          "due_within_days": due_within_days(config),
                          "counts": totals(con, config, scope, window), **found},
                         ensure_ascii=False, indent=2, default=_json_default))
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=SUPERVISION_COLUMNS)
    writer.writeheader()
    for section in SUPERVISION_SECTIONS:
        for row in found[section]:
            writer.writerow({k: _csv_safe(v) for k, v in {"section": section, **row}.items()
                             if k in SUPERVISION_COLUMNS})
    return 0


def cmd_compounds(args, config) -> int:
    con = _reader(args, config)
    scope, window = _scope_and_window(args, con, config)
    card = scorecard(con, config, scope, window)
    if args.format == "json":
        print(json.dumps(card, ensure_ascii=False, indent=2, default=_json_default))
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(card[0]) if card else ["compound_name"])
        writer.writeheader()
        for row in card:
            writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return 0


def _csv_safe(value):
    """A cell of the CLI's CSV: a number as it is (a negative one stays a number), a date in ISO form, text made
    inert (formulas.inert; csv quotes a cell holding a line break, its lines ending in \r\n)."""
    if value is None:
        return ""
    if isinstance(value, numbers.Number):   # int, float, Decimal (DuckDB's DECIMAL), numpy's
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return inert(str(value))


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


BRIEFING_FORMATS = ("docx", "pdf")


def _formats(text: str) -> tuple[str, ...]:
    """--format of report: one format or a comma list (docx,pdf), each once, in the order given."""
    found = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    if not found or set(found) - set(BRIEFING_FORMATS):
        raise argparse.ArgumentTypeError(f"docx、pdf 或 docx,pdf / docx, pdf or docx,pdf: {text}")
    return found


def _briefing_files(out: Path, formats: tuple[str, ...]) -> dict:
    """Where report writes: one format to --out as given; several to --out as a file stem, each with its format's
    extension (简报 -> 简报.docx, 简报.pdf; a .docx or .pdf given is replaced: 简报.docx -> 简报.docx, 简报.pdf)."""
    if len(formats) == 1:
        return {formats[0]: out}
    if out.is_dir():
        raise UsageError(f"写多种格式时 --out 是文件名（不含扩展名），不是文件夹 / with several formats --out is a file "
                         f"name without its extension, not a folder: {out}")
    stem = out.with_suffix("") if out.suffix.lower() in tuple(f".{f}" for f in BRIEFING_FORMATS) else out
    return {fmt: stem.parent / f"{stem.name}.{fmt}" for fmt in formats}


def cmd_report(args, config) -> int:
    from briefing.generate import issue_briefing, write_all_streets
    from briefing.images import image_server
    from metrics.options import filter_options

    con = _reader(args, config)
    scope, window = _scope_and_window(args, con, config)
    if args.all_streets:
        streets = filter_options(con)["street"]

        def progress(i, n, street):
            print(f"[{i}/{n}] {street} …", file=sys.stderr, flush=True)

        for path in write_all_streets(con, config, streets, window, args.format, args.out, args.lang, progress,
                                      issue_db=_db(args, config)):
            print(path)
        return 0
    files = _briefing_files(args.out, args.format)
    # 期数: one for all the formats written, the edition's own when it was issued before in another format, else the
    # scope's next (briefing.issues); or the one --issue gives
    with image_server():
        written = issue_briefing(con, config, scope, window, files, args.lang,
                                 issue_db=None if args.issue else _db(args, config), issue=args.issue)
    for fmt in args.format:
        print(written[fmt])
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


def _actor() -> str:
    """Who changes accounts from the command line, as the audit log names them."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"


def _read_password() -> str:
    """A password from a prompt (twice) at a terminal, else the first line of standard input; never an argument."""
    import getpass

    from access import AccessError

    if sys.stdin.isatty():
        first = getpass.getpass("密码 / password: ")
        if getpass.getpass("再次输入密码 / password again: ") != first:
            raise AccessError("两次输入的密码不一致 / the two passwords differ")
        return first
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise AccessError("标准输入中没有密码 / no password on standard input")
    return password


def _known_places(db: Path) -> dict | None:
    """The streets and communities the database's data and registry name (metrics.options.filter_options), for
    access.accounts.check_place; None when nothing was ever written to it."""
    snapshot = store.current_snapshot(db)
    if snapshot is None:
        return None
    from metrics.options import filter_options

    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return filter_options(con)
    finally:
        con.close()


def cmd_users(args, config) -> int:
    from access import AccessError, accounts
    from access.db import path_for

    db = _db(args, config)
    try:
        if args.action == "list":
            found = accounts.listing(db) if path_for(db).exists() else []
            if args.format == "json":
                print(json.dumps([a.__dict__ for a in found], ensure_ascii=False, indent=2))
            else:
                for a in found:
                    flags = ",".join(f for f, on in (("admin", a.admin), ("disabled", a.disabled),
                                                     (f"locked_until={a.locked_until}", a.locked_until)) if on)
                    print("\t".join([a.login, a.role, a.street or "-", a.community or "-", flags or "-", a.updated_at]))
            return 0
        if not args.login:
            raise AccessError("请给出登录名 / give the LOGIN")
        if args.action == "add":
            if not args.role:
                raise AccessError("请用 --role 指定角色（district、street、community） / give --role")
            accounts.check_place(db, args.login, args.role, args.street, args.community, _known_places(db),
                                 actor=_actor())
            account = accounts.add(db, args.login, _read_password(), role=args.role, street=args.street,
                                   community=args.community, admin=args.admin, actor=_actor())
        elif args.action == "passwd":
            account = accounts.set_password(db, args.login, _read_password(), actor=_actor())
        elif args.action == "disable":
            account = accounts.disable(db, args.login, actor=_actor())
        else:
            account = accounts.enable(db, args.login, actor=_actor())
    except AccessError as exc:
        print(f"错误 ERROR: {exc}", file=sys.stderr)
        return 2
    print(f"{args.action}: {account.login} ({account.role} {account.scope_text()}"
          f"{', admin' if account.admin else ''}{', disabled' if account.disabled else ''})")
    return 0


def cmd_audit(args, config) -> int:
    from access import audit
    from access.db import path_for

    db = _db(args, config)
    if args.verify:
        return _verify_audit(args, db)
    if args.against:
        raise UsageError("--against 只能与 --verify 同用 / --against goes with --verify")
    try:
        start, end = (parse_date(d) if d else None for d in (args.start, args.end))
    except ValueError:
        print("错误 ERROR: 日期应写作 YYYY-MM-DD / dates are YYYY-MM-DD", file=sys.stderr)
        return 2
    found = audit.entries(db, start=start, end=end, login=args.user,
                          action=args.action) if path_for(db).exists() else []
    if (args.format or "json") == "json":
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    out = csv.DictWriter(sys.stdout, fieldnames=list(audit.COLUMNS))
    out.writeheader()
    for entry in found:
        out.writerow({k: _csv_safe(json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, dict) else v)
                      for k, v in entry.items()})
    return 0


def _verify_audit(args, db: Path) -> int:
    """audit --verify: 0 and "OK: N entries" when the chain, the head file and any copy agree; 1 naming the first
    broken entry (then every other problem, and notes); 2 when there is no audit log or it cannot be read."""
    import sqlite3

    from access import chain
    from access.db import path_for

    if any((args.start, args.end, args.user, args.action, args.format)):
        raise UsageError("--verify 检查整个审计日志，不与 --from、--to、--user、--action、--format 同用 / --verify checks "
                         "the whole log: no --from, --to, --user, --action or --format")
    if not path_for(db).exists() and not chain.head_path(db).exists():
        raise UsageError(f"没有审计日志：{path_for(db)} 不存在 / no audit log: {path_for(db)} does not exist")
    try:
        verdict = chain.verify(db, args.against or ())
    except sqlite3.DatabaseError as exc:
        print(f"错误 ERROR: 审计日志无法读取 / the audit log cannot be read: {path_for(db)}: {exc}", file=sys.stderr)
        return 2
    if verdict.ok:
        print(f"OK: {verdict.entries} entr{'y' if verdict.entries == 1 else 'ies'}")
    else:
        first, *others = verdict.problems
        print(f"篡改 TAMPERED: {first}")
        for problem in others:
            print(f"  {problem}")
    for note in verdict.notes:
        print(f"  注 NOTE: {note}")
    if not verdict.ok:
        n = len(verdict.problems)
        print(f"共{verdict.entries}条，{n}处问题 / {verdict.entries} entries, {n} problem{'' if n == 1 else 's'}")
    return 0 if verdict.ok else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics", description="红色物业治理看板 KPI engine")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="import export files")
    p.add_argument("--db", type=Path)
    p.add_argument("--kind", required=True, choices=["compounds", "work_orders", "complaints"])
    p.add_argument("--profile", help="config.yaml profile (default: detected from the headers)")
    p.add_argument("--rejections", type=Path, help="folder for rejection files (default: beside the database)")
    p.add_argument("files", nargs="+", type=Path)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("kpis", help="KPIs of a scope and period as JSON")
    _add_scope_args(p, dates_required=False)
    p.add_argument("--period", choices=["default"],
                   help="instead of --from/--to: the period the dashboard opens on (the latest complete one)")
    p.add_argument("--format", choices=["json"], default="json")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("compounds", help="per-compound scorecard")
    _add_scope_args(p)
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=cmd_compounds)

    p = sub.add_parser("supervision", help="督办: open orders overdue, due soon and without a deadline, JSON or CSV")
    _add_scope_args(p, dates_required=False, lake=False)
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=cmd_supervision)

    p = sub.add_parser("report", help="write a briefing (简报) as Word or PDF")
    _add_scope_args(p)
    p.add_argument("--format", type=_formats, default=("docx",),
                   help="docx, pdf, or docx,pdf: the formats of one briefing, one 期数 (default docx)")
    p.add_argument("--out", type=Path, required=True,
                   help="the file; with several formats the file name without extension; the folder with --all-streets")
    p.add_argument("--all-streets", action="store_true", help="one briefing per street into the --out folder")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--issue", type=int, help="期数 of this briefing (a reissue); without it the scope's next number")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", help="build the demo database from generated exports")
    p.add_argument("--db", type=Path)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("templates", help="write the Excel import templates")
    p.add_argument("--out", type=Path, default=Path("data/templates"))
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("unmatched", help="compound names that match no registry compound")
    p.add_argument("--db", type=Path)
    p.set_defaults(func=cmd_unmatched)

    p = sub.add_parser("import-folder", help="import the files of a drop folder not imported yet (scheduled jobs)")
    p.add_argument("folder", type=Path)
    p.add_argument("--db", type=Path)
    p.add_argument("--kind", choices=["compounds", "work_orders", "complaints"],
                   help="the files' kind (default: recognised from each file's headers)")
    p.set_defaults(func=cmd_import_folder)

    p = sub.add_parser("lake", help="the clean tables as Parquet partitioned by month, for a warehouse")
    p.add_argument("action", choices=["export"])
    p.add_argument("--db", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_lake)

    p = sub.add_parser("rollup", help="the monthly rollups of a lake, on DuckDB or Spark, into a rollups-only file")
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    p.add_argument("--lake", type=Path, required=True, help="the lake folder (python -m metrics lake export)")
    p.add_argument("--out", type=Path, required=True, help="the DuckDB file the dashboard opens (DASHBOARD_DB)")
    p.set_defaults(func=cmd_rollup)

    p = sub.add_parser("backup", help="a consistent copy of the database, while the dashboard serves")
    p.add_argument("--db", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="put a backup in the database's place (waits for any running write)")
    p.add_argument("--db", type=Path)
    p.add_argument("--from", dest="source", type=Path, required=True)
    p.set_defaults(func=cmd_restore)

    from access.db import AUDIT_ACTIONS

    p = sub.add_parser("users", help="accounts: add, list, disable, enable, passwd (password from stdin or a prompt)")
    p.add_argument("action", choices=["add", "list", "disable", "enable", "passwd"])
    p.add_argument("login", nargs="?")
    p.add_argument("--db", type=Path)
    p.add_argument("--role", choices=["district", "street", "community"], help="of `add`")
    p.add_argument("--street")
    p.add_argument("--community")
    p.add_argument("--admin", action="store_true", help="imports, registry, accounts and the audit log")
    p.add_argument("--format", choices=["table", "json"], default="table", help="of `list`")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", help="the audit log (sign-ins, imports, downloads, refused access ...); --verify checks it")
    p.add_argument("--db", type=Path)
    p.add_argument("--from", dest="start", help="YYYY-MM-DD, inclusive")
    p.add_argument("--to", dest="end", help="YYYY-MM-DD, inclusive")
    p.add_argument("--user", help="entries of this login")
    p.add_argument("--action", choices=AUDIT_ACTIONS)
    p.add_argument("--format", choices=["json", "csv"], help="json (default) or csv")
    p.add_argument("--verify", action="store_true",
                   help="walk the hash chain and the head file: exit 0 'OK: N entries', 1 naming the first broken entry")
    p.add_argument("--against", type=Path, action="append", metavar="FILE",
                   help="with --verify: compare with a JSON-lines copy (access.audit_file, a syslog file; .gz too); "
                        "repeat for rotated files")
    p.set_defaults(func=cmd_audit)

    args = parser.parse_args(argv)
    config = load_config()
    from metrics.scale.rollup_job import LakeError
    from metrics.scale.spark import SparkUnavailable
    try:
        return args.func(args, config)
    except UsageError as exc:
        print(f"错误 ERROR: {exc}", file=sys.stderr)
        return 2
    except (ImportFailure, FileNotFoundError, store.StoreError, LakeError, SparkUnavailable) as exc:
        print(f"错误 ERROR: {mask_message(exc)}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        if store.disk_full(exc):
            print(f"错误 ERROR: 磁盘空间不足 / not enough disk space: {mask_message(str(exc).splitlines()[0])}",
                  file=sys.stderr)
        else:
            print(f"错误 ERROR: 数据库错误 / database error: {mask_message(str(exc).splitlines()[0])}", file=sys.stderr)
        return 2
    except OSError as exc:
        if not store.disk_full(exc):
            return _internal_error()
        print(f"错误 ERROR: 磁盘空间不足 / not enough disk space: {mask_message(exc)}", file=sys.stderr)
        return 2
    except Exception:
        return _internal_error()


def _internal_error() -> int:
    """The error of the moment is no user's business: its traceback goes to the log under an id, the user sees
    the id."""
    error_id = uuid.uuid4().hex[:8]
    logging.getLogger("metrics.cli").exception("error %s", error_id)
    print(f"错误 ERROR: 内部错误，编号 {error_id}（详情见日志 {_log_file()}） / internal error {error_id}, "
          "details in the log", file=sys.stderr)
    return 2


def _log_file() -> Path:
    """Where the command line writes what a user must not see (a traceback), under an error id."""
    return Path(os.environ.get("DASHBOARD_LOG") or (database_path(load_config()).parent / "logs" / "cli.log"))


def _setup_logging() -> None:
    path = _log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.getLogger("metrics").addHandler(handler)


if __name__ == "__main__":
    _setup_logging()
    sys.exit(main())
