"""What every command shares: the scope and period options, the database a command reads or writes, a value as JSON or a CSV cell."""
from __future__ import annotations

import argparse
import datetime as dt
import numbers
import os
import sys
from pathlib import Path

import store
from metrics.config import database_path
from metrics.formulas import inert
from metrics.kpis import Scope, latest_timestamp, window_for
from metrics.names import resolve_compound_name
from metrics.periods import Period, parse_date, parse_timestamp


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


def _actor() -> str:
    """Who changes accounts from the command line, as the audit log names them."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"
