"""Many readers and one writer across processes: readers stay on a published snapshot while an import writes,
writes queue instead of failing, new data is published when a write commits, the database is backed up and
restored while read, bloat is reclaimed, and the command line says what went wrong in one line."""
import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
import yaml

import fixtures
import store
from metrics.db import connect
from metrics.importer import import_file
from metrics.kpis import Scope, Window, kpi_report
from metrics.periods import Period

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
H1_2024 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12))
EXTRA = [["X1", "12345平台", "2024-06-12 09:00", "投诉", "渗水漏水", "", "", "阳光花园", "物业公司", "2024-06-15 09:00",
          "2024-06-13 09:00", "", "满意", "否", "是", "是", "", "", "楼上漏水"]]


def cli(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture
def db(store_db):
    return store_db


def orders_total(cursor) -> int:
    return cursor.execute("SELECT count(*) FROM work_orders").fetchone()[0]


def test_a_cli_import_runs_while_a_reader_holds_the_database(db, tmp_path, config):
    """Before: the dashboard's open connection made every CLI command fail with a lock error. Now the reader
    sits on a snapshot, the import writes the master, and the reader moves to the new snapshot."""
    reader = store.reader(db, config)
    before = orders_total(reader.cursor())
    version = reader.version
    extra = fixtures.write_csv(tmp_path / "新工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    done = cli("import", "--db", db, "--kind", "work_orders", extra)
    assert done.returncode == 0, done.stderr
    assert "read 1 = new 1" in done.stdout
    time.sleep(store.CHECK_EVERY)
    assert orders_total(reader.cursor()) == before + 1
    assert reader.version == version + 1


def test_cli_queries_and_reports_run_while_an_import_holds_the_write_lock(db, tmp_path, config):
    with store.write_lock(db, "一个很长的导入", config):
        done = cli("kpis", "--db", db, "--from", "2024-01-01", "--to", "2024-06-30", "--as-of", "2024-07-01 12:00")
        assert done.returncode == 0, done.stderr
        assert '"orders_total": 12' in done.stdout   # W1-W10, W12, W13
        briefing = tmp_path / "简报.docx"
        done = cli("report", "--db", db, "--from", "2024-01-01", "--to", "2024-06-30", "--as-of",
                   "2024-07-01 12:00", "--out", briefing, "--format", "docx", timeout=300)
        assert done.returncode == 0, done.stderr
        assert briefing.stat().st_size > 10_000


def test_a_second_write_waits_its_turn_and_says_behind_what(db, tmp_path, config):
    extra = fixtures.write_csv(tmp_path / "x.csv", fixtures.ORDER_HEADERS, EXTRA)
    told, finished = [], []

    def second():
        with store.writer(db, config, what="第二个导入", on_wait=told.append) as con:
            finished.append(import_file(con, "work_orders", extra, config).rows_new)

    with store.write_lock(db, "网页导入 工单.csv", config):
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(1.0)
        assert finished == [] and len(told) == 1
        assert told[0].what == "网页导入 工单.csv" and told[0].pid == os.getpid()
    waiting.join(timeout=60)
    assert finished == [1]
    assert orders_total(store.reader(db, config).cursor()) == 14   # the fixture's 13 and X1


def test_a_write_that_waits_too_long_fails_with_its_reason(db, config):
    impatient = {**config, "store": {"write_wait_seconds": 1}}
    with store.write_lock(db, "网页导入 工单.csv", config):
        with pytest.raises(store.WriteTimeout, match="等待写入超时（1秒），数据库正在被占用：网页导入 工单.csv"):
            with store.writer(db, impatient, what="命令行导入"):
                pass


def test_the_cli_import_queues_then_exits_2_with_one_line_when_the_wait_runs_out(db, tmp_path, config):
    extra = fixtures.write_csv(tmp_path / "x.csv", fixtures.ORDER_HEADERS, EXTRA)
    short = tmp_path / "short.yaml"
    short.write_text(yaml.safe_dump({**config, "store": {**config.get("store", {}), "write_wait_seconds": 1}},
                                    allow_unicode=True), encoding="utf-8")
    with store.write_lock(db, "网页导入 工单.csv", config):
        done = cli("import", "--db", db, "--kind", "work_orders", extra, env={"DASHBOARD_CONFIG": str(short)})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("排队中 QUEUED: 等待另一项写入完成 / waiting for another write: 网页导入 工单.csv")
    assert lines[1].startswith("错误 ERROR: 等待写入超时（1秒），数据库正在被占用：网页导入 工单.csv")
    assert len(lines) == 2 and "Traceback" not in done.stderr


def test_cli_errors_are_one_line_with_the_exit_code_the_readme_gives(tmp_path):
    done = cli("kpis", "--db", tmp_path / "none.duckdb", "--from", "2024-01-01", "--to", "2024-06-30")
    assert (done.returncode, done.stderr.strip()) == (
        2, f"错误 ERROR: 数据库不存在 / database not found: {tmp_path / 'none.duckdb'}")
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database" * 100)
    done = cli("unmatched", "--db", garbage)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("错误 ERROR: 数据库错误 / database error:") and "Traceback" not in done.stderr


def test_backup_while_read_restores_to_the_same_figures(db, tmp_path, config):
    reader = store.reader(db, config)
    before = kpi_report(reader.cursor(), config, Scope(), H1_2024)
    out = tmp_path / "backups" / "dashboard-2024-07-01.duckdb"
    assert cli("backup", "--db", db, "--out", out).returncode == 0
    extra = fixtures.write_csv(tmp_path / "x.csv", fixtures.ORDER_HEADERS, EXTRA)
    assert cli("import", "--db", db, "--kind", "work_orders", extra).returncode == 0
    time.sleep(store.CHECK_EVERY)
    assert kpi_report(reader.cursor(), config, Scope(), H1_2024)["orders_total"] == before["orders_total"] + 1
    done = cli("restore", "--db", db, "--from", out)
    assert done.returncode == 0, done.stderr
    time.sleep(store.CHECK_EVERY)
    assert kpi_report(reader.cursor(), config, Scope(), H1_2024) == before
    not_a_backup = tmp_path / "x.duckdb"
    duckdb.connect(str(not_a_backup)).close()
    done = cli("restore", "--db", db, "--from", not_a_backup)
    assert done.returncode == 2 and "不是看板数据库的备份" in done.stderr


def test_space_left_by_an_import_killed_midway_is_reclaimed(tmp_path, config):
    """An import killed with SIGKILL leaves its written blocks in the file, counted nowhere (the database is
    consistent, the file four times too large): the next write rewrites the file."""
    db = tmp_path / "killed.duckdb"
    script = ("import duckdb, os, signal, sys\n"
              "con = duckdb.connect(sys.argv[1])\n"
              "con.execute('CREATE TABLE IF NOT EXISTS keep AS SELECT 1 AS x'); con.execute('CHECKPOINT')\n"
              "con.execute('BEGIN')\n"
              "con.execute(\"CREATE TABLE t2 AS SELECT range AS i, repeat('x', 100) || range AS s FROM range(2000000)\")\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([PYTHON, "-c", script, str(db)], capture_output=True)
    assert killed.returncode == -9
    bloated = db.stat().st_size
    assert bloated > 32 * 1024 * 1024
    with store.writer(db, config, what="下一次写入"):
        pass
    assert db.stat().st_size < 8 * 1024 * 1024
    check = duckdb.connect(str(store.current_snapshot(db)), read_only=True)
    assert check.execute("SELECT x FROM keep").fetchall() == [(1,)]
    assert check.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't2'").fetchone() == (0,)


def test_snapshots_are_kept_two_deep_and_an_old_reader_keeps_working(db, tmp_path, config):
    old = duckdb.connect(str(store.current_snapshot(db)), read_only=True)   # a reader on the current snapshot
    for i in range(3):
        with store.writer(db, config, what=f"写入{i}"):
            pass
    assert sorted(p.name for p in store.snapshot_dir(db).glob("*.duckdb")) == ["00000003.duckdb", "00000004.duckdb"]
    assert old.execute("SELECT count(*) FROM work_orders").fetchone() == (13,)   # its file was removed, not its data


def test_a_drop_folder_imports_each_new_file_once(db, tmp_path, config):
    drop = tmp_path / "drop"
    drop.mkdir()
    fixtures.write_csv(drop / "2024-06-30_工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    fixtures.write_csv(drop / "2024-07-01_工单.csv", fixtures.ORDER_HEADERS,
                       [EXTRA[0][:1] + ["12345平台", "不是日期"] + EXTRA[0][3:]])
    (drop / "2024-07-02_说明.csv").write_text("说明\n这不是导出文件\n", encoding="utf-8")
    done = cli("import-folder", drop, "--db", db)
    assert done.returncode == 1, done.stdout + done.stderr
    assert sorted(p.name for p in (drop / "imported").iterdir()) == ["2024-06-30_工单.csv"]
    assert sorted(p.name for p in (drop / "failed").iterdir()) == [
        "2024-07-01_工单.csv", "2024-07-01_工单_导入问题_5.xlsx", "2024-07-02_说明.csv", "2024-07-02_说明.csv.error.txt"]
    assert "无法判断是哪类数据" in (drop / "failed" / "2024-07-02_说明.csv.error.txt").read_text(encoding="utf-8")
    assert [p.name for p in drop.iterdir() if p.is_file()] == []
    # the same content dropped again is not imported twice
    fixtures.write_csv(drop / "again.csv", fixtures.ORDER_HEADERS, EXTRA)
    done = cli("import-folder", drop, "--db", db)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "again.csv: 已导入过（内容相同） / already imported (same content)" in done.stdout
    assert orders_total(store.reader(db, config).cursor()) == 14


def test_a_refused_first_import_leaves_no_file(tmp_path, capsys):
    """A file refused (no id column; the wrong kind) into a database that did not exist: before, an empty
    database, its access file, lock and snapshot folder stayed behind. Now the folder is as it was, from
    `import` and `import-folder` alike; into a folder the write made, that folder goes too."""
    from metrics.__main__ import main

    inbox, data = tmp_path / "in", tmp_path / "data"
    inbox.mkdir()
    data.mkdir()
    no_id = fixtures.write_csv(inbox / "台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS)
    orders = fixtures.write_csv(inbox / "工单.csv", fixtures.ORDER_HEADERS, fixtures.ORDERS)
    assert main(["import", "--db", str(data / "new.duckdb"), "--kind", "work_orders", str(no_id)]) == 1
    assert main(["import", "--db", str(data / "new.duckdb"), "--kind", "compounds", str(orders)]) == 1
    assert "找不到工单的编号列" in capsys.readouterr().out
    assert sorted(os.listdir(data)) == []
    assert main(["import", "--db", str(tmp_path / "made" / "deeper" / "new.duckdb"), "--kind", "work_orders",
                 str(no_id)]) == 1
    assert not (tmp_path / "made").exists()
    drop = tmp_path / "drop"
    drop.mkdir()
    fixtures.write_csv(drop / "台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS)
    assert main(["import-folder", str(drop), "--db", str(data / "new.duckdb"), "--kind", "work_orders"]) == 1
    assert sorted(os.listdir(data)) == []
    assert sorted(p.name for p in (drop / "failed").iterdir()) == ["台账.csv", "台账.csv.error.txt"]


def test_an_accepted_first_import_creates_everything_as_before(tmp_path, config):
    """The same command with a file it accepts: the database, its lock, snapshots, access file (the audit
    entry) and rejection file; a refused file beside an accepted one keeps the database too."""
    from access import audit
    from metrics.__main__ import main

    data = tmp_path / "data"
    orders = fixtures.write_csv(tmp_path / "工单.csv", fixtures.ORDER_HEADERS, fixtures.ORDERS)
    no_id = fixtures.write_csv(tmp_path / "台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS)
    assert main(["import", "--db", str(data / "new.duckdb"), "--kind", "work_orders", str(no_id), str(orders)]) == 1
    assert {"new.duckdb", "new.duckdb.lock", "new.duckdb.snapshots", "new.duckdb.access.sqlite",
            "rejections"} <= set(os.listdir(data))
    assert orders_total(store.reader(data / "new.duckdb", config).cursor()) == 13
    assert [e["outcome"] for e in audit.entries(data / "new.duckdb")] == ["failed", "ok"]


def test_a_writer_keeps_an_existing_database_whatever_keep_new_says(tmp_path, config):
    path = tmp_path / "x.duckdb"
    with store.writer(path, config, keep_new=lambda con: False):
        pass
    assert not path.exists() and os.listdir(tmp_path) == []
    with store.writer(path, config):
        pass
    with store.writer(path, config, keep_new=lambda con: False):
        pass
    assert path.exists() and store.current_snapshot(path) is not None
