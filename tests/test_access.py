"""Accounts, sign-in, lockout, idle sessions and the audit trail, in the SQLite file beside the database."""
import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from access import AccessError, SignInRefused, accounts, audit, audit_check, sessions
from access.db import connect, path_for

ROOT = Path(__file__).resolve().parent.parent
T0 = dt.datetime(2026, 12, 1, 9, 0)
PASSWORD = "正确的密码-2026"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2id at its smallest cost (the default takes 64 MiB and tens of milliseconds, seconds on a loaded
    machine); test_the_default_hash_parameters checks what production uses."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "app.duckdb"
    accounts.add(path, "dong", PASSWORD, role="street", street="东街道", actor="cli:root", now=T0)
    accounts.add(path, "qu", PASSWORD, role="district", admin=True, actor="cli:root", now=T0)
    return path


def minutes(n):
    return T0 + dt.timedelta(minutes=n)


def test_an_account_is_stored_with_an_argon2id_hash_never_the_password(db):
    found = accounts.get(db, "dong")
    assert (found.login, found.role, found.street, found.community, found.admin, found.disabled) == (
        "dong", "street", "东街道", None, False, False)
    assert (found.created_at, found.failed_count, found.locked_until) == ("2026-12-01 09:00:00", 0, None)
    con = connect(db)
    stored = con.execute("SELECT password_hash FROM accounts WHERE login = 'dong'").fetchone()[0]
    con.close()
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert PASSWORD.encode() not in path_for(db).read_bytes()
    assert [a.login for a in accounts.listing(db)] == ["dong", "qu"]


def test_the_default_hash_parameters_and_their_renewal_at_sign_in(db, monkeypatch):
    """Production hashes with argon2-cffi's RFC 9106 low-memory profile (argon2id, 64 MiB, 3 passes); a hash
    made with other parameters (here the tests' quick ones) is renewed at the next sign-in."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher())
    sessions.sign_in(db, "dong", PASSWORD, address="10.0.0.7", now=T0)
    con = connect(db)
    stored = con.execute("SELECT password_hash FROM accounts WHERE login = 'dong'").fetchone()[0]
    con.close()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert sessions.sign_in(db, "dong", PASSWORD, address="10.0.0.7", now=T0).account.login == "dong"


@pytest.mark.parametrize("kwargs, message", [
    ({"role": "street"}, "街道、社区账号须指定街道（--street）"),
    ({"role": "community", "street": "东街道"}, "社区账号须指定社区（--community）"),
    ({"role": "district", "street": "东街道"}, "区级账号不设街道和社区"),
    ({"role": "street", "street": "东街道", "community": "东一社区"}, "街道账号不设社区"),
    ({"role": "mayor"}, "未知的角色 mayor"),
])
def test_a_role_without_its_street_or_community_is_refused(db, kwargs, message):
    with pytest.raises(AccessError, match="^" + message):
        accounts.add(db, "new", PASSWORD, actor="cli:root", **kwargs)
    assert accounts.get(db, "new") is None


def test_short_passwords_bad_logins_and_duplicates_are_refused(db):
    with pytest.raises(AccessError, match="^密码至少8个字符"):
        accounts.add(db, "new", "short", role="district", actor="cli:root")
    with pytest.raises(AccessError, match="^密码不能与登录名相同"):
        accounts.add(db, "password1", "Password1", role="district", actor="cli:root")
    with pytest.raises(AccessError, match="^登录名只能包含"):
        accounts.add(db, "has space", PASSWORD, role="district", actor="cli:root")
    with pytest.raises(AccessError, match="^账号已存在 / the account exists: dong$"):
        accounts.add(db, "dong", PASSWORD, role="district", actor="cli:root")


def test_sign_in_opens_a_session_and_sign_out_ends_it(db):
    session = sessions.sign_in(db, "dong", PASSWORD, address="10.0.0.7", now=T0)
    assert len(session.token) >= 43 and session.account.login == "dong"
    assert sessions.current(db, session.token, now=minutes(1)).login == "dong"
    con = connect(db)
    assert con.execute("SELECT count(*) FROM sessions WHERE token_sha256 = ?", [session.token]).fetchone()[0] == 0
    con.close()
    assert session.token.encode() not in path_for(db).read_bytes()   # only its SHA-256 is kept
    assert sessions.sign_out(db, session.token, address="10.0.0.7", now=minutes(2)) is True
    assert sessions.current(db, session.token, now=minutes(3)) is None
    assert [(e["action"], e["login"], e["address"], e["outcome"]) for e in audit.entries(db)][-2:] == [
        ("sign_in", "dong", "10.0.0.7", "ok"), ("sign_out", "dong", "10.0.0.7", "ok")]


def test_wrong_password_unknown_login_and_disabled_account_say_the_same(db):
    accounts.disable(db, "qu", actor="cli:root", now=T0)
    outcomes = []
    for login, password in (("dong", "错误的密码123"), ("nobody", PASSWORD), ("qu", PASSWORD)):
        with pytest.raises(SignInRefused) as refused:
            sessions.sign_in(db, login, password, address=f"10.0.0.{len(outcomes)}", now=T0)
        assert str(refused.value) == "登录名或密码错误，或账号已停用 / wrong login or password, or the account is disabled"
        outcomes.append(refused.value.reason)
    assert outcomes == ["bad_credentials", "bad_credentials", "disabled"]
    failed = audit.entries(db, action="sign_in_failed")
    assert [(e["login"], e["target"], e["outcome"]) for e in failed] == [
        ("dong", "dong", "bad_credentials"), (None, "nobody", "bad_credentials"), ("qu", "qu", "disabled")]


def test_five_failures_lock_the_login_for_fifteen_minutes_where_they_came_from(db):
    for i in range(5):   # from five addresses: the login's count, not an address's
        with pytest.raises(SignInRefused):
            sessions.sign_in(db, "dong", "错误的密码123", address=f"10.0.1.{i}", now=minutes(i))
    assert accounts.get(db, "dong").locked_until == "2026-12-01 09:19:00"
    with pytest.raises(SignInRefused) as refused:   # the right password from a failing address: refused unchecked
        sessions.sign_in(db, "dong", PASSWORD, address="10.0.1.3", now=minutes(10))
    assert refused.value.reason == "locked"
    # the caller is told what an unknown login or a wrong password is told: no 已锁定 to enumerate logins with
    assert str(refused.value) == sessions.BAD_CREDENTIALS
    with pytest.raises(SignInRefused) as unknown:
        sessions.sign_in(db, "nobody", PASSWORD, address="10.0.1.3", now=minutes(10))
    assert str(unknown.value) == str(refused.value)
    # the owner at an address that never failed as dong is not locked out by the stranger (was: refused, 已锁定)
    assert sessions.sign_in(db, "dong", PASSWORD, address="10.0.2.1", now=minutes(11)).account.login == "dong"
    [lockout] = audit.entries(db, action="lockout")
    assert (lockout["login"], lockout["target"], lockout["outcome"], lockout["details"]) == (
        "dong", "dong", "login_locked", {"failures": 5, "minutes": 15})
    assert [e["outcome"] for e in audit.entries(db, action="sign_in_failed")][-2:] == ["locked", "bad_credentials"]


def test_a_lockout_ends_after_fifteen_minutes(db):
    for i in range(5):
        with pytest.raises(SignInRefused):
            sessions.sign_in(db, "dong", "错误的密码123", address="10.0.1.7" if i < 4 else "10.0.1.8", now=minutes(i))
    with pytest.raises(SignInRefused):
        sessions.sign_in(db, "dong", PASSWORD, address="10.0.1.8", now=minutes(18))
    assert sessions.sign_in(db, "dong", PASSWORD, address="10.0.1.8", now=minutes(19)).account.login == "dong"
    assert accounts.get(db, "dong").failed_count == 0


def test_a_success_clears_the_login_count(db):
    for i in range(4):
        with pytest.raises(SignInRefused):
            sessions.sign_in(db, "dong", "错误的密码123", address=f"10.0.1.{i}", now=minutes(i))
    sessions.sign_in(db, "dong", PASSWORD, address="10.0.1.9", now=minutes(5))
    with pytest.raises(SignInRefused) as refused:
        sessions.sign_in(db, "dong", "错误的密码123", address="10.0.1.8", now=minutes(6))
    assert refused.value.reason == "bad_credentials"   # the count starts again: 1, not 5
    assert accounts.get(db, "dong").failed_count == 1


def test_five_failures_from_one_address_lock_the_address_whatever_the_logins(db):
    guesses = ["a1", "a2", "dong", "a3"]
    for i, login in enumerate(guesses):
        with pytest.raises(SignInRefused):
            sessions.sign_in(db, login, "猜的密码12345", address="203.0.113.9", now=minutes(i))
    sessions.sign_in(db, "qu", PASSWORD, address="203.0.113.9", now=minutes(4))   # a success does not clear it
    with pytest.raises(SignInRefused):
        sessions.sign_in(db, "a4", "猜的密码12345", address="203.0.113.9", now=minutes(5))
    with pytest.raises(SignInRefused) as refused:
        sessions.sign_in(db, "qu", PASSWORD, address="203.0.113.9", now=minutes(6))
    assert refused.value.reason == "locked"
    assert sessions.sign_in(db, "qu", PASSWORD, address="198.51.100.1", now=minutes(6)).account.login == "qu"
    assert sessions.sign_in(db, "qu", PASSWORD, address="203.0.113.9", now=minutes(20)).account.login == "qu"
    [lockout] = audit.entries(db, action="lockout")
    assert (lockout["login"], lockout["address"], lockout["outcome"]) == (None, "203.0.113.9", "address_locked")


def test_failures_further_apart_than_the_lockout_time_do_not_add_up_for_an_address(db):
    for i in range(4):
        with pytest.raises(SignInRefused):
            sessions.sign_in(db, f"x{i}", "猜的密码12345", address="203.0.113.9", now=minutes(i))
    with pytest.raises(SignInRefused) as refused:
        sessions.sign_in(db, "x9", "猜的密码12345", address="203.0.113.9", now=minutes(3 + 16))
    assert refused.value.reason == "bad_credentials"
    assert sessions.sign_in(db, "qu", PASSWORD, address="203.0.113.9", now=minutes(20)).account.login == "qu"


def test_a_session_ends_after_the_configured_idle_time(db):
    config = {"access": {"idle_minutes": 10}}
    token = sessions.sign_in(db, "dong", PASSWORD, address="10.0.0.7", config=config, now=T0).token
    assert sessions.current(db, token, config=config, now=minutes(9)).login == "dong"     # used: idle from here
    assert sessions.current(db, token, config=config, now=minutes(18)).login == "dong"
    assert sessions.current(db, token, config=config, now=minutes(29)) is None           # 11 minutes idle
    assert sessions.current(db, token, config=config, now=minutes(30)) is None
    expired = audit.entries(db, action="sign_out")
    assert [(e["login"], e["outcome"], e["details"]) for e in expired] == [("dong", "expired", {"idle_minutes": 10})]
    assert sessions.current(db, "not-a-token") is None and sessions.current(db, None) is None


def test_disabling_or_a_new_password_ends_the_sessions(db):
    token = sessions.sign_in(db, "dong", PASSWORD, address="10.0.0.7", now=T0).token
    accounts.disable(db, "dong", actor="qu", now=minutes(1))
    assert sessions.current(db, token, now=minutes(2)) is None
    accounts.enable(db, "dong", actor="qu", now=minutes(3))
    token = sessions.sign_in(db, "dong", PASSWORD, address="10.0.0.7", now=minutes(4)).token
    accounts.set_password(db, "dong", "新的密码-2027", actor="dong", now=minutes(5))
    assert sessions.current(db, token, now=minutes(6)) is None
    with pytest.raises(SignInRefused):
        sessions.sign_in(db, "dong", PASSWORD, address="10.0.0.7", now=minutes(7))
    assert sessions.sign_in(db, "dong", "新的密码-2027", address="10.0.0.7", now=minutes(8)).account.login == "dong"
    changes = [(e["login"], e["target"], e["details"]["change"]) for e in audit.entries(db, action="account_change")]
    assert changes == [("cli:root", "dong", "add"), ("cli:root", "qu", "add"), ("qu", "dong", "disable"),
                       ("qu", "dong", "enable"), ("dong", "dong", "password")]
    with pytest.raises(AccessError, match="^账号不存在 / no such account: ghost$"):
        accounts.disable(db, "ghost", actor="qu")


def test_enable_lifts_a_lockout(db):
    for i in range(5):
        with pytest.raises(SignInRefused):
            sessions.sign_in(db, "dong", "错误的密码123", address=f"10.0.1.{i}", now=minutes(i))
    accounts.enable(db, "dong", actor="qu", now=minutes(5))
    assert sessions.sign_in(db, "dong", PASSWORD, address="10.0.2.1", now=minutes(6)).account.login == "dong"


def test_the_audit_log_is_append_only(db):
    con = connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only: no update"):
        con.execute("UPDATE audit SET outcome = 'ok'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only: no delete"):
        con.execute("DELETE FROM audit")
    assert con.execute("SELECT count(*) FROM audit").fetchone()[0] == 2
    con.close()
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(db, "delete_everything")


def test_audit_entries_never_hold_personal_data(db):
    audit.record(db, "download", login="dong", address="10.0.0.7", target="张三13812345678.xlsx",
                 scope={"street": "东街道", "compound": "阳光花园 13812345678"},
                 details={"rows": 12, "note": ["身份证110101199003071234"]}, now=T0)
    [entry] = audit.entries(db, action="download")
    assert entry["target"] == "张三[手机号].xlsx"
    assert entry["scope"] == {"street": "东街道", "compound": "阳光花园 [手机号]"}
    assert entry["details"] == {"rows": 12, "note": ["身份证[身份证号]"]}
    raw = b"".join(p.read_bytes() for p in db.parent.glob(path_for(db).name + "*"))   # the file, any WAL left
    assert b"13812345678" not in raw and b"110101199003071234" not in raw


def test_audit_entries_filter_by_day_login_and_action(db):
    audit.record(db, "briefing", login="dong", scope={"street": "东街道"}, now=dt.datetime(2026, 12, 2, 23, 59))
    audit.record(db, "briefing", login="qu", now=dt.datetime(2026, 12, 3, 0, 0))
    audit.record(db, "download", login="dong", now=dt.datetime(2026, 12, 3, 8, 0))
    day = dt.date(2026, 12, 2)
    assert [e["login"] for e in audit.entries(db, start=day, end=day)] == ["dong"]
    assert [e["action"] for e in audit.entries(db, login="dong", start=day)] == ["briefing", "download"]
    assert [e["login"] for e in audit.entries(db, action="briefing")] == ["dong", "qu"]
    assert len(audit.entries(db)) == 5   # two account additions first


def test_audit_writers_in_several_processes_lose_nothing(db):
    """Four processes write 50 entries each at once; every one of the 200 is there (busy_timeout waits)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from access import audit\n"
            "for i in range(50): audit.record(sys.argv[2], 'download', login='p' + sys.argv[3], details={'i': i})")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(ROOT), str(db), str(n)]) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    found = audit.entries(db, action="download")
    assert len(found) == 200
    assert sorted((e["login"], e["details"]["i"]) for e in found) == sorted((f"p{n}", i) for n in range(4) for i in range(50))


def test_an_import_is_audited_with_its_file_hash_and_counts(built, db):
    _, folder, results = built
    audit.imported(db, results["work_orders"], login="qu", address="10.0.0.9", file_sha256="ab" * 32)
    audit.imported(db, results["compounds"], login="qu", address="10.0.0.9")
    from metrics.ingest.readers import ImportFailure
    audit.imported(db, ImportFailure("坏文件13812345678.csv: 没有编号列"), login="qu")
    entries = audit.entries(db, login="qu")
    assert [(e["action"], e["target"], e["outcome"]) for e in entries] == [
        ("import", "工单.csv", "ok"), ("registry_change", "小区台账.csv", "ok"), ("import", None, "failed")]
    assert entries[0]["details"] == {"import_id": 2, "kind": "work_orders", "rows_read": 17, "rows_new": 13,
                                     "rows_updated": 0, "rows_unchanged": 0, "rows_duplicate": 1, "rows_rejected": 3,
                                     "file_sha256": "ab" * 32}
    assert entries[2]["details"] == {"error": "坏文件[手机号].csv: 没有编号列"}


def test_without_an_address_only_the_login_counts(db):
    """A caller that cannot tell the address must not put every such sign-in in one bucket that locks them all."""
    for i in range(5):
        with pytest.raises(SignInRefused):
            sessions.sign_in(db, f"guess{i}", "猜的密码12345", address=None, now=minutes(i))
    assert sessions.sign_in(db, "qu", PASSWORD, address=None, now=minutes(5)).account.login == "qu"
    assert audit.entries(db, action="lockout") == []


@pytest.mark.parametrize("peer,forwarded,expected", [
    ("127.0.0.1", "10.2.3.4", "10.2.3.4"),          # nginx on the same machine says who it is
    ("::1", "10.2.3.4, 127.0.0.1", "10.2.3.4"),      # the first of a list
    ("127.0.0.1", None, "127.0.0.1"),
    ("127.0.0.1", "  ", "127.0.0.1"),
    ("10.9.9.9", "10.2.3.4", "10.9.9.9"),            # a browser reaching the process directly cannot claim another
    (None, "10.2.3.4", "10.2.3.4"),                 # Streamlit's None is a loopback connection (nginx)
    (None, None, "127.0.0.1"),
])
def test_client_address_believes_the_proxy_header_only_from_loopback(peer, forwarded, expected):
    from access import client_address

    assert client_address(peer, forwarded) == expected


# ---- the hash chain, its head file and its copies (issue 21: the audit log showed tampering) -----------------------

from access.db import SCHEMA, immediate  # noqa: E402


def chain():
    """access.chain (imported here: without it, every older test of this file still runs)."""
    from access import chain as module

    return module


def stored(db) -> list[dict]:
    """Every audit row as the file holds it, hashes included, oldest first."""
    con = connect(db)
    rows = [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY id")]
    con.close()
    return rows


def copied(db) -> list[dict]:
    """The JSON-lines copy beside the database (access.audit_file's default), line by line."""
    import json

    return [json.loads(line) for line in Path(str(db) + ".audit.jsonl").read_text(encoding="utf-8").splitlines()]


def head(db) -> dict:
    import json

    text = chain().head_path(db).read_text(encoding="ascii")
    assert len(text) == chain().HEAD_SIZE
    return json.loads(text)


def test_every_entry_is_chained_onto_the_one_before_it(db):
    """The fixture's two account additions and a failed sign-in that locks nothing: each entry's prev_hash is the
    hash of the one before it (GENESIS for the first), its hash SHA-256 of that and its content as stored."""
    import hashlib
    import json

    with pytest.raises(SignInRefused):
        sessions.sign_in(db, "dong", "错误的密码123", address="10.0.0.7", now=minutes(1))
    rows = stored(db)
    assert [(r["id"], r["action"]) for r in rows] == [(1, "account_change"), (2, "account_change"),
                                                      (3, "sign_in_failed")]
    assert rows[0]["prev_hash"] == "0" * 64
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    for r in rows:
        content = json.dumps([r[k] for k in ("id", "at", "login", "address", "action", "target", "scope", "outcome",
                                             "details")], ensure_ascii=False, separators=(",", ":"))
        assert r["hash"] == hashlib.sha256((r["prev_hash"] + "\n" + content).encode("utf-8")).hexdigest()
    assert head(db) == {"id": 3, "hash": rows[2]["hash"]}
    verdict = audit_check.verify(db)
    assert (verdict.ok, verdict.entries, verdict.problems, verdict.notes) == (True, 3, [], [])


def test_the_json_lines_copy_holds_every_entry_masked(db):
    audit.record(db, "download", login="dong", address="10.0.0.7", target="张三13812345678.xlsx",
                 scope={"street": "东街道"}, details={"rows": 12}, now=minutes(2))
    lines = copied(db)
    rows = stored(db)
    assert [line["id"] for line in lines] == [1, 2, 3]
    assert lines[2] == {"db": "app.duckdb", "id": 3, "at": "2026-12-01 09:02:00", "login": "dong",
                        "address": "10.0.0.7", "action": "download", "target": "张三[手机号].xlsx",
                        "scope": {"street": "东街道"}, "outcome": "ok", "details": {"rows": 12},
                        "prev_hash": rows[1]["hash"], "hash": rows[2]["hash"]}
    assert lines[0]["details"] == {"change": "add", "role": "street", "street": "东街道", "community": None,
                                   "admin": False}
    assert [(line["prev_hash"], line["hash"]) for line in lines] == [(r["prev_hash"], r["hash"]) for r in rows]
    assert "13812345678" not in Path(str(db) + ".audit.jsonl").read_text(encoding="utf-8")


def test_an_entry_rolled_back_with_its_transaction_reaches_neither_the_head_nor_the_copy(db):
    """A caller's transaction that records an entry and then fails: the entry, its head and its line are gone
    (they are written after the commit), and the next entry takes the same id."""
    con = connect(db)
    with pytest.raises(RuntimeError, match="^changed my mind$"):
        with immediate(con):
            audit.record(db, "sign_in", login="dong", now=minutes(1), con=con)
            raise RuntimeError("changed my mind")
    con.close()
    assert [line["id"] for line in copied(db)] == [1, 2] and head(db)["id"] == 2
    assert audit.record(db, "sign_out", login="dong", now=minutes(2)) == 3
    assert [(line["id"], line["action"]) for line in copied(db)][-1] == (3, "sign_out")
    assert audit_check.verify(db).ok


def test_concurrent_appends_from_several_processes_keep_one_chain(db):
    """Four processes append 50 entries each at once (each in BEGIN IMMEDIATE: read the previous hash, insert):
    one unbroken chain of 202 entries, the head file at the last, the copy holding each entry once."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from access import audit\n"
            "for i in range(50): audit.record(sys.argv[2], 'download', login='p' + sys.argv[3], details={'i': i})")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(ROOT), str(db), str(n)]) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    rows = stored(db)
    assert [r["id"] for r in rows] == list(range(1, 203))
    assert [r["prev_hash"] for r in rows] == ["0" * 64] + [r["hash"] for r in rows[:-1]]
    assert all(chain().entry_hash(r["prev_hash"], r) == r["hash"] for r in rows)
    assert head(db) == {"id": 202, "hash": rows[-1]["hash"]}
    assert sorted((line["id"], line["hash"]) for line in copied(db)) == [(r["id"], r["hash"]) for r in rows]
    verdict = audit_check.verify(db, [Path(str(db) + ".audit.jsonl")])
    assert (verdict.ok, verdict.entries) == (True, 202)


def test_entries_go_to_syslog_when_audit_syslog_names_an_address(db, tmp_path, monkeypatch):
    """access.audit_syslog host:port: one datagram per entry, facility authpriv (10) and severity info (6): <86>,
    tagged dashboard-audit, the JSON line with every non-ASCII character escaped (it survives any relay)."""
    import json
    import socket

    import yaml

    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(10)
    port = server.getsockname()[1]
    settings = tmp_path / "config.yaml"
    settings.write_text(yaml.safe_dump({"access": {"audit_syslog": f"127.0.0.1:{port}", "audit_file": False}}),
                        encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CONFIG", str(settings))
    monkeypatch.setattr(chain(), "_SYSLOG", {})
    copy_before = Path(str(db) + ".audit.jsonl").read_bytes()
    audit.record(db, "briefing", login="qu", target="东街道简报.docx", now=minutes(3))
    data, _ = server.recvfrom(65536)
    server.close()
    [row] = stored(db)[2:]
    assert data.startswith(b"<86>dashboard-audit: {") and data.endswith(b"}")
    assert json.loads(data[len(b"<86>dashboard-audit: "):]) == {
        "db": "app.duckdb", "id": 3, "at": "2026-12-01 09:03:00", "login": "qu", "address": None,
        "action": "briefing", "target": "东街道简报.docx", "scope": None, "outcome": "ok", "details": None,
        "prev_hash": row["prev_hash"], "hash": row["hash"]}
    assert data.isascii()
    assert Path(str(db) + ".audit.jsonl").read_bytes() == copy_before   # audit_file: false writes no copy
    assert head(db) == {"id": 3, "hash": row["hash"]}                     # the head is written whatever the sinks


def test_a_back_dated_entry_with_a_correct_hash_is_out_of_order(db):
    """Someone who knows the rule appends an entry chained correctly but dated a day earlier: its time betrays it."""
    rows = stored(db)
    forged = {"id": 3, "at": "2026-11-30 09:00:00", "login": "qu", "address": None, "action": "sign_in",
              "target": None, "scope": None, "outcome": "ok", "details": None, "prev_hash": rows[-1]["hash"]}
    forged["hash"] = chain().entry_hash(forged["prev_hash"], forged)
    con = sqlite3.connect(path_for(db))
    con.execute(f"INSERT INTO audit ({', '.join(forged)}) VALUES ({', '.join('?' * len(forged))})", list(forged.values()))
    con.commit()
    con.close()
    verdict = audit_check.verify(db)
    assert [str(p) for p in verdict.problems] == [
        "第3条 entry 3: 时间 2026-11-30 09:00:00 早于第2条的 2026-12-01 09:00:00：顺序错乱或时间倒填 / its time "
        "2026-11-30 09:00:00 is earlier than entry 2's 2026-12-01 09:00:00: out of order or back-dated"]


OLD_AUDIT = """CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    login TEXT,
    address TEXT,
    action TEXT NOT NULL CHECK (action IN ('sign_in', 'sign_in_failed', 'lockout', 'sign_out', 'import',
        'registry_change', 'account_change', 'download', 'briefing', 'access_refused', 'undo_import')),
    target TEXT,
    scope TEXT,
    outcome TEXT NOT NULL,
    details TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改 / the audit log is append-only: no update'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除 / the audit log is append-only: no delete'); END;
"""


def old_access_file(db: Path, entries: list[tuple]) -> None:
    """An access file as the code before the chain made it (no prev_hash, hash, audit_chain; user_version 0),
    holding `entries` (id, at, login, action) with their ids, gaps and all."""
    con = sqlite3.connect(path_for(db), isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(SCHEMA[:SCHEMA.index("CREATE TABLE IF NOT EXISTS audit (")] + OLD_AUDIT)
    con.executemany("INSERT INTO audit (id, at, login, action, outcome) VALUES (?, ?, ?, ?, 'ok')", entries)
    con.close()


def test_an_old_access_file_is_chained_once_when_it_is_opened(tmp_path):
    """The file of the incident: entries 1-4 and 22-24 (5-21 were deleted before the chain existed). Opening it
    chains every entry as it stands and says so: verify passes, naming the entries chained at the migration and
    the gap they already had; from then on the chain is checked as usual."""
    db = tmp_path / "old.duckdb"
    old = [(i, f"2026-11-0{1 + i // 10} 0{i % 10}:00:00", "qu", "sign_in") for i in (1, 2, 3, 4, 22, 23, 24)]
    old_access_file(db, old)
    con = connect(db)   # the migration
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    [(first, last, chained_at, reason)] = con.execute("SELECT * FROM audit_chain").fetchall()
    con.close()
    assert (first, last, reason) == (1, 24, "migration")
    rows = stored(db)
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 22, 23, 24]
    assert [(r["at"], r["login"], r["action"]) for r in rows] == [(at, login, action) for _, at, login, action in old]
    assert [r["prev_hash"] for r in rows] == ["0" * 64] + [r["hash"] for r in rows[:-1]]
    assert head(db) == {"id": 24, "hash": rows[-1]["hash"]}
    assert [(line["id"], line["chained_late"]) for line in copied(db)] == [(r["id"], True) for r in rows]
    audit.record(db, "sign_out", login="qu", now=dt.datetime(2026, 12, 1))
    assert stored(db)[-1]["prev_hash"] == rows[-1]["hash"] and stored(db)[-1]["id"] == 25
    verdict = audit_check.verify(db)
    assert (verdict.ok, verdict.entries) == (True, 8)
    assert [str(n) for n in verdict.notes] == [
        f"第1–24条写于哈希链启用之前，{chained_at}打开文件时补入链中：链只证明它们此后未被改动，不证明此前；链自第1条起覆盖全部条目 / "
        f"entries 1-24 were written before the hash chain existed and chained when the file was opened on "
        f"{chained_at}: the chain proves them unchanged since then, not before; it covers every entry from 1 on",
        "第5–21条在启用哈希链之前已经缺失 / entries 5-21 were already missing when the chain was made"]
    con = connect(db)   # once: a second opening changes nothing, and the log stays append-only
    assert con.execute("SELECT count(*) FROM audit_chain").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="append-only: no update"):
        con.execute("UPDATE audit SET login = 'x' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only: no update"):
        con.execute("UPDATE audit SET hash = NULL WHERE id = 2")
    con.close()


def test_an_entry_written_without_its_hash_is_chained_by_the_next_append_and_named(db):
    """During an upgrade a process still running the old code inserts without a hash: the next append chains it
    (the trigger lets an unchained entry get its hash once) and verify names it."""
    con = sqlite3.connect(path_for(db))
    con.execute("INSERT INTO audit (at, login, action, outcome) VALUES ('2026-12-01 09:05:00', 'dong', 'sign_in', 'ok')")
    con.commit()
    con.close()
    assert [str(p) for p in audit_check.verify(db).problems] == [
        "第3条 entry 3: 没有哈希：不是看板写入的（手工插入） / no hash: not written by the dashboard (inserted by hand)"]
    audit.record(db, "sign_out", login="dong", now=minutes(6))
    rows = stored(db)
    assert [r["prev_hash"] for r in rows] == ["0" * 64] + [r["hash"] for r in rows[:-1]]
    verdict = audit_check.verify(db)
    assert verdict.ok
    assert [str(n) for n in verdict.notes][0].startswith(
        "第3条 entry 3: 写入时没有哈希（升级期间旧版本所写，或手工插入），")
    assert [(line["id"], line.get("chained_late")) for line in copied(db)] == [(1, None), (2, None), (3, True),
                                                                               (4, None)]
