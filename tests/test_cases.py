"""督办 as a closed loop (casework/) on the hand-counted fixture, through the store as the dashboard reads it (data as
of 2024-07-01 12:00: W12 closed at 12:00 is the latest moment).

Open at 12:00: W6 (幸福里小区, 东街道/东二社区, 物业公司, due 06-20 09:00: 12 days overdue), W7 (和平新村, 西街道/西一社区,
市政维修中心, due 06-29 09:00: 3 days), W5 (幸福里小区, due 07-03 09:00: not yet due), W11 (和平新村, received 07-01
09:00). Closed by then: W1-W4, W8-W10, W12, W13.

The 督办 of SCENARIO, by hand:
  #1 district admin 区管理员, 06-25 10:00, W6, reply by 06-28: no feedback; at 07-01 12:00 逾期.
  #2 东街道 account 东街道干部, 06-29 10:00, W5, reply by 07-05; feedback on 06-30: 已反馈.
  #3 西街道 account 西街道干部, 06-30 09:00, W7, reply by 06-30: no feedback; at 07-01 12:00 逾期.
  #4 district admin, 07-01 11:00, W11, reply by 07-03: 待反馈 (opened in July, not in H1).
H1 2024 (opened 01-01..06-30), as of 07-01 12:00: 全区 N 3, M 1 (#2), K 2 (#1, #3); 东街道 N 2 (#1, #2), M 1, K 1;
西街道 N 1, M 0, K 1; 东二社区 as 东街道 (W5 and W6 both lie in it). 本年 adds #4: 全区 N 4, M 1, K 2.
After an import that closes W6 at 07-02 09:00 (数据截至 moves there): #1 已办结 without any feedback; H1 全区 N 3, M 1,
K 1."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import fixtures
import pytest

import store
from access import Account, NoAccess, audit, audit_check
from access.db import SCHEMA, SCHEMA_VERSION, connect, path_for
from casework import CASE_REFUSED, ORDERS_REFUSED, CaseError
from casework import cases as cw
from metrics.ingest.importer import import_file
from metrics.kpis import Scope, Window
from metrics.periods import Period

AS_OF = dt.datetime(2024, 7, 1, 12, 0)
H1 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), AS_OF)
THIS_YEAR = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), AS_OF)


def account(login, role="district", street=None, community=None, admin=False) -> Account:
    return Account(login=login, role=role, street=street, community=community, admin=admin, disabled=False,
                   created_at="2024-01-01 00:00:00", updated_at="2024-01-01 00:00:00")


DISTRICT = account("区管理员", admin=True)
EAST = account("东街道干部", "street", "东街道")
WEST = account("西街道干部", "street", "西街道")
EAST_TWO = account("东二社区干部", "community", "东街道", "东二社区")
EAST_ONE = account("东一社区干部", "community", "东街道", "东一社区")


def reader(db):
    return store.reader(db).cursor()


def entries(db, change=None) -> list[dict]:
    found = audit.entries(db, action="supervision_case")
    return [e for e in found if change is None or (e["details"] or {}).get("change") == change]


def scenario(db) -> None:
    con = reader(db)
    assert cw.open_case(db, con, account=DISTRICT, order_ids=["W6"], handling_unit="物业公司",
                        instruction="请于三日内处理渗水并回复", reply_due=dt.date(2024, 6, 28), as_of=AS_OF,
                        now=dt.datetime(2024, 6, 25, 10)) == 1
    assert cw.open_case(db, con, account=EAST, order_ids=["W5"], handling_unit="物业公司", instruction="尽快维修",
                        reply_due=dt.date(2024, 7, 5), as_of=AS_OF, now=dt.datetime(2024, 6, 29, 10)) == 2
    assert cw.open_case(db, con, account=WEST, order_ids=["W7"], handling_unit="市政维修中心", instruction="当日回复",
                        reply_due=dt.date(2024, 6, 30), as_of=AS_OF, now=dt.datetime(2024, 6, 30, 9)) == 3
    assert cw.record_feedback(db, account=EAST, case_id=2, text="已派维修工上门", replied_on=dt.date(2024, 6, 30),
                              now=dt.datetime(2024, 6, 30, 16)) == 1
    assert cw.open_case(db, con, account=DISTRICT, order_ids=["W11"], handling_unit="物业公司", instruction="跟进",
                        reply_due=dt.date(2024, 7, 3), as_of=AS_OF, now=dt.datetime(2024, 7, 1, 11)) == 4


@pytest.fixture
def db(store_db):
    scenario(store_db)
    return store_db


def close_w6(db, config, folder) -> None:
    """An export that closes W6 at 07-02 09:00, imported through the store (a new snapshot is published)."""
    row = fixtures._order("W6", "2024-06-15 09:00", "2024-06-20 09:00", "2024-07-02 09:00", compound="幸福里小区")
    path = fixtures.write_csv(folder / "W6办结.csv", fixtures.ORDER_HEADERS, [row])
    with store.writer(db, config, what="W6") as con:
        import_file(con, "work_orders", path, config, rejection_dir=folder / "rejections")
    store.look_again()


def states(db, scope=Scope(), as_of=AS_OF) -> list[tuple]:
    return [(c["case_id"], c["state"]) for c in cw.listing(db, reader(db), scope, as_of)]


def test_the_states_and_their_order(db):
    # overdue replies first (#1's deadline 06-28 before #3's 06-30), then awaiting a reply, replied
    assert states(db) == [(1, "overdue"), (3, "overdue"), (4, "pending"), (2, "replied")]
    found = {c["case_id"]: c for c in cw.listing(db, reader(db), Scope(), AS_OF)}
    first = found[1]
    assert (first["opened_at"], first["opened_by"], first["origin"], first["street"], first["community"],
            first["compound_name"], first["handling_unit"], first["instruction"], first["reply_due"]) == (
        "2024-06-25 10:00:00", "区管理员", "order", "东街道", "东二社区", "幸福里小区", "物业公司", "请于三日内处理渗水并回复",
        "2024-06-28")
    assert [(o["order_id"], o["days_overdue"], o["closed_at"], o["content"]) for o in first["orders"]] == [
        ("W6", 12, None, "楼上漏水")]
    assert [(f["replied_on"], f["recorded_by"], f["text"]) for f in found[2]["feedback"]] == [
        ("2024-06-30", "东街道干部", "已派维修工上门")]
    # 待反馈 -> 逾期 when the reply deadline's day is over at as_of: #4 (07-03) on 07-03 23:59, then 07-04
    assert dict(states(db, as_of=dt.datetime(2024, 7, 3, 23, 59)))[4] == "pending"
    assert dict(states(db, as_of=dt.datetime(2024, 7, 4, 0, 0)))[4] == "overdue"
    # #2 before its feedback would have been pending; feedback makes it replied whatever the moment
    assert dict(states(db, as_of=dt.datetime(2024, 7, 10)))[2] == "replied"


def test_feedback_moves_pending_to_replied(db):
    assert dict(states(db))[4] == "pending"
    cw.record_feedback(db, account=DISTRICT, case_id=4, text="已回复：本周内修复", replied_on=dt.date(2024, 7, 2),
                       now=dt.datetime(2024, 7, 2, 9))
    assert dict(states(db))[4] == "replied"
    # an overdue reply that comes late is feedback too
    cw.record_feedback(db, account=WEST, case_id=3, text="已处理", replied_on=dt.date(2024, 7, 2),
                       now=dt.datetime(2024, 7, 2, 10))
    assert states(db) == [(1, "overdue"), (3, "replied"), (4, "replied"), (2, "replied")]   # by reply deadline


def test_an_import_that_closes_the_orders_closes_the_case_without_feedback(db, config, tmp_path):
    close_w6(db, config, tmp_path)
    as_of = dt.datetime(2024, 7, 2, 9, 0)
    assert store.reader(db).cursor().execute("SELECT max(closed_at) FROM work_orders").fetchone()[0] == as_of
    assert states(db, as_of=as_of) == [(3, "overdue"), (4, "pending"), (2, "replied"), (1, "closed")]
    [first] = [c for c in cw.listing(db, reader(db), Scope(), as_of) if c["case_id"] == 1]
    assert first["feedback"] == [] and first["orders"][0]["closed_at"] == as_of
    # judged at a moment before the closing, it is still overdue: the state is the data's at as_of
    assert dict(states(db, as_of=AS_OF))[1] == "overdue"
    window = Window(H1.period, as_of)
    assert cw.counts(db, reader(db), Scope(), window) == {"opened": 3, "replied": 1, "overdue": 1, "closed": 1,
                                                          "pending": 0}


def test_the_counts_by_hand(db):
    def n_m_k(scope, window=H1):
        found = cw.counts(db, reader(db), scope, window)
        return found["opened"], found["replied"], found["overdue"]

    assert n_m_k(Scope()) == (3, 1, 2)
    assert n_m_k(Scope(street="东街道")) == (2, 1, 1)
    assert n_m_k(Scope(street="西街道")) == (1, 0, 1)
    assert n_m_k(Scope(street="东街道", community="东二社区")) == (2, 1, 1)
    assert n_m_k(Scope(street="东街道", community="东一社区")) == (0, 0, 0)
    assert n_m_k(Scope(compound="和平新村")) == (1, 0, 1)
    assert n_m_k(Scope(), THIS_YEAR) == (4, 1, 2)
    assert cw.counts(db, reader(db), Scope(), THIS_YEAR) == {"opened": 4, "replied": 1, "overdue": 2, "closed": 0,
                                                            "pending": 1}


def test_a_street_sees_and_acts_on_its_own_only(db):
    assert [c["case_id"] for c in cw.listing(db, reader(db), cw.account_scope(EAST), AS_OF)] == [1, 2]
    assert [c["case_id"] for c in cw.listing(db, reader(db), cw.account_scope(WEST), AS_OF)] == [3, 4]
    assert [c["case_id"] for c in cw.listing(db, reader(db), cw.account_scope(EAST_TWO), AS_OF)] == [1, 2]
    assert cw.listing(db, reader(db), cw.account_scope(EAST_ONE), AS_OF) == []
    # looking at another street's 督办, or one that does not exist: one refusal, naming nothing
    for number in (2, 99):
        with pytest.raises(NoAccess) as refused:
            cw.case(db, reader(db), cw.account_scope(WEST), number, AS_OF)
        assert str(refused.value) == CASE_REFUSED
    assert cw.case(db, reader(db), cw.account_scope(EAST), 2, AS_OF)["case_id"] == 2
    # recording feedback on it: refused, and audited once
    before = len(entries(db))
    with pytest.raises(NoAccess, match="无权查看或办理该督办"):
        cw.record_feedback(db, account=WEST, case_id=2, text="越权反馈", replied_on=dt.date(2024, 7, 1),
                           now=dt.datetime(2024, 7, 1, 12))
    refused = entries(db)[before:]
    assert [(e["login"], e["target"], e["outcome"], e["details"]["change"], e["scope"]) for e in refused] == [
        ("西街道干部", "督办 #2", "refused", "feedback", {"street": "西街道"})]
    assert [f["text"] for f in cw.case(db, reader(db), Scope(), 2, AS_OF)["feedback"]] == ["已派维修工上门"]
    # opening a 督办 on another street's order: refused as an unknown order is, audited once
    with pytest.raises(NoAccess) as refused:
        cw.open_case(db, reader(db), account=WEST, order_ids=["W5"], handling_unit="x", instruction="越权督办",
                     reply_due=dt.date(2024, 7, 9), as_of=AS_OF, now=dt.datetime(2024, 7, 1, 12))
    assert str(refused.value) == ORDERS_REFUSED
    [entry] = entries(db)[before + 1:]
    assert (entry["outcome"], entry["details"]["change"], entry["details"]["orders"]) == ("refused", "open", ["W5"])
    # a community account acts in its community
    cw.record_feedback(db, account=EAST_TWO, case_id=1, text="社区已督促", replied_on=dt.date(2024, 7, 1),
                       now=dt.datetime(2024, 7, 1, 12))
    assert dict(states(db))[1] == "replied"


def test_a_district_case_over_two_streets_lies_in_neither(store_db):
    number = cw.open_case(store_db, reader(store_db), account=DISTRICT, order_ids=["W6", "W7"], handling_unit="物业公司",
                          instruction="两街道渗水工单一并督办", reply_due=dt.date(2024, 7, 9), as_of=AS_OF,
                          now=dt.datetime(2024, 7, 1, 12))
    found = cw.case(store_db, reader(store_db), Scope(), number, AS_OF)
    assert (found["origin"], found["street"], found["community"], found["compound_name"]) == ("list", None, None, None)
    assert [o["order_id"] for o in found["orders"]] == ["W6", "W7"]
    for street in (EAST, WEST):
        assert cw.listing(store_db, reader(store_db), cw.account_scope(street), AS_OF) == []
    assert cw.listing(store_db, reader(store_db), Scope(street="东街道"), AS_OF) == []


def test_every_change_is_one_audit_entry(db):
    found = entries(db)
    assert [(e["login"], e["target"], e["outcome"], e["details"]["change"]) for e in found] == [
        ("区管理员", "督办 #1", "ok", "open"), ("东街道干部", "督办 #2", "ok", "open"),
        ("西街道干部", "督办 #3", "ok", "open"), ("东街道干部", "督办 #2", "ok", "feedback"),
        ("区管理员", "督办 #4", "ok", "open")]
    assert found[0]["details"] == {"change": "open", "case_id": 1, "origin": "order", "orders": ["W6"],
                                   "handling_unit": "物业公司", "instruction": "请于三日内处理渗水并回复",
                                   "reply_due": "2024-06-28"}
    assert (found[0]["at"], found[0]["scope"]) == ("2024-06-25 10:00:00", {"street": "东街道", "community": "东二社区"})
    assert found[3]["details"] == {"change": "feedback", "case_id": 2, "feedback_id": 1, "replied_on": "2024-06-30",
                                   "text": "已派维修工上门"}
    # a request refused for what it asks changes nothing and is not an entry; the log stays a valid chain
    with pytest.raises(CaseError):
        cw.record_feedback(db, account=EAST, case_id=2, text="  ", replied_on=dt.date(2024, 6, 30),
                           now=dt.datetime(2024, 6, 30))
    assert len(entries(db)) == 5
    assert audit_check.verify(db).ok


def test_what_a_case_may_not_ask(db):
    con = reader(db)

    def opening(**changed):
        asked = {"account": EAST, "order_ids": ["W5"], "handling_unit": "物业公司", "instruction": "请处理",
                 "reply_due": dt.date(2024, 7, 9), "as_of": AS_OF, "now": dt.datetime(2024, 7, 1, 12), **changed}
        with pytest.raises(CaseError) as refused:
            cw.open_case(db, con, **asked)
        return str(refused.value).split(" / ")[0]

    assert opening() == "工单 W5 已在督办中"
    assert opening(order_ids=["W1"]) == "工单 W1 已办结，无需督办"
    assert opening(order_ids=[]) == "请选择要督办的工单"
    assert opening(order_ids=["W13"], instruction="  ") == "请填写督办意见"
    assert opening(order_ids=["W13"], handling_unit="") == "请填写承办单位"
    assert opening(order_ids=["W13"], reply_due=dt.date(2024, 6, 30)) == "回复期限不能早于今天"
    assert opening(account=None) == "请先登录，再发起督办"
    with pytest.raises(CaseError, match="不能晚于今天"):
        cw.record_feedback(db, account=EAST, case_id=2, text="x", replied_on=dt.date(2024, 7, 2),
                           now=dt.datetime(2024, 7, 1, 12))
    with pytest.raises(CaseError, match="不能早于发起督办的日期"):
        cw.record_feedback(db, account=EAST, case_id=2, text="x", replied_on=dt.date(2024, 6, 28),
                           now=dt.datetime(2024, 7, 1, 12))
    # nothing was written: four 督办, one feedback
    con = connect(db)
    assert [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("supervision_cases", "supervision_case_orders", "supervision_feedback")] == [4, 4, 1]
    con.close()


def test_a_compound_case_covers_its_overdue_orders(store_db):
    con = reader(store_db)
    number = cw.open_case(store_db, con, account=EAST, order_ids=["W6", "W5"], compound="幸福里小区",
                          handling_unit="物业公司", instruction="幸福里小区超期工单集中督办", reply_due=dt.date(2024, 7, 9),
                          as_of=AS_OF, now=dt.datetime(2024, 7, 1, 12))
    found = cw.case(store_db, con, Scope(), number, AS_OF)
    assert (found["origin"], found["compound_name"], found["order_ids"]) == ("compound", "幸福里小区", ["W6", "W5"])
    with pytest.raises(CaseError, match="不都属于该小区"):
        cw.open_case(store_db, con, account=DISTRICT, order_ids=["W7"], compound="幸福里小区", handling_unit="u",
                     instruction="i", reply_due=dt.date(2024, 7, 9), as_of=AS_OF, now=dt.datetime(2024, 7, 1, 12))


def test_typed_text_is_masked_before_it_is_stored(store_db):
    con = reader(store_db)
    number = cw.open_case(store_db, con, account=DISTRICT, order_ids=["W7"], handling_unit="市政维修中心 13912345678",
                          instruction=f"请联系居民{fixtures.PHONE}，身份证{fixtures.ID_NUMBER}，邮箱 zhang@example.cn",
                          reply_due=dt.date(2024, 7, 9), as_of=AS_OF, now=dt.datetime(2024, 7, 1, 12))
    cw.record_feedback(store_db, account=DISTRICT, case_id=number, text="已电话联系 138 1234 5678 说明情况",
                       replied_on=dt.date(2024, 7, 1), now=dt.datetime(2024, 7, 1, 13))
    found = cw.case(store_db, con, Scope(), number, AS_OF)
    assert found["instruction"] == "请联系居民[手机号]，身份证[身份证号]，邮箱 [邮箱]"
    assert found["handling_unit"] == "市政维修中心 [手机号]"
    assert found["feedback"][0]["text"] == "已电话联系 [手机号] 说明情况"
    files = (path_for(store_db), path_for(store_db).with_name(path_for(store_db).name + "-wal"))
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    for personal in (fixtures.PHONE, fixtures.ID_NUMBER, "zhang@example.cn", "138 1234 5678"):
        assert personal.encode() not in raw
    assert "13912345678" not in json.dumps(audit.entries(store_db), ensure_ascii=False)


def test_the_records_are_append_only(db):
    con = connect(db)
    for sql in ("UPDATE supervision_cases SET instruction = 'x'", "DELETE FROM supervision_cases",
                "UPDATE supervision_feedback SET text = 'x'", "DELETE FROM supervision_feedback",
                "DELETE FROM supervision_case_orders"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()


# ---- a 督办 outlives imports, snapshots, backups and restores -----------------------------------------------------

def test_a_case_survives_a_reimport_and_a_snapshot_swap(db, config, tmp_path):
    first = store.current_snapshot(db)
    with store.writer(db, config, what="again") as con:   # the same orders again: every row unchanged
        result = import_file(con, "work_orders", tmp_path / "工单.csv", config, rejection_dir=tmp_path / "rejections")
    assert (result.rows_unchanged, result.rows_new, result.rows_updated) == (13, 0, 0)
    store.look_again()
    assert store.current_snapshot(db) != first   # readers moved to the new snapshot
    assert states(db) == [(1, "overdue"), (3, "overdue"), (4, "pending"), (2, "replied")]
    # the July export updates W5 (closed 07-02 10:00): #2, replied before, is closed now
    july = fixtures.write_csv(tmp_path / "七月.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS)
    with store.writer(db, config, what="july") as con:
        import_file(con, "work_orders", july, config, rejection_dir=tmp_path / "rejections")
    store.look_again()
    as_of = dt.datetime(2024, 7, 2, 10)
    assert states(db, as_of=as_of) == [(1, "overdue"), (3, "overdue"), (4, "pending"), (2, "closed")]


def test_a_case_survives_backup_and_restore(db, config, tmp_path):
    from access.db import backup as backup_access

    out = tmp_path / "backup" / "app.duckdb"
    store.backup(db, out, config)
    backup_access(db, out)
    close_w6(db, config, tmp_path)   # after the backup: W6 closed, #1 closed
    cw.record_feedback(db, account=WEST, case_id=3, text="已处理", replied_on=dt.date(2024, 7, 2),
                       now=dt.datetime(2024, 7, 2, 10))
    assert states(db, as_of=dt.datetime(2024, 7, 2, 9)) == [(4, "pending"), (3, "replied"), (2, "replied"),
                                                            (1, "closed")]
    # the database restored to the backup: the 督办 stay (the access file is not rolled back), W6 is open again
    store.restore(db, out, config)
    store.look_again()
    assert states(db) == [(1, "overdue"), (4, "pending"), (3, "replied"), (2, "replied")]
    # the backup's own access file holds the 督办 as they were when it was made (no feedback on #3 yet)
    assert states(out) == [(1, "overdue"), (3, "overdue"), (4, "pending"), (2, "replied")]


def test_a_case_survives_the_undo_of_an_import(db, config, tmp_path):
    """Undoing the import that closed W6 reopens #1 (overdue again); undoing the import that brought an order leaves
    its 督办 standing, the order named as no longer in the data (`missing`) and the 督办 open (not closed: whether the
    order is closed cannot be told)."""
    from access.undo import undo_import

    def imported(name, rows):
        path = fixtures.write_csv(tmp_path / name, fixtures.ORDER_HEADERS, rows)
        with store.writer(db, config, what=name) as con:
            result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path / "rejections")
        store.look_again()
        return result.import_id

    closing = imported("W6办结.csv", [fixtures._order("W6", "2024-06-15 09:00", "2024-06-20 09:00", "2024-07-02 09:00",
                                                      compound="幸福里小区")])
    assert dict(states(db, as_of=dt.datetime(2024, 7, 2, 9)))[1] == "closed"
    undo_import(db, closing, "区管理员", config)
    store.look_again()
    assert states(db) == [(1, "overdue"), (3, "overdue"), (4, "pending"), (2, "replied")]
    # a new overdue order of 幸福里小区 (due 06-25), its 督办 #5, then its import undone
    bringing = imported("补充.csv", [fixtures._order("N9", "2024-06-20 09:00", "2024-06-25 09:00", "",
                                                      compound="幸福里小区")])
    assert cw.open_case(db, reader(db), account=EAST, order_ids=["N9"], handling_unit="物业公司", instruction="请处理",
                        reply_due=dt.date(2024, 7, 9), as_of=AS_OF, now=dt.datetime(2024, 7, 1, 12)) == 5
    undo_import(db, bringing, "区管理员", config)
    store.look_again()
    found = cw.case(db, reader(db), Scope(), 5, AS_OF)
    assert (found["state"], found["order_ids"], found["orders"], found["missing"]) == ("pending", ["N9"], [], ["N9"])
    assert cw.counts(db, reader(db), Scope(), THIS_YEAR)["opened"] == 5


def test_the_commands_backup_and_restore_keep_the_cases(db, config, tmp_path, capsys):
    """As an operator does it (docs/deploy.md, 6): `metrics backup` copies the access file (and its 督办) beside the
    database's copy; `metrics restore` puts the database back and leaves the access file as it is, so a 督办 opened
    or answered after the backup stays, judged on the restored orders; a server rebuilt from the two copies has
    the 督办 as they were at the backup."""
    import shutil

    from access.chain import head_path
    from metrics.cli.main import main

    out = tmp_path / "backup" / "dashboard-2024-07-01.duckdb"
    assert main(["backup", "--db", str(db), "--out", str(out)]) == 0
    assert capsys.readouterr().out.split() == [str(out), str(path_for(out))]
    # after the backup: an import closes W6 (#1 closed), feedback comes for #3
    close_w6(db, config, tmp_path)
    cw.record_feedback(db, account=WEST, case_id=3, text="已处理", replied_on=dt.date(2024, 7, 2),
                       now=dt.datetime(2024, 7, 2, 10))
    assert dict(states(db, as_of=dt.datetime(2024, 7, 2, 9)))[1] == "closed"
    assert main(["restore", "--db", str(db), "--from", str(out)]) == 0
    capsys.readouterr()
    store.look_again()
    # the restored data ends at 07-01 12:00 again: W6 open, #1 overdue again; #3's feedback stays (the access file
    # is never rolled back); the restore is audited beside the 督办's entries
    assert store.reader(db).cursor().execute("SELECT max(closed_at) FROM work_orders").fetchone()[0] == AS_OF
    assert states(db) == [(1, "overdue"), (4, "pending"), (3, "replied"), (2, "replied")]
    assert [(e["action"], e["target"]) for e in audit.entries(db)][-2:] == [
        ("supervision_case", "督办 #3"), ("import", out.name)]
    assert main(["cases", "--db", str(db), "--from", "2024-01-01", "--to", "2024-06-30"]) == 0
    counted = json.loads(capsys.readouterr().out)["counts"]
    assert (counted["opened"], counted["replied"], counted["overdue"]) == (3, 2, 1)   # #1..#3; #2, #3; #1
    # a server lost: both copies put in place on a new one; the 督办 as they were at the backup (no feedback on #3)
    rebuilt = tmp_path / "new-server" / "dashboard.duckdb"
    rebuilt.parent.mkdir()
    shutil.copyfile(out, rebuilt)
    for copied in (path_for, head_path):   # the access file and the head of its audit chain
        shutil.copyfile(copied(out), copied(rebuilt))
    assert states(rebuilt) == [(1, "overdue"), (3, "overdue"), (4, "pending"), (2, "replied")]
    assert audit_check.verify(rebuilt).ok


def v1_access_file(db) -> None:
    """An access file as the code before 督办 made it (user_version 1): the audit table's CHECK without
    supervision_case, no 督办 tables; two chained entries."""
    from access import chain
    from access.db import CASE_TABLES, immediate
    from access.files import open_file

    old = SCHEMA.replace(";\n".join(CASE_TABLES), "").replace(", 'supervision_case'", "")
    assert "supervision" not in old
    con = open_file(db)
    con.executescript(old)
    con.execute("PRAGMA user_version = 1")
    for i, login in enumerate(("qu", "dong"), start=1):
        with immediate(con):
            chain.append(con, db, {"at": f"2024-06-0{i} 09:00:00", "login": login, "address": None,
                                   "action": "sign_in", "target": None, "scope": None, "outcome": "ok",
                                   "details": None})
    con.close()


def test_an_access_file_made_before_opens(tmp_path, config):
    db = tmp_path / "old.duckdb"
    with store.writer(db, config, what="fixture") as con:
        fixtures.build(con, tmp_path, config)
    v1_access_file(db)
    raw = sqlite3.connect(path_for(db))
    raw.row_factory = sqlite3.Row
    before = [dict(r) for r in raw.execute("SELECT * FROM audit ORDER BY id")]
    raw.close()
    con = connect(db)   # the migration
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"supervision_cases", "supervision_case_orders", "supervision_feedback", "audit", "audit_chain"} <= tables
    assert [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY id")] == before   # entries and hashes as they were
    con.close()
    number = cw.open_case(db, reader(db), account=DISTRICT, order_ids=["W6"], handling_unit="物业公司",
                          instruction="请处理", reply_due=dt.date(2024, 7, 9), as_of=AS_OF, now=dt.datetime(2024, 7, 1, 12))
    [entry] = entries(db)
    assert (number, entry["id"], entry["action"]) == (1, 3, "supervision_case")
    verdict = audit_check.verify(db)
    assert (verdict.ok, verdict.entries) == (True, 3)
    con = connect(db)   # once: a second opening changes nothing, the log stays append-only
    with pytest.raises(sqlite3.IntegrityError, match="append-only: no delete"):
        con.execute("DELETE FROM audit WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only: no update"):
        con.execute("UPDATE audit SET login = 'x' WHERE id = 1")
    con.close()
