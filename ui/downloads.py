"""Excel and CSV of a table (title block, scope, period, 数据截至), files made on a page kept for the owner they belong to, each download audited."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from access.scope import restrict
from metrics import formatting as fmt
from metrics.exports import to_csv_bytes, to_xlsx_bytes
from metrics.ingest.filenames import path_parts
from metrics.kpis import Scope
from metrics.periods import Period
from ui.connection import data_version
from ui.engine import facts
from ui.i18n import t
from ui.language import lang
from ui.viewer import account, allowed, page_name, record
from ui.words import _scope_values, scope_text


def title_block(name: str, scope: Scope | None = None, *, period: bool = True,
                as_of_day: bool = False) -> tuple[list[str], str, Scope]:
    """(the sheet's heading lines, the file's stem, the scope shown) of a table downloaded from a page: the title,
    the scope (narrowed to the account's), the period (unless period=False) and 数据截至; the stem says the same:
    name, the scope's values (or 全区), the period and, with `as_of_day`, the day of 数据截至 (截至2024-07-01)."""
    language = lang()
    filters = st.session_state.get("_filters")
    shown = allowed(scope if scope is not None else (filters.scope if filters else Scope()))
    colon = "：" if language == "zh" else ": "
    heading = [name, f"{t('scope_label', language)}{colon}{scope_text(shown, language)}"]
    places = [value for _, value in _scope_values(shown, language)] or [t("district", language)]
    parts = [name, *places]
    if period and filters is not None:
        heading.append(f"{t('period', language)}{colon}{filters.period.label(language)}")
        parts.append(filters.period.label(language))
    as_of = facts()["as_of"]
    heading.append(f"{t('as_of', language)}{colon}{fmt.as_of(as_of, language)}")
    if as_of_day and as_of is not None:
        parts.append(t("file_as_of", language, day=f"{as_of:%Y-%m-%d}"))
    return heading, path_parts("_".join(parts) + ".csv")[0], shown


def download_buttons(frame: pd.DataFrame, name: str, key: str, scope: Scope | None = None, *,
                     kinds: dict | None = None, period: bool = True, as_of_day: bool = False,
                     word=None, deferred: bool = False) -> None:
    """Excel and CSV of a table (headers in the reader's language, no personal data), its numbers as numbers (`kinds`:
    a column's kind of metrics.exports.FORMATS, or one per row). The sheet opens with the title (`name`), the scope
    shown (narrowed to the account's), the period (unless period=False: an import log) and 数据截至; the file
    name says the same: 小区排名_东街道_2024年上半年.xlsx, with `as_of_day` also the day of 数据截至
    (督办单_全区_2024年上半年_截至2024-07-01.xlsx). `word`: a function (heading lines) -> the bytes of a Word file of
    the same table (briefing.sheet), offered as a third button. Each download is audited with the scope it covers.
    deferred=True: the files are made when a button is clicked, not on every run (a list of 2,000 orders takes
    0.3 s to write as Excel: 原因分析's orders)."""
    language = lang()
    heading, stem, _ = title_block(name, scope, period=period, as_of_day=as_of_day)
    left, middle, right, _ = st.columns([1, 1, 1, 3]) if word is not None else (*st.columns([1, 1, 4]), None)
    xlsx = (lambda: to_xlsx_bytes(frame, kinds=kinds, heading=heading)) if deferred else to_xlsx_bytes(
        frame, kinds=kinds, heading=heading)
    csv = (lambda: to_csv_bytes(frame)) if deferred else to_csv_bytes(frame)
    left.download_button(t("download_xlsx", language), xlsx,
                         file_name=f"{stem}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         key=f"{key}_xlsx", icon=":material/download:",
                         on_click=downloaded, args=(f"{stem}.xlsx", scope, len(frame)))
    middle.download_button(t("download_csv", language), csv, file_name=f"{stem}.csv",
                           mime="text/csv", key=f"{key}_csv", icon=":material/download:",
                           on_click=downloaded, args=(f"{stem}.csv", scope, len(frame)))
    if word is not None:
        right.download_button(t("download_docx_table", language), word(heading), file_name=f"{stem}.docx",
                              mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                              key=f"{key}_docx", icon=":material/download:",
                              on_click=downloaded, args=(f"{stem}.docx", scope, len(frame)))


def made_for(scope: Scope, period: Period, language: str) -> tuple:
    """What a file made on a page belongs to: the scope (narrowed to the account's), the period, the file's language
    and the data's version. A file is offered for download only while the page shows the same (keep_files)."""
    return tuple(sorted(allowed(scope).as_dict().items())), period.start, period.end, language, data_version()


def keep_files(key: str, owner: tuple, files: dict) -> None:
    """Files just made (name -> bytes, by format) for this tab, with what they belong to (made_for)."""
    st.session_state[key] = {"owner": owner, "files": files}


def kept_files(key: str, owner: tuple) -> tuple[dict | None, bool]:
    """(the files kept under key if they belong to owner, else None; whether files of another scope, period,
    language or data were kept): a page never serves the previous street's briefing as this one's."""
    kept = st.session_state.get(key)
    if not isinstance(kept, dict) or "owner" not in kept:
        return None, False
    return (kept["files"], False) if kept["owner"] == owner else (None, True)


def downloaded(file_name: str, scope: Scope | None = None, rows: int | None = None) -> None:
    """A download button's callback: the audit entry (what, for which scope, how many rows)."""
    shown = scope or getattr(st.session_state.get("_filters"), "scope", None) or Scope()
    narrowed = restrict(account(), shown) if account() is not None else shown
    record("download", target=file_name, scope=narrowed.as_dict(), details={"page": page_name(), "rows": rows})
