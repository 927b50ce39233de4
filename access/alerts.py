"""Alerts stored and acknowledged: what metrics.alerts finds, kept in the access file so an acknowledgement persists.

The rules: those of metrics.alerts' registry (below target, spikes; a new hot issue, registered by metrics.hot.alerts,
imported here; a 督办 reply overdue, registered by casework.alerts, which lies above this floor: the entry points
import it), given this access file for the rules that read it.

When the rules run: lazily, once per data version. The first asker of a version of the data (the 提醒 panel of any
dashboard process, `python -m metrics alerts`) runs them (`refresh`) and records the version in alert_runs; every
write to the database (an import from the page, the command line or the drop folder, an undo, a restore) publishes a
new snapshot, whose number is that version, so the rules run after each of them without any writer having to call
them. An alert found again (the same key) keeps its raised_at and its acknowledgements; its figures follow the
data (a below-target run that goes on counts its months). An alert is not withdrawn when a later version no longer
finds it (an undone import): it was raised, and stays until acknowledged.

Scope: an alert carries its compound's street and community; an account is listed those its scope covers
(access.views.covers), as the scope seam would narrow them. Acknowledging is per account and audited (alert_ack).
"Since the last visit": alert_visits keeps, per login, the moment its previous visit began (`visit`); the panel marks
the alerts raised after it as new."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from metrics import alerts as rules
from metrics.hot import alerts as _hot_rule  # noqa: F401  registers new_hot_issue (casework.alerts: the entry points)
from metrics.kpis import latest_timestamp

from . import Account, AccessError, audit
from .db import connect, immediate, stamp
from .views import covers

COLUMNS = ("db", "key", "rule", "street", "community", "compound_name", "month", "figures", "view", "raised_at",
           "updated_at", "data_as_of", "version")


def database_name(database) -> str:
    """How the alerts of a database are told apart from another's in one access file: its resolved path."""
    return str(Path(database).resolve())


def refresh(db: Path, con, config: dict, database, version: int, now: dt.datetime | None = None) -> int | None:
    """Run the rules on `con` (a reader of `database` at `version`) unless this version was judged already; store
    what they found (new keys raised now, known keys' figures updated). The number of alerts found, None when the
    version had been judged (by this process or another)."""
    name = database_name(database)
    access = connect(db)
    try:
        if access.execute("SELECT 1 FROM alert_runs WHERE db = ? AND version = ?", [name, version]).fetchone():
            return None
        found = rules.evaluate(con, config, access=db)
        as_of = latest_timestamp(con)
        when = stamp(now)
        with immediate(access):
            if access.execute("SELECT 1 FROM alert_runs WHERE db = ? AND version = ?", [name, version]).fetchone():
                return None   # another process judged it meanwhile
            for a in found:
                access.execute(
                    f"""INSERT INTO alerts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})
                        ON CONFLICT (db, key) DO UPDATE SET figures = excluded.figures, view = excluded.view,
                            street = excluded.street, community = excluded.community, month = excluded.month,
                            updated_at = excluded.updated_at, data_as_of = excluded.data_as_of,
                            version = excluded.version""",
                    [name, a["key"], a["rule"], a["street"], a["community"], a["compound_name"], a["month"],
                     json.dumps(a["figures"], ensure_ascii=False, sort_keys=True),
                     json.dumps(a["view"], ensure_ascii=False, sort_keys=True), when, when,
                     as_of.isoformat(sep=" ") if as_of else None, version])
            access.execute("INSERT INTO alert_runs VALUES (?, ?, ?, ?)", [name, version, when, len(found)])
        return len(found)
    finally:
        access.close()


def _row(r, acknowledged: set | None = None) -> dict:
    out = {k: r[k] for k in COLUMNS if k != "db"}
    out["figures"], out["view"] = json.loads(r["figures"]), json.loads(r["view"])
    if acknowledged is not None:
        out["acknowledged"] = r["key"] in acknowledged
    return out


def stored(db: Path, database, *, since: dt.date | dt.datetime | None = None, street: str | None = None,
           community: str | None = None) -> list[dict]:
    """Every stored alert of a database raised on or after `since`, of a street (community) when named, oldest first,
    each with the logins that acknowledged it (the command line's list: no account, the whole district)."""
    clauses, params = ["db = ?"], [database_name(database)]
    if since is not None:
        clauses.append("raised_at >= ?")
        params.append(since.strftime("%Y-%m-%d %H:%M:%S") if isinstance(since, dt.datetime)
                      else since.strftime("%Y-%m-%d"))
    for column, value in (("street", street), ("community", community)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    con = connect(db)
    try:
        found = con.execute(f"SELECT * FROM alerts WHERE {' AND '.join(clauses)} ORDER BY raised_at, key",
                            params).fetchall()
        acks: dict[str, list[str]] = {}
        for r in con.execute("SELECT key, login FROM alert_acks WHERE db = ? ORDER BY acknowledged_at, login",
                             [database_name(database)]):
            acks.setdefault(r["key"], []).append(r["login"])
    finally:
        con.close()
    return [{**_row(r), "acknowledged_by": acks.get(r["key"], [])} for r in found]


def for_account(db: Path, account: Account, database, *, acknowledged: bool = False) -> list[dict]:
    """The alerts of a database in the account's scope, newest first; those it acknowledged only with
    `acknowledged`. Each says whether the account acknowledged it."""
    name = database_name(database)
    con = connect(db)
    try:
        found = con.execute("SELECT * FROM alerts WHERE db = ? ORDER BY raised_at DESC, key", [name]).fetchall()
        done = {r["key"] for r in con.execute("SELECT key FROM alert_acks WHERE db = ? AND login = ?",
                                              [name, account.login])}
    finally:
        con.close()
    return [_row(r, done) for r in found if covers(account, r["street"], r["community"])
            and (acknowledged or r["key"] not in done)]


def acknowledge(db: Path, account: Account, database, keys, *, address: str | None = None,
                now: dt.datetime | None = None) -> int:
    """The account acknowledges alerts (each once; audited as alert_ack, one entry naming them); how many were new.
    AccessError when a key is not an alert in the account's scope (it names none of them)."""
    name, keys = database_name(database), sorted(set(keys))
    mine = {a["key"] for a in for_account(db, account, database, acknowledged=True)}
    if not set(keys) <= mine:
        raise AccessError("无此提醒，或不在本账号范围 / no such alert in this account's scope")
    when = stamp(now)
    con = connect(db)
    try:
        with immediate(con):
            new = [k for k in keys if not con.execute("SELECT 1 FROM alert_acks WHERE db = ? AND key = ? AND login = ?",
                                                      [name, k, account.login]).fetchone()]
            con.executemany("INSERT INTO alert_acks VALUES (?, ?, ?, ?)", [(name, k, account.login, when) for k in new])
            if new:
                audit.record(db, "alert_ack", login=account.login, address=address, target=", ".join(new),
                             outcome="ok", details={"keys": new}, now=now, con=con)
        return len(new)
    finally:
        con.close()


def visit(db: Path, login: str, now: dt.datetime | None = None) -> str | None:
    """A visit begins (the first page of a signed-in session): the moment the previous one began (None on the first),
    and this one recorded."""
    con = connect(db)
    try:
        with immediate(con):
            row = con.execute("SELECT latest FROM alert_visits WHERE login = ?", [login]).fetchone()
            con.execute("INSERT INTO alert_visits VALUES (?, ?, ?) ON CONFLICT (login) DO UPDATE SET "
                        "previous = excluded.previous, latest = excluded.latest",
                        [login, row["latest"] if row else None, stamp(now)])
        return row["latest"] if row else None
    finally:
        con.close()
