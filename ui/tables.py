"""A table as a page shows it: rates as 76.1%, changes in words, "—" for none."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import formatting as fmt
from metrics.exports import kind_of
from ui.language import lang


def on_screen(frame: pd.DataFrame, kinds: dict | None = None) -> pd.DataFrame:
    """The table as a page shows it: rates as 76.1%, decimals with one digit, changes in words, "—" for none; whole
    columns of counts and ranks stay numbers (st.dataframe draws them). The download of the same frame keeps
    every number a number (download_buttons)."""
    language, out = lang(), frame.copy()
    for column in frame.columns:
        kind = (kinds or {}).get(column)
        if kind is None or (isinstance(kind, str) and kind in ("text", "count", "rank", "date", "datetime")):
            continue
        out[column] = [_cell_text(v, kind_of(kinds, column, i), language) for i, v in enumerate(frame[column].tolist())]
    return out


def _cell_text(value, kind: str | None, language: str):
    if kind in (None, "text") or isinstance(value, str):
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return fmt.DASH
    if kind == "rate":
        return fmt.percent(value)
    if kind == "change":
        return fmt.pct_change(value * 100, language)
    if kind == "decimal":
        return f"{value:.1f}"
    return fmt.count(value) if kind == "count" else value


COUNT_FORMAT = "localized"   # 13,916 (zh-CN and en alike): Streamlit draws a whole number as 13916 by default


def number_config(frame: pd.DataFrame, kinds: dict | None) -> dict:
    """Column settings that draw every count column with its thousands separator, still a number (it sorts as one)."""
    return {column: st.column_config.NumberColumn(format=COUNT_FORMAT) for column in frame.columns
            if (kinds or {}).get(column) == "count"}


def show(frame: pd.DataFrame, kinds: dict | None = None, *, column_config: dict | None = None, **kwargs):
    """st.dataframe of the table as a page shows it (on_screen), counts with separators, "—" for none."""
    return st.dataframe(on_screen(frame, kinds), hide_index=True, placeholder="—",
                        column_config={**number_config(frame, kinds), **(column_config or {})}, **kwargs)


ID_PX_MIN, ID_PX_PER_CHAR, ID_PX_PADDING = 75, 9, 24


def id_width(values) -> int:
    """The width (px) of a column of ids in st.dataframe: the longest id whole (GD20251215000123, never
    GD2025121…), at least Streamlit's "small" (75 px). A column of width "small" cut the real exports' ids."""
    longest = max((len(str(v)) for v in values if v is not None), default=0)
    return max(ID_PX_MIN, longest * ID_PX_PER_CHAR + ID_PX_PADDING)
