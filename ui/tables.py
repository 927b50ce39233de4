"""A table as a page shows it: rates as 76.1%, changes in words, "—" for none."""
from __future__ import annotations

import pandas as pd

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
