"""Reading an export file, whatever its format and encoding, as a staging view of text.

Every cell stays text here; typing happens in SQL (metrics.cleaning), so a bad value becomes a
warning with its row and column instead of a failed read. Row numbers are the ones a user sees
when opening the file in Excel or WPS: the header is row 1 when it is the first line."""
from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from .db import quote

HEADER_SCAN_ROWS = 10
RAW_TABLE = "staging_file"
STAGING = "staging_raw"


class ImportFailure(Exception):
    """A file that cannot be imported at all; the database stays as it was."""


@dataclass
class RawFile:
    path: Path
    headers: list[str]          # as written in the file, position i is staging column c{i}
    encoding: str               # 'xlsx', 'utf-8', 'utf-8-sig', 'gb18030'
    header_row: int             # 1-based row number of the header line
    temporary: str | None = None  # transcoded UTF-8 copy, removed by release()


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
    """Expose `path` as the temp view staging_raw(_row, c0..cN) of data rows (below the header) without
    materialising it: the import reads the file once, typing as it goes. `header_score(cells)` rates a
    candidate header line so a title row above the header is skipped. Call `release()` when done."""
    path = Path(path)
    if not path.exists():
        raise ImportFailure(f"{path}: 文件不存在 / file not found")
    suffix = path.suffix.lower()
    release(con, None)
    temporary = None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        con.register("staging_arrow", _read_excel(path))
        source, encoding = "staging_arrow", "xlsx"
        peek = f"SELECT * FROM staging_arrow WHERE _row <= {HEADER_SCAN_ROWS} ORDER BY _row"
        ncols = len(con.execute("SELECT * FROM staging_arrow LIMIT 0").description) - 1
        columns = [f"c{i}" for i in range(ncols)]
    elif suffix in (".csv", ".txt"):
        encoding = detect_encoding(path)
        csv_path = path
        if encoding == "gb18030":
            temporary = csv_path = _transcode(path)
        source = "read_csv(?, header = false, all_varchar = true, strict_mode = false)"
        try:
            peeked = con.execute(f"SELECT * FROM {source} LIMIT {HEADER_SCAN_ROWS}", [str(csv_path)])
            names = [d[0] for d in peeked.description]
            head = peeked.fetchall()
        except Exception as exc:
            _remove(temporary)
            raise ImportFailure(f"{path.name}: 无法读取CSV文件 / unreadable CSV file: {exc}") from exc
        columns = [f"c{i}" for i in range(len(names))]
        renamed = ", ".join(f"{quote(n)} AS c{i}" for i, n in enumerate(names))
        # DuckDB reads in parallel and keeps the file's order, so a row's place in this table is its line:
        # cheaper than numbering rows with a window over the whole file
        try:
            con.execute(f"CREATE TEMP TABLE {RAW_TABLE} AS SELECT {renamed} FROM {source}", [str(csv_path)])
        except Exception as exc:
            _remove(temporary)
            raise ImportFailure(f"{path.name}: 无法读取CSV文件 / unreadable CSV file: {exc}") from exc
        # (inside a transaction row ids start at a large offset: count from the first)
        first = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {RAW_TABLE}").fetchone()[0]
        source = f"(SELECT rowid - {int(first)} + 1 AS _row, * FROM {RAW_TABLE})"
        peek = None
    else:
        raise ImportFailure(f"{path.name}: 不支持的文件类型 {suffix}（支持 .xlsx .csv） / unsupported file type")
    if not columns:
        _remove(temporary)
        raise ImportFailure(f"{path.name}: 文件为空 / the file is empty")
    candidates = con.execute(peek).fetchall() if peek else [(i + 1, *row) for i, row in enumerate(head)]
    if not candidates:
        _remove(temporary)
        raise ImportFailure(f"{path.name}: 文件为空 / the file is empty")
    best = max(candidates, key=lambda r: (header_score([c for c in r[1:] if c is not None]), -r[0]))
    header_row = best[0]
    headers = [(c or "").strip() for c in best[1:]]
    con.execute(f"CREATE TEMP VIEW {STAGING} AS SELECT _row, {', '.join(columns)} FROM {source} "
                f"WHERE _row > {int(header_row)}")
    return RawFile(path=path, headers=headers, encoding=encoding, header_row=header_row, temporary=temporary)


def release(con, raw: "RawFile | None") -> None:
    """Drop the staging view, the file's rows and any transcoded copy of the file."""
    con.execute(f"DROP VIEW IF EXISTS {STAGING}")
    con.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
    try:
        con.unregister("staging_arrow")
    except Exception:
        pass
    if raw is not None:
        _remove(raw.temporary)


def _sql_string(text: str) -> str:
    """A file path as an SQL string literal (a view cannot hold a bound parameter)."""
    return "'" + text.replace("'", "''") + "'"


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
        raise ImportFailure(f"{path.name}: 无法读取Excel文件 / unreadable Excel file: {exc}") from exc
    arrays = [batch.column(i) for i in range(batch.num_columns)]
    names = [f"c{i}" for i in range(batch.num_columns)]
    rownum = pa.array(range(1, batch.num_rows + 1), type=pa.int64())
    return pa.Table.from_arrays([rownum, *arrays], names=["_row", *names])
