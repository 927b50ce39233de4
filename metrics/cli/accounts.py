"""Commands of the accounts, the audit log and what the access file keeps: users, audit, alerts."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import duckdb

import store
from metrics.cli.common import UsageError, _actor, _csv_safe, _db
from metrics.periods import parse_date


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

    from access import audit_check, chain
    from access.db import path_for

    if any((args.start, args.end, args.user, args.action, args.format)):
        raise UsageError("--verify 检查整个审计日志，不与 --from、--to、--user、--action、--format 同用 / --verify checks "
                         "the whole log: no --from, --to, --user, --action or --format")
    if not path_for(db).exists() and not chain.head_path(db).exists():
        raise UsageError(f"没有审计日志：{path_for(db)} 不存在 / no audit log: {path_for(db)} does not exist")
    try:
        verdict = audit_check.verify(db, args.against or ())
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


def cmd_alerts(args, config) -> int:
    """提醒 for a schedule: the rules run on the data's newest version if no one ran them on it yet (access.alerts,
    lazily per data version), then the alerts raised on or after --since, of --street/--community when named, as JSON:
    each with its words (zh and en), its figures, the dashboard address of the view that shows it and the logins that
    acknowledged it."""
    from access import alerts
    from casework import alerts as _supervision_rule  # noqa: F401  registers supervision_overdue
    from metrics import alerts as rules

    db = _db(args, config)
    try:
        since = parse_date(args.since) if args.since else None
    except ValueError:
        print("错误 ERROR: 日期应写作 YYYY-MM-DD / dates are YYYY-MM-DD", file=sys.stderr)
        return 2
    reader = store.reader(db, config)
    alerts.refresh(db, reader.cursor(), config, db, reader.version)
    found = alerts.stored(db, db, since=since, street=args.street, community=args.community)
    print(json.dumps([{**a, "text": {"zh": rules.describe(a, "zh"), "en": rules.describe(a, "en")},
                       "url": rules.url(a["view"])} for a in found], ensure_ascii=False, indent=2))
    return 0
