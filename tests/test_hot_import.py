"""Hot issues kept by the importer (issue 23): an import refreshes the hot tables inside its own transaction, a failed
one leaves them as they were, an undo takes its orders out; the export's title (标题) is mapped, masked and read."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import fixtures
from metrics import hot
from metrics.database import connect
from metrics.db import rows
from metrics.ingest import importer
from metrics.ingest.importer import import_file
from metrics.ingest.readers import ImportFailure
from metrics.kpis import Scope
from metrics.periods import Period, Window

DATA = Path(__file__).resolve().parent / "data" / "hot"
HEADERS = ["工单编号", "受理时间", "诉求类别", "小区", "办结时限", "办结时间", "联系电话", "标题", "诉求内容"]
# Four residents of 锦绣家园 on one mixing plant (one title carries the caller's phone), one a week later on a lift.
ORDERS = [
    ["T1", "2024-05-06 09:00", "噪音扰民", "锦绣家园", "2024-05-11 09:00", "2024-05-08 10:00", "13812345678",
     "搅拌站噪音 电话13812345678", "小区东边的混凝土搅拌站夜里还在施工，噪音吵得睡不着"],
    ["T2", "2024-05-09 20:00", "噪音扰民", "锦绣家园", "2024-05-14 20:00", "", "13900001111",
     "关于搅拌站扰民", "东侧搅拌站半夜轰隆隆响，灰尘也大，请管一管"],
    ["T3", "2024-05-15 22:30", "噪音扰民", "锦绣家园", "2024-05-20 22:30", "2024-05-25 10:00", "13700002222",
     "", "搅拌站晚上施工噪音太大了，孩子没法睡觉，要求停止夜间作业"],
    ["T4", "2024-05-20 23:10", "噪音扰民", "锦绣家园", "2024-05-25 23:10", "", "13600003333",
     "搅拌站夜间施工", "小区旁边的搅拌站天天夜里作业，噪音和粉尘扰民"],
    ["T5", "2024-05-27 08:00", "电梯", "锦绣家园", "2024-06-01 08:00", "", "13500004444",
     "电梯故障", "3号楼电梯又坏了，老人上下楼困难"],
]
MAY = Window(Period(dt.date(2024, 5, 1), dt.date(2024, 5, 31)), dt.datetime(2024, 6, 1, 12))


@pytest.fixture
def con(tmp_path, config):
    con = connect(tmp_path / "h.duckdb")
    import_file(con, "compounds", DATA / "compounds.csv", config, rejection_dir=tmp_path)
    yield con
    con.close()


def _orders(tmp_path, data, name="工单.csv"):
    return fixtures.write_csv(tmp_path / name, HEADERS, data)


def test_the_title_is_mapped_masked_and_read(con, tmp_path, config):
    result = import_file(con, "work_orders", _orders(tmp_path, ORDERS), config, rejection_dir=tmp_path)
    assert result.columns["title"] == "标题" and result.rows_new == 5
    titles = {r["order_id"]: r["title"] for r in rows(con, "SELECT order_id, title FROM work_orders")}
    assert titles == {"T1": "搅拌站噪音 电话[手机号]", "T2": "关于搅拌站扰民", "T3": None, "T4": "搅拌站夜间施工",
                      "T5": "电梯故障"}
    # the import refreshed the hot tables: the five orders read, the four on the plant one group of four residents
    docs = {r["record_id"]: r for r in rows(con, "SELECT record_id, group_id, terms FROM hot_docs")}
    assert sorted(docs) == ["T1", "T2", "T3", "T4", "T5"]
    assert "搅拌站" in docs["T2"]["terms"]          # from the title and the content both
    assert not any("[" in t or "138" in t for d in docs.values() for t in d["terms"])
    found = hot.hot_issues(con, config, Scope(), MAY)
    assert [(h["place"], h["order_ids"], h["residents"], h["open"]) for h in found] == [
        ("锦绣家园", ["T1", "T2", "T3", "T4"], 4, 2)]
    # 热度: 3 x 4 residents, no repeats, no complaints, new: x (1 + 0.5 x 2)
    assert found[0]["heat"] == 24.0 and found[0]["new"] and found[0]["first_day"] == dt.date(2024, 5, 6)
    assert "搅拌站" in found[0]["title"] and "[" not in found[0]["title"]


def test_a_database_from_before_the_title_gets_the_column(tmp_path, config):
    """An older database (work_orders without `title`, a replaced_work_orders copied from it) is upgraded when
    opened: the column is added to both, at the end, as in a new database."""
    path = tmp_path / "old.duckdb"
    con = connect(path)
    con.execute("ALTER TABLE work_orders DROP COLUMN title")
    con.execute("CREATE TABLE replaced_work_orders AS SELECT CAST(NULL AS BIGINT) AS replaced_by, * FROM work_orders")
    con.close()
    con = connect(path)
    names = [r[0] for r in con.execute("DESCRIBE work_orders").fetchall()]
    fresh = [r[0] for r in connect(None).execute("DESCRIBE work_orders").fetchall()]
    assert names == fresh and names[-1] == "title"
    assert [r[0] for r in con.execute("DESCRIBE replaced_work_orders").fetchall()][-1] == "title"


def test_an_import_refreshes_only_its_orders_and_a_failed_one_leaves_the_tables(con, tmp_path, config, monkeypatch):
    import_file(con, "work_orders", _orders(tmp_path, ORDERS[:3]), config, rejection_dir=tmp_path)

    def snapshot():
        return {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in hot.store.TABLES}

    before = snapshot()
    assert [r["record_id"] for r in before["hot_docs"]] == ["T1", "T2", "T3"]
    read = []
    real = hot.refresh
    monkeypatch.setattr(hot, "refresh", lambda *a, **k: read.append(real(*a, **k)) or read[-1])

    def broken(con):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(importer, "_check_counts", broken)   # fails after the refresh, before the commit
    with pytest.raises(ImportFailure):
        import_file(con, "work_orders", _orders(tmp_path, ORDERS[3:], "more.csv"), config, rejection_dir=tmp_path)
    assert read[0]["messages_read"] == 2            # the refresh ran inside the failed import ...
    assert snapshot() == before                     # ... and went with it
    monkeypatch.undo()
    monkeypatch.setattr(hot, "refresh", lambda *a, **k: read.append(real(*a, **k)) or read[-1])
    import_file(con, "work_orders", _orders(tmp_path, ORDERS[3:], "more.csv"), config, rejection_dir=tmp_path)
    assert read[-1]["messages_read"] == 2 and not read[-1]["full"]   # only T4 and T5 read
    assert [r["record_id"] for r in rows(con, "SELECT record_id FROM hot_docs ORDER BY 1")] == [
        "T1", "T2", "T3", "T4", "T5"]
    # a complaints import (no text) leaves the tables alone; the registry's compares everything (nothing new)
    read.clear()
    import_file(con, "complaints", DATA / "complaints.csv", config, rejection_dir=tmp_path)
    assert read == []
    import_file(con, "compounds", DATA / "compounds.csv", config, rejection_dir=tmp_path)
    assert read[-1]["messages_read"] == 0


def test_an_undo_takes_its_orders_out_of_the_hot_issues(con, tmp_path, config):
    from access.undo import _undo

    import_file(con, "work_orders", _orders(tmp_path, ORDERS[:2]), config, rejection_dir=tmp_path)
    second = import_file(con, "work_orders", _orders(tmp_path, ORDERS[2:], "more.csv"), config,
                         rejection_dir=tmp_path)
    assert len(hot.hot_issues(con, config, Scope(), MAY)) == 1
    _undo(con, second.import_id, "admin", config, dt.datetime(2024, 6, 2))
    assert [r["record_id"] for r in rows(con, "SELECT record_id FROM hot_docs ORDER BY 1")] == ["T1", "T2"]
    assert hot.hot_issues(con, config, Scope(), MAY) == []


def _cli(*args):
    import os
    import subprocess
    import sys

    from conftest import ROOT
    return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ})


@pytest.fixture
def hot_db(con, tmp_path, config):
    import_file(con, "work_orders", _orders(tmp_path, ORDERS), config, rejection_dir=tmp_path)
    con.close()
    return tmp_path / "h.duckdb"


def test_the_command_line_lists_the_hot_issues(hot_db):
    import json

    done = _cli("hot", "--db", hot_db, "--from", "2024-05-01", "--to", "2024-05-31", "--as-of", "2024-06-01 12:00",
                "--top", "5", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["period"]["from"] == "2024-05-01" and report["scope"] == {}
    # T1-T4: four residents, T2 and T4 open on 1 June; 热度 3 x 4 x (1 + 0.5 x 2) = 24.0 (new this month)
    assert report["hot_issues"] == [{
        "rank": 1, "title": "搅拌站晚上施工噪音太大了", "place": "锦绣家园", "street": "东湖街道", "community": "东湖社区",
        "first_day": "2024-05-06", "last_day": "2024-05-20", "orders": 4, "residents": 4, "complaints": 0, "open": 2,
        "heat": 24.0, "new": True, "terms": ["搅拌站", "噪音", "施工", "扰民", "作业"],
        "order_ids": ["T1", "T2", "T3", "T4"]}]
    done = _cli("hot", "--db", hot_db, "--from", "2024-05-01", "--to", "2024-05-31", "--as-of", "2024-06-01 12:00",
                "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "rank,title,place,street,community,first_day,last_day,orders,residents,complaints,open,heat,new,terms,order_ids",
        "1,搅拌站晚上施工噪音太大了,锦绣家园,东湖街道,东湖社区,2024-05-06,2024-05-20,4,4,0,2,24.0,True,"
        "搅拌站、噪音、施工、扰民、作业,T1 T2 T3 T4"]
    # another street's scope: none; June: none (the plant was written in May)
    other = json.loads(_cli("hot", "--db", hot_db, "--from", "2024-05-01", "--to", "2024-05-31",
                            "--street", "西城街道").stdout)
    assert other["hot_issues"] == [] and other["scope"] == {"street": "西城街道"}
    assert _cli("hot", "--db", hot_db, "--from", "2024-05-01", "--to", "2024-05-31", "--top", "0").returncode == 2


def test_an_issue_opens_to_its_orders(con, tmp_path, config):
    import_file(con, "work_orders", _orders(tmp_path, ORDERS), config, rejection_dir=tmp_path)
    issue = hot.hot_issues(con, config, Scope(), MAY)[0]
    found = hot.issue_orders(con, config, Scope(), MAY, issue["id"])
    assert [(r["order_id"], r["state"], r["closed_at"]) for r in found] == [
        ("T1", "closed_on_time", dt.datetime(2024, 5, 8, 10)), ("T2", "overdue", None),
        ("T3", "closed_late", dt.datetime(2024, 5, 25, 10)), ("T4", "overdue", None)]
    assert (found[0]["title"], found[0]["content"]) == (
        "搅拌站噪音 电话[手机号]", "小区东边的混凝土搅拌站夜里还在施工，噪音吵得睡不着")
    # judged on 16 May at noon: T4 not yet received, T2 due on the 14th overdue, T3 due on the 20th open
    early = Window(MAY.period, dt.datetime(2024, 5, 16, 12))
    assert [(r["order_id"], r["state"]) for r in hot.issue_orders(con, config, Scope(), early, issue["id"])] == [
        ("T1", "closed_on_time"), ("T2", "overdue"), ("T3", "open")]
    assert hot.issue_orders(con, config, Scope(street="西城街道"), MAY, issue["id"]) == []
    assert hot.issue_orders(con, config, Scope(), MAY, "nothing") == []
