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
from metrics.kpis import Scope, Window, kpi_report
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


CASE_COLUMNS = ["case_id", "state", "state_zh", "opened_at", "opened_by", "origin", "street", "community",
                "compound_name", "handling_unit", "orders", "instruction", "reply_due", "feedback_count",
                "last_replied_on", "last_feedback"]
CASE_FIELDS = ("case_id", "state", "opened_at", "opened_by", "origin", "street", "community", "compound_name",
               "handling_unit", "instruction", "reply_due")


def cmd_cases(args, config) -> int:
    """督办: the 督办 of a scope with their states at 数据截至 (or --as-of) and their counts (督办N件、已反馈M件、逾期未反馈K件);
    with --from/--to those opened in the period (as 总览 and the briefing count them), without them every one."""
    from casework import state_word
    from casework.cases import listing, tally
    from metrics.names import resolve_compound_name

    if bool(args.start) != bool(args.end):
        raise UsageError("--from 与 --to 须一起给出 / give --from and --to together")
    con = _reader(args, config)
    compound = None
    if args.compound:
        compound = resolve_compound_name(con, config, args.compound)
        if compound is None:
            raise UsageError(f"未找到小区（台账和工单、投诉中均没有） / compound found neither in the registry nor in "
                             f"orders and complaints: {args.compound}")
    scope = Scope(street=args.street, community=args.community, compound=compound)
    as_of = _moment(con, _as_of(args))
    period = _period(args.start, args.end) if args.start else None
    found = listing(_db(args, config), con, scope, as_of, period)
    if args.format == "json":
        print(json.dumps({"scope": scope.as_dict(), "as_of": as_of,
                          "period": {"start": period.start, "end": period.end} if period else None,
                          "counts": tally(found),
                          "cases": [{**{k: c[k] for k in CASE_FIELDS}, "state_zh": state_word(c["state"]),
                                     "orders": c["order_ids"], "missing": c["missing"],
                                     "feedback": [{k: f[k] for k in ("replied_on", "text", "recorded_by", "recorded_at")}
                                                  for f in c["feedback"]]} for c in found]},
                         ensure_ascii=False, indent=2, default=_json_default))
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=CASE_COLUMNS)
    writer.writeheader()
    for c in found:
        last = c["feedback"][-1] if c["feedback"] else {}
        row = {**{k: c[k] for k in CASE_COLUMNS if k in c}, "state_zh": state_word(c["state"]),
               "orders": ";".join(c["order_ids"]), "feedback_count": len(c["feedback"]),
               "last_replied_on": last.get("replied_on"), "last_feedback": last.get("text")}
        writer.writerow({k: _csv_safe(row.get(k)) for k in CASE_COLUMNS})
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
    issues = [{"rank": k, **{c: h[c] for c in HOT_COLUMNS[1:]}} for k, h in enumerate(found, start=1)]
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


BREAKDOWN_BY = ("unit", "company", "category", "request-type")


def cmd_breakdown(args, config) -> int:
    """原因分析: one row per handling unit (company, category, request type) of the scope and period, the KPIs named
    as `kpis` names them, open and overdue orders, rank and Wilson bounds (metrics.breakdown.breakdown, as the page
    asks it). JSON: the scope, the period and the rows; CSV: the rows, a company's compounds joined by "、"."""
    from metrics.breakdown import breakdown
    from metrics.kpis import _period_info

    con = _reader(args, config)
    scope, window = _scope_and_window(args, con, config)
    by = args.by.replace("-", "_")
    found = breakdown(con, config, scope, window, by)
    if args.format == "json":
        print(json.dumps({"by": by, "scope": scope.as_dict(), "period": _period_info(window), "rows": found},
                         ensure_ascii=False, indent=2, default=_json_default))
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=list(found[0]) if found else ["name"])
    writer.writeheader()
    for row in found:
        writer.writerow({k: _csv_safe("、".join(v) if isinstance(v, list) else v) for k, v in row.items()})
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


def _issued_on(args, config):
    """印发日期: --issued-on, else today in the office's time zone (config briefing.time_zone, Asia/Shanghai)."""
    from metrics.periods import parse_date, today_in

    if not args.issued_on:
        return today_in((config.get("briefing") or {}).get("time_zone"))
    try:
        return parse_date(args.issued_on)
    except ValueError:
        raise UsageError(f"--issued-on 应写作 YYYY-MM-DD / --issued-on is YYYY-MM-DD: {args.issued_on}") from None


def _report_window(args, con, config, issued_on):
    """The briefing's scope and window: --from/--to, or --period (last-month, last-quarter, last-half) before the
    issue date; 数据截至 --as-of or the data's latest moment."""
    from metrics.kpis import window_for
    from metrics.periods import issue_period

    if args.period and (args.start or args.end):
        raise UsageError("--period 与 --from/--to 只能给出其一 / give --period or --from and --to, not both")
    if args.period:
        period = issue_period(args.period, issued_on)
        return _scope(args, con, config), window_for(con, period.start, period.end, _as_of(args))
    if not (args.start and args.end):
        raise UsageError("请给出 --from 和 --to，或 --period / give --from and --to, or --period")
    return _scope_and_window(args, con, config)


def _each(con, which: str, scope) -> list:
    """The scopes of `--each street|community` (within --street when given): every street, or every community
    with its street, that the data names."""
    from metrics.options import filter_options

    options = filter_options(con)
    if which == "street":
        return [Scope(street=s) for s in options["street"] if not scope.street or s == scope.street]
    return [Scope(street=r["street"], community=r["community"]) for r in options["community"]
            if r["street"] and (not scope.street or r["street"] == scope.street)]


def cmd_report(args, config) -> int:
    from access import audit
    from briefing.generate import issue_briefing, write_each
    from briefing.images import image_server
    from metrics.cli.common import _actor

    if args.all_streets:
        if args.each and args.each != "street":
            raise UsageError("--all-streets 即 --each street / --all-streets is --each street")
        args.each = "street"
    if args.each and args.issue:
        raise UsageError("--issue 只用于一份简报的重印 / --issue is for reissuing one briefing, not --each")
    con = _reader(args, config)
    issued_on = _issued_on(args, config)
    scope, window = _report_window(args, con, config, issued_on)
    db = _db(args, config)
    cases_db = None if args.lake else db   # the 督办 counted (a lake read by Spark keeps none)
    if args.each:
        scopes = _each(con, args.each, scope)
        if not scopes:
            raise UsageError(f"数据中没有{'街道' if args.each == 'street' else '社区'} / the data names no {args.each}")

        def progress(i, n, place):
            print(f"[{i}/{n}] {place} …", file=sys.stderr, flush=True)

        # each street (community) takes its own 期数 from its own counter, one for all its formats, and the files
        # are archived as issued by the schedule (the 简报 page lists them)
        written = write_each(con, config, scopes, window, args.format, args.out, args.lang, progress, issue_db=db,
                             issued_on=issued_on, archive={"issued_by": None, "via": "schedule"},
                             cases_db=cases_db)
        audit.record(db, "briefing", login=_actor(), target=f"--each {args.each}",
                     details={"period": window.period.label("zh"), "language": args.lang, "formats": list(args.format),
                              "via": "schedule", "briefings": len(scopes), "issued_on": issued_on.isoformat()})
        for path in written:
            print(path)
        return 0
    files = _briefing_files(args.out, args.format)
    # 期数: one for all the formats written, the edition's own when it was issued before in another format, else the
    # scope's next (briefing.issues); or the one --issue gives
    with image_server():
        written = issue_briefing(con, config, scope, window, files, args.lang,
                                 issue_db=None if args.issue else db, issue=args.issue, issued_on=issued_on,
                                 archive=None if args.issue else {"issued_by": _actor(), "via": "command"},
                                 cases_db=cases_db)
    if not args.issue:   # issued from the command line (numbered, archived): audited as the page's issuing is
        audit.record(db, "briefing", login=_actor(), target=Path(written[args.format[0]]).stem,
                     scope={k: v for k, v in {"street": scope.street, "community": scope.community}.items() if v} or None,
                     details={"period": window.period.label("zh"), "language": args.lang, "formats": list(args.format),
                              "via": "command", "issued_on": issued_on.isoformat()})
    for fmt in args.format:
        print(written[fmt])
    return 0
