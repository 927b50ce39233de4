"""`python -m metrics users …` and `audit …`: passwords from standard input (never an argument), account changes
audited as cli:<os user>, the audit log as JSON or CSV (formula-like cells defused), one-line errors, exit 0/2."""
import csv
import datetime as dt
import getpass
import io
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from access import accounts, audit, sessions
from access.db import path_for

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def cli(*args, stdin="", timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "metrics", *map(str, args)], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "DASHBOARD_LOG": os.devnull})


@pytest.fixture
def db(tmp_path):
    return tmp_path / "app.duckdb"


def registry_row(name, street, community):
    return [name, "", street, community, "商品房小区", "100", "物业服务企业管理", "", "否", "无", "0", "", "否", "否", "无", ""]


@pytest.fixture
def places(db, tmp_path, config):
    """The database with a registry of three streets: 映川街道 (枫林社区), 望舒街道 (望舒社区), 柏溪街道 (柏溪社区)."""
    import fixtures
    import store
    from metrics.ingest.importer import import_file

    registry = fixtures.write_csv(tmp_path / "台账.csv", fixtures.COMPOUND_HEADERS, [
        registry_row("枫林家园", "映川街道", "枫林社区"), registry_row("望舒苑", "望舒街道", "望舒社区"),
        registry_row("柏溪花园", "柏溪街道", "柏溪社区")])
    with store.writer(db, config, what="test") as con:
        import_file(con, "compounds", registry, config)
    return db


@pytest.mark.slow
def test_users_add_list_disable_enable_passwd(places):
    db = places
    done = cli("users", "add", "yingchuan", "--role", "street", "--street", "映川街道", "--db", db,
               stdin="映川的密码-2026\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "add: yingchuan (street 映川街道)\n", "")
    done = cli("users", "add", "admin", "--role", "district", "--admin", "--db", db, stdin="管理员的密码-2026\n")
    assert done.stdout == "add: admin (district 全区, admin)\n"
    assert sessions.sign_in(db, "yingchuan", "映川的密码-2026", address="127.0.0.1").account.street == "映川街道"

    listed = json.loads(cli("users", "list", "--db", db, "--format", "json").stdout)
    assert [(a["login"], a["role"], a["street"], a["admin"], a["disabled"]) for a in listed] == [
        ("admin", "district", None, True, False), ("yingchuan", "street", "映川街道", False, False)]
    assert cli("users", "disable", "yingchuan", "--db", db).stdout == "disable: yingchuan (street 映川街道, disabled)\n"
    assert accounts.get(db, "yingchuan").disabled is True
    assert cli("users", "enable", "yingchuan", "--db", db).returncode == 0
    assert cli("users", "passwd", "yingchuan", "--db", db, stdin="新的密码-2027\n").returncode == 0
    assert sessions.sign_in(db, "yingchuan", "新的密码-2027", address="127.0.0.1").account.login == "yingchuan"
    table = cli("users", "list", "--db", db).stdout.splitlines()
    assert [line.split("\t")[:5] for line in table] == [["admin", "district", "-", "-", "admin"],
                                                        ["yingchuan", "street", "映川街道", "-", "-"]]

    actor = f"cli:{getpass.getuser()}"
    changes = [(e["login"], e["target"], e["details"]["change"]) for e in audit.entries(db, action="account_change")]
    assert changes == [(actor, "yingchuan", "add"), (actor, "admin", "add"), (actor, "yingchuan", "disable"),
                       (actor, "yingchuan", "enable"), (actor, "yingchuan", "password")]
    for secret in (b"\xe6\x98\xa0\xe5\xb7\x9d\xe7\x9a\x84\xe5\xaf\x86\xe7\xa0\x81", "新的密码-2027".encode()):
        assert secret not in path_for(db).read_bytes()


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "add", "x", "--role", "street"], "密码密码密码密码\n", "错误 ERROR: 街道、社区账号须指定街道（--street）"),
    (["users", "add", "x", "--street", "映川街道"], "密码密码密码密码\n", "错误 ERROR: 请用 --role 指定角色"),
    (["users", "add", "x", "--role", "street", "--street", "映川街道"], "密码密码密码密码\n",
     "错误 ERROR: 还没有导入数据，无法核对街道和社区：请先导入小区台账或工单，再创建街道、社区账号"),
    (["users", "add", "x", "--role", "district"], "", "错误 ERROR: 标准输入中没有密码 / no password on standard input"),
    (["users", "add", "x", "--role", "district"], "short\n", "错误 ERROR: 密码至少8个字符"),
    (["users", "disable", "ghost"], "", "错误 ERROR: 账号不存在 / no such account: ghost"),
    (["users", "passwd"], "", "错误 ERROR: 请给出登录名"),
    (["audit", "--from", "yesterday"], "", "错误 ERROR: 日期应写作 YYYY-MM-DD"),
    (["audit", "--verify"], "", "错误 ERROR: 没有审计日志："),
    (["audit", "--against", "copy.jsonl"], "", "错误 ERROR: --against 只能与 --verify 同用 / --against goes with --verify"),
    (["audit", "--verify", "--user", "qu"], "", "错误 ERROR: --verify 检查整个审计日志，不与 --from、--to、--user、"),
])
def test_errors_are_one_line_with_exit_code_2(db, args, stdin, message):
    done = cli(*args, "--db", db, stdin=stdin)
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1
    assert done.stdout == ""


def test_the_password_is_never_an_argument(db):
    done = cli("users", "add", "x", "--role", "district", "--password", "密码密码密码密码", "--db", db)
    assert done.returncode == 2 and "unrecognized arguments: --password" in done.stderr


@pytest.mark.slow
def test_audit_as_json_and_csv_with_filters(db):
    audit.record(db, "download", login="yingchuan", address="10.0.0.7", target="=HYPERLINK(\"http://x\")",
                 scope={"street": "映川街道"}, details={"rows": 3})
    audit.record(db, "briefing", login="admin", address="10.0.0.8", target="简报.docx")
    entries = json.loads(cli("audit", "--db", db, "--format", "json").stdout)
    assert [(e["action"], e["login"], e["scope"], e["details"]) for e in entries] == [
        ("download", "yingchuan", {"street": "映川街道"}, {"rows": 3}), ("briefing", "admin", None, None)]
    assert [e["action"] for e in json.loads(cli("audit", "--db", db, "--user", "admin").stdout)] == ["briefing"]
    assert [e["login"] for e in json.loads(cli("audit", "--db", db, "--action", "download").stdout)] == ["yingchuan"]
    assert json.loads(cli("audit", "--db", db, "--from", "2000-01-01", "--to", "2000-12-31").stdout) == []
    done = cli("audit", "--db", db, "--format", "csv")
    assert done.returncode == 0
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["id", "at", "login", "address", "action", "target", "scope", "outcome", "details"]
    assert rows[0]["target"] == "'=HYPERLINK(\"http://x\")"      # a spreadsheet would run it: defused
    assert (rows[0]["scope"], rows[0]["details"], rows[1]["scope"]) == ('{"street": "映川街道"}', '{"rows": 3}', "")


def test_audit_of_a_database_without_an_access_file_is_empty_and_creates_nothing(db):
    done = cli("audit", "--db", db, "--format", "csv")
    assert (done.returncode, done.stdout.strip()) == (0, "id,at,login,address,action,target,scope,outcome,details")
    assert not path_for(db).exists()


@pytest.mark.slow
def test_cli_import_backup_and_restore_are_audited_and_the_backup_keeps_the_audit_log(tmp_path, db):
    import hashlib

    import fixtures

    actor = f"cli:{getpass.getuser()}"
    registry = fixtures.write_csv(tmp_path / "台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS)
    orders = fixtures.write_csv(tmp_path / "工单.csv", fixtures.ORDER_HEADERS, fixtures.ORDERS)
    assert cli("import", "--kind", "compounds", registry, "--db", db).returncode == 0
    assert cli("import", "--kind", "work_orders", orders, "--db", db).returncode == 0
    entries = audit.entries(db)
    assert [(e["login"], e["action"], e["target"]) for e in entries] == [
        (actor, "registry_change", "台账.csv"), (actor, "import", "工单.csv")]
    assert entries[1]["details"]["file_sha256"] == hashlib.sha256(orders.read_bytes()).hexdigest()
    # 17 read = 13 new + 1 duplicate + 3 rejected (the hand-counted fixture)
    assert [entries[1]["details"][k] for k in ("rows_read", "rows_new", "rows_duplicate", "rows_rejected")] == [17, 13, 1, 3]

    out = tmp_path / "backup" / "copy.duckdb"
    done = cli("backup", "--db", db, "--out", out)
    assert done.stdout.splitlines() == [str(out), str(path_for(out))]
    assert [e["action"] for e in audit.entries(out)] == ["registry_change", "import"]   # the log as it was
    assert cli("audit", "--verify", "--db", out).stdout == "OK: 2 entries\n"   # the copy has its own head file

    assert cli("restore", "--db", db, "--from", out).returncode == 0
    last = audit.entries(db)[-1]
    assert (last["login"], last["action"], last["target"], last["details"]) == (actor, "import", "copy.duckdb",
                                                                                {"restore": True})


# ---- audit --verify (issue 21) -----------------------------------------------------------------------------------

T0 = dt.datetime(2026, 12, 1, 9, 0)


def forty(db):
    """Forty downloads a minute apart (ids 1-40), written as the dashboard writes them."""
    for i in range(40):
        audit.record(db, "download", login=f"u{i % 3}", address="10.0.0.7", target=f"表{i}.xlsx", details={"rows": i},
                     now=T0 + dt.timedelta(minutes=i))


def tamper(db, sql):
    """What the incident did: one sqlite3 transaction on the access file by someone who can write it."""
    con = sqlite3.connect(path_for(db), isolation_level=None)
    con.executescript("BEGIN;" + sql + "COMMIT;")
    con.close()


def test_audit_verify_of_an_intact_log(db):
    forty(db)
    done = cli("audit", "--verify", "--db", db)
    assert (done.returncode, done.stdout, done.stderr) == (0, "OK: 40 entries\n", "")
    done = cli("audit", "--verify", "--db", db, "--against", f"{db}.audit.jsonl")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "OK: 40 entries",
        "  注 NOTE: 与副本核对：40条一致，0条早于副本、0条晚于副本未核对 / compared with the copy: 40 entries match; 0 "
        "before it and 0 after it not compared"]


def test_audit_verify_names_the_first_broken_entry_after_the_incident(db):
    """Exactly the incident: drop the triggers, delete 17 entries, edit another, recreate the triggers, insert a
    back-dated entry, in one transaction. Only gaps in the ids remained to see; verify names entry 27 first."""
    forty(db)
    tamper(db, """
        DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;
        DELETE FROM audit WHERE id BETWEEN 10 AND 26;
        UPDATE audit SET outcome = 'failed', details = '{"rows": 0}' WHERE id = 30;
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'append-only'); END;
        INSERT INTO audit (at, login, address, action, target, scope, outcome, details)
            VALUES ('2026-11-30 08:00:00', 'u1', '10.0.0.7', 'sign_in', NULL, NULL, 'ok', NULL);
    """)
    done = cli("audit", "--verify", "--db", db)
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout.splitlines() == [
        "篡改 TAMPERED: 第27条 entry 27: 之前的第10–26条缺失（已被删除）；前一哈希不属于任何一条：其前的条目被删除或替换 / "
        "entries 10-26 before it are missing (deleted); its previous hash matches no entry: the entry before it was "
        "deleted or replaced",
        "  第30条 entry 30: 内容被修改：哈希与内容不符 / content edited: its hash does not match its content",
        "  第41条 entry 41: 没有哈希：不是看板写入的（手工插入） / no hash: not written by the dashboard (inserted by hand)",
        "  第41条 entry 41: 时间 2026-11-30 08:00:00 早于第40条的 2026-12-01 09:39:00：顺序错乱或时间倒填 / its time "
        "2026-11-30 08:00:00 is earlier than entry 40's 2026-12-01 09:39:00: out of order or back-dated",
        "  注 NOTE: 头文件记录到第40条，其后还有1条（刚写入，或写入头文件前进程中断） / the head file records entries up to 40; "
        "1 more follows it (just written, or a process stopped before it wrote the head)",
        "共24条，4处问题 / 24 entries, 4 problems"]


def test_audit_verify_against_the_copy_names_an_entry_deleted_from_the_database(db):
    """The JSON-lines copy (access.audit_file, shipped off the machine) holds entry 7 the database lost (its
    successor relinked over the gap), and the edited entry's old content; rotated files are read together, .gz too."""
    import gzip

    forty(db)
    copy = Path(f"{db}.audit.jsonl")
    lines = copy.read_text(encoding="utf-8").splitlines(keepends=True)
    rotated = Path(f"{copy}.1.gz")
    with gzip.open(rotated, "wt", encoding="utf-8") as f:   # as logrotate leaves it: the older lines compressed
        f.writelines(lines[:20])
    copy.write_text("".join(lines[20:]), encoding="utf-8")
    tamper(db, """
        DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;
        DELETE FROM audit WHERE id = 7;
        UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE id = 6) WHERE id = 8;
        UPDATE audit SET target = '表x.xlsx' WHERE id = 33;
    """)
    done = cli("audit", "--verify", "--db", db, "--against", rotated, "--against", copy)
    assert done.returncode == 1, done.stdout
    assert done.stdout.splitlines() == [
        "篡改 TAMPERED: 第7条 entry 7: 在副本中，但数据库中没有（已被删除） / in the copy but not in the database (deleted)",
        "  第8条 entry 8: 内容被修改：哈希与内容不符 / content edited: its hash does not match its content",
        "  第8条 entry 8: 之前的第7条缺失（已被删除） / entry 7 before it is missing (deleted)",
        "  第8条 entry 8: 与副本不同（prev_hash） / differs from the copy (prev_hash)",
        "  第33条 entry 33: 内容被修改：哈希与内容不符 / content edited: its hash does not match its content",
        "  第33条 entry 33: 与副本不同（target） / differs from the copy (target)",
        "  注 NOTE: 与副本核对：37条一致，0条早于副本、0条晚于副本未核对 / compared with the copy: 37 entries match; 0 "
        "before it and 0 after it not compared",
        "共39条，6处问题 / 39 entries, 6 problems"]


def test_a_recomputed_chain_is_caught_by_the_head_file(db):
    """An attacker who knows the rule edits entry 5 and recomputes every hash from there: the chain in the file is
    whole, but its last hash is not the head file's. With the copy, the first rewritten entry is named."""
    from access import chain

    forty(db)
    con = sqlite3.connect(path_for(db), isolation_level=None)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY id")]
    rows[4]["outcome"] = "failed"
    con.execute("BEGIN")
    con.execute("DROP TRIGGER audit_no_update")
    prev = rows[3]["hash"]
    for r in rows[4:]:
        r["prev_hash"], r["hash"] = prev, chain.entry_hash(prev, r)
        prev = r["hash"]
        con.execute("UPDATE audit SET outcome = ?, prev_hash = ?, hash = ? WHERE id = ?",
                    [r["outcome"], r["prev_hash"], r["hash"], r["id"]])
    con.execute("COMMIT")
    con.close()
    done = cli("audit", "--verify", "--db", db)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "篡改 TAMPERED: 第40条 entry 40: 哈希与头文件 app.duckdb.audit-head 记录的不同：链在此条或更早处被重新计算（用 --against "
        "与外送的副本核对，可找出起点） / its hash is not the one the head file app.duckdb.audit-head records: the chain was "
        "recomputed at or before it (compare with the shipped copy, --against, to find where)",
        "共40条，1处问题 / 40 entries, 1 problem"]
    done = cli("audit", "--verify", "--db", db, "--against", f"{db}.audit.jsonl")
    assert done.stdout.splitlines()[:3] == [
        "篡改 TAMPERED: 第5条 entry 5: 与副本不同（outcome、hash） / differs from the copy (outcome, hash)",
        "  第6–40条 entries 6-40: 与副本不同（prev_hash、hash） / differs from the copy (prev_hash, hash)",
        "  第40条 entry 40: 哈希与头文件 app.duckdb.audit-head 记录的不同：链在此条或更早处被重新计算（用 --against "
        "与外送的副本核对，可找出起点） / its hash is not the one the head file app.duckdb.audit-head records: the chain was "
        "recomputed at or before it (compare with the shipped copy, --against, to find where)"]


def test_entries_deleted_from_the_end_are_caught_by_the_head_file(db):
    """The last two entries deleted and the id counter put back: no gap, no broken link; the head says 40."""
    forty(db)
    tamper(db, """
        DROP TRIGGER audit_no_delete;
        DELETE FROM audit WHERE id > 38;
        UPDATE sqlite_sequence SET seq = 38 WHERE name = 'audit';
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'append-only'); END;
    """)
    done = cli("audit", "--verify", "--db", db)
    assert (done.returncode, done.stdout.splitlines()[0]) == (
        1, "篡改 TAMPERED: 第39–40条 entries 39-40: 缺失（已被删除）：头文件 app.duckdb.audit-head 记录到第40条 / missing "
           "(deleted): the head file app.duckdb.audit-head records entries up to 40")


@pytest.mark.parametrize("args, message", [
    # issue 21: 柏溪 for 柏溪街道 was accepted (with a note), and so was a community under the wrong street
    (["--role", "street", "--street", "柏溪"],
     "未知的街道“柏溪”；已知的街道：映川街道、望舒街道、柏溪街道 / unknown street 柏溪; known streets: 映川街道, 望舒街道, 柏溪街道"),
    (["--role", "community", "--street", "映川街道", "--community", "望舒社区"],
     "未知的社区“望舒社区”（映川街道）；映川街道的社区：枫林社区 / unknown community 望舒社区 in 映川街道; its communities: 枫林社区"),
    (["--role", "community", "--street", "柏溪", "--community", "柏溪社区", "--admin"],
     "未知的街道“柏溪”；已知的街道：映川街道、望舒街道、柏溪街道 / unknown street 柏溪; known streets: 映川街道, 望舒街道, 柏溪街道"),
])
@pytest.mark.slow
def test_users_add_refuses_a_place_the_data_does_not_know(places, args, message):
    done = cli("users", "add", "bx", *args, "--db", places, stdin="柏溪的密码-2026\n")
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"错误 ERROR: {message}\n")
    assert accounts.get(places, "bx") is None
    [entry] = audit.entries(places, action="account_change")
    assert (entry["login"], entry["target"], entry["outcome"]) == (f"cli:{getpass.getuser()}", "bx", "refused")
    assert entry["details"]["reason"] == message


@pytest.mark.slow
def test_users_add_takes_a_known_place_and_a_district_account_needs_none(places, db):
    done = cli("users", "add", "fl", "--role", "community", "--street", "映川街道", "--community", "枫林社区", "--db", places,
               stdin="枫林的密码-2026\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "add: fl (community 映川街道 枫林社区)\n", "")
    empty = db.parent / "empty.duckdb"   # no data at all: a district account (the first admin) is made all the same
    done = cli("users", "add", "admin", "--role", "district", "--admin", "--db", empty, stdin="管理员的密码-2026\n")
    assert (done.returncode, done.stdout) == (0, "add: admin (district 全区, admin)\n")
