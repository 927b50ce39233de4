"""Downloads: formulas never run, personal data never leaves."""
import csv
import io
import re

import fastexcel
import pandas as pd
import pytest

import xlsx_cells
from metrics import exports, formulas
from metrics.exports import escape_formulas, to_csv_bytes, to_xlsx_bytes

FORMULA = ("=", "+", "-", "@", "\t", "\r")
# stored values a spreadsheet would run: after a line break too, where a row of its own would begin
LIVE = ["\r=1+1", 'a\n=HYPERLINK("http://x","y")', "=cmd", "-5", "+1\r\n@SUM(A1)", "\t=2", "阳光花园"]
INERT = ["'\r'=1+1", 'a\n\'=HYPERLINK("http://x","y")', "'=cmd", "'-5", "'+1\r\n'@SUM(A1)", "'\t=2", "阳光花园"]
ORDERS = [-5, 1, 2, 3, 4, 5, 6]   # typed numbers, a negative one among them


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_formula_text_is_escaped_in_csv_and_excel(tmp_path):
    frame = pd.DataFrame({"小区": ["=HYPERLINK(\"x\")", "+1", "-cmd", "@SUM(A1)", "阳光花园"], "工单": [1, 2, 3, 4, 5]})
    assert escape_formulas(frame)["小区"].tolist() == ["'=HYPERLINK(\"x\")", "'+1", "'-cmd", "'@SUM(A1)", "阳光花园"]
    csv_text = to_csv_bytes(frame).decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("\"'=HYPERLINK") and "\n'+1,2" in csv_text
    path = tmp_path / "t.xlsx"
    path.write_bytes(to_xlsx_bytes(frame))
    sheet = fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string", eager=True).to_pydict()
    assert sheet["小区"][0] == "'=HYPERLINK(\"x\")" and sheet["工单"][4] == "5"
    assert pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig")["工单"].sum() == 15


def test_personal_columns_are_refused():
    with pytest.raises(ValueError, match="personal"):
        to_csv_bytes(pd.DataFrame({"联系电话": ["13812345678"]}))


def test_numbers_stay_numbers_with_their_formats_under_a_title_block():
    import datetime as dt

    import xlsx_cells

    frame = pd.DataFrame({"指标": ["按时办结率", "工单总量", "每千户投诉"], "目标": [0.95, None, None],
                          "阳光花园": pd.Series([0.8, 1234, 2.0], dtype=object), "排名": pd.array([1, None, 3], dtype="Int64"),
                          "日期": [dt.date(2024, 6, 30), None, dt.date(2024, 1, 1)]})
    kinds = {"目标": "rate", "阳光花园": ["rate", "count", "decimal"], "排名": "rank"}
    sheet = xlsx_cells.read(to_xlsx_bytes(frame, kinds=kinds, heading=["小区对比", "范围：全区"]))
    cells = sheet["cells"]
    assert cells[0, 0] == ("小区对比", "General") and cells[1, 0] == ("范围：全区", "General") and (2, 0) not in cells
    assert [cells[3, c][0] for c in range(5)] == ["指标", "目标", "阳光花园", "排名", "日期"]
    assert sheet["frozen"] == "A5" and sheet["filter"] == "A4:E7"
    assert [cells[r, 2] for r in (4, 5, 6)] == [(0.8, "0.0%"), (1234, "#,##0"), (2, "0.0")]   # one kind per row
    assert cells[4, 1] == (0.95, "0.0%") and cells[5, 1] == (None, "0.0%")   # none: a blank cell, still formatted
    assert [cells[r, 3] for r in (4, 5, 6)] == [(1, "0"), (None, "0"), (3, "0")]
    # Excel's serial day numbers: 2024-06-30 is 45473
    assert cells[4, 4] == (45473, "yyyy-mm-dd") and (5, 4) not in cells   # no date, no kind: no cell at all
    csv_lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert csv_lines == ["指标,目标,阳光花园,排名,日期", "按时办结率,0.95,0.8,1,2024-06-30", "工单总量,,1234,,",
                         "每千户投诉,,2.0,3,2024-01-01"]


def test_a_sheet_without_a_title_block_freezes_its_first_row():
    import xlsx_cells

    sheet = xlsx_cells.read(to_xlsx_bytes(pd.DataFrame({"a": [1, 2]})))
    assert sheet["frozen"] == "A2" and sheet["filter"] == "A1:A3"
    assert sheet["cells"][0, 0] == ("a", "General") and sheet["cells"][2, 0] == (2, "General")


def test_a_line_break_never_starts_a_formula_in_csv():
    frame = pd.DataFrame({"@类别": LIVE, "工单": ORDERS})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert text == ("'@类别,工单\r\n"
                    "\"'\r'=1+1\",-5\r\n"
                    "\"a\n'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1\r\n"
                    "'=cmd,2\r\n"
                    "'-5,3\r\n"
                    "\"'+1\r\n'@SUM(A1)\",4\r\n"
                    "'\t=2,5\r\n"
                    "阳光花园,6\r\n")
    # parsed back as Python's csv reads it: one row per row of the frame, every cell holding a line break quoted
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["'@类别", "工单"], *[[v, str(n)] for v, n in zip(INERT, ORDERS)]]
    for cell in (c for row in rows for c in row):
        assert all(not line.startswith(FORMULA) or _number(line) for line in re.split(r"\r\n|\r|\n", cell)), cell
    # opened by a spreadsheet that starts a row at every line break, quoted or not: no cell outside quotes starts
    # a formula (a typed number is no formula: -5 stays -5)
    for line in re.split(r"\r\n|\r|\n", text):
        for cell in line.split(","):
            assert not cell.startswith(FORMULA) or _number(cell), line
    assert pd.read_csv(io.BytesIO(text.encode()))["工单"].tolist() == ORDERS


def test_a_line_break_never_starts_a_formula_in_excel():
    frame = pd.DataFrame({"@类别": LIVE, "工单": ORDERS})
    sheet = xlsx_cells.read(to_xlsx_bytes(frame, heading=["=标题", "范围：全区\n-东街道"]))
    cells = sheet["cells"]
    assert (cells[0, 0][0], cells[1, 0][0]) == ("'=标题", "范围：全区\n'-东街道")
    assert [cells[3, c][0] for c in (0, 1)] == ["'@类别", "工单"]
    assert [cells[r, 0][0] for r in range(4, 11)] == INERT
    assert [cells[r, 1] for r in range(4, 11)] == [(n, "General") for n in ORDERS]   # numbers, -5 too


def test_one_helper_makes_text_inert():
    assert [formulas.inert(v) for v in LIVE] == INERT
    assert [formulas.inert(v) for v in INERT] == INERT   # once is enough: made inert twice, it is unchanged
    assert [formulas.safe_cell(v) for v in (-5, -1.5, None)] == [-5, -1.5, None]
    assert exports.inert is formulas.inert
