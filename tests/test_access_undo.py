"""Undoing an import: the rows it added go, the rows it updated return to their earlier values, the rollups and
every KPI are as before the import, through the store's writer (a snapshot is published), audited; an import
that a later import of its dataset followed is refused until that one is undone."""
import datetime as dt

import duckdb
import pytest

import fixtures
import store
from access import UndoRefused, audit
from access.undo import undo_import, undone_imports
from metrics.ingest.importer import import_file
from metrics.kpis import Scope, kpi_report, window_for

TABLES = {"work_orders": "order_id", "complaints": "complaint_id", "compounds": "compound_name",
          "order_rollup_compound": None, "order_rollup_category": None, "complaint_rollup_compound": None,
          "complaint_rollup_category": None, "open_work_orders": None, "close_hours_cube": None}
# June (the fixture's month), July (the import's month) and the year, each as of the data's own moment
WINDOWS = [(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), (dt.date(2024, 7, 1), dt.date(2024, 7, 31)),
           (dt.date(2024, 1, 1), dt.date(2024, 12, 31))]
SCOPES = [Scope(), Scope(street="东街道"), Scope(compound="幸福里小区"), Scope(compound="和平新村")]


@pytest.fixture
def db(store_db):
    return store_db


def state(db, config) -> dict:
    """Every row of the data and rollup tables, and the KPI reports of WINDOWS × SCOPES, as a reader sees them."""
    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    try:
        tables = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}
        tables["latest_timestamp"] = con.execute("SELECT value FROM meta WHERE key = 'latest_timestamp'").fetchall()
        reports = {(start, s): kpi_report(con, config, s, window_for(con, start, end))
                   for start, end in WINDOWS for s in SCOPES}
        return {"tables": tables, "kpis": reports}
    finally:
        con.close()


def import_orders(db, config, folder, name, data):
    with store.writer(db, config, what="test") as con:
        return import_file(con, "work_orders", fixtures.write_csv(folder / name, fixtures.ORDER_HEADERS, data),
                           config, rejection_dir=folder / "rejections")


@pytest.mark.slow
def test_undo_of_an_import_that_adds_and_updates_returns_every_table_and_kpi(db, tmp_path, config):
    before = state(db, config)
    july = import_orders(db, config, tmp_path, "七月工单.csv", fixtures.JULY_ORDERS)
    assert (july.rows_new, july.rows_updated, july.rows_unchanged) == (1, 1, 1)
    after_import = state(db, config)
    assert after_import["tables"]["work_orders"] != before["tables"]["work_orders"]   # W14 added, W5 closed
    assert after_import["kpis"] != before["kpis"]
    published = store.current_snapshot(db)

    summary = undo_import(db, july.import_id, "admin", config, address="10.0.0.5")

    assert store.current_snapshot(db) != published   # a new snapshot: readers see the undo
    after_undo = state(db, config)
    for table in before["tables"]:
        assert after_undo["tables"][table] == before["tables"][table], table
    assert after_undo["kpis"] == before["kpis"]
    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    w5 = con.execute("SELECT closed_at, revisit_result, import_id FROM work_orders WHERE order_id = 'W5'").fetchone()
    assert w5 == (None, None, 2)    # as the first orders import (#2) wrote it: open, no answer
    assert con.execute("SELECT count(*) FROM work_orders WHERE order_id = 'W14'").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM replaced_work_orders").fetchone() == (0,)
    assert list(undone_imports(con)) == [july.import_id]
    assert con.execute("SELECT count(*) FROM import_log WHERE import_id = ?", [july.import_id]).fetchone() == (1,)
    con.close()
    assert {k: summary[k] for k in ("import_id", "kind", "rows_removed", "rows_restored", "actor")} == {
        "import_id": 4, "kind": "work_orders", "rows_removed": 1, "rows_restored": 1, "actor": "admin"}
    [entry] = audit.entries(db, action="undo_import")
    assert (entry["login"], entry["address"], entry["outcome"], entry["target"]) == ("admin", "10.0.0.5", "ok",
                                                                                      "七月工单.csv")
    assert entry["details"]["rows_restored"] == 1 and entry["details"]["rows_removed"] == 1


@pytest.mark.slow
def test_only_the_latest_import_of_a_dataset_can_be_undone(db, tmp_path, config):
    july = import_orders(db, config, tmp_path, "七月工单.csv", fixtures.JULY_ORDERS)
    w14_closed = [fixtures._order("W14", "2024-07-02 09:00", "2024-07-05 09:00", "2024-07-03 09:00", "满意",
                                  compound="和平新村")]
    later = import_orders(db, config, tmp_path, "七月补充.csv", w14_closed)
    assert (later.rows_new, later.rows_updated) == (0, 1)
    before_refusal = store.current_snapshot(db)

    with pytest.raises(UndoRefused) as refused:
        undo_import(db, july.import_id, "admin", config)
    assert str(refused.value).startswith(f"只能撤销同类数据最近的一次导入：导入 #{july.import_id}（七月工单.csv）之后还有 "
                                         f"#{later.import_id}（七月补充.csv）")
    assert store.current_snapshot(db) == before_refusal   # nothing written, nothing published
    [entry] = audit.entries(db, action="undo_import")
    assert (entry["outcome"], entry["target"]) == ("refused", f"#{july.import_id}")

    undo_import(db, later.import_id, "admin", config)    # the latest first, then the one before it
    undo_import(db, july.import_id, "admin", config)
    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    assert con.execute("SELECT order_id FROM work_orders WHERE order_id IN ('W5', 'W14') AND closed_at IS NOT NULL"
                       ).fetchall() == []
    assert con.execute("SELECT count(*) FROM work_orders").fetchone() == (13,)
    con.close()
    with pytest.raises(UndoRefused, match=f"^导入 #{july.import_id}（七月工单.csv）已于 .* 撤销"):
        undo_import(db, july.import_id, "admin", config)
    with pytest.raises(UndoRefused, match="^没有编号为 99 的导入"):
        undo_import(db, 99, "admin", config)
    assert [e["outcome"] for e in audit.entries(db, action="undo_import")] == ["refused", "ok", "ok", "refused",
                                                                               "refused"]


@pytest.mark.slow
def test_undo_of_a_registry_import_rematches_the_orders(db, tmp_path, config):
    """A registry import that renames nothing but adds a compound: after its undo the orders naming it are
    a compound not in the registry again, as before the import."""
    before = state(db, config)
    extra = fixtures.COMPOUNDS + [["未知小区", "", "西街道", "西二社区", "老旧小区", "100", "社区兜底", "", "否", "无", "0",
                                   "", "否", "否", "无", ""]]
    with store.writer(db, config, what="test") as con:
        result = import_file(con, "compounds", fixtures.write_csv(tmp_path / "台账2.csv", fixtures.COMPOUND_HEADERS,
                                                                  extra), config)
    assert (result.rows_new, result.rows_unchanged) == (1, 4)
    assert state(db, config)["tables"]["work_orders"] != before["tables"]["work_orders"]   # W9 now in 西二社区
    undo_import(db, result.import_id, "admin", config)
    after = state(db, config)
    assert after["tables"] == before["tables"]
    assert after["kpis"] == before["kpis"]
    [entry] = audit.entries(db, action="undo_import")
    assert entry["details"]["kind"] == "compounds"


@pytest.mark.slow
def test_an_import_from_before_undo_existed_is_refused(db, tmp_path, config):
    """Its updated rows' earlier versions were never kept (here: removed by hand, as in an older database)."""
    july = import_orders(db, config, tmp_path, "七月工单.csv", fixtures.JULY_ORDERS)
    with store.writer(db, config, what="test") as con:
        con.execute("DROP TABLE replaced_work_orders")
    with pytest.raises(UndoRefused, match=f"^导入 #{july.import_id} 早于撤销功能，未保存它更新前的 1 行，无法撤销"):
        undo_import(db, july.import_id, "admin", config)
    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    assert con.execute("SELECT count(*) FROM work_orders WHERE order_id = 'W14'").fetchone() == (1,)
    con.close()


KILLED_UNDO = """
import os, sys
sys.path.insert(0, sys.argv[1])
import store
from access.undo import undo_import
from metrics.config import load_config
store._publish = lambda path: os._exit(9)   # killed after the undo committed, before its snapshot and entry
undo_import(sys.argv[2], int(sys.argv[3]), "admin", load_config())
"""


@pytest.mark.slow
def test_an_undo_killed_before_its_snapshot_is_published_and_audited_once_by_the_next_write(db, tmp_path, config):
    """Every write is audited once: an undo whose process died after its commit is published by the next write
    and entered as recovered (the actor unknown), and not again by the write after."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    july = import_orders(db, config, tmp_path, "七月工单.csv", fixtures.JULY_ORDERS)
    killed = subprocess.run([sys.executable, "-c", KILLED_UNDO, str(root), str(db), str(july.import_id)],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    assert audit.entries(db, action="undo_import") == []
    with store.writer(db, config, what="下一次写入"):
        pass
    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    assert list(undone_imports(con)) == [july.import_id]
    con.close()
    entries = [(e["login"], e["target"], e["outcome"], e["details"]["import_id"])
               for e in audit.entries(db, action="undo_import")]
    assert entries == [(None, "七月工单.csv", "recovered", july.import_id)]
    with store.writer(db, config, what="再一次写入"):
        pass
    assert len(audit.entries(db, action="undo_import")) == 1


# ---- issue 21: an admin of a street undoes its street's imports only ---------------------------------------------

def admin(login, role, street=None, community=None):
    from access import Account

    return Account(login=login, role=role, street=street, community=community, admin=True, disabled=False,
                   created_at="2024-07-01 00:00:00", updated_at="2024-07-01 00:00:00")


EAST, WEST = admin("dong", "street", "东街道"), admin("xi", "street", "西街道")


def east_import(db, config, folder, name="东街道七月.csv"):
    """W5 (幸福里小区, 东街道) closed and W15 (阳光花园) new, imported by the 东街道 admin: #4."""
    rows = [fixtures._order("W5", "2024-06-28 09:00", "2024-07-03 09:00", "2024-07-02 10:00", "满意", compound="幸福里"),
            fixtures._order("W15", "2024-07-01 08:00", "2024-07-04 08:00", "")]
    with store.writer(db, config, what="test") as con:
        return import_file(con, "work_orders", fixtures.write_csv(folder / name, fixtures.ORDER_HEADERS, rows),
                           config, scope=EAST)


def undoable(db, config, scope):
    from access.undo import undoable_imports

    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    try:
        return undoable_imports(con, scope)
    finally:
        con.close()


@pytest.mark.slow
def test_an_import_of_another_street_or_the_district_is_refused_as_unknown(db, tmp_path, config):
    east = east_import(db, config, tmp_path)
    assert (east.import_id, east.rows_new, east.rows_updated) == (4, 1, 1)
    published = store.current_snapshot(db)
    for who, import_id in ((WEST, east.import_id), (EAST, 3), (EAST, 99)):   # 3: the fixture's complaints, the district's
        with pytest.raises(UndoRefused) as refused:
            undo_import(db, import_id, who.login, config, scope=who)
        assert str(refused.value) == (f"没有编号为 {import_id} 的导入，或不在本账号范围 / there is no import {import_id} in "
                                      "this account's scope")   # the same for another street's, the district's, none
    assert store.current_snapshot(db) == published   # nothing written
    assert [(e["login"], e["target"], e["outcome"]) for e in audit.entries(db, action="undo_import")] == [
        ("xi", "#4", "refused"), ("dong", "#3", "refused"), ("dong", "#99", "refused")]
    assert undoable(db, config, WEST) == [] and undoable(db, config, EAST) == [4]
    assert undoable(db, config, None) == [4, 3, 1]   # the district: the latest of each dataset

    summary = undo_import(db, east.import_id, "dong", config, scope=EAST)   # its own: undone
    assert (summary["rows_removed"], summary["rows_restored"]) == (1, 1)
    con = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    assert con.execute("SELECT closed_at FROM work_orders WHERE order_id = 'W5'").fetchone() == (None,)
    assert con.execute("SELECT count(*) FROM work_orders WHERE order_id = 'W15'").fetchone() == (0,)
    con.close()


@pytest.mark.slow
def test_a_later_district_import_blocks_the_streets_undo_without_being_named(db, tmp_path, config):
    east = east_import(db, config, tmp_path)
    later = import_orders(db, config, tmp_path, "区级七月补充.csv", fixtures.JULY_ORDERS)   # the district's, #5
    assert later.import_id == 5
    assert undoable(db, config, EAST) == []   # its import is no longer the latest of the orders
    with pytest.raises(UndoRefused) as refused:
        undo_import(db, east.import_id, "dong", config, scope=EAST)
    assert str(refused.value).startswith("只能撤销同类数据最近的一次导入：导入 #4（东街道七月.csv）之后还有本账号范围外的导入，请区级管理员处理")
    assert "区级七月补充" not in str(refused.value) and "#5" not in str(refused.value)
    [entry] = audit.entries(db, action="undo_import")
    assert (entry["login"], entry["target"], entry["outcome"]) == ("dong", "#4", "refused")
