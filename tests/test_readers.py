"""The reader stores exactly the cells Python's csv module (or Excel) reads, whatever the dialect, line endings,
quoting, cell size or position in the file; ragged rows are rejected one by one with their row numbers."""
import csv
import io
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from metrics.database import connect
from metrics.ingest.header_profiles import header_score_for
from metrics.ingest.importer import import_file
from metrics.ingest.readers import SOURCE, read_into, release

HEADERS = ["工单编号", "受理时间", "小区", "承办单位"]
# a cell: commas, quotes, CR, LF, CRLF, tabs, semicolons, Chinese, spaces, empty, now and then long
CHARS = st.sampled_from(list(",\";\t|\r\n '") + list("ab漏水阳光花园，。“”")) | st.just("\r\n")
CELL = st.lists(CHARS, max_size=12).map("".join) | st.builds(lambda c, n: c * n, st.sampled_from("x水,\""),
                                                                st.integers(200, 3000))
DIALECTS = st.fixed_dictionaries({
    "delimiter": st.sampled_from([",", ";", "\t", "|"]),
    "lineterminator": st.sampled_from(["\r\n", "\n", "\r"]),
    "quoting": st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
})
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])


def write(path: Path, header, table, dialect: dict, encoding: str) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, **dialect)
    writer.writerow(header)
    writer.writerows(table)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def holds_a_row(cell: str, delimiter: str, ncols: int = 4) -> bool:
    """A line after the cell's first that reads alone as a row of the header's width, a cell filled in: what
    the reader takes for a stray quote's swallowed rows (tested on its own below)."""
    for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")[1:]:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if len(cells) == ncols and any(c.strip() for c in cells):
            return True
    return False


def reference(path: Path, encoding: str, delimiter: str, ncols: int = 4):
    """What Python's csv module reads, data rows only, rows without any filled cell left out: the rows of the
    header's width, and the Excel numbers of the others (ragged). A table with a cell that reads as holding
    rows is left out of the examples (assume): the reader rejects its row as a stray quote's."""
    with open(path, encoding="utf-8-sig" if encoding == "utf-8-sig" else encoding, newline="") as f:
        records = list(csv.reader(f, delimiter=delimiter))[1:]
    assume(not any(holds_a_row(c, delimiter, ncols) for r in records for c in r))
    numbered = [(i + 2, r) for i, r in enumerate(records) if any(c.strip() for c in r)]
    return ([r for _, r in numbered if len(r) == ncols], [n for n, r in numbered if len(r) == ncols],
            [(n, len(r)) for n, r in numbered if len(r) != ncols])


def read_cells(path: Path, config) -> tuple[list[list[str]], list[int], object]:
    con = duckdb.connect()
    raw = read_into(con, path, header_score_for(config, "work_orders"))
    try:
        names = ", ".join(f"c{i}" for i in range(len(raw.headers)))
        got = con.execute(f"SELECT _row, {names} FROM {SOURCE} ORDER BY _row").fetchall()
    finally:
        release(con, raw)
    return [list(r[1:]) for r in got], [r[0] for r in got], raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=30), dialect=DIALECTS,
       encoding=ENCODINGS)
@pytest.mark.slow
def test_any_table_a_csv_writer_produces_reads_back_cell_for_cell(tmp_path, config, table, dialect, encoding):
    path = write(tmp_path / "t.csv", HEADERS, table, dialect, encoding)
    cells, numbers, raw = read_cells(path, config)
    expected, expected_numbers, ragged = reference(path, encoding, dialect["delimiter"])
    assert cells == expected
    # row numbers as Excel shows them: the header is row 1, a record is one row whatever its line breaks
    assert numbers == expected_numbers
    assert raw.ragged == ragged   # only where the writer itself left a line break unquoted
    assert raw.headers == HEADERS and raw.delimiter == dialect["delimiter"]
    # Python 3.11's writer quotes only the characters of its own line terminator: with CRLF it quotes every CR
    # and LF, and the table comes back whole
    if dialect["lineterminator"] == "\r\n":
        assert cells == [r for r in table if any(c.strip() for c in r)] and ragged == []


TEXT = st.lists(st.sampled_from(list(",\"\r\n ") + ["\r\n"] + list("漏水阳光花园物业，。")), max_size=10).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=20), dialect=DIALECTS)
@pytest.mark.slow
def test_imported_orders_store_the_cells_the_csv_module_reads(tmp_path, config, texts, dialect):
    """Through the whole import: the stored text is the cell as read, trimmed of spaces (blank is NULL)."""
    table = [[f"ZZ{i:04d}", "2024-07-01 08:30", compound, unit] for i, (compound, unit) in enumerate(texts)]
    path = write(tmp_path / "orders.csv", HEADERS, table, dialect, "utf-8")
    con = connect(None)   # a fresh database per example (tmp_path is shared between them)
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    stored = con.execute("SELECT order_id, compound_raw, handling_unit FROM work_orders ORDER BY order_id").fetchall()
    con.close()
    good, _, ragged = reference(path, "utf-8", dialect["delimiter"])
    expected = sorted((r[0], r[2].strip(" ") or None, r[3].strip(" ") or None) for r in good)
    assert stored == expected
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (len(good) + len(ragged), len(good),
                                                                          len(ragged))


def order_rows(n: int) -> list[list[str]]:
    return [[f"ZZ{i:08d}", "2024-07-01 08:30", "阳光花园", f"单位{i}"] for i in range(n)]


def test_hard_cases_after_row_30000_keep_every_cell(tmp_path, config):
    """Past any sampling: a quoted delimiter, doubled quotes, a line break in a cell, a lone CR line ending,
    a row with an extra cell and a short row. The extra-cell and short rows are rejected with their rows; no
    other cell moves."""
    rows = order_rows(30_010)
    rows[30_001][3] = '他说"漏水,很严重"'            # row 30,003 in Excel
    rows[30_002][2] = "阳光\r\n花园"                 # row 30,004
    lines = [",".join(HEADERS)]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    for i, r in enumerate(rows):
        out.seek(0)
        out.truncate()
        writer.writerow(r)
        line = out.getvalue()[:-1]
        if i == 30_003:
            line += ",多出的格"                       # row 30,005: one cell too many
        if i == 30_005:
            line = ",".join(r[:3])                     # row 30,007: one cell short
        lines.append(line)
    text = "\n".join(lines[:30_005]) + "\r" + "\n".join(lines[30_005:]) + "\n"   # a lone CR before row 30,006
    path = tmp_path / "hard.csv"
    path.write_text(text, encoding="utf-8", newline="")
    con = connect(tmp_path / "hard.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (30_010, 30_008, 2)
    got = dict(((r[0], r[1:]) for r in con.execute(
        "SELECT order_id, compound_raw, handling_unit FROM work_orders WHERE order_id >= 'ZZ00030000'").fetchall()))
    assert got["ZZ00030001"] == ("阳光花园", '他说"漏水,很严重"')
    assert got["ZZ00030002"] == ("阳光\r\n花园", "单位30002")
    assert got["ZZ00030004"] == ("阳光花园", "单位30004")     # the row after the lone CR keeps its first letter
    assert "ZZ00030003" not in got and "ZZ00030005" not in got
    assert len(got) == 8
    issues = con.execute("SELECT row_number, column_name, severity, reason FROM import_issues ORDER BY 1").fetchall()
    assert issues == [
        (30_005, "(整行 / whole row)", "rejected", "本行有5个单元格，表头有4列 / the row has 5 cells, the header has 4"),
        (30_007, "(整行 / whole row)", "rejected", "本行有3个单元格，表头有4列 / the row has 3 cells, the header has 4"),
    ]


def test_a_one_megabyte_cell_is_a_cell(tmp_path, config):
    big = "长" * 1_000_000
    rows = order_rows(3)
    rows[1][3] = big
    path = write(tmp_path / "big.csv", HEADERS, rows, {"lineterminator": "\r\n"}, "utf-8")
    con = connect(tmp_path / "big.duckdb")
    result = import_file(con, "work_orders", path, config)
    assert (result.rows_read, result.rows_new) == (3, 3)
    assert con.execute("SELECT length(handling_unit) FROM work_orders WHERE order_id = 'ZZ00000001'").fetchone() == (
        1_000_000,)


def test_title_lines_with_a_line_break_keep_excel_row_numbers(tmp_path, config):
    """Three title lines (one a quoted cell over two lines) and a blank line: the rejected row is named as
    Excel shows it, counting the records above it."""
    text = ('"示范区12345工单\n导出"\n导出时间：2025-07-01\n\n' + ",".join(HEADERS) + "\n"
            "A1,2024-07-01 08:30,阳光花园,甲\n\nA2,not a date,阳光花园,乙\nA3,2024-07-02 09:00,\"多\n行\",丙\n"
            "A4,,阳光花园,丁\n")
    path = tmp_path / "titled.csv"
    path.write_text(text, encoding="utf-8", newline="")
    con = connect(tmp_path / "titled.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    # records: 1 title, 2 export time, 3 blank, 4 header, 5 A1, 6 blank, 7 A2, 8 A3, 9 A4
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (4, 2, 2)
    assert con.execute("SELECT row_number, reason FROM import_issues ORDER BY 1").fetchall() == [
        (7, "无法识别的受理时间 / unreadable 受理时间 (Received)"), (9, "缺少受理时间 / missing 受理时间 (Received)")]
    assert any("跳过1个空行" in n for n in result.notes)


def test_workbook_with_data_on_its_second_sheet_and_many_title_rows(tmp_path, config):
    path = tmp_path / "导出.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "本表由系统导出")
    sheet = book.add_worksheet("工单数据")
    for r in range(20):                              # twenty title rows, more than the ten read before
        sheet.write(r, 0, f"标题行{r + 1}")
    sheet.write_row(20, 0, HEADERS)
    sheet.write_row(21, 0, ["W1", "2024-07-01 08:30", "阳光花园", "甲"])
    sheet.write_row(22, 0, ["W2", "不是日期", "阳光花园", "乙"])
    book.close()
    con = connect(tmp_path / "x.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (2, 1, 1)
    assert con.execute("SELECT row_number FROM import_issues").fetchall() == [(23,)]
    assert "读取工作表“工单数据” / read worksheet '工单数据'" in result.notes


def test_a_quote_left_open_rejects_its_row_without_quoting_it(tmp_path, config):
    """An unclosed quote runs to the end of the file as Python's csv module and Excel read it; the reader
    rejects the row that opened it by its number and reads the lines it swallowed on their own. Neither the
    issue nor any message repeats what the row holds."""
    path = tmp_path / "open.csv"
    path.write_text(",".join(HEADERS) + "\nA1,2024-07-01 08:30,阳光花园,甲\nA2,2024-07-01 08:30,\"13800138000 张三,乙\n"
                    "A3,2024-07-01 09:00,阳光花园,丙\n", encoding="utf-8")
    con = connect(tmp_path / "o.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (3, 2, 1)
    issues = con.execute("SELECT row_number, column_name, reason, value FROM import_issues").fetchall()
    assert issues == [(3, "小区", "未闭合的引号：从第3行起的单元格吞并了其后的1行（其后各行已单独读取） / an unclosed quote: the "
                                 "cell from row 3 on swallowed the 1 lines after it (those lines were read on their own)",
                       None)]
    assert con.execute("SELECT order_id, compound_raw, handling_unit FROM work_orders ORDER BY 1").fetchall() == [
        ("A1", "阳光花园", "甲"), ("A3", "阳光花园", "丙")]
    assert "13800138000" not in str(result) and "张三" not in str(result)


CONTENT_HEADERS = ["工单编号", "受理时间", "小区", "诉求内容"]


def stray_file(path: Path, rows: int, quoted_rows: tuple[int, ...], personal: bool = False) -> Path:
    """An export of `rows` orders (Excel rows 2 .. rows + 1) in which the content cell of each of `quoted_rows`
    begins with a quote that nothing closes on its line: a stray quote (with `personal`, a 诉求人 column,
    a resident's name on every row)."""
    headers = CONTENT_HEADERS + (["诉求人"] if personal else [])
    lines = [",".join(headers)]
    for row in range(2, rows + 2):
        content = ('"' if row in quoted_rows else "") + f"楼上漏水第{row}行"
        lines.append(f"S{row:04d},2024-07-01 08:30,阳光花园,{content}" + (f",{RESIDENTS[row - 2]}" if personal else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


RESIDENTS = [s + g for s in "赵钱孙李周吴郑冯陈褚" for g in ("子涵", "浩宇", "雨桐", "梓萱", "俊熙", "欣怡", "思远", "若曦",
                                                            "嘉懿", "沐辰", "语嫣", "皓轩", "芷若", "明哲", "可馨",
                                                            "景行", "书瑶", "承泽", "婉清", "逸凡")]


def stray_reason(row: int, lines: int) -> str:
    return (f"未闭合的引号：从第{row}行起的单元格吞并了其后的{lines:,}行（其后各行已单独读取） / an unclosed quote: the "
            f"cell from row {row} on swallowed the {lines:,} lines after it (those lines were read on their own)")


def test_a_stray_quote_no_longer_swallows_the_rest_of_the_file(tmp_path, config):
    """1,000 orders, a quote opening row 10's content and never closed: csv read rows 2-9 and one row 10 whose
    content held rows 11 to 1,001. Row 10 is rejected, the 991 lines it swallowed are rows again."""
    path = stray_file(tmp_path / "stray.csv", 1000, (10,))
    con = connect(tmp_path / "s.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected, result.accounted()) == (1000, 999, 1, True)
    assert not result.mostly_rejected
    assert con.execute("SELECT row_number, column_name, severity, reason FROM import_issues").fetchall() == [
        (10, "诉求内容", "rejected", stray_reason(10, 991))]
    stored = dict(con.execute("SELECT order_id, content FROM work_orders").fetchall())
    assert "S0010" not in stored and len(stored) == 999
    assert stored["S0009"] == "楼上漏水第9行" and stored["S0011"] == "楼上漏水第11行" and stored["S1001"] == "楼上漏水第1001行"


def test_two_stray_quotes_reject_their_two_rows_and_keep_the_rows_between(tmp_path, config):
    """A second stray quote at row 500 closed the first: csv read rows 11-500 into row 10's content (490 rows
    gone) and row 500's quote, read again on its own line, runs to the end of the file. Both rows are
    rejected; the 998 others are imported, each with its own content."""
    path = stray_file(tmp_path / "two.csv", 1000, (10, 500))
    con = connect(tmp_path / "t.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (1000, 998, 2)
    assert con.execute("SELECT row_number, column_name, reason FROM import_issues ORDER BY 1").fetchall() == [
        (10, "诉求内容", stray_reason(10, 490)), (500, "诉求内容", stray_reason(500, 501))]
    stored = dict(con.execute("SELECT order_id, content FROM work_orders").fetchall())
    assert sorted(set(range(2, 1002)) - {int(i[1:]) for i in stored}) == [10, 500]
    assert all(content == f"楼上漏水第{int(i[1:])}行" for i, content in stored.items())


def test_a_stray_quote_that_makes_a_ragged_record_gives_back_the_row_it_ate(tmp_path, config):
    """A stray quote closed by a real quoted cell on the next line: csv read rows 3 and 4 as one record of
    five cells (a ragged row 3, row 4 gone). Row 3 is rejected as the stray quote's, row 4 read again whole."""
    path = tmp_path / "ragged.csv"
    path.write_text(",".join(CONTENT_HEADERS) + "\nR1,2024-07-01 08:30,阳光花园,漏水\nR2,2024-07-01 08:30,阳光花园,\"漏水\n"
                    "R3,2024-07-01 08:30,\"阳光,花园\",漏水\nR4,2024-07-01 08:30,阳光花园,漏水\n", encoding="utf-8")
    con = connect(tmp_path / "r.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (4, 3, 1)
    assert con.execute("SELECT row_number, column_name, reason FROM import_issues").fetchall() == [
        (3, "诉求内容", stray_reason(3, 1))]
    assert con.execute("SELECT order_id, compound_raw FROM work_orders ORDER BY 1").fetchall() == [
        ("R1", "阳光花园"), ("R3", "阳光,花园"), ("R4", "阳光花园")]


def test_a_stray_quote_stores_no_name_of_the_rows_it_swallowed(tmp_path, config):
    """200 orders with a 诉求人 column, a stray quote in row 6's content: csv made rows 7-201 one content cell
    holding 195 residents' names, out of the personal column that is dropped. Now no stored cell holds a line
    break, and no name is anywhere in the database file."""
    path = stray_file(tmp_path / "names.csv", 200, (6,), personal=True)
    db = tmp_path / "n.duckdb"
    con = connect(db)
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (200, 199, 1)
    assert con.execute("SELECT row_number, column_name, value FROM import_issues").fetchall() == [(6, "诉求内容", None)]
    texts = [c for c, t in con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                       "WHERE table_name = 'work_orders'").fetchall() if t == "VARCHAR"]
    broken = con.execute(f"SELECT count(*) FROM work_orders WHERE "
                         + " OR ".join(f"regexp_matches({c}, '[\\r\\n]')" for c in texts)).fetchone()
    assert broken == (0,)
    con.execute("CHECKPOINT")
    con.close()
    raw = db.read_bytes()
    assert [n for n in RESIDENTS if n.encode("utf-8") in raw] == []


def test_multi_line_cells_that_are_not_rows_stay_one_cell(tmp_path, config):
    """An address over two lines, content with commas over three lines, in the last row too: each one cell."""
    address, content = "幸福里\n3号楼2单元", "楼上漏水,已报修\n物业说,明天来\n请尽快"
    rows = [["M1", "2024-07-01 08:30", address, "漏水"], ["M2", "2024-07-01 08:30", "阳光花园", content],
            ["M3", "2024-07-01 08:30", address, content]]
    path = write(tmp_path / "multi.csv", CONTENT_HEADERS, rows, {"lineterminator": "\n"}, "utf-8")
    con = connect(tmp_path / "m.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (3, 3, 0)
    assert con.execute("SELECT order_id, compound_raw, content FROM work_orders ORDER BY 1").fetchall() == [
        ("M1", address, "漏水"), ("M2", "阳光花园", content), ("M3", address, content)]


@pytest.mark.parametrize("rows,quoted,code,rejected", [(1000, (10,), 0, 1), (3, (2, 3), 1, 2)])
def test_the_command_line_exits_by_the_rejected_share(tmp_path, capsys, rows, quoted, code, rejected):
    """Stray quotes' rows count as rejected: 1 of 1,000 imports (exit 0); 2 of 3 is more than
    import_checks.max_rejected_share (0.5), exit 1."""
    from metrics.__main__ import main

    path = stray_file(tmp_path / "cli.csv", rows, quoted)
    assert main(["import", "--db", str(tmp_path / "c.duckdb"), "--kind", "work_orders", str(path)]) == code
    out = capsys.readouterr().out
    assert f"read {rows} = new {rows - rejected} + updated 0 + unchanged 0 + duplicate 0 + rejected {rejected}" in out
    assert ("拒绝过多 MOSTLY REJECTED" in out) == bool(code)


def hidden_sheet_workbook(path: Path, visible_rows, hidden_rows) -> Path:
    """A workbook whose first sheet, hidden, holds `hidden_rows`, and whose second, visible and active,
    `visible_rows`."""
    book = xlsxwriter.Workbook(str(path))
    hidden, shown = book.add_worksheet("旧数据"), book.add_worksheet("工单")
    for sheet, rows in ((hidden, hidden_rows), (shown, visible_rows)):
        for r, cells in enumerate(rows):
            sheet.write_row(r, 0, cells)
    shown.activate()
    hidden.hide()
    book.close()
    return path


def test_a_visible_sheet_is_read_before_a_hidden_one_with_a_better_header(tmp_path, config):
    """The hidden sheet's header recognises five columns, the visible one's three: the visible one is what a
    user sees when opening the file, and what is imported."""
    path = hidden_sheet_workbook(
        tmp_path / "两表.xlsx",
        [["工单编号", "受理时间", "小区"], ["V1", "2024-07-01 08:30", "阳光花园"], ["V2", "2024-07-01 09:30", "翠湖苑"]],
        [HEADERS + ["诉求内容"], ["H1", "2024-06-01 08:30", "幸福里", "甲", "旧"]])
    con = connect(tmp_path / "v.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new) == (2, 2)
    assert con.execute("SELECT order_id, compound_raw FROM work_orders ORDER BY 1").fetchall() == [
        ("V1", "阳光花园"), ("V2", "翠湖苑")]
    assert result.notes[0] == "读取工作表“工单” / read worksheet '工单'"


def test_a_hidden_sheet_is_read_only_when_no_visible_one_has_a_header(tmp_path, config):
    path = hidden_sheet_workbook(tmp_path / "隐藏.xlsx", [["本表由系统导出"], ["导出时间：2024-07-01"]],
                                 [HEADERS, ["H1", "2024-06-01 08:30", "幸福里", "甲"]])
    con = connect(tmp_path / "h.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new) == (1, 1)
    assert result.notes[0] == ("读取隐藏的工作表“旧数据”：没有可见的工作表含可识别的表头 / read hidden worksheet '旧数据': "
                               "no visible worksheet has a known header")


@pytest.mark.parametrize("boms", [2, 3])
def test_a_bom_written_more_than_once_is_skipped(tmp_path, config, boms):
    """A file saved with a BOM by a tool that adds its own: before, the first header read "\\ufeff工单编号" and
    the file was refused for having no id column."""
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" * boms + (",".join(HEADERS) + "\r\nB1,2024-07-01 08:30,阳光花园,甲\r\n").encode())
    cells, numbers, raw = read_cells(path, config)
    assert (raw.headers, cells, numbers) == (HEADERS, [["B1", "2024-07-01 08:30", "阳光花园", "甲"]], [2])
    con = connect(tmp_path / "b.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.columns["order_id"]) == (1, 1, "工单编号")


def test_a_reader_that_refuses_a_quote_open_at_the_end_reads_the_same(tmp_path, config, monkeypatch):
    """Python's csv with strict=True (and older versions always) raises "unexpected end of data" at a quote
    left open at the end of the file, where 3.11 returns the cell: either way row 10 is rejected, 999 imported."""
    import functools

    import metrics.ingest.readers as readers

    monkeypatch.setattr(readers.csv, "reader", functools.partial(csv.reader, strict=True))
    with pytest.raises(csv.Error, match="unexpected end of data"):
        list(readers.csv.reader(io.StringIO('a,"b\nc,d\n', newline="")))
    path = stray_file(tmp_path / "strict.csv", 1000, (10,))
    con = connect(tmp_path / "s.duckdb")
    result = import_file(con, "work_orders", path, config, rejection_dir=tmp_path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (1000, 999, 1)
    assert con.execute("SELECT row_number, reason FROM import_issues").fetchall() == [(10, stray_reason(10, 991))]
