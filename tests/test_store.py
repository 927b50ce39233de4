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
from metrics.database import connect
from metrics.ingest.importer import import_file
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


@pytest.mark.slow
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


def test_cli_errors_are_one_line_with_the_exit_code_docs_cli_gives(tmp_path):
    done = cli("kpis", "--db", tmp_path / "none.duckdb", "--from", "2024-01-01", "--to", "2024-06-30")
    assert (done.returncode, done.stderr.strip()) == (
        2, f"错误 ERROR: 数据库不存在 / database not found: {tmp_path / 'none.duckdb'}")
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database" * 100)
    done = cli("unmatched", "--db", garbage)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("错误 ERROR: 数据库错误 / database error:") and "Traceback" not in done.stderr


@pytest.mark.slow
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


@pytest.mark.slow
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


# ---- faults never lie (issue 21): a full disk, a killed writer, ids after a restore -----------------------------

MB = 1024 * 1024
LATER = [["X2", "12345平台", "2024-06-13 09:00", "投诉", "渗水漏水", "", "", "阳光花园", "物业公司", "2024-06-16 09:00",
          "2024-06-14 09:00", "", "满意", "否", "是", "是", "", "", "楼上漏水"]]


@pytest.fixture
def small_disk(tmp_path):
    """A real 50 MB tmpfs, mounted by the test (root only), unmounted after it."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a full disk is tested on a tmpfs the test mounts, and mounting needs root: not root here")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=50m", "tmpfs", str(folder)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"a full disk is tested on a tmpfs the test mounts, and mount refused here: {done.stderr.strip()}")
    yield folder
    store._READERS.clear()   # readers of the test hold snapshot files open on it
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path, leave: int) -> None:
    """Fill the disk of `folder` until exactly `leave` bytes (a multiple of the 4 KiB page) are free."""
    with open(folder / "filler", "ab") as f:
        remaining = store.free_space(folder) - leave
        try:
            while remaining > 0:
                f.write(b"\0" * min(remaining, MB))
                f.flush()
                remaining = store.free_space(folder) - leave
        except OSError:
            assert leave == 0
    assert store.free_space(folder) == leave


def on_disk(db: Path) -> dict:
    """Every file of the database's folder (the filler aside), by name: its size and SHA-256."""
    import hashlib

    found = {}
    for path in sorted(db.parent.rglob("*")):
        if path.is_file() and path.name != "filler":
            found[str(path.relative_to(db.parent))] = (path.stat().st_size,
                                                       hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def imports_in(path: Path) -> list[int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT import_id FROM import_log ORDER BY import_id").fetchall()]
    finally:
        con.close()


def audited(db: Path) -> list[tuple]:
    """(action, outcome, import id, target) of every audit entry naming an import."""
    from access import audit

    return [(e["action"], e["outcome"], (e["details"] or {}).get("import_id"), e["target"])
            for e in audit.entries(db) if e["action"] in ("import", "registry_change", "undo_import")]


@pytest.mark.parametrize("free", ["short", "none"])
@pytest.mark.slow
def test_an_import_the_disk_cannot_hold_is_refused_before_anything_changes(small_disk, tmp_path, config, free):
    """Before: on a 50 MB disk an import failed halfway with "cannot rollback - no transaction is active", and
    its half-written snapshot copy filled the disk for every import after it. Now the writer checks first that
    the disk holds what the write may take (the database, its WAL, twice the CSV, 8 MB) and says how much: exit
    2, the database, its snapshot, lock and access file byte for byte as they were, no audit entry."""
    db = small_disk / "app.duckdb"
    with store.writer(db, config, what="fixture") as con:
        fixtures.build(con, tmp_path, config)
    env = {"DASHBOARD_LOG": str(tmp_path / "cli.log")}
    first = fixtures.write_csv(tmp_path / "新工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    assert cli("import", "--db", db, "--kind", "work_orders", first, env=env).returncode == 0
    later = fixtures.write_csv(tmp_path / "七月工单.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS)
    wal = Path(str(db) + ".wal")
    needed = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0) + 2 * later.stat().st_size + 8 * MB
    leave = (needed // MB - 1) * MB + MB // 2 if free == "short" else 0
    before, entries = on_disk(db), audited(db)
    fill(small_disk, leave)
    done = cli("import", "--db", db, "--kind", "work_orders", later, env=env)
    n, m = -(-needed // MB), leave // MB
    assert (done.returncode, done.stdout, done.stderr) == (2, "", (
        f"错误 ERROR: 磁盘空间不足：需要约 {n} MB，可用 {m} MB（{small_disk}），未做任何改动 / not enough disk space: "
        f"about {n} MB needed, {m} MB available ({small_disk}); nothing was changed\n"))
    assert on_disk(db) == before
    assert not store.marker_path(db).exists()
    (small_disk / "filler").unlink()   # SQLite itself needs room to open the audit log
    assert entries == audited(db) == [("import", "ok", 4, "新工单.csv")]
    assert cli("import", "--db", db, "--kind", "work_orders", later, env=env).returncode == 0
    assert audited(db)[-1] == ("import", "ok", 5, "七月工单.csv")


def test_an_import_committed_when_the_disk_fills_before_its_snapshot_says_so_and_is_published_later(
        small_disk, tmp_path, config, monkeypatch, capsys):
    """The disk has room for the commit, then fills before the snapshot copy (another program wrote meanwhile).
    Before: "internal error", exit 2, no audit entry, the rows committed all the same. Now the result says the
    import is committed but not published, exit 3, audited as such; the copy leaves no part of itself; the next
    start publishes it and audits that once."""
    from metrics.__main__ import main

    db = small_disk / "app.duckdb"
    with store.writer(db, config, what="fixture") as con:
        fixtures.build(con, tmp_path, config)
    published = store.current_snapshot(db)
    original = store._publish

    def disk_fills_first(path):
        monkeypatch.setattr(store, "_publish", original)
        fill(small_disk, MB)   # the commit and its checkpoint are done; the 4 MB master's copy cannot fit
        return original(path)

    monkeypatch.setattr(store, "_publish", disk_fills_first)
    extra = fixtures.write_csv(tmp_path / "新工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    assert main(["import", "--db", str(db), "--kind", "work_orders", str(extra)]) == 3
    cause = (f"[Errno 28] No space left on device: '{db}' -> '{store.snapshot_dir(db) / '.00000002.tmp'}'")
    said = (f"已导入并提交（导入编号 4），但快照未能发布（磁盘空间不足：{cause}），看板暂不显示；下次启动或写入时自动发布 / imported "
            f"and committed (import 4), but the snapshot could not be published (not enough disk space: {cause}): "
            "pages do not show it yet; it is published at the next start or write")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("新工单.csv (work_orders, profile default): read 1 = new 1 + updated 0")
    assert f"尚未发布 NOT PUBLISHED: 新工单.csv: {said}" in out
    assert store.current_snapshot(db) == published
    assert sorted(p.name for p in store.snapshot_dir(db).iterdir()) == ["00000001.duckdb", "CURRENT"]
    assert imports_in(published) == [1, 2, 3] and imports_in(db) == [1, 2, 3, 4]
    assert audited(db) == [("import", "unpublished", 4, "新工单.csv")]
    from access import audit
    assert audit.entries(db)[0]["details"]["not_published"] == said
    assert store.marker_path(db).exists()

    (small_disk / "filler").unlink()
    monkeypatch.setattr(store, "_READERS", {})   # the next start of a process
    assert orders_total(store.reader(db, config).cursor()) == 14
    assert imports_in(store.current_snapshot(db)) == [1, 2, 3, 4]
    assert audited(db) == [("import", "unpublished", 4, "新工单.csv"), ("import", "published", 4, "新工单.csv")]
    assert not store.marker_path(db).exists()
    with store.writer(db, config, what="下一次写入"):
        pass
    assert len(audited(db)) == 2


def test_a_disk_full_at_the_checkpoint_leaves_the_import_committed_and_the_next_write_publishes_it(
        small_disk, tmp_path, config, monkeypatch, capsys):
    """The disk fills to the last byte right after the commit: the checkpoint fails (DuckDB: FATAL), and so does
    the audit entry. The import says it is committed, neither published nor audited (exit 3); the next write
    replays it, publishes it and audits it as recovered, then does its own import under the next id."""
    import metrics.cli.data as command
    from metrics.cli.main import main

    db = small_disk / "app.duckdb"
    with store.writer(db, config, what="fixture") as con:
        fixtures.build(con, tmp_path, config)
    imports = command.import_files

    def then_full(*args, **kwargs):
        found = imports(*args, **kwargs)
        fill(small_disk, 0)
        return found

    monkeypatch.setattr(command, "import_files", then_full)
    extra = fixtures.write_csv(tmp_path / "新工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    assert main(["import", "--db", str(db), "--kind", "work_orders", str(extra)]) == 3
    out = capsys.readouterr().out
    assert "尚未发布 NOT PUBLISHED: 新工单.csv: 已导入并提交（导入编号 4），但快照未能发布（磁盘空间不足：" in out
    assert "未记入审计 NOT AUDITED: 新工单.csv: 导入编号 4 已提交，但审计记录未能写入（" in out
    assert "cannot rollback" not in out and "内部错误" not in out
    assert imports_in(store.current_snapshot(db)) == [1, 2, 3]

    (small_disk / "filler").unlink()
    monkeypatch.setattr(command, "import_files", imports)
    later = fixtures.write_csv(tmp_path / "再一单.csv", fixtures.ORDER_HEADERS, LATER)
    assert main(["import", "--db", str(db), "--kind", "work_orders", str(later)]) == 0
    assert imports_in(store.current_snapshot(db)) == [1, 2, 3, 4, 5]
    assert audited(db) == [("import", "recovered", 4, "新工单.csv"), ("import", "ok", 5, "再一单.csv")]


def test_a_disk_full_before_the_commit_says_so_and_changes_nothing(small_disk, tmp_path, config, monkeypatch,
                                                                   capsys):
    """The disk fills while the import runs, before its COMMIT: the failed COMMIT ends the transaction, and the
    ROLLBACK after it no longer hides why (before: "cannot rollback - no transaction is active")."""
    from metrics import rollup
    from metrics.__main__ import main

    db = small_disk / "app.duckdb"
    with store.writer(db, config, what="fixture") as con:
        fixtures.build(con, tmp_path, config)
    refresh = rollup.refresh

    def full_then_refresh(*args, **kwargs):
        fill(small_disk, 0)
        return refresh(*args, **kwargs)

    monkeypatch.setattr(rollup, "refresh", full_then_refresh)
    extra = fixtures.write_csv(tmp_path / "新工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    assert main(["import", "--db", str(db), "--kind", "work_orders", str(extra)]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("失败 FAILED: 新工单.csv: 磁盘空间不足，导入未提交，数据库未改变 / not enough disk space: the import "
                           "was not committed, the database is unchanged (")
    assert "No space left on device" in line and "cannot rollback" not in line
    monkeypatch.setattr(rollup, "refresh", refresh)
    (small_disk / "filler").unlink()
    assert imports_in(db) == [1, 2, 3] and imports_in(store.current_snapshot(db)) == [1, 2, 3]
    assert audited(db) == []   # nothing was committed; the failure's own entry found no room either


KILLED = """
import os, sys
sys.path.insert(0, sys.argv[1])
import store
import metrics.cli.data as command
from metrics.cli.main import main
where, db, file = sys.argv[2:5]
if where == "before_publish":
    store._publish = lambda path: os._exit(9)
elif where == "during_copy":
    def half(source, target):
        with open(source, "rb") as s, open(target, "wb") as t:
            t.write(s.read(100_000))
        os._exit(9)
    store.shutil.copyfile = half
else:
    command._audit_import = lambda *args: os._exit(9)
main(["import", "--db", db, "--kind", "work_orders", file])
"""


@pytest.mark.parametrize("where", ["before_publish", "during_copy", "before_audit"])
@pytest.mark.parametrize("then", ["start", "write"])
@pytest.mark.slow
def test_an_import_killed_while_it_publishes_is_published_and_audited_once_by_the_next_start_or_write(
        db, tmp_path, config, where, then):
    """Killed (os._exit) after its commit: before the snapshot copy, halfway through it, or after it but before
    its audit entry. Before: pages showed the old data until the next write, and the import was never audited.
    Now the next process's first reader, or the next write, publishes it and audits it as recovered, once."""
    extra = fixtures.write_csv(tmp_path / "新工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    killed = subprocess.run([PYTHON, "-c", KILLED, str(ROOT), where, str(db), str(extra)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    assert imports_in(db) == [1, 2, 3, 4] and store.marker_path(db).exists()
    assert imports_in(store.current_snapshot(db)) == ([1, 2, 3, 4] if where == "before_audit" else [1, 2, 3])
    assert audited(db) == []
    recovered = ("import", "recovered", 4, "新工单.csv")
    if then == "start":
        done = cli("kpis", "--db", db, "--from", "2024-01-01", "--to", "2024-06-30", "--as-of", "2024-07-01 12:00")
        assert done.returncode == 0 and '"orders_total": 13' in done.stdout, done.stderr   # 12 and X1
        assert audited(db) == [recovered]
    later = fixtures.write_csv(tmp_path / "再一单.csv", fixtures.ORDER_HEADERS, LATER)
    assert cli("import", "--db", db, "--kind", "work_orders", later).returncode == 0
    assert audited(db) == [recovered, ("import", "ok", 5, "再一单.csv")]
    assert imports_in(store.current_snapshot(db)) == [1, 2, 3, 4, 5]
    assert not store.marker_path(db).exists()
    assert [p.name for p in store.snapshot_dir(db).iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_import_ids_never_repeat_after_a_restore(db, tmp_path, config):
    """Before: import 5, a restore of the backup taken before it, and the next import was 5 again (two files
    under one id in the audit log, one rejection file overwriting the other). Now ids start above the highest
    the audit log names, which no restore rolls back."""
    first = fixtures.write_csv(tmp_path / "第一.csv", fixtures.ORDER_HEADERS, EXTRA)
    second = fixtures.write_csv(tmp_path / "第二.csv", fixtures.ORDER_HEADERS, LATER)
    third = fixtures.write_csv(tmp_path / "第三.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS)
    backup = tmp_path / "backup" / "app.duckdb"
    assert cli("import", "--db", db, "--kind", "work_orders", first).returncode == 0
    assert cli("backup", "--db", db, "--out", backup).returncode == 0
    assert cli("import", "--db", db, "--kind", "work_orders", second).returncode == 0
    assert cli("restore", "--db", db, "--from", backup).returncode == 0
    assert cli("import", "--db", db, "--kind", "work_orders", third).returncode == 0
    assert audited(db) == [("import", "ok", 4, "第一.csv"), ("import", "ok", 5, "第二.csv"),
                           ("import", "ok", None, "app.duckdb"), ("import", "ok", 6, "第三.csv")]
    assert imports_in(store.current_snapshot(db)) == [1, 2, 3, 4, 6]
