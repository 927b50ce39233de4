"""Tables as files users download: Excel and CSV, never with personal data, never runnable as formulas
(metrics.formulas: every text cell, header and heading line, and every line inside a cell).

Numbers stay numbers: a rate is stored as 0.761 and shown by Excel as 76.1% (its column's number format), a count
or a rank as an integer, so a sheet can be sorted, filtered and summed. An Excel sheet says what it is (a title block:
title, scope, period, 数据截至) above a table with a frozen header row and a filter; a CSV is the plain table."""
from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence

import pandas as pd
import xlsxwriter

from metrics.formulas import FORMULA_START, inert, is_live, safe_cell  # noqa: F401  (FORMULA_START: for callers)

PERSONAL_COLUMNS = {"complainant", "phone", "id_number", "诉求人", "联系电话", "身份证号"}
# a column's (or a cell's) kind -> its Excel number format; "text" and unknown kinds keep the value as it is
FORMATS = {"rate": "0.0%", "change": "+0.0%;-0.0%;0.0%", "count": "#,##0", "rank": "0", "decimal": "0.0",
           "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that starts as a formula (= + - @, a tab, a carriage return), at its beginning or on any line of
    it, gets an apostrophe there (formulas.inert), so a spreadsheet shows it, not runs it. Numbers stay numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            values = out[column].tolist()
            if any(isinstance(v, str) and is_live(v) for v in values):   # else left as it is: a column of
                # numbers and text (KPIs as rows) keeps 1234, not 1234.0
                out[column] = pd.Series([safe_cell(v) for v in values], index=out.index, dtype=object)
    return out


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    leaked = PERSONAL_COLUMNS & set(map(str, frame.columns))
    if leaked:
        raise ValueError(f"personal data columns may not be exported: {sorted(leaked)}")
    return escape_formulas(frame)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on a Chinese Windows opens it without garbling; raw numbers (0.761, not 76.1%).
    Lines end with \r\n (RFC 4180), so every cell holding a \r or a \n is quoted: a spreadsheet reads it as
    one cell, never as a row of its own."""
    safe = _safe(frame)
    safe = safe.set_axis([safe_cell(c) for c in safe.columns], axis=1)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def kind_of(kinds: dict | None, column, row: int) -> str | None:
    """A column's kind, or a row's when the column's kinds are given per row (KPIs as rows)."""
    kind = (kinds or {}).get(column)
    return kind[row] if isinstance(kind, Sequence) and not isinstance(kind, str) else kind


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "数据", *, kinds: dict | None = None,
                  heading: Sequence[str] = ()) -> bytes:
    """One sheet: the heading lines (the first in bold: the title), a blank row, then the table with its header
    row frozen and a filter on it. `kinds` maps a column to a kind of FORMATS (or to a list, one kind per row)."""
    safe = _safe(frame)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    ws = book.add_worksheet(sheet[:31])
    title, bold = book.add_format({"bold": True, "font_size": 14}), book.add_format({"bold": True})
    formats = {kind: book.add_format({"num_format": code}) for kind, code in FORMATS.items()}
    for i, line in enumerate(heading):
        ws.write_string(i, 0, inert(str(line)), title if i == 0 else None)
    top = len(heading) + 1 if heading else 0   # the header row
    for c, column in enumerate(safe.columns):
        ws.write_string(top, c, inert(str(column)), bold)
        ws.set_column(c, c, min(40, max(10, len(str(column)) * 2 + 2)))
        for r, value in enumerate(safe[column].tolist()):
            cell = formats.get(kind_of(kinds, column, r))
            if _missing(value):
                ws.write_blank(top + 1 + r, c, None, cell)
            elif isinstance(value, bool):
                ws.write_boolean(top + 1 + r, c, value, cell)
            elif isinstance(value, (int, float)):
                ws.write_number(top + 1 + r, c, value, cell)
            elif isinstance(value, (dt.datetime, dt.date)):
                ws.write_datetime(top + 1 + r, c, pd.Timestamp(value).to_pydatetime() if isinstance(
                    value, pd.Timestamp) else value, cell or formats["datetime" if isinstance(value, dt.datetime) else "date"])
            else:   # text made inert by _safe; anything else as its text, made inert here
                ws.write_string(top + 1 + r, c, inert(str(value)), cell)
    ws.freeze_panes(top + 1, 0)
    if len(safe.columns):
        ws.autofilter(top, 0, top + len(safe), len(safe.columns) - 1)
    book.close()
    return buffer.getvalue()
