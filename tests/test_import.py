"""Import rules: row accounting, rejections, upserts, atomicity, encodings, formats, personal data."""
import datetime as dt

import fastexcel
import pytest

import fixtures
from conftest import june
from metrics.database import connect
from metrics.ingest.importer import import_file
from metrics.ingest.readers import ImportFailure
from metrics.kpis import Scope, order_kpis
from metrics.names import name_key, unmatched_compounds


def counts(result):
    return (result.rows_read, result.rows_new, result.rows_updated, result.rows_unchanged,
            result.rows_duplicate, result.rows_rejected, result.warnings)


def table_snapshot(con):
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("compounds", "work_orders", "complaints", "import_log", "import_issues")}


@pytest.mark.slow
def test_every_row_accounted_for(built):
    _, _, results = built
    # 17 rows: 13 distinct good ids, W1 twice (1 duplicate), R1, R2 and a blank id rejected; W13 warned
    assert counts(results["work_orders"]) == (17, 13, 0, 0, 1, 3, 1)
    assert counts(results["compounds"]) == (4, 4, 0, 0, 0, 0, 0)
    assert counts(results["complaints"]) == (4, 4, 0, 0, 0, 0, 0)


@pytest.mark.slow
def test_rejection_file_names_file_row_column_and_reason(built):
    _, _, results = built
    sheet = fastexcel.read_excel(results["work_orders"].rejection_file).load_sheet(0, dtypes="string", eager=True)
    table = sheet.to_pydict()
    found = list(zip(table["文件 File"], table["行号 Row"], table["列 Column"], table["处理 Outcome"], table["原值 Value"]))
    assert found == [
        ("工单.csv", "15", "受理时间", "拒绝导入 rejected", ""),
        ("工单.csv", "16", "受理时间", "拒绝导入 rejected", "待定"),
        ("工单.csv", "17", "工单编号", "拒绝导入 rejected", ""),
        ("工单.csv", "2", "工单编号", "文件内重复 duplicate", "W1"),
        ("工单.csv", "14", "回访结果", "警告（已导入） warning", "非常好"),
    ]
    reasons = table["原因 Reason"]
    assert reasons[0].startswith("缺少受理时间") and reasons[1].startswith("无法识别的受理时间")
    assert reasons[3].startswith("与第18行工单编号重复")


def test_the_rejection_file_never_starts_a_formula(tmp_path, config):
    """Values a spreadsheet would run, at their start or after a line break, and a file name starting with =, are
    written with an apostrophe there (metrics.formulas, as the downloads)."""
    import xlsx_cells

    path = fixtures.write_csv(tmp_path / "=工单.csv", ["工单编号", "受理时间", "诉求内容"], [
        ["W1", "x\r=1+1", "漏水"], ["W2", "@SUM(A1)", "漏水"], ["W3", "-5", "漏水"], ["W4", "2024-06-03 09:00", "漏水"]])
    result = import_file(connect(tmp_path / "f.duckdb"), "work_orders", path, config, rejection_dir=tmp_path)
    rows = xlsx_cells.rows(xlsx_cells.read(open(result.rejection_file, "rb").read()))
    assert [(r[0], r[1], r[2], r[5]) for r in rows[1:]] == [
        ("'=工单.csv", 2, "受理时间", "x\r'=1+1"), ("'=工单.csv", 3, "受理时间", "'@SUM(A1)"),
        ("'=工单.csv", 4, "受理时间", "'-5")]


@pytest.mark.slow
def test_reimport_updates_and_same_file_twice_changes_nothing(built, config):
    con, folder, _ = built
    july = fixtures.write_csv(folder / "工单_7月.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS)
    first = import_file(con, "work_orders", july, config)
    assert counts(first) == (3, 1, 1, 1, 0, 0, 0)
    closed_at = con.execute("SELECT closed_at FROM work_orders WHERE order_id = 'W5'").fetchone()[0]
    assert closed_at == dt.datetime(2024, 7, 2, 10, 0)
    before = table_snapshot(con)
    second = import_file(con, "work_orders", july, config)
    assert counts(second) == (3, 0, 0, 3, 0, 0, 0)
    after = table_snapshot(con)
    for table in ("compounds", "work_orders", "complaints"):
        assert before[table] == after[table]
    assert con.execute("SELECT count(*) - count(DISTINCT order_id) FROM work_orders").fetchone()[0] == 0


@pytest.mark.slow
def test_import_log_records_each_import(built):
    con, _, _ = built
    log = con.execute("SELECT kind, file_name, length(file_sha256), rows_read, rows_new, rows_rejected "
                      "FROM import_log ORDER BY import_id").fetchall()
    assert log == [("compounds", "小区台账.csv", 64, 4, 4, 0), ("work_orders", "工单.csv", 64, 17, 13, 3),
                   ("complaints", "投诉.csv", 64, 4, 4, 0)]


@pytest.mark.parametrize("kind,headers,rows,message", [
    ("work_orders", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS, "找不到工单的编号列"),
    ("compounds", fixtures.ORDER_HEADERS, fixtures.ORDERS, "看起来是工单，不是小区台账"),
    ("complaints", ["投诉编号", "来源渠道"], [["C9", "12345"]], "缺少时间列"),
])
@pytest.mark.slow
def test_unimportable_file_leaves_database_unchanged(built, config, kind, headers, rows, message):
    con, folder, _ = built
    before = table_snapshot(con)
    bad = fixtures.write_csv(folder / "wrong.csv", headers, rows)
    with pytest.raises(ImportFailure, match=message):
        import_file(con, kind, bad, config)
    assert table_snapshot(con) == before


@pytest.mark.slow
def test_unreadable_files_fail_cleanly(built, config):
    con, folder, _ = built
    before = table_snapshot(con)
    broken = folder / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportFailure, match="broken.xlsx: 无法读取Excel文件"):
        import_file(con, "work_orders", broken, config)
    binary = folder / "binary.csv"
    binary.write_bytes(bytes([0x81, 0x30, 0xFF, 0xFF, 0x00]) * 10)
    with pytest.raises(ImportFailure, match="binary.csv: 无法识别文件编码"):
        import_file(con, "work_orders", binary, config)
    pdf = folder / "工单.pdf"
    pdf.write_text("x")
    with pytest.raises(ImportFailure, match="工单.pdf: 不支持的文件类型"):
        import_file(con, "work_orders", pdf, config)
    empty = folder / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFailure, match="empty.csv"):
        import_file(con, "work_orders", empty, config)
    assert table_snapshot(con) == before


@pytest.mark.slow
def test_failure_midway_rolls_back(built, config, monkeypatch):
    con, folder, _ = built
    before = table_snapshot(con)
    july = fixtures.write_csv(folder / "工单_7月.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS)
    import metrics.ingest.importer as importer

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer.rollup, "refresh", explode)   # after the rows are written
    with pytest.raises(ImportFailure, match="disk full"):
        import_file(con, "work_orders", july, config)
    assert table_snapshot(con) == before


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig"])
@pytest.mark.slow
def test_encodings_give_the_same_kpis(tmp_path, config, encoding):
    con = connect(tmp_path / "enc.duckdb")
    results = fixtures.build(con, tmp_path, config, orders_encoding=encoding)
    assert counts(results["work_orders"]) == (17, 13, 0, 0, 1, 3, 1)
    found = order_kpis(con, config, Scope(), june())
    assert (found["orders_total"], found["closed_on_time"], found["orders_due"]) == (11, 6, 9)
    assert con.execute("SELECT compound_raw FROM work_orders WHERE order_id = 'W3'").fetchone()[0] == "阳光\u3000花园"


@pytest.mark.slow
def test_xlsx_with_excel_dates_synonym_headers_and_a_title_row(tmp_path, config):
    con = connect(tmp_path / "x.duckdb")
    fixtures.build(con, tmp_path, config)
    headers = ["来电时间" if h == "受理时间" else "问题分类" if h == "诉求类别" else h for h in fixtures.ORDER_HEADERS]
    path = fixtures.write_xlsx(tmp_path / "工单.xlsx", headers, fixtures.ORDERS)
    # put a title line above the header, as many platform exports do
    import xlsxwriter
    titled = tmp_path / "工单_标题.xlsx"
    book = xlsxwriter.Workbook(str(titled))
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "某街道12345工单明细表（2024年6月）")
    data = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string", eager=True).to_pylist()
    for r, row in enumerate(data, start=1):
        for c, value in enumerate(row.values()):
            if value is not None:
                sheet.write_string(r, c, value)
    book.close()
    for file in (path, titled):
        result = import_file(con, "work_orders", file, config)
        assert result.rows_read == 17 and result.rows_rejected == 3 and result.rows_duplicate == 1
        assert result.columns["received_at"] == "来电时间" and result.columns["category"] == "问题分类"
    assert con.execute("SELECT received_at FROM work_orders WHERE order_id = 'W2'").fetchone()[0] == dt.datetime(2024, 6, 10, 9)
    # the title row shifts row numbers by one: R1 is on row 16 of the titled sheet
    rejected = con.execute("""SELECT row_number FROM import_issues WHERE import_id = 5 AND severity = 'rejected'
                              ORDER BY row_number""").fetchall()
    assert rejected == [(16,), (17,), (18,)]


def test_phone_numbers_with_separators_and_landlines_are_masked(tmp_path, config):
    con = connect(tmp_path / "p.duckdb")
    path = fixtures.write_csv(tmp_path / "p.csv", ["工单编号", "受理时间", "诉求内容"], [
        ["P1", "2024-06-01 08:00", "请回电138 1234 5678或139-8765-4321"], ["P2", "2024-06-01 08:00", "座机0513-85123456"],
        ["P3", "2024-06-01 08:00", "3号楼1单元502室漏水"]])
    import_file(con, "work_orders", path, config)
    found = dict(con.execute("SELECT order_id, content FROM work_orders").fetchall())
    assert found == {"P1": "请回电[手机号]或[手机号]", "P2": "座机[电话]", "P3": "3号楼1单元502室漏水"}


def test_issue_values_are_masked_too(tmp_path, config):
    con = connect(tmp_path / "m.duckdb")
    path = fixtures.write_csv(tmp_path / "m.csv", ["工单编号", "受理时间", "回访结果"], [
        ["M1", "13812345678", ""], ["M2", "2024-06-01 08:00", "电话13812345678"]])
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_rejected, result.warnings) == (1, 1)
    values = con.execute("SELECT value FROM import_issues ORDER BY row_number").fetchall()
    assert values == [("[手机号]",), ("电话[手机号]",)]


def test_excel_serial_numbers_and_yes_no_words(tmp_path, config):
    con = connect(tmp_path / "s.duckdb")
    path = fixtures.write_csv(tmp_path / "serial.csv", ["工单编号", "受理时间", "办结时间", "是否重复诉求"], [
        ["S1", "45474.5", "45475", "Y"], ["S2", "2024-07-01 08:30", "", "true"], ["S3", "2024/7/1 8:30", "", "0"],
        ["S4", "2024年7月1日", "", "否"]])
    import_file(con, "work_orders", path, config)
    found = con.execute("SELECT order_id, received_at, closed_at, is_repeat FROM work_orders ORDER BY order_id").fetchall()
    assert found == [
        ("S1", dt.datetime(2024, 7, 1, 12, 0), dt.datetime(2024, 7, 2), True),
        ("S2", dt.datetime(2024, 7, 1, 8, 30), None, True),
        ("S3", dt.datetime(2024, 7, 1, 8, 30), None, False),
        ("S4", dt.datetime(2024, 7, 1), None, False)]


def test_personal_data_never_stored(built):
    con, folder, _ = built
    con.execute("CHECKPOINT")
    content = con.execute("SELECT content FROM work_orders WHERE order_id = 'W1'").fetchone()[0]
    assert content == "我叫[个人信息]，电话[手机号]，身份证[身份证号]，楼上漏水"
    everything = str(con.execute("SELECT * FROM work_orders, complaints, import_issues").fetchall())
    columns = str(con.execute("SELECT column_name FROM information_schema.columns").fetchall())
    con.close()
    raw = (folder / "test.duckdb").read_bytes()
    for secret in (fixtures.PHONE, fixtures.ID_NUMBER, fixtures.NAME):
        assert secret not in everything
        assert secret.encode("utf-8") not in raw
    assert "联系电话" not in columns and "诉求人" not in columns
    for rejection in (folder / "rejections").glob("*.xlsx"):
        data = str(fastexcel.read_excel(str(rejection)).load_sheet(0, dtypes="string", eager=True).to_pydict())
        assert fixtures.PHONE not in data and fixtures.NAME not in data


def test_compound_matching_and_unmatched_list(built, config):
    con, _, _ = built
    matched = dict(con.execute("SELECT order_id, compound_name FROM work_orders").fetchall())
    assert matched["W3"] == "阳光花园"       # full-width space
    assert matched["W4"] == "阳光花园"       # registry alias
    assert matched["W5"] == "幸福里小区"     # trailing 小区 missing
    assert matched["W9"] == "未知小区"      # no registry compound: a compound not in the registry, by its name
    assert unmatched_compounds(con, config) == [
        {"compound_raw": "未知小区", "orders": 1, "complaints": 1, "places": [("西街道", None)], "suggestions": []}]
    assert name_key("ＡＢ 花园小区") == "ab花园"


@pytest.mark.slow
def test_config_alias_and_later_registry_rematch(built, config):
    import copy

    con, folder, _ = built
    aliased = copy.deepcopy(config)
    aliased["compound_aliases"] = {"未知小区": "翠湖苑"}
    # any later import re-matches every order; a registry re-import is one
    reg = fixtures.write_csv(folder / "台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS)
    result = import_file(con, "compounds", reg, aliased)
    assert counts(result) == (4, 0, 0, 4, 0, 0, 0)
    assert con.execute("SELECT compound_name, street FROM work_orders WHERE order_id = 'W9'").fetchone() == ("翠湖苑", "西街道")
    assert unmatched_compounds(con, aliased) == []


def test_due_at_from_working_days_skips_holidays(tmp_path, config):
    con = connect(tmp_path / "d.duckdb")
    # 2024-09-30 (Mon) + 5 working days: 10-01..10-07 National Day holiday, 10-08 .. 10-12 (Sat, a make-up
    # working day): 10-08, 09, 10, 11, 12 -> due 2024-10-12 at the same clock time
    # 2024-06-07 (Fri) + 3 working days: 06-10 is 端午 (Dragon Boat), so 06-11, 06-12, 06-13
    path = fixtures.write_csv(tmp_path / "due.csv", ["工单编号", "受理时间", "诉求类别"], [
        ["D1", "2024-09-30 15:00", "其他"], ["D2", "2024-06-07 10:00", "渗水漏水"], ["D3", "2024-06-07 10:00", "供暖"],
        ["D4", "2024-06-07 10:00", ""]])
    # D3: 供暖 48 hours; D4: no category, the default 5 working days: 06-11, 12, 13, 14, 17
    import_file(con, "work_orders", path, config)
    found = dict(con.execute("SELECT order_id, due_at FROM work_orders").fetchall())
    assert found == {"D1": dt.datetime(2024, 10, 12, 15), "D2": dt.datetime(2024, 6, 13, 10),
                     "D3": dt.datetime(2024, 6, 9, 10), "D4": dt.datetime(2024, 6, 17, 10)}


def test_calendar_days_and_hours_limits_from_config(tmp_path, config):
    import copy

    custom = copy.deepcopy(config)
    custom["time_limits"] = {"default": {"value": 2, "unit": "calendar_days"},
                             "by_category": {"电梯": {"value": 36, "unit": "hours"}}}
    con = connect(tmp_path / "c.duckdb")
    path = fixtures.write_csv(tmp_path / "cal.csv", ["工单编号", "受理时间", "诉求类别", "办结时限"], [
        ["E1", "2024-09-30 15:00", "其他", ""], ["E2", "2024-09-30 15:00", "电梯", ""],
        ["E3", "2024-09-30 15:00", "电梯", "2024-10-08 17:00"]])
    import_file(con, "work_orders", path, custom)
    found = con.execute("SELECT order_id, due_at, due_at_derived FROM work_orders ORDER BY order_id").fetchall()
    assert found == [("E1", dt.datetime(2024, 10, 2, 15), True), ("E2", dt.datetime(2024, 10, 2, 3), True),
                     ("E3", dt.datetime(2024, 10, 8, 17), False)]


def test_utf8_file_broken_after_the_probe_fails_whole(tmp_path, config, monkeypatch):
    import metrics.ingest.readers as readers

    monkeypatch.setattr(readers, "UTF8_PROBE", 64)  # the probe sees only clean bytes
    con = connect(tmp_path / "u.duckdb")
    path = tmp_path / "broken.csv"
    good = "工单编号,受理时间\n" + "".join(f"B{i},2024-06-01 08:00\n" for i in range(60))
    path.write_bytes(good.encode("utf-8") + "阳光99,2024-06-01 08:00\n".encode("gb18030"))
    with pytest.raises(ImportFailure, match=r"(?s)broken.csv.*第62行 / row 62: 无效的UTF-8字节"):
        import_file(con, "work_orders", path, config)
    assert con.execute("SELECT count(*) FROM work_orders").fetchone()[0] == 0


@pytest.mark.slow
def test_row_numbers_hold_in_a_file_read_in_parallel(tmp_path, config):
    """A file big enough for DuckDB to read in several pieces at once: issues still name the file's lines."""
    data = [fixtures._order(f"P{i:06d}", "2024-06-03 09:00", "2024-06-06 09:00", "2024-06-05 10:00", "满意",
                            content="楼道灯不亮" * 8) for i in range(120_000)]
    data[70_000][2] = "不是日期"                 # line 70,002 (after the header line)
    data[119_999][0] = ""                       # the last line, 120,001
    data[100_000][0] = data[5][0]               # a duplicate of line 7 at line 100,002: line 7 is the duplicate
    path = fixtures.write_csv(tmp_path / "大文件.csv", fixtures.ORDER_HEADERS, data)
    assert path.stat().st_size > 30_000_000
    con = connect(tmp_path / "big.duckdb")
    result = import_file(con, "work_orders", path, config)
    assert (result.rows_read, result.rows_new, result.rows_rejected, result.rows_duplicate) == (120_000, 119_997, 2, 1)
    issues = con.execute("SELECT row_number, severity FROM import_issues ORDER BY row_number").fetchall()
    assert issues == [(7, "duplicate"), (70_002, "rejected"), (120_001, "rejected")]
    con.close()


def test_duckdb_keeps_rows_inserted_after_an_empty_insert_in_one_transaction():
    """DuckDB 2.0.0 lost the rows of a large INSERT that followed an empty one into the same table in one
    transaction (count(*) said 500,000, a scan found none, even after COMMIT): an import records its issues
    that way. 2.0.1 fixed it; this guards the pin."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t (i BIGINT, s VARCHAR)")
    con.execute("BEGIN")
    con.execute("CREATE TEMP TABLE src AS SELECT range AS i FROM range(500000)")
    con.execute("INSERT INTO t SELECT i, 'empty' FROM src WHERE i < 0")
    con.execute("INSERT INTO t SELECT i, 'large' FROM src")
    con.execute("COMMIT")
    assert con.execute("SELECT s, count(*) FROM t GROUP BY s").fetchall() == [("large", 500000)]


@pytest.mark.slow
def test_a_large_import_accounts_for_every_row(tmp_path, config):
    """250,000 rows of which 190,000 are received after the import's own day (rejected, out of the plausible
    window) and 60,000 are good: every one is counted, past DuckDB's row-group size of 122,880 (with DuckDB
    2.0.0 the rejections vanished and the accounting refused the import)."""
    rows = [[f"B{i:06d}", "2024-07-01 08:30" if i % 25 < 6 else "2099-01-01 08:30", "阳光花园"] for i in range(250_000)]
    path = fixtures.write_csv(tmp_path / "big.csv", ["工单编号", "受理时间", "小区"], rows)
    con = connect(tmp_path / "big.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (250_000, 60_000, 190_000)
    # the log and the rejection file keep the first MAX_ISSUES_KEPT issues; the import counts them all
    assert con.execute("SELECT count(*) FROM import_issues WHERE severity = 'rejected'").fetchone() == (100_000,)
    import fastexcel
    sheet = fastexcel.read_excel(result.rejection_file).load_sheet(0, header_row=None, dtypes="string")
    rows = sheet.to_arrow().column(0).to_pylist()
    assert len(rows) == 100_002   # header, 100,000 issues, the line saying what is left out
    assert rows[-1].startswith("另有90,000条问题未列出（共190,000条；本文件列出前100,000条）")
    assert con.execute("SELECT count(*) FROM work_orders").fetchone() == (60_000,)


def test_the_nyc_profile_reads_the_portal_export_headers(tmp_path, config):
    """NYC's portal CSV writes "Unique Key", "Created Date" ... where the API writes unique_key, created_date:
    headers compare without case, spaces, underscores and hyphens, so the one nyc profile reads both."""
    headers = ["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Descriptor", "Incident Zip",
               "Due Date", "Borough", "Community Board", "Open Data Channel Type"]
    path = fixtures.write_csv(tmp_path / "311_Service_Requests.csv", headers, [
        ["28065831", "04/30/2014 02:51:52 PM", "05/01/2014 09:10:00 AM", "HPD", "HEATING", "HEAT", "10025",
         "05/07/2014 02:51:52 PM", "MANHATTAN", "07 MANHATTAN", "PHONE"],
        ["28065832", "04/30/2014 11:05:00 PM", "", "DSNY", "Dirty Conditions", "Trash", "11201", "",
         "BROOKLYN", "02 BROOKLYN", "ONLINE"]])
    con = connect(tmp_path / "nyc.duckdb")
    result = import_file(con, "work_orders", path, config)
    assert result.profile == "nyc"
    assert counts(result) == (2, 2, 0, 0, 0, 0, 0)
    assert result.columns["order_id"] == "Unique Key" and result.columns["source"] == "Open Data Channel Type"
    assert result.unmapped_columns == ["Incident Zip"]
    found = con.execute("""SELECT order_id, received_at, closed_at, due_at, due_at_derived, handling_unit, category,
                                  request_type, street_export, compound_raw, source
                           FROM work_orders ORDER BY order_id""").fetchall()
    assert found == [
        ("28065831", dt.datetime(2014, 4, 30, 14, 51, 52), dt.datetime(2014, 5, 1, 9, 10), dt.datetime(2014, 5, 7, 14, 51, 52),
         False, "HPD", "HEATING", "HEAT", "MANHATTAN", "07 MANHATTAN", "PHONE"),
        ("28065832", dt.datetime(2014, 4, 30, 23, 5), None, None, False, "DSNY", "Dirty Conditions", "Trash",
         "BROOKLYN", "02 BROOKLYN", "ONLINE")]


def test_placeholders_for_a_place_are_unknown_not_places(tmp_path, capsys):
    """"Unspecified", "N/A", "未知", "0 Unspecified" ... in 街道, 社区 and 小区 became a street and compounds of
    their own. They are stored as NULL (config.yaml unknown_places: case, spaces and full-width forms ignored,
    "Unspecified *" a pattern): the rows import, and no filter, unmatched list or compound list names them."""
    import json

    import store
    from metrics.__main__ import main
    from metrics.known import known_compounds
    from metrics.options import filter_options

    db = tmp_path / "p.duckdb"
    orders = fixtures.write_csv(tmp_path / "工单.csv", ["工单编号", "受理时间", "街道", "社区", "小区"], [
        ["U1", "2024-06-03 09:00", "Unspecified", "unknown", "Unspecified MANHATTAN"],
        ["U2", "2024-06-03 09:00", "ｎ／ａ", "未 知", "0 Unspecified"],
        ["U3", "2024-06-03 09:00", "东街道", "-", "阳光花园"],
        ["U4", "2024-06-03 09:00", "None", "NULL", "无"],
        ["U5", "2024-06-03 09:00", "—", "/", "不详"]])
    complaints = fixtures.write_csv(tmp_path / "投诉.csv", ["投诉编号", "投诉时间", "街道", "社区", "小区"], [
        ["C1", "2024-06-04 10:00", "NA", "空", "N/A"], ["C2", "2024-06-04 10:00", "西街道", "西一社区", "翠湖苑"]])
    assert main(["import", "--db", str(db), "--kind", "work_orders", str(orders)]) == 0
    assert main(["import", "--db", str(db), "--kind", "complaints", str(complaints)]) == 0
    out = capsys.readouterr().out
    assert "read 5 = new 5 + updated 0 + unchanged 0 + duplicate 0 + rejected 0; warnings 0" in out
    assert "read 2 = new 2 + updated 0 + unchanged 0 + duplicate 0 + rejected 0; warnings 0" in out
    con = store.reader(db).cursor()
    assert con.execute("""SELECT order_id, street_export, community_export, compound_raw, street, community,
                                 compound_name FROM work_orders ORDER BY order_id""").fetchall() == [
        ("U1", None, None, None, None, None, None), ("U2", None, None, None, None, None, None),
        ("U3", "东街道", None, "阳光花园", "东街道", None, "阳光花园"), ("U4", None, None, None, None, None, None),
        ("U5", None, None, None, None, None, None)]
    assert con.execute("""SELECT complaint_id, street_export, community_export, compound_raw, compound_name
                          FROM complaints ORDER BY 1""").fetchall() == [
        ("C1", None, None, None, None), ("C2", "西街道", "西一社区", "翠湖苑", "翠湖苑")]
    options = filter_options(con)   # streets and communities of the orders
    assert (options["street"], options["community"]) == (["东街道"], [])
    assert [c["compound_name"] for c in known_compounds(con)] == ["阳光花园", "翠湖苑"]
    assert main(["unmatched", "--db", str(db)]) == 0
    assert [u["compound_raw"] for u in json.loads(capsys.readouterr().out)] == ["阳光花园", "翠湖苑"]


@pytest.mark.slow
def test_a_file_without_close_times_says_all_its_orders_count_as_open(tmp_path, config, capsys):
    """1,203 rows without a 办结时间 column: 2 rejected (no received time), 1 earlier duplicate, 1,200 orders,
    every one open. The import says so (notes, the command line's note lines); a file with the column does not."""
    from metrics.__main__ import main

    rows = [[f"N{i:04d}", "2024-06-03 09:00", "2024-06-06 09:00"] for i in range(1200)]
    rows += [["R1", "", ""], ["R2", "", ""], ["N0000", "2024-06-03 09:00", "2024-06-06 09:00"]]
    path = fixtures.write_csv(tmp_path / "在办.csv", ["工单编号", "受理时间", "办结时限"], rows)
    con = connect(tmp_path / "o.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert counts(result)[:6] == (1203, 1200, 0, 0, 1, 2)
    note = "文件中没有办结时间列：1,200件全部按在办计 / the file has no close-time column: all 1,200 orders count as open"
    assert result.notes == [note]
    con.close()
    assert main(["import", "--db", str(tmp_path / "c.duckdb"), "--kind", "work_orders", str(path)]) == 0
    assert f"  note: {note}\n" in capsys.readouterr().out
    closed = fixtures.write_csv(tmp_path / "办结.csv", ["工单编号", "受理时间", "办结时限", "办结时间"],
                                [["N1", "2024-06-03 09:00", "2024-06-06 09:00", ""]])
    assert import_file(connect(tmp_path / "k.duckdb"), "work_orders", closed, config).notes == []


def test_derived_deadlines_are_counted_by_rule_in_the_result_and_the_log(tmp_path, config):
    """Seven orders, one with its own 办结时限: six deadlines derived from config.yaml time_limits, by rule:
    default 5 working days (其他, blank category) 2, 电梯 24 hours 2, 供暖 48 hours 1, 渗水漏水 3 working days 1."""
    path = fixtures.write_csv(tmp_path / "due.csv", ["工单编号", "受理时间", "诉求类别", "办结时限", "办结时间"], [
        ["D1", "2024-06-07 10:00", "其他", "", ""], ["D2", "2024-06-07 10:00", "", "", ""],
        ["D3", "2024-06-07 10:00", "电梯", "", ""], ["D4", "2024-06-08 10:00", "电梯", "", ""],
        ["D5", "2024-06-07 10:00", "供暖", "", ""], ["D6", "2024-06-07 10:00", "渗水漏水", "", ""],
        ["D7", "2024-06-07 10:00", "电梯", "2024-06-09 10:00", ""]])
    con = connect(tmp_path / "d.duckdb")
    result = import_file(con, "work_orders", path, config)
    assert result.derived_due == 6
    assert result.derived_due_rules == [
        {"category": None, "value": 5, "unit": "working_days", "orders": 2},
        {"category": "电梯", "value": 24, "unit": "hours", "orders": 2},
        {"category": "供暖", "value": 48, "unit": "hours", "orders": 1},
        {"category": "渗水漏水", "value": 3, "unit": "working_days", "orders": 1}]
    assert result.notes == [
        "办结时限按规则推算：6件（默认5个工作日：2件；电梯24小时：2件；供暖48小时：1件；渗水漏水3个工作日：1件） / deadlines "
        "derived by rule (config.yaml time_limits): 6 orders (default 5 working days: 2; 电梯 24 hours: 2; 供暖 48 hours: 1; "
        "渗水漏水 3 working days: 1)"]
    assert con.execute("SELECT count(*) FROM work_orders WHERE due_at_derived").fetchone() == (6,)
    assert con.execute("SELECT due_derived FROM import_log").fetchall() == [(6,)]
    again = import_file(con, "work_orders", path, config)   # unchanged orders: their deadlines derived again
    assert (again.rows_unchanged, again.derived_due) == (7, 6)
    registry = import_file(con, "compounds", fixtures.write_csv(tmp_path / "台账.csv", ["小区名称"], [["阳光花园"]]), config)
    assert registry.derived_due == 0
    assert con.execute("SELECT import_id, due_derived FROM import_log ORDER BY 1").fetchall() == [(1, 6), (2, 6), (3, None)]


def test_an_import_log_from_before_due_derived_gets_the_column_when_opened(tmp_path, config):
    """A database written before the column: opening it writable adds due_derived (NULL for its old imports)."""
    path = tmp_path / "old.duckdb"
    con = connect(path)
    con.execute("INSERT INTO import_log (import_id, kind, file_name) VALUES (1, 'work_orders', 'old.csv')")
    con.execute("ALTER TABLE import_log DROP COLUMN due_derived")
    con.close()
    con = connect(path)
    assert con.execute("SELECT import_id, due_derived FROM import_log").fetchall() == [(1, None)]


# ---- issue 21: writes obey the scope -----------------------------------------------------------------------------
# The fixture: 东街道 has 阳光花园 (东一社区) and 幸福里小区 (东二社区), 西街道 has 和平新村 and 翠湖苑 (西一社区).

OUTSIDE = "不在本账号范围 / outside this account's scope"


def scoped_orders():
    """A 东街道 file that also reaches into 西街道, as in issue 21 (file rows 2-10)."""
    o = fixtures._order
    return [
        # 2: W7 is 和平新村's (西街道): the file claims 东街道 and a new compound, a close time -> rejected (stored)
        o("W7", "2024-06-26 09:00", "2024-06-29 09:00", "2024-06-30 09:00", compound="篡改小区", street="东街道"),
        # 3: W5 is 幸福里小区's (东街道 东二社区), now closed -> updated
        o("W5", "2024-06-28 09:00", "2024-07-03 09:00", "2024-07-01 09:00", compound="幸福里"),
        # 4: new, 阳光花园 places it in 东街道 by the registry -> new
        o("W20", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="阳光花园"),
        # 5: new, no street written, 和平新村 places it in 西街道 -> rejected (street)
        o("W21", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="和平新村"),
        # 6: new, no street written and a compound nobody knows: it cannot be placed -> rejected (street)
        o("W22", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="没有的小区"),
        # 7: new, 西街道 written (the export's street wins over 阳光花园's) -> rejected (street)
        o("W23", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="阳光花园", street="西街道"),
        # 8: new, 东街道 written, a compound not in the registry -> new
        o("W24", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="篡改小区", street="东街道"),
        # 9: unreadable received time -> rejected for that, once
        o("W25", "待定", "2024-06-23 09:00", "", compound="阳光花园"),
        # 10: W1 as stored (阳光花园) -> unchanged
        fixtures.ORDERS[0],
    ]


def issues_of(con, import_id):
    return con.execute("SELECT row_number, column_name, severity, reason, value FROM import_issues "
                       "WHERE import_id = ? ORDER BY row_number", [import_id]).fetchall()


def test_a_street_import_rejects_the_rows_outside_its_street_and_imports_the_rest(built, config):
    con, folder, _ = built
    path = fixtures.write_csv(folder / "东街道工单.csv", fixtures.ORDER_HEADERS, scoped_orders())
    w7_before = con.execute("SELECT * FROM work_orders WHERE order_id = 'W7'").fetchall()

    result = import_file(con, "work_orders", path, config, scope=("东街道", None), actor="dong",
                         rejection_dir=folder / "rejections")

    # 9 read = 2 new (W20, W24) + 1 updated (W5) + 1 unchanged (W1) + 0 duplicates + 5 rejected
    assert counts(result) == (9, 2, 1, 1, 0, 5, 0) and result.accounted()
    assert result.rejection_reasons == [(OUTSIDE, 4), ("无法识别的受理时间 / unreadable 受理时间 (Received)", 1)]
    assert issues_of(con, result.import_id) == [
        (2, "工单编号", "rejected", OUTSIDE, None), (5, "街道", "rejected", OUTSIDE, None),
        (6, "街道", "rejected", OUTSIDE, None), (7, "街道", "rejected", OUTSIDE, None),
        (9, "受理时间", "rejected", "无法识别的受理时间 / unreadable 受理时间 (Received)", "待定")]
    # 西街道's order is as it was: not closed, not renamed, not moved
    assert con.execute("SELECT * FROM work_orders WHERE order_id = 'W7'").fetchall() == w7_before
    assert con.execute("SELECT order_id, street, community, compound_name FROM work_orders "
                       "WHERE order_id IN ('W5', 'W20', 'W24') ORDER BY order_id").fetchall() == [
        ("W20", "东街道", "东一社区", "阳光花园"), ("W24", "东街道", None, "篡改小区"), ("W5", "东街道", "东二社区", "幸福里小区")]
    assert con.execute("SELECT count(*) FROM work_orders WHERE order_id IN ('W21', 'W22', 'W23', 'W25')").fetchone() == (0,)
    assert con.execute("SELECT imported_by, scope_street, scope_community, rows_rejected FROM import_log "
                       "WHERE import_id = ?", [result.import_id]).fetchone() == ("dong", "东街道", None, 5)
    # the rejection file names row and column, with no stored value of another street
    sheet = fastexcel.read_excel(result.rejection_file).load_sheet(0, dtypes="string", eager=True).to_pydict()
    assert list(zip(sheet["行号 Row"], sheet["列 Column"], sheet["原因 Reason"]))[:4] == [
        ("2", "工单编号", OUTSIDE), ("5", "街道", OUTSIDE), ("6", "街道", OUTSIDE), ("7", "街道", OUTSIDE)]
    assert "西街道" not in " ".join(str(v) for column in sheet.values() for v in column)


def test_a_district_account_imports_everything(built, config):
    from access import Account

    con, folder, _ = built
    path = fixtures.write_csv(folder / "全区工单.csv", fixtures.ORDER_HEADERS, scoped_orders())
    district = Account(login="qu", role="district", street=None, community=None, admin=True, disabled=False,
                       created_at="2024-07-01 00:00:00", updated_at="2024-07-01 00:00:00")
    result = import_file(con, "work_orders", path, config, scope=district, rejection_dir=folder / "rejections")
    # 9 read = 5 new (W20-W24) + 2 updated (W7, W5) + 1 unchanged (W1) + 1 rejected (W25)
    assert counts(result) == (9, 5, 2, 1, 0, 1, 0)
    assert con.execute("SELECT imported_by, scope_street, scope_community FROM import_log WHERE import_id = ?",
                       [result.import_id]).fetchone() == ("qu", None, None)


def test_a_community_import_keeps_to_its_community(built, config):
    con, folder, _ = built
    o = fixtures._order
    rows = [
        o("W5", "2024-06-28 09:00", "2024-07-03 09:00", "2024-07-01 09:00", compound="幸福里"),   # 东二社区: updated
        o("W20", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="阳光花园"),               # 东一社区: rejected
        o("W24", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="篡改小区", street="东街道"),  # no community: rejected
        o("W26", "2024-06-20 09:00", "2024-06-23 09:00", "", compound="幸福里小区"),             # 东二社区: new
    ]
    path = fixtures.write_csv(folder / "东二工单.csv", fixtures.ORDER_HEADERS, rows)
    result = import_file(con, "work_orders", path, config, scope=("东街道", "东二社区"), actor="dong2")
    assert counts(result) == (4, 1, 1, 0, 0, 2, 0)
    assert [(r, c) for r, c, *_ in issues_of(con, result.import_id)] == [(3, "街道"), (4, "街道")]
    assert con.execute("SELECT scope_street, scope_community FROM import_log WHERE import_id = ?",
                       [result.import_id]).fetchone() == ("东街道", "东二社区")


def test_a_street_registry_import_keeps_to_its_street(built, config):
    con, folder, _ = built

    def compound(name, street, community, households="100"):
        return [name, "", street, community, "老旧小区", households, "社区兜底", "", "否", "无", "0", "", "否", "否", "无", ""]

    rows = [
        compound("阳光花园", "东街道", "东一社区", "1200"),   # 2: its own compound, 1200 households -> updated
        compound("和平新村", "东街道", "东一社区"),            # 3: 西街道's compound claimed for 东街道 -> rejected (stored)
        compound("新东小区", "东街道", "东一社区"),            # 4: -> new
        compound("新西小区", "西街道", "西一社区"),            # 5: another street -> rejected
        compound("无街道小区", "", ""),                       # 6: no street -> rejected
        fixtures.COMPOUNDS[1],                               # 7: 幸福里小区 as stored -> unchanged
    ]
    path = fixtures.write_csv(folder / "东街道台账.csv", fixtures.COMPOUND_HEADERS, rows)
    result = import_file(con, "compounds", path, config, scope=("东街道", None), actor="dong")
    assert counts(result) == (6, 1, 1, 1, 0, 3, 0)
    assert [(r, c, reason) for r, c, _, reason, _ in issues_of(con, result.import_id)] == [
        (3, "小区名称", OUTSIDE), (5, "街道", OUTSIDE), (6, "街道", OUTSIDE)]
    assert con.execute("SELECT compound_name, street, community, households FROM compounds ORDER BY ALL").fetchall() == [
        ("和平新村", "西街道", "西一社区", 500), ("幸福里小区", "东街道", "东二社区", 200), ("新东小区", "东街道", "东一社区", 100),
        ("翠湖苑", "西街道", "西一社区", 300), ("阳光花园", "东街道", "东一社区", 1200)]


@pytest.mark.slow
def test_history_issues_and_unmatched_names_are_the_scopes_own(built, config):
    from metrics.ingest.quality import import_history, issues_by_column

    con, folder, _ = built
    rows = scoped_orders() + [fixtures._order("W27", "2024-06-21 09:00", "2024-06-24 09:00", "", compound="和平新",
                                              street="东街道")]   # 11: close to 和平新村 (西街道), written for 东街道
    path = fixtures.write_csv(folder / "东街道工单.csv", fixtures.ORDER_HEADERS, rows)
    east = import_file(con, "work_orders", path, config, scope=("东街道", None), actor="dong")

    assert [r["import_id"] for r in import_history(con)] == [4, 3, 2, 1]
    assert [(r["import_id"], r["imported_by"]) for r in import_history(con, ("东街道", None))] == [(east.import_id, "dong")]
    assert import_history(con, ("西街道", None)) == []
    assert import_history(con, ("东街道", "东二社区")) == []   # made under the street, not under one of its communities
    assert sorted((r["column_name"], r["reason"], r["rows"]) for r in issues_by_column(con, ("东街道", None))) == [
        ("受理时间", "无法识别的受理时间 / unreadable 受理时间 (Received)", 1), ("工单编号", OUTSIDE, 1), ("街道", OUTSIDE, 3)]
    # the district's list has the fixture's R2 (unreadable 受理时间) too, counted with W25: 7 kinds, 2 such rows
    everything = {(r["column_name"], r["reason"]): r["rows"] for r in issues_by_column(con)}
    assert len(everything) == 7 and everything[("受理时间", "无法识别的受理时间 / unreadable 受理时间 (Received)")] == 2

    everyone = {r["compound_raw"]: r["suggestions"] for r in unmatched_compounds(con, config)}
    assert everyone == {"未知小区": [], "篡改小区": [], "和平新": ["和平新村"]}
    east_names = unmatched_compounds(con, config, scope=("东街道", None))
    # its own names only (not 西街道's 未知小区), and no other street's compound suggested
    assert [(r["compound_raw"], r["orders"], r["complaints"], r["suggestions"]) for r in east_names] == [
        ("和平新", 1, 0, []), ("篡改小区", 1, 0, [])]
    assert [r["compound_raw"] for r in unmatched_compounds(con, config, scope=("西街道", None))] == ["未知小区"]


def test_an_import_log_from_before_the_scope_columns_is_the_districts(tmp_path, config):
    """Opened writable, an older import_log gets imported_by, scope_street and scope_community, NULL for its old
    imports: a district import, which no street account lists."""
    from metrics.ingest.quality import import_history

    path = tmp_path / "old.duckdb"
    con = connect(path)
    con.execute("INSERT INTO import_log (import_id, kind, file_name) VALUES (1, 'work_orders', 'old.csv')")
    for column in ("imported_by", "scope_street", "scope_community"):
        con.execute(f"ALTER TABLE import_log DROP COLUMN {column}")
    con.close()
    con = connect(path, read_only=True)   # not upgraded yet: a street sees none of it, the district all
    assert import_history(con, ("东街道", None)) == [] and len(import_history(con)) == 1
    con.close()
    con = connect(path)
    assert con.execute("SELECT import_id, imported_by, scope_street, scope_community FROM import_log").fetchall() == [
        (1, None, None, None)]
    assert import_history(con, ("东街道", None)) == []
