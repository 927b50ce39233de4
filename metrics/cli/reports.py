"""Commands that answer: kpis, compounds, supervision, hot, report."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from metrics.cli.common import (
    UsageError,
    _as_of,
    _csv_safe,
    _db,
    _json_default,
    _moment,
    _period,
    _reader,
    _scope,
    _scope_and_window,
)
from metrics.kpis import Window, kpi_report
from metrics.periods import latest_complete, preset_period
from metrics.scorecard import scorecard


def cmd_kpis(args, config) -> int:
    """--from/--to, or --period default: the period the dashboard opens on (metrics.periods.latest_complete at
    数据截至 over the data's span, as ui/sidebar.render chooses it)."""
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


HOT_COLUMNS = ["rank", "title", "place", "street", "community", "first_day", "last_day", "orders", "residents",
               "complaints", "open", "heat", "new", "terms", "order_ids"]


def cmd_hot(args, config) -> int:
    """集中诉求: the hot issues of a scope and period, hottest first (metrics.hot.hot_issues, as the page asks it):
    title, place, first and last day, orders, open, 热度 (heat), terms, order ids. CSV joins lists with 、 (terms)
    and a space (order ids)."""
    from metrics import hot
    from metrics.kpis import _period_info

    if args.top is not None and args.top < 1:
        raise UsageError(f"--top 至少为 1 / --top is at least 1: {args.top}")
    con = _reader(args, config)
    scope, window = _scope_and_window(args, con, config)
    found = hot.hot_issues(con, config, scope, window, top=args.top)
    issues = [{"rank": k, "title": h["title"], "place": h["place"], "street": h["street"],
               "community": h["community"], "first_day": h["first_day"], "last_day": h["last_day"],
               "orders": h["orders"], "residents": h["residents"], "complaints": h["complaints"], "open": h["open"],
               "heat": h["heat"], "new": h["new"], "terms": h["terms"], "order_ids": h["order_ids"]}
              for k, h in enumerate(found, start=1)]
    if args.format == "json":
        print(json.dumps({"scope": scope.as_dict(), "period": _period_info(window), "hot_issues": issues},
                         ensure_ascii=False, indent=2, default=_json_default))
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=HOT_COLUMNS)
    writer.writeheader()
    for row in issues:
        writer.writerow({k: _csv_safe("、".join(v) if k == "terms" else " ".join(v) if k == "order_ids" else v)
                         for k, v in row.items()})
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
