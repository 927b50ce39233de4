"""Uploads (name, bytes) through the importer: original names kept, exact row accounting, failures named."""
import threading
import time

import pytest

import fixtures
import store
from metrics import uploads
from metrics.quality import import_history
from metrics.readers import ImportFailure
from metrics.templates import TEMPLATE_NAMES


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
    with uploads.saved([("a.csv", b"1"), ("a.csv", b"2"), ("../../x/b.csv", b"3"), ("", b"4")]) as paths:
        assert [p.name for p in paths] == ["a.csv", "a.csv", "b.csv", "上传文件"]
        assert [p.read_bytes() for p in paths] == [b"1", b"2", b"3", b"4"]
        folder = paths[0].parent.parent
        assert all(p.parent.parent == folder for p in paths)
    assert not folder.exists()


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
    reason = "缺少工单编号 / missing id"
    assert (uploads.in_language(reason, "zh"), uploads.in_language(reason, "en")) == ("缺少工单编号", "missing id")
    assert uploads.in_language("原样", "en") == "原样" and uploads.in_language(None, "zh") is None
