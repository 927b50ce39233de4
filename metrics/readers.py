"""Reading an export file, whatever its format and encoding, as cells of text typed in one pass.

Every cell stays text here; typing happens in SQL (metrics.cleaning), so a bad value becomes a
warning with its row and column instead of a failed read. Row numbers are the ones a user sees
when opening the file in Excel or WPS: the header is row 1 when it is the first line."""
from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from .db import quote

HEADER_SCAN_ROWS = 10
ROWS_TABLE = "staging_rows"
STAGING = "staging"   # the view of a file's data rows that the importer and the preview query


class ImportFailure(Exception):
    """A file that cannot be imported at all; the database stays as it was."""


@dataclass
class RawFile:
    path: Path
    headers: list[str]          # as written in the file, position i is staging column c{i}
    encoding: str               # 'xlsx', 'utf-8', 'utf-8-sig', 'gb18030'
    header_row: int             # 1-based row number of the header line
    source: str                 # SQL relation of every line of the file: c0..cN (and _row for a workbook)
    params: list                # its bound parameters (the path of a CSV file)
    temporary: str | None = None  # transcoded UTF-8 copy, removed by release()

    @property
    def row_column(self) -> str | None:
        """The column of row numbers a workbook carries (a CSV file's order is its numbering)."""
        return "_row" if self.encoding == "xlsx" else None


UTF8_PROBE = 1 << 22  # bytes checked in Python; DuckDB's reader validates the rest of a UTF-8 file itself


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030. GBK text is almost never valid UTF-8, so the first 4 MiB decide;
    a UTF-8 file broken further on is refused by DuckDB's reader with the import failing as a whole."""
    with open(path, "rb") as f:
        head = f.read(UTF8_PROBE)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < UTF8_PROBE)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        f.seek(0)
        decoder = codecs.getincrementaldecoder("gb18030")()
        try:
            while chunk := f.read(1 << 24):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "gb18030"
        except UnicodeDecodeError:
            raise ImportFailure(
                f"{path.name}: 无法识别文件编码（支持 UTF-8、带BOM的UTF-8、GB18030/GBK） / "
                "unknown text encoding (UTF-8, UTF-8 with BOM and GB18030/GBK are supported)"
            ) from None


def read_into(con, path: Path, header_score) -> RawFile:
    """Find the file's header and describe its lines as a relation of text cells, without reading it all:
    `copy_rows` then reads the file once, typing as it goes. `header_score(cells)` rates a candidate header
    line so a title row above the header is skipped. Call `release()` when done."""
    path = Path(path)
    if not path.exists():
        raise ImportFailure(f"{path}: 文件不存在 / file not found")
    suffix = path.suffix.lower()
    release(con, None)
    temporary = None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        con.register("staging_arrow", _read_excel(path))
        source, params, encoding = "staging_arrow", [], "xlsx"
        ncols = len(con.execute("SELECT * FROM staging_arrow LIMIT 0").description) - 1
        candidates = con.execute(f"SELECT * FROM staging_arrow WHERE _row <= {HEADER_SCAN_ROWS} ORDER BY _row").fetchall()
    elif suffix in (".csv", ".txt"):
        encoding = detect_encoding(path)
        csv_path = path
        if encoding == "gb18030":
            temporary = csv_path = _transcode(path)
        reader, params = "read_csv(?, header = false, all_varchar = true, strict_mode = false)", [str(csv_path)]
        try:
            peeked = con.execute(f"SELECT * FROM {reader} LIMIT {HEADER_SCAN_ROWS}", params)
            names = [d[0] for d in peeked.description]
            candidates = [(i + 1, *row) for i, row in enumerate(peeked.fetchall())]
        except Exception as exc:
            _remove(temporary)
            raise _unreadable(path, encoding, exc) from exc
        ncols = len(names)
        source = f"(SELECT {', '.join(f'{quote(n)} AS c{i}' for i, n in enumerate(names))} FROM {reader})"
    else:
        raise ImportFailure(f"{path.name}: 不支持的文件类型 {suffix}（支持 .xlsx .csv） / unsupported file type")
    if not ncols or not candidates:
        _remove(temporary)
        raise ImportFailure(f"{path.name}: 文件为空 / the file is empty")
    best = max(candidates, key=lambda r: (header_score([c for c in r[1:] if c is not None]), -r[0]))
    return RawFile(path=path, headers=[(c or "").strip() for c in best[1:]], encoding=encoding, header_row=best[0],
                   source=source, params=params, temporary=temporary)


def copy_rows(con, raw: RawFile, query: str, params: list) -> None:
    """Run `query` (a SELECT over raw.source, which it names last, carrying raw.row_column through) once
    into the temp table staging_rows, and expose its data rows (below the header) as the temp view staging,
    with _row the row number a user sees in Excel or WPS and _rid the table's rowid (to update a row).

    DuckDB reads a CSV file in parallel and keeps its order, so a line's place in the table is its number:
    cheaper than numbering lines with a window over the whole file. (Inside a transaction rowids start at a
    large offset: count from the first.) A workbook carries its row numbers in _row."""
    try:
        con.execute(f"CREATE TEMP TABLE {ROWS_TABLE} AS {query}", params + raw.params)
    except duckdb.Error as exc:
        raise _unreadable(raw.path, raw.encoding, exc) from exc
    if raw.row_column:
        number, columns = raw.row_column, "*"
    else:
        first = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {ROWS_TABLE}").fetchone()[0]
        number = f"(rowid - {int(first)} + 1)"
        columns = f"{number} AS _row, *"
    # the title and header lines are deleted, not filtered out in the view: DuckDB 2.0 fails a query that
    # takes the first rows by _row under a filter on rowid (an internal error in late materialisation)
    con.execute(f"DELETE FROM {ROWS_TABLE} WHERE {number} <= {int(raw.header_row)}")
    con.execute(f"CREATE TEMP VIEW {STAGING} AS SELECT rowid AS _rid, {columns} FROM {ROWS_TABLE}")


def _unreadable(path: Path, encoding: str, exc: Exception) -> ImportFailure:
    """The failure of a file its reader refuses, naming the file and its format."""
    what = "Excel文件 / unreadable Excel file" if encoding == "xlsx" else "CSV文件 / unreadable CSV file"
    return ImportFailure(f"{path.name}: 无法读取{what}: {exc}")


def release(con, raw: "RawFile | None") -> None:
    """Drop the staging view, the file's rows and any transcoded copy of the file."""
    con.execute(f"DROP VIEW IF EXISTS {STAGING}")
    con.execute(f"DROP TABLE IF EXISTS {ROWS_TABLE}")
    try:
        con.unregister("staging_arrow")
    except Exception:
        pass
    if raw is not None:
        _remove(raw.temporary)


def _remove(path) -> None:
    if path and os.path.exists(path):
        os.unlink(path)


def _transcode(path: Path) -> str:
    """GB18030 to a temporary UTF-8 copy: DuckDB's reader knows UTF-8 only."""
    fd, tmp = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, open(path, encoding="gb18030", newline="") as src:
        while chunk := src.read(1 << 22):
            out.write(chunk)
    return tmp


def _read_excel(path: Path) -> pa.Table:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        batch = reader.load_sheet(0, header_row=None, skip_rows=0, dtypes="string", eager=True)
    except Exception as exc:  # fastexcel raises its own error types for broken workbooks
        raise _unreadable(path, "xlsx", exc) from exc
    arrays = [batch.column(i) for i in range(batch.num_columns)]
    names = [f"c{i}" for i in range(batch.num_columns)]
    rownum = pa.array(range(1, batch.num_rows + 1), type=pa.int64())
    return pa.Table.from_arrays([rownum, *arrays], names=["_row", *names])
