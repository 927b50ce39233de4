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
