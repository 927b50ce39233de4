"""Signing in and out, sessions that end after an idle time, and the lockout after repeated failures.

- A session is a random token (secrets.token_urlsafe, 256 bits) given to the browser; the file keeps only its
  SHA-256, so a copy of the access file opens no session.
- A session unused for `access.idle_minutes` ends (the next look finds it expired and removes it).
- `access.max_failures` failed sign-ins lock the login for `access.lockout_minutes`; so do as many failures from
  one address within that many minutes, whatever logins they tried (a password sprayed over many accounts).
  A success clears the login's count, not the address's (a valid account must not reset a guesser's count).
  While locked, a sign-in is refused without checking the password.
- Every outcome says the same to a guesser: a wrong password, an unknown login and a disabled account give one
  message (and take the same time: an unknown login is checked against a dummy hash)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2.exceptions import InvalidHashError, VerificationError

from . import Account, SignInRefused, accounts, audit, settings
from .accounts import get
from .db import connect, immediate, parse, stamp

COOKIE = "dashboard_session"   # the browser's HttpOnly cookie holding a session's token (gateway/, ui/signin.py)
TOUCH_SECONDS = 30   # last_seen is written at most this often per session (a page rerun need not write)
_DUMMY: dict = {}
BAD_CREDENTIALS = "登录名或密码错误，或账号已停用 / wrong login or password, or the account is disabled"


@dataclass(frozen=True)
class Session:
    token: str
    account: Account


def _dummy_hash() -> str:
    """A hash no password matches, made with the current parameters: an unknown login costs what a known one does."""
    hasher = accounts.HASHER
    if hasher not in _DUMMY:
        _DUMMY[hasher] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY[hasher]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in(db: Path, login: str, password: str, *, address: str | None, config: dict | None = None,
            now: dt.datetime | None = None) -> Session:
    """A new session for a right login and password; SignInRefused otherwise (audited either way)."""
    now = now or dt.datetime.now()
    rules = settings(config)
    con = connect(db)
    try:
        row = con.execute("SELECT password_hash, disabled, locked_until FROM accounts WHERE login = ?",
                          [login]).fetchone()
        by_address = con.execute("SELECT locked_until FROM address_failures WHERE address = ?",
                                 [address]).fetchone() if address else None
        locked = [parse(r["locked_until"]) for r in (by_address,) if r and r["locked_until"]]
        if row and row["locked_until"] and _failed_here(con, login, address, rules, now):
            locked.append(parse(row["locked_until"]))   # the login's lock holds where its failures came from
        if [t for t in locked if t > now]:
            _verify_dummy(password)   # as long as a real check: the refusal tells nothing by its time either
            audit.record(db, "sign_in_failed", login=login if row else None, address=address, target=login,
                         outcome="locked", now=now, con=con)
            raise SignInRefused(BAD_CREDENTIALS, "locked")
        # the slow part (tens of milliseconds) outside any transaction: other processes keep writing
        try:
            # an account of single sign-on has no password: checked against the dummy hash, the same time, refused
            external = bool(row) and row["password_hash"] == accounts.EXTERNAL_HASH
            verified = accounts.HASHER.verify(row["password_hash"] if row and not external else _dummy_hash(),
                                              password) and not external
        except (VerificationError, InvalidHashError):
            verified = False
        if row and verified and not row["disabled"]:
            return _open_session(db, con, login, password, row["password_hash"], address, now)
        _count_failure(db, con, login if row else None, login, address, rules, now,
                       "disabled" if row and verified else "bad_credentials")
        raise SignInRefused(BAD_CREDENTIALS, "disabled" if row and verified else "bad_credentials")
    finally:
        con.close()


OIDC_DISABLED = "账号 {login} 已停用，请联系管理员 / account {login} is disabled: ask an admin"
OIDC_LOCAL = ("账号 {login} 是本看板的本地账号，不能通过统一身份认证登录，请用密码登录 / {login} is a local account of "
              "this dashboard: sign in with its password, not through single sign-on")
_IDENTITY_FIELDS = ("role", "street", "community", "admin")


def open_external(db: Path, identity, *, provider: str, address: str | None, config: dict | None = None,
                  now: dt.datetime | None = None) -> Session:
    """A session for a person the district's OpenID Connect provider signed in (`access.oidc.identity` of its
    claims): the account is made on first sign-in, its role and place follow the claims at every sign-in (a change
    is an account_change), and from then on the session is an ordinary one (idle expiry, sign-out, scope, audit).
    Refused (SignInRefused, audited as sign_in_failed): an account disabled here, whatever the provider says; a
    login that is a local password account (a provider must not take over a local admin)."""
    now = now or dt.datetime.now()
    method = {"method": "oidc", "provider": provider}
    wanted = {"role": identity.role, "street": identity.street, "community": identity.community,
              "admin": bool(identity.admin)}
    token = secrets.token_urlsafe(32)
    refused = None
    con = connect(db)
    try:
        with immediate(con):
            row = con.execute("SELECT password_hash, role, street, community, admin, disabled FROM accounts "
                              "WHERE login = ?", [identity.login]).fetchone()
            if row and row["password_hash"] != accounts.EXTERNAL_HASH:
                refused = ("local_account", OIDC_LOCAL)
            elif row and row["disabled"]:
                refused = ("disabled", OIDC_DISABLED)
            if refused:
                audit.record(db, "sign_in_failed", login=identity.login, address=address, target=identity.login,
                             outcome=refused[0], details=method, now=now, con=con)
            else:
                _upsert_external(db, con, identity.login, row, wanted, provider, address, now)
                con.execute("INSERT INTO sessions (token_sha256, login, address, created_at, last_seen) "
                            "VALUES (?,?,?,?,?)", [_digest(token), identity.login, address, stamp(now), stamp(now)])
                audit.record(db, "sign_in", login=identity.login, address=address, details=method, now=now, con=con)
        if refused:   # raised after the commit: the refusal's audit entry stays
            raise SignInRefused(refused[1].format(login=identity.login), refused[0])
        return Session(token, get(db, identity.login, con=con))
    finally:
        con.close()


def _upsert_external(db, con, login: str, row, wanted: dict, provider: str, address, now) -> None:
    """Make the account of a first sign-in, or bring its role and place in line with the claims (audited by the
    provider, `oidc:<provider>`, as the CLI's changes are by `cli:<user>`)."""
    actor = f"oidc:{provider}"
    if row is None:
        con.execute("""INSERT INTO accounts (login, password_hash, role, street, community, admin, created_at,
                       updated_at) VALUES (?,?,?,?,?,?,?,?)""",
                    [login, accounts.EXTERNAL_HASH, wanted["role"], wanted["street"], wanted["community"],
                     int(wanted["admin"]), stamp(now), stamp(now)])
        audit.record(db, "account_change", login=actor, address=address, target=login, outcome="ok",
                     details={"change": "add", "method": "oidc", **wanted}, now=now, con=con)
        return
    before = {k: (bool(row[k]) if k == "admin" else row[k]) for k in _IDENTITY_FIELDS}
    if before == wanted:
        return
    con.execute("UPDATE accounts SET role = ?, street = ?, community = ?, admin = ?, updated_at = ? WHERE login = ?",
                [wanted["role"], wanted["street"], wanted["community"], int(wanted["admin"]), stamp(now), login])
    audit.record(db, "account_change", login=actor, address=address, target=login, outcome="ok",
                 details={"change": "claims", "method": "oidc", "before": before, "after": wanted}, now=now, con=con)


def _failed_here(con, login: str, address: str | None, rules, now: dt.datetime) -> bool:
    """Whether this address failed to sign in as this login within the lockout time."""
    found = con.execute("SELECT last_failed FROM login_failures WHERE login = ? AND address = ?",
                        [login, address or ""]).fetchone()
    return bool(found) and parse(found["last_failed"]) > now - dt.timedelta(minutes=int(rules["lockout_minutes"]))


def _verify_dummy(password: str) -> None:
    try:
        accounts.HASHER.verify(_dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        pass


def _open_session(db, con, login, password, stored_hash, address, now) -> Session:
    token = secrets.token_urlsafe(32)
    with immediate(con):
        hasher = accounts.HASHER
        renewed = hasher.hash(password) if hasher.check_needs_rehash(stored_hash) else stored_hash
        con.execute("UPDATE accounts SET failed_count = 0, locked_until = NULL, password_hash = ? WHERE login = ?",
                    [renewed, login])
        con.execute("DELETE FROM login_failures WHERE login = ?", [login])
        con.execute("INSERT INTO sessions (token_sha256, login, address, created_at, last_seen) VALUES (?,?,?,?,?)",
                    [_digest(token), login, address, stamp(now), stamp(now)])
        audit.record(db, "sign_in", login=login, address=address, now=now, con=con)
    return Session(token, get(db, login, con=con))


def _count_failure(db, con, account: str | None, typed: str, address, rules, now, reason) -> None:
    """One more failure for the login (when it exists) and for the address; at max_failures a lockout."""
    limit, minutes = int(rules["max_failures"]), int(rules["lockout_minutes"])
    until = stamp(now + dt.timedelta(minutes=minutes))
    with immediate(con):
        audit.record(db, "sign_in_failed", login=account, address=address, target=typed, outcome=reason,
                     now=now, con=con)
        if address:   # without one (a caller that cannot tell), only the login counts: no shared bucket to lock
            _count_address_failure(db, con, address, limit, minutes, until, now)
        if account:
            con.execute("""INSERT INTO login_failures (login, address, failed_count, last_failed) VALUES (?,?,1,?)
                           ON CONFLICT (login, address) DO UPDATE SET failed_count = failed_count + 1,
                           last_failed = excluded.last_failed""", [account, address or "", stamp(now)])
            count = con.execute("UPDATE accounts SET failed_count = failed_count + 1 WHERE login = ? "
                                "RETURNING failed_count", [account]).fetchall()[0][0]
            if count >= limit:
                con.execute("UPDATE accounts SET failed_count = 0, locked_until = ? WHERE login = ?", [until, account])
                audit.record(db, "lockout", login=account, address=address, target=account, outcome="login_locked",
                             details={"failures": count, "minutes": minutes}, now=now, con=con)


def _count_address_failure(db, con, address: str, limit: int, minutes: int, until: str, now: dt.datetime) -> None:
    """Failures from one address within `minutes` of each other add up; at `limit` the address is locked."""
    found = con.execute("SELECT failed_count, last_failed FROM address_failures WHERE address = ?",
                        [address]).fetchone()
    recent = found and found["last_failed"] and parse(found["last_failed"]) > now - dt.timedelta(minutes=minutes)
    count = (found["failed_count"] if recent else 0) + 1
    locks = count >= limit
    con.execute("""INSERT INTO address_failures (address, failed_count, last_failed, locked_until) VALUES (?,?,?,?)
                   ON CONFLICT (address) DO UPDATE SET failed_count = excluded.failed_count,
                   last_failed = excluded.last_failed,
                   locked_until = coalesce(excluded.locked_until, address_failures.locked_until)""",
                [address, 0 if locks else count, stamp(now), until if locks else None])
    if locks:
        audit.record(db, "lockout", address=address, target=address, outcome="address_locked",
                     details={"failures": count, "minutes": minutes}, now=now, con=con)


def current(db: Path, token: str | None, *, config: dict | None = None, now: dt.datetime | None = None,
            touch: bool = True) -> Account | None:
    """The account of a live session, or None (no token, unknown, idle too long, account disabled); an idle
    session is removed and its end audited. `touch=False` looks without counting as use (the page's timer
    asks every few seconds whether the session has ended; that must not keep it alive)."""
    if not token:
        return None
    now = now or dt.datetime.now()
    idle = dt.timedelta(minutes=float(settings(config)["idle_minutes"]))
    con = connect(db)
    try:
        row = con.execute("""SELECT s.login, s.address, s.last_seen, a.disabled FROM sessions s
                             JOIN accounts a USING (login) WHERE s.token_sha256 = ?""", [_digest(token)]).fetchone()
        if row is None:
            return None
        last_seen = parse(row["last_seen"])
        if row["disabled"] or now - last_seen > idle:
            with immediate(con):
                if con.execute("DELETE FROM sessions WHERE token_sha256 = ?", [_digest(token)]).rowcount:
                    audit.record(db, "sign_out", login=row["login"], address=row["address"], outcome="expired",
                                 details={"idle_minutes": settings(config)["idle_minutes"]}, now=now, con=con)
            return None
        if touch and (now - last_seen).total_seconds() >= TOUCH_SECONDS:
            con.execute("UPDATE sessions SET last_seen = ? WHERE token_sha256 = ?", [stamp(now), _digest(token)])
        return get(db, row["login"], con=con)
    finally:
        con.close()


def sign_out(db: Path, token: str | None, *, address: str | None = None, now: dt.datetime | None = None) -> bool:
    """End a session (audited); False when there was none."""
    if not token:
        return False
    con = connect(db)
    try:
        with immediate(con):
            found = con.execute("DELETE FROM sessions WHERE token_sha256 = ? RETURNING login", [_digest(token)]).fetchall()
            row = found[0] if found else None
            if row:
                audit.record(db, "sign_out", login=row["login"], address=address, now=now, con=con)
        return row is not None
    finally:
        con.close()
