"""Accounts: a login, an argon2id password hash, a role (district, street, community) with its street and
community, an admin right on top, disabled or not, and the failed sign-ins that lead to a lockout.

Passwords are never an argument of a command (they would sit in the shell history and the process list): the
CLI reads them from standard input or a prompt. Hashing is argon2-cffi's PasswordHasher (argon2id, its
RFC 9106 defaults); a hash made with older parameters is renewed at the next sign-in (access.sessions)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from argon2 import PasswordHasher

from . import ROLES, AccessError, Account, audit
from .db import connect, immediate, stamp

HASHER = PasswordHasher()
MIN_PASSWORD = 8
# The password_hash of an account made by single sign-on (access.oidc): not an argon2 hash, so no password ever
# matches it; sessions.sign_in refuses it like a wrong password (in the same time) and set_password refuses to set one.
EXTERNAL_HASH = "!oidc"
LOGIN_PATTERN = re.compile(r"^[\w.@-]{1,64}$")   # letters (Chinese too), digits, _ . @ -; no spaces
FIELDS = ("login", "role", "street", "community", "admin", "disabled", "created_at", "updated_at", "failed_count",
          "locked_until")


def _account(row) -> Account:
    return Account(**{k: (bool(row[k]) if k in ("admin", "disabled") else row[k]) for k in FIELDS})


def check_password(password: str, login: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"密码至少{MIN_PASSWORD}个字符 / the password needs at least {MIN_PASSWORD} characters")
    if password.strip().lower() == login.lower():
        raise AccessError("密码不能与登录名相同 / the password cannot be the login")


def _check_role(role: str, street: str | None, community: str | None) -> None:
    if role not in ROLES:
        raise AccessError(f"未知的角色 {role}（district、street、community） / unknown role")
    if role == "district" and (street or community):
        raise AccessError("区级账号不设街道和社区 / a district account has no street or community")
    if role in ("street", "community") and not street:
        raise AccessError("街道、社区账号须指定街道（--street） / a street or community account needs --street")
    if role == "community" and not community:
        raise AccessError("社区账号须指定社区（--community） / a community account needs --community")
    if role == "street" and community:
        raise AccessError("街道账号不设社区；只看一个社区请用 community 角色 / a street account has no community; "
                          "use the community role")


def check_place(db: Path, login: str, role: str, street: str | None, community: str | None, known: dict | None, *,
                actor: str | None, address: str | None = None, now: dt.datetime | None = None) -> None:
    """Refuse (AccessError, audited as account_change `refused`) a street or community account whose street, or community under that street, neither the data nor the
    registry names (`known`: metrics.options.filter_options of the database, `street` a list and `community` a
    list of {street, community}); the message lists the known ones. A typo (柏溪 for 柏溪街道, a community under
    the wrong street) would make an account that sees nothing, and whose imports would be refused or, worse, file
    rows under a street nobody else has. With no data yet (`known` None, or no street at all) a street or community
    account is refused with a word to import first: there is nothing to check its place against, and nothing it
    could see. `users add` and the admin page's form both call this before accounts.add."""
    try:
        _known_place(role, street, community, known)
    except AccessError as refused:
        audit.record(db, "account_change", login=actor, address=address, target=login, outcome="refused",
                     details={"change": "add", "role": role, "street": street, "community": community,
                              "reason": str(refused)}, now=now)
        raise


def _known_place(role: str, street: str | None, community: str | None, known: dict | None) -> None:
    if role not in ("street", "community") or not street:
        return   # a district account has no place; a missing street is _check_role's to refuse
    streets = list((known or {}).get("street") or [])
    if not streets:
        raise AccessError("还没有导入数据，无法核对街道和社区：请先导入小区台账或工单，再创建街道、社区账号 / no data yet to "
                          "check the street and community against: import the registry or the orders first, then "
                          "create street and community accounts")
    if street not in streets:
        raise AccessError(f"未知的街道“{street}”；已知的街道：{'、'.join(streets)} / unknown street {street}; known "
                          f"streets: {', '.join(streets)}")
    if role == "community" and community:
        communities = [c["community"] for c in (known.get("community") or [])
                       if c.get("street") == street and c.get("community")]
        if community not in communities:
            listed_zh, listed_en = ("、".join(communities), ", ".join(communities)) if communities else ("（无）", "none")
            raise AccessError(f"未知的社区“{community}”（{street}）；{street}的社区：{listed_zh} / unknown community "
                              f"{community} in {street}; its communities: {listed_en}")


def add(db: Path, login: str, password: str, *, role: str, street: str | None = None, community: str | None = None,
        admin: bool = False, actor: str | None, address: str | None = None, now: dt.datetime | None = None,
        first: bool = False) -> Account:
    """Create an account (audited as account_change by `actor`). `first`: the dashboard's first-admin form,
    refused when any account exists by then (two visitors racing to be the first admin: one wins)."""
    if not LOGIN_PATTERN.match(login or ""):
        raise AccessError("登录名只能包含字母、汉字、数字和 _ . @ -，最长64个字符 / a login is letters, digits and "
                          "_ . @ - (at most 64)")
    _check_role(role, street, community)
    check_password(password, login)
    hashed = HASHER.hash(password)
    con = connect(db)
    try:
        with immediate(con):
            if first and con.execute("SELECT 1 FROM accounts LIMIT 1").fetchone():
                raise AccessError("管理员账号已由他人创建，请登录 / the first admin account exists already: sign in")
            if con.execute("SELECT 1 FROM accounts WHERE login = ?", [login]).fetchone():
                raise AccessError(f"账号已存在 / the account exists: {login}")
            con.execute("""INSERT INTO accounts (login, password_hash, role, street, community, admin, created_at,
                           updated_at) VALUES (?,?,?,?,?,?,?,?)""",
                        [login, hashed, role, street, community, int(admin), stamp(now), stamp(now)])
            audit.record(db, "account_change", login=actor, address=address, target=login, outcome="ok",
                         details={"change": "first_admin" if first else "add", "role": role, "street": street, "community": community,
                                  "admin": admin}, now=now, con=con)
        return get(db, login, con=con)
    finally:
        con.close()


def get(db: Path, login: str, *, con=None) -> Account | None:
    own = con is None
    con = con or connect(db)
    try:
        row = con.execute(f"SELECT {', '.join(FIELDS)} FROM accounts WHERE login = ?", [login]).fetchone()
        return _account(row) if row else None
    finally:
        if own:
            con.close()


def external(db: Path, login: str) -> bool:
    """Whether the account was made by single sign-on (it signs in only through the provider)."""
    con = connect(db)
    try:
        row = con.execute("SELECT password_hash FROM accounts WHERE login = ?", [login]).fetchone()
        return bool(row) and row["password_hash"] == EXTERNAL_HASH
    finally:
        con.close()


def listing(db: Path) -> list[Account]:
    con = connect(db)
    try:
        return [_account(r) for r in con.execute(f"SELECT {', '.join(FIELDS)} FROM accounts ORDER BY login")]
    finally:
        con.close()


def any_exist(db: Path) -> bool:
    """Whether the database has accounts at all (with none, the dashboard asks for the first admin)."""
    con = connect(db)
    try:
        return con.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None
    finally:
        con.close()


def _change(db: Path, login: str, change: str, sql: str, params: list, *, actor: str, address: str | None,
            now: dt.datetime | None) -> Account:
    """One change to one account, with its audit entry; the account's sessions end with it."""
    con = connect(db)
    try:
        with immediate(con):
            found = con.execute(f"UPDATE accounts SET {sql}, updated_at = ? WHERE login = ?",
                                params + [stamp(now), login]).rowcount
            if not found:
                raise AccessError(f"账号不存在 / no such account: {login}")
            con.execute("DELETE FROM sessions WHERE login = ?", [login])
            audit.record(db, "account_change", login=actor, address=address, target=login, outcome="ok",
                         details={"change": change}, now=now, con=con)
        return get(db, login, con=con)
    finally:
        con.close()


def disable(db: Path, login: str, *, actor: str, address: str | None = None, now=None) -> Account:
    """Disable an account; its open sessions end at once."""
    return _change(db, login, "disable", "disabled = 1", [], actor=actor, address=address, now=now)


def enable(db: Path, login: str, *, actor: str, address: str | None = None, now=None) -> Account:
    """Enable an account and lift its lockout (an admin's answer to a locked-out colleague)."""
    return _change(db, login, "enable", "disabled = 0, failed_count = 0, locked_until = NULL", [],
                   actor=actor, address=address, now=now)


def set_password(db: Path, login: str, password: str, *, actor: str, address: str | None = None, now=None) -> Account:
    """A new password (a reset by an admin, or the user's own); the account's sessions end."""
    check_password(password, login)
    if external(db, login):
        raise AccessError(f"账号 {login} 通过统一身份认证登录，不能设置密码 / account {login} signs in through the "
                          "district's single sign-on: it has no password")
    return _change(db, login, "password", "password_hash = ?, failed_count = 0, locked_until = NULL",
                   [HASHER.hash(password)], actor=actor, address=address, now=now)
