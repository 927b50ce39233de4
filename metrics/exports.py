"""Tables as files users download: Excel and CSV, never with personal data, never runnable as formulas."""
from __future__ import annotations

import io

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PERSONAL_COLUMNS = {"complainant", "phone", "id_number", "诉求人", "联系电话", "身份证号"}


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text starting with = + - @ is prefixed with an apostrophe so a spreadsheet shows it, not runs it."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    leaked = PERSONAL_COLUMNS & set(map(str, frame.columns))
    if leaked:
        raise ValueError(f"personal data columns may not be exported: {sorted(leaked)}")
    return escape_formulas(frame)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on a Chinese Windows opens it without garbling."""
    return _safe(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "数据") -> bytes:
    buffer = io.BytesIO()
    safe = _safe(frame)
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as writer:
        safe.to_excel(writer, sheet_name=sheet[:31], index=False)
        worksheet = writer.sheets[sheet[:31]]
        for i, column in enumerate(safe.columns):
            worksheet.set_column(i, i, min(40, max(10, len(str(column)) * 2 + 2)))
    return buffer.getvalue()
