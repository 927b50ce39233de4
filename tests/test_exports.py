"""Downloads: formulas never run, personal data never leaves."""
import io

import fastexcel
import pandas as pd
import pytest

from metrics.exports import escape_formulas, to_csv_bytes, to_xlsx_bytes


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
