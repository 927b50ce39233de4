"""Uploads (name, bytes) through the importer: original names kept, exact row accounting, failures named."""
import threading
import time
from pathlib import Path

import fastexcel
import pytest

import fixtures
import store
from metrics.ingest import filenames, uploads
from metrics.ingest.importer import import_files
from metrics.ingest.quality import import_history
from metrics.ingest.readers import ImportFailure
from metrics.ingest.templates import TEMPLATE_NAMES


def csv_bytes(tmp_path, name, headers, data) -> tuple[str, bytes]:
    return name, fixtures.write_csv(tmp_path / "src" / name, headers, data).read_bytes()


@pytest.fixture
def sources(tmp_path):
    (tmp_path / "src").mkdir()
    return {
        "compounds": csv_bytes(tmp_path, "小区台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS),
        "work_orders": csv_bytes(tmp_path, "工单.csv", fixtures.ORDER_HEADERS, fixtures.ORDERS),
        "july": csv_bytes(tmp_path, "工单_7月.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS),
    }


def counts(row):
    return tuple(row[k] for k in ("rows_read", "rows_new", "rows_updated", "rows_unchanged", "rows_duplicate",
                                  "rows_rejected", "warnings"))


def test_orders_upload_is_accounted_for_under_its_own_name(tmp_path, sources, config):
    db = tmp_path / "db" / "user.duckdb"
    rejections = tmp_path / "db" / "rejections"
    uploads.import_uploads(db, "compounds", [sources["compounds"]], config, rejection_dir=rejections)
    seen = []
    results = uploads.import_uploads(db, "work_orders", [sources["work_orders"]], config, rejection_dir=rejections,
                                     progress=lambda i, n, name: seen.append((i, n, name)))
    con = store.reader(db, config).cursor()
    [row] = uploads.accounting(results)
    # 17 rows: 13 good ids, W1 twice (1 duplicate), R1, R2 and a blank id rejected; W13's revisit answer warned
    assert counts(row) == (17, 13, 0, 0, 1, 3, 1) and row["balanced"] and row["error"] is None
    assert seen == [(0, 1, "工单.csv")]
    assert row["file"] == "工单.csv" and row["import_id"] == 2
    assert row["rejection_file"] == str(rejections / "工单_导入问题_2.xlsx")
    assert (rejections / "工单_导入问题_2.xlsx").exists()
    assert [r["file_name"] for r in import_history(con)] == ["工单.csv", "小区台账.csv"]


def test_a_later_export_updates_and_a_bad_file_fails_alone(tmp_path, sources, config):
    db = tmp_path / "user.duckdb"
    with store.writer(db, config) as con:
        fixtures.build(con, tmp_path, config)
    results = uploads.import_uploads(db, "work_orders", [("坏文件.xlsx", b"not a workbook"), sources["july"]],
                                     config, rejection_dir=tmp_path / "rejections")
    con = store.reader(db, config).cursor()
    bad, july = uploads.accounting(results)
    assert bad["file"] == "坏文件.xlsx" and bad["error"].startswith("坏文件.xlsx: 无法读取Excel文件")
    # the temporary folder is no part of what the user reads
    assert "dashboard_upload_" not in bad["error"]
    assert uploads.reason(bad["error"], "坏文件.xlsx").startswith("无法读取Excel文件")
    # W5 closed since (updated), W1 as before (unchanged), W14 new
    assert counts(july) == (3, 1, 1, 1, 0, 0, 0) and july["rejection_file"] is None
    assert con.execute("SELECT count(*) FROM import_log").fetchone()[0] == 4


def test_two_uploads_at_once_both_land_one_after_the_other(tmp_path, sources, config):
    """Two users press 导入 at the same moment: the second waits (told behind what) instead of failing."""
    db = tmp_path / "user.duckdb"
    with store.writer(db, config) as con:
        fixtures.build(con, tmp_path, config)
    told, results = [], {}

    def upload(name, source):
        results[name] = uploads.import_uploads(db, "work_orders", [source], config,
                                               rejection_dir=tmp_path / "rejections", on_wait=told.append)

    with store.write_lock(db, "网页导入 另一个文件.csv", config):   # the first import is still writing
        first = threading.Thread(target=upload, args=("july", sources["july"]))
        second = threading.Thread(target=upload, args=("again", sources["work_orders"]))
        first.start()
        second.start()
        time.sleep(1)
        assert results == {} and len(told) == 2
    first.join(60)
    second.join(60)
    assert [row["error"] for name in ("july", "again") for row in uploads.accounting(results[name])] == [None, None]
    logged = store.reader(db, config).cursor().execute(
        "SELECT file_name FROM import_log WHERE import_id > 3 ORDER BY import_id").fetchall()
    assert sorted(logged) == [("工单.csv",), ("工单_7月.csv",)]


def test_same_names_do_not_overwrite_and_the_folder_is_removed():
    hostile = [("a.csv", b"1"), ("a.csv", b"2"), ("../../x/b.csv", b"3"), ("", b"4"), ("..csv", b"5"),
               ("..\\..\\c.csv", b"6"), ("/etc/passwd", b"7"), ("..", b"8"), (LONG, b"9")]
    with uploads.saved(hostile) as paths:
        assert [p.name for p in paths] == ["a.csv", "a.csv", "b.csv", "上传文件", "上传文件-4c6eebc4.csv", "c.csv",
                                           "passwd", "上传文件", "工" * 40 + "-e7c7ccc5.csv"]
        assert [p.read_bytes() for p in paths] == [b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9"]
        folder = paths[0].parent.parent
        assert [p.parent for p in paths] == [folder / str(i) for i in range(9)]
    assert not folder.exists()


LONG = "工" * 100 + ".csv"   # 304 bytes in UTF-8: over the 255 a file name may have


@pytest.mark.parametrize("name, shown, path", [
    ("工单_7月.csv", "工单_7月.csv", "工单_7月.csv"),
    ("..csv", "..csv", "上传文件-4c6eebc4.csv"),
    (".csv", ".csv", "上传文件-b9ce43c2.csv"),
    (".hidden.csv", ".hidden.csv", "hidden-b71f05e4.csv"),
    ("../../etc/x.csv", "x.csv", "x.csv"),
    ("..\\..\\x.csv", "x.csv", "x.csv"),
    ("C:\\fakepath\\工单.xlsx", "工单.xlsx", "工单.xlsx"),
    ("a\x00b.csv", "a\ufffdb.csv", "a_b-339bffad.csv"),
    ("a\nb.csv", "a\ufffdb.csv", "a_b-339bffad.csv"),
    ("a:b?.xlsx", "a:b?.xlsx", "a_b_-d7cf303f.xlsx"),
    ("\u202egpj.csv", "\u202egpj.csv", "_gpj-61182125.csv"),        # a right-to-left override
    ("报表 .csv", "报表 .csv", "报表-73bd9716.csv"),
    ("x\udcff.csv", "x\ufffd.csv", "x_-4bead2d0.csv"),              # a byte that was not UTF-8
    ("..", "上传文件", "上传文件"),
    ("", "上传文件", "上传文件"),
    (LONG, LONG, "工" * 40 + "-e7c7ccc5.csv"),
    ("工" * 82 + ".csv", "工" * 82 + ".csv", "工" * 40 + "-21f632c0.csv"),
])
def test_a_name_as_written_and_the_safe_name_of_its_files(name, shown, path):
    assert filenames.shown_name(name) == shown
    assert filenames.path_name(name) == path
    assert not path.startswith(".") and not {"/", "\\", "\x00"} & set(path)
    assert len(path.encode("utf-8")) <= filenames.STEM_BYTES + 1 + filenames.HASH_CHARS + len(".xlsx")


def test_a_long_name_previews_and_imports_under_its_own_name(tmp_path, sources, config):
    """A 304-byte name failed the preview with OSError (File name too long): the copy is named safely, the user
    still reads the name as written, in the preview's errors, the results and the import log."""
    data = sources["work_orders"][1]
    found = uploads.preview_upload(LONG, data, "work_orders", config)
    assert found["rows"] == 17 and found["columns"]["order_id"] == "工单编号"
    with pytest.raises(ImportFailure) as failed:
        uploads.preview_upload(LONG[:-4] + ".xlsx", b"PK not really", "work_orders", config)
    assert str(failed.value).startswith(LONG[:-4] + ".xlsx: 无法读取Excel文件")
    db, rejections = tmp_path / "db" / "user.duckdb", tmp_path / "db" / "rejections"
    [(name, result)] = uploads.import_uploads(db, "work_orders", [(LONG, data)], config, rejection_dir=rejections)
    assert name == LONG and result.file == LONG and result.rows_read == 17
    assert result.rejection_file == str(rejections / ("工" * 40 + "-e7c7ccc5_导入问题_1.xlsx"))
    assert [r["file_name"] for r in import_history(store.reader(db, config).cursor())] == [LONG]


def test_rejection_files_are_never_hidden_never_elsewhere_and_say_whose_they_are(tmp_path, sources, config):
    """`..csv` gave a hidden `._导入问题_1.xlsx`; no name puts a rejection file outside its folder either."""
    data = sources["work_orders"][1]
    names = ["..csv", ".hidden.csv", "../../逃逸.csv", "a\x00b.csv", "..\\..\\反斜杠.csv", "/tmp/绝对.csv"]
    db, rejections = tmp_path / "db" / "user.duckdb", tmp_path / "db" / "rejections"
    results = uploads.import_uploads(db, "work_orders", [(n, data) for n in names], config, rejection_dir=rejections)
    shown = ["..csv", ".hidden.csv", "逃逸.csv", "a\ufffdb.csv", "反斜杠.csv", "绝对.csv"]
    assert [name for name, _ in results] == [r.file for _, r in results] == shown
    expected = ["上传文件-4c6eebc4_导入问题_1.xlsx", "hidden-b71f05e4_导入问题_2.xlsx", "逃逸_导入问题_3.xlsx",
                "a_b-339bffad_导入问题_4.xlsx", "反斜杠_导入问题_5.xlsx", "绝对_导入问题_6.xlsx"]
    assert [r.rejection_file for _, r in results] == [str(rejections / n) for n in expected]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".xlsx") == sorted(expected)
    # the name as written is in the import log and in every row of its rejection file
    logged = store.reader(db, config).cursor().execute(
        "SELECT file_name, rejection_file FROM import_log ORDER BY import_id").fetchall()
    assert logged == [(n, str(rejections / e)) for n, e in zip(shown, expected)]
    sheet = fastexcel.read_excel(rejections / expected[0]).load_sheet(0).to_pandas()
    assert set(sheet["文件 File"]) == {"..csv"} and len(sheet) == 5


def test_limits_are_checked_from_the_sizes_alone(config):
    mb = uploads.MB
    assert uploads.limits(config) == uploads.limits({}) == {"file_mb": 200, "import_mb": 500, "import_files": 20}
    small = {"uploads": {"file_mb": 1, "import_mb": 2, "import_files": 3}}
    assert uploads.screen([("a.csv", mb), ("b.csv", 10)], small) == ([0, 1], [])
    assert uploads.screen([("a.csv", 10), ("dir/大.csv", mb + mb // 2), ("b.csv", 10)], small) == ([0, 2], [
        ("大.csv", "大.csv: 文件大小 1.5 MB，超过单个文件上限 1 MB，未读取 / 1.5 MB is over the per-file limit of 1 MB; "
                   "not read")])
    assert uploads.screen([(f"{i}.csv", 10) for i in range(4)], small) == ([], [
        (None, "一次导入最多 3 个文件，现有 4 个，均未读取：请分批导入 / at most 3 files per import, 4 given; none read: "
               "import them in batches")])
    assert uploads.screen([(f"{i}.csv", mb * 9 // 10) for i in range(3)], small) == ([], [
        (None, "本次导入的文件共 2.7 MB，超过单次导入上限 2 MB，均未读取：请分批导入 / 2.7 MB in all is over the per-import "
               "limit of 2 MB; none read: import the files in batches")])
    # a file refused alone does not count towards the import's limits
    assert uploads.screen([("a.csv", 10), ("b.csv", 10), ("c.csv", 10), ("大.csv", 5 * mb)], small)[0] == [0, 1, 2]


def test_the_importer_refuses_a_file_over_the_limit_before_reading_it(tmp_path, config):
    db = tmp_path / "user.duckdb"
    big = tmp_path / "大文件.csv"
    big.write_bytes(b"\xff" * (uploads.MB + uploads.MB // 2))     # not even text: never read
    small = {**config, "uploads": {"file_mb": 1}}
    with store.writer(db, small) as con:
        [failure] = import_files(con, "work_orders", [big], small)
        assert str(failure) == ("大文件.csv: 文件大小 1.5 MB，超过单个文件上限 1 MB，未读取 / 1.5 MB is over the "
                                "per-file limit of 1 MB; not read")
        assert con.execute("SELECT count(*) FROM import_log").fetchone()[0] == 0


def test_preview_names_the_file_that_cannot_be_read(sources, config):
    found = uploads.preview_upload(*sources["work_orders"], "work_orders", config)
    assert found["rows"] == 17 and found["columns"]["order_id"] == "工单编号"
    assert found["personal_dropped"] == ["诉求人", "联系电话"]
    assert len(found["sample"]) == 5 and found["sample"][0]["content"] == "我叫[个人信息]，电话[手机号]，身份证[身份证号]，楼上漏水"
    with pytest.raises(ImportFailure, match="^工单.csv: 这个文件看起来是工单，不是小区台账"):
        uploads.preview_upload(*sources["work_orders"], "compounds", config)
    with pytest.raises(ImportFailure, match="^坏.xlsx: 无法读取Excel文件"):
        uploads.preview_upload("坏.xlsx", b"PK not really", "work_orders", config)


def test_templates_and_messages():
    files = uploads.template_files()
    assert [p.name for p in files.values()] == [TEMPLATE_NAMES[k] for k in ("compounds", "work_orders", "complaints")]
    assert all(p.exists() for p in files.values())
    reason = "缺少工单编号 / missing 工单编号 (Order id)"
    assert (uploads.in_language(reason, "zh"), uploads.in_language(reason, "en")) == ("缺少工单编号", "missing 工单编号 (Order id)")
    assert uploads.in_language("原样", "en") == "原样" and uploads.in_language(None, "zh") is None


def test_uploads_are_written_beside_the_database_for_its_user_only_and_removed_after_the_import(tmp_path, sources,
                                                                                                config, monkeypatch):
    """Before: a raw export (personal columns included) went to /tmp/dashboard_upload_*, for good when the process
    was killed. Now it is saved in <db dir>/uploads (0700), in a folder of its own, gone once imported."""
    import stat

    from metrics.ingest import importer

    db = tmp_path / "db" / "user.duckdb"
    seen = []
    real = uploads.import_files

    def spy(con, kind, paths, *args, **kwargs):
        seen.extend((p, p.read_bytes(), stat.S_IMODE(p.parent.parent.parent.stat().st_mode)) for p in paths)
        return real(con, kind, paths, *args, **kwargs)

    monkeypatch.setattr(uploads, "import_files", spy)
    [(_, result)] = uploads.import_uploads(db, "work_orders", [sources["work_orders"]], config,
                                           rejection_dir=tmp_path / "db" / "rejections")
    assert isinstance(result, importer.ImportResult) and result.published and result.rows_new == 13
    [(path, data, mode)] = seen
    assert path.parent.parent.parent == uploads.upload_dir(db) == tmp_path / "db" / "uploads"
    assert (path.name, data, mode) == ("工单.csv", sources["work_orders"][1], 0o700)
    assert list(uploads.upload_dir(db).iterdir()) == []


def test_a_failed_import_leaves_no_upload_behind(tmp_path, sources, config, monkeypatch):
    """A file that fails, and an import that breaks off with an exception: no copy of either stays."""
    db = tmp_path / "db" / "user.duckdb"
    results = uploads.import_uploads(db, "work_orders", [("坏文件.xlsx", b"not a workbook")], config,
                                     rejection_dir=tmp_path / "db" / "rejections")
    assert [type(r).__name__ for _, r in results] == ["ImportFailure"]
    assert list(uploads.upload_dir(db).iterdir()) == []

    def breaks(*args, **kwargs):
        raise RuntimeError("the import broke off")

    monkeypatch.setattr(uploads, "import_files", breaks)
    with pytest.raises(RuntimeError, match="the import broke off"):
        uploads.import_uploads(db, "work_orders", [sources["work_orders"]], config,
                               rejection_dir=tmp_path / "db" / "rejections")
    assert list(uploads.upload_dir(db).iterdir()) == []


def test_leftovers_of_crashed_imports_are_removed_on_start_and_after_each_import(tmp_path, sources, config):
    """What a killed process left in the uploads folder goes when a process starts and after each import: every
    entry older than LEFTOVER_SECONDS that no process holds. A fresh one (an upload being saved) and one a process
    still holds (a long import) stay."""
    import os
    import threading

    db = tmp_path / "db" / "user.duckdb"
    root = uploads.upload_dir(db)
    old = time.time() - uploads.LEFTOVER_SECONDS - 60

    def leftover(name: str, when: float):
        path = root / name / "0" / "工单.csv"
        path.parent.mkdir(parents=True)
        path.write_bytes(sources["work_orders"][1])
        for p in (path, path.parent, path.parent.parent):
            os.utime(p, (when, when))

    leftover("upload_crashed", old)
    leftover("upload_fresh", time.time() - 60)
    held, release = threading.Event(), threading.Event()

    def long_import():
        with uploads.saved([sources["july"]], db):
            held.set()
            release.wait(30)

    running = threading.Thread(target=long_import)
    running.start()
    held.wait(30)
    [busy] = [p for p in root.iterdir() if p.name not in ("upload_crashed", "upload_fresh")]
    os.utime(busy, (old, old))
    uploads.remove_leftovers_once(db)   # a process's start
    assert sorted(p.name for p in root.iterdir()) == sorted([busy.name, "upload_fresh"])
    uploads.remove_leftovers_once(db)   # once per process
    leftover("upload_killed", old)
    uploads.import_uploads(db, "work_orders", [sources["work_orders"]], config, rejection_dir=tmp_path / "rejections")
    assert sorted(p.name for p in root.iterdir()) == sorted([busy.name, "upload_fresh"])
    release.set()
    running.join(30)
    assert sorted(p.name for p in root.iterdir()) == ["upload_fresh"]


def test_a_gb18030_upload_is_transcoded_inside_its_own_upload_folder(tmp_path, config, monkeypatch):
    """A GB18030 export is read through a UTF-8 copy: it was made in /tmp, where a crash left it for good; now it
    is made in the upload's own folder, which goes with it."""
    from metrics.ingest import readers

    db = tmp_path / "db" / "user.duckdb"
    data = fixtures.write_csv(tmp_path / "gbk.csv", fixtures.ORDER_HEADERS, fixtures.ORDERS, encoding="gb18030")
    made = []
    transcode = readers._transcode

    def spy(path):
        made.append((Path(path).parent, Path(transcode_path := transcode(path))))
        return transcode_path

    monkeypatch.setattr(readers, "_transcode", spy)
    [(_, result)] = uploads.import_uploads(db, "work_orders", [("工单.csv", data.read_bytes())], config,
                                           rejection_dir=tmp_path / "db" / "rejections")
    assert result.rows_read == 17
    assert made and all(copy.parent == folder and folder.parent.parent == uploads.upload_dir(db)
                        and copy.name.startswith(".transcoded_") for folder, copy in made)
    assert list(uploads.upload_dir(db).iterdir()) == []
