"""`python -m metrics`: the parser of every command, and the one place errors become one line and an exit code."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import uuid
from pathlib import Path

import duckdb

import store
from metrics.cli.accounts import cmd_alerts, cmd_audit, cmd_users
from metrics.cli.common import UsageError, _add_scope_args
from metrics.cli.data import (
    cmd_backup,
    cmd_demo,
    cmd_import,
    cmd_import_folder,
    cmd_lake,
    cmd_restore,
    cmd_rollup,
    cmd_templates,
    cmd_unmatched,
)
from metrics.cli.reports import (BREAKDOWN_BY, _formats, cmd_breakdown, cmd_cases, cmd_compounds, cmd_hot, cmd_kpis,
                                  cmd_report, cmd_supervision)
from metrics.config import database_path, load_config
from metrics.ingest.readers import ImportFailure
from metrics.masking import mask_message


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

    p = sub.add_parser("breakdown", help="原因分析: KPIs by handling unit, property company, category or request type")
    _add_scope_args(p, lake=False)
    p.add_argument("--by", choices=BREAKDOWN_BY, required=True,
                   help="unit (承办单位), company (物业公司, the registry's), category or request-type")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=cmd_breakdown)

    p = sub.add_parser("supervision", help="督办: open orders overdue, due soon and without a deadline, JSON or CSV")
    _add_scope_args(p, dates_required=False, lake=False)
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=cmd_supervision)

    p = sub.add_parser("cases", help="督办 opened on overdue orders: their states and counts, JSON or CSV")
    p.add_argument("--db", type=Path)
    p.add_argument("--from", dest="start", help="YYYY-MM-DD, inclusive: the 督办 opened from this day (with --to)")
    p.add_argument("--to", dest="end", help="YYYY-MM-DD, inclusive: the 督办 opened up to this day (with --from)")
    p.add_argument("--as-of", dest="as_of", help="the states as of this moment (default: latest timestamp in the data)")
    for name in ("street", "community", "compound"):
        p.add_argument(f"--{name}")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("hot", help="集中诉求: the hot issues of a scope and period, hottest first, JSON or CSV")
    _add_scope_args(p, lake=False)
    p.add_argument("--top", type=int, help="only the N hottest (default: all)")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=cmd_hot)

    p = sub.add_parser("report", help="write a briefing (简报) as Word or PDF")
    _add_scope_args(p, dates_required=False)
    p.add_argument("--period", choices=["last-month", "last-quarter", "last-half"],
                   help="instead of --from/--to: the whole month, quarter or half-year before the issue date")
    p.add_argument("--each", choices=["street", "community"],
                   help="one briefing per street (or community; within --street when given) into the --out folder")
    p.add_argument("--issued-on", dest="issued_on",
                   help="印发日期 YYYY-MM-DD (default today in config briefing.time_zone, Asia/Shanghai)")
    p.add_argument("--format", type=_formats, default=("docx",),
                   help="docx, pdf, or docx,pdf: the formats of one briefing, one 期数 (default docx)")
    p.add_argument("--out", type=Path, required=True,
                   help="the file; with several formats the file name without extension; the folder with --each")
    p.add_argument("--all-streets", action="store_true", help="the same as --each street")
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

    p = sub.add_parser("alerts", help="提醒: the alerts the rules raised (run on the newest data first), as JSON, for a schedule")
    p.add_argument("--db", type=Path)
    p.add_argument("--since", help="YYYY-MM-DD: alerts raised on or after this day (default: all)")
    p.add_argument("--street", help="the alerts of this street only")
    p.add_argument("--community", help="the alerts of this community only")
    p.add_argument("--format", choices=["json"], default="json")
    p.set_defaults(func=cmd_alerts)

    args = parser.parse_args(argv)
    config = load_config()
    from metrics.scale.lake import LakeError
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
