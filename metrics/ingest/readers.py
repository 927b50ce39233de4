"""Reading an export file, whatever its format, encoding, quoting and line endings, as rows of text cells.

The contract: the cells we read are the cells Python's `csv` module (or Excel/WPS, for a workbook) reads,
whatever the quoting (RFC 4180 doubled quotes, quoted delimiters and newlines), line endings (CR, LF and CRLF
mixed in one file), cell size or position in the file. A CSV file is parsed by Arrow's multi-threaded reader
with the dialect fixed from the header (no sampling that a late row could contradict); a file Arrow cannot
take as a clean table (a row with too few or too many cells, a quote left open) is read again by Python's
`csv` module, the reference, row by row, and each ragged row is rejected on its own with its row number.

One exception to "as Python reads it": a stray quote. A quote opened by mistake makes csv (and Excel) read every
line up to the next quote, or to the end of the file, into one cell, and the rows it swallowed vanish without a
word. A cell that spans lines of which one, parsed alone with the file's dialect, has the header's number of cells
(a row), or that a quote left open at the end of the file made, is such a cell: its row is rejected (RawFile.stray)
and the file is read again from the line after the one that opened it, as if the quote were not there. A
multi-line cell whose lines are not rows (an address, content with a comma) stays one cell.

Every cell stays text here; typing happens in SQL (metrics.ingest.cleaning), so a bad value becomes a warning with its
row and column instead of a failed read. Row numbers are the ones a user sees when opening the file in Excel
or WPS: a record is one row even when a cell holds a line break, the header is row 1 when it is the first."""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import mmap
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

HEADER_SCAN_ROWS = 50       # title lines (and, in a workbook, empty rows) tolerated above the header
DELIMITERS = (",", "\t", ";", "|")
ROWS_TABLE = "staging_rows"
STAGING = "staging"         # the view of a file's data rows that the importer and the preview query
SOURCE = "staging_arrow"    # the file's rows as registered with DuckDB: _row, c0..cN, all text
ARROW_BLOCK = 1 << 20       # Arrow parses blocks in parallel; a row larger than a block is retried in one block

csv.field_size_limit(sys.maxsize)   # a cell of several megabytes is still a cell


class ImportFailure(Exception):
    """A file that cannot be imported at all; the database stays as it was."""


@dataclass
class RawFile:
    path: Path
    headers: list[str]          # as written in the file, position i is column c{i}
    encoding: str               # 'xlsx', 'utf-8', 'utf-8-sig', 'gb18030'
    header_row: int             # row number of the header, as Excel/WPS shows it
    ragged: list[tuple[int, int]] = field(default_factory=list)  # (row, cells) of rows whose cell count differs
    blank_rows: int = 0         # rows with no cell filled in: not data, not counted as read
    sheet: str | None = None    # the worksheet read, when a workbook has several
    hidden_sheet: bool = False  # that worksheet is hidden: no visible one has a known header
    delimiter: str = ","
    stray: list[tuple[int, int, int]] = field(default_factory=list)   # (row, cell, lines swallowed): stray quotes

    @property
    def notes(self) -> list[str]:
        """What a user should know about how the file was read."""
        notes = []
        if self.sheet and self.hidden_sheet:
            notes.append(f"读取隐藏的工作表“{self.sheet}”：没有可见的工作表含可识别的表头 / read hidden worksheet "
                         f"'{self.sheet}': no visible worksheet has a known header")
        elif self.sheet:
            notes.append(f"读取工作表“{self.sheet}” / read worksheet '{self.sheet}'")
        if self.blank_rows:
            notes.append(f"跳过{self.blank_rows}个空行 / {self.blank_rows} empty rows skipped")
        return notes


UTF8_PROBE = 1 << 22  # bytes checked before choosing UTF-8; the rest is validated as Arrow decodes it


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030. GBK text is almost never valid UTF-8, so the first 4 MiB decide;
    a UTF-8 file broken further on is refused by the reader with the import failing as a whole."""
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
    """Find the file's header (the best-scoring of its first rows, `header_score(cells)`, so title rows above it
    are skipped) and register its data rows with `con` as the Arrow table SOURCE: _row (as Excel numbers it) and
    c0..cN as text. Call `release()` when done."""
    path = Path(path)
    if not path.exists():
        raise ImportFailure(f"{path}: 文件不存在 / file not found")
    suffix = path.suffix.lower()
    release(con, None)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raw, table = _read_excel(path, header_score)
    elif suffix in (".csv", ".txt"):
        raw, table = _read_csv(path, header_score)
    else:
        raise ImportFailure(f"{path.name}: 不支持的文件类型 {suffix}（支持 .xlsx .csv） / unsupported file type")
    table, raw.blank_rows = _drop_blank_rows(table)
    con.register(SOURCE, table)
    return raw


def first_rows(path: Path) -> list[list[str]]:
    """The first rows of a file in every way it may be split (each delimiter; each worksheet), without reading
    it all: enough to tell which dataset it holds."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        import fastexcel

        return [[c for c in row if c] for _, rows, _ in _sheet_heads(fastexcel.read_excel(str(path))) for row in rows]
    encoding = detect_encoding(path)
    temporary = _transcode(path) if encoding == "gb18030" else None
    try:
        return [record for d in DELIMITERS
                for record, _ in _records(Path(temporary) if temporary else path, encoding, d, HEADER_SCAN_ROWS)]
    finally:
        _remove(temporary)


def copy_rows(con, raw: RawFile, query: str, params: list) -> None:
    """Run `query` (a SELECT over SOURCE, carrying _row through) once into the temp table staging_rows, and
    expose it as the temp view staging, with _rid the table's rowid (to update a row)."""
    con.execute(f"CREATE TEMP TABLE {ROWS_TABLE} AS {query}", params)
    con.execute(f"CREATE TEMP VIEW {STAGING} AS SELECT rowid AS _rid, * FROM {ROWS_TABLE}")


def release(con, raw: "RawFile | None") -> None:
    """Drop the staging view, the file's rows and the registered table."""
    con.execute(f"DROP VIEW IF EXISTS {STAGING}")
    con.execute(f"DROP TABLE IF EXISTS {ROWS_TABLE}")
    try:
        con.unregister(SOURCE)
    except Exception:
        pass


def _unreadable(path: Path, encoding: str, reason: str) -> ImportFailure:
    """The failure of a file its reader refuses, naming the file and its format; `reason` never holds a cell."""
    what = "Excel文件 / unreadable Excel file" if encoding == "xlsx" else "CSV文件 / unreadable CSV file"
    return ImportFailure(f"{path.name}: 无法读取{what}: {reason}")


# --- CSV ---------------------------------------------------------------------------------------------------

def _read_csv(path: Path, header_score) -> tuple[RawFile, pa.Table]:
    encoding = detect_encoding(path)
    temporary = _transcode(path) if encoding == "gb18030" else None
    text_path = Path(temporary) if temporary else path
    try:
        delimiter, header_index, header, offset = _find_header(text_path, encoding, header_score)
        header_row = header_index + 1
        raw = RawFile(path=path, headers=[c.strip() for c in header], encoding=encoding, header_row=header_row,
                      delimiter=delimiter)
        ncols = len(header)
        table = _arrow_rows(text_path, offset, ncols, delimiter)
        if table is None:   # a ragged row or a quote left open: the reference reader, row by row
            table, raw.ragged, raw.stray = _python_rows(path, text_path, offset, ncols, delimiter, header_row)
        if "_row" not in table.column_names:
            table = table.add_column(0, "_row", _numbers(header_row + 1, table.num_rows))
        return raw, table
    finally:
        _remove(temporary)


def _records(text_path: Path, encoding: str, delimiter: str, limit: int):
    """The first `limit` records of a UTF-8 file, each with the byte offset just after it. A BOM written twice
    or more (a file saved with a BOM by a tool that adds its own) is skipped whole, so the header still matches."""
    consumed = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    out = []
    with open(text_path, encoding="utf-8-sig" if encoding == "utf-8-sig" else "utf-8", newline="",
              errors="surrogateescape") as f:
        def lines():
            nonlocal consumed
            for number, line in enumerate(f):   # newline="": lines end at CR, LF or CRLF, kept as written
                consumed += len(line.encode("utf-8", "surrogateescape"))
                yield line.lstrip("\ufeff") if number == 0 and encoding == "utf-8-sig" else line
        reader = csv.reader(lines(), delimiter=delimiter)
        try:
            for record in reader:
                out.append((record, consumed))
                if len(out) >= limit:
                    break
        except csv.Error:
            pass   # a broken quote in the first rows: the rows before it still show the header
    return out


def _find_header(text_path: Path, encoding: str, header_score):
    """The delimiter and header that recognise the most known headers among the first rows."""
    best = None
    for delimiter in DELIMITERS:
        records = _records(text_path, encoding, delimiter, HEADER_SCAN_ROWS)
        for i, (record, offset) in enumerate(records):
            score = header_score([c for c in record if c])
            if best is None or score > best[0]:
                best = (score, delimiter, i, record, offset)
    if best is None or not best[3]:
        raise ImportFailure(f"{text_path.name}: 文件为空 / the file is empty")
    return best[1], best[2], best[3], best[4]


def _has_quotes(text_path: Path, offset: int) -> bool:
    """Whether any quote follows the header: without one no cell can hold a line break, and Arrow splits the
    file at line ends in parallel instead of tracking quotes through it (three times faster)."""
    if os.path.getsize(text_path) <= offset:
        return False
    with open(text_path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b'"', offset) >= 0


def _arrow_rows(text_path: Path, offset: int, ncols: int, delimiter: str) -> pa.Table | None:
    """The data rows as a table of ncols text columns, or None when the file is not a clean table."""
    names = [f"c{i}" for i in range(ncols)]
    quoted = _has_quotes(text_path, offset)
    block = ARROW_BLOCK
    while True:
        ragged = []
        with pa.OSFile(str(text_path)) as source:
            source.seek(offset)
            try:
                table = pacsv.read_csv(
                    source,
                    read_options=pacsv.ReadOptions(column_names=names, block_size=block),
                    parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted,
                                                     ignore_empty_lines=False,
                                                     invalid_row_handler=lambda row: ragged.append(1) or "skip"),
                    convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}),
                )
            except pa.ArrowInvalid as exc:
                if "straddl" in str(exc) and block < (1 << 31) - 1:
                    block = min(block * 16, (1 << 31) - 1)   # a cell larger than a block: bigger blocks
                    continue
                return None   # never shown: the message quotes the row; the reference reader says where
            except pa.ArrowException:
                return None
        return None if ragged or (quoted and _may_hold_rows(table, ncols, delimiter)) else table


_LINE_BREAK = re.compile("\r\n|\r|\n")


def _holds_rows(text: str, ncols: int, delimiter: str) -> bool:
    """Whether a cell's text holds another row: a line after its first that, parsed alone with the file's
    dialect, has the header's number of cells, one of them filled in. The signature of a stray quote: a real
    multi-line cell (an address, a paragraph with a comma) has lines, not rows."""
    for line in _LINE_BREAK.split(text)[1:]:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if len(cells) == ncols and any(c.strip() for c in cells):
            return True
    return False


def _may_hold_rows(table: pa.Table, ncols: int, delimiter: str) -> bool:
    """Whether a stray quote may have made a cell of Arrow's table (the reference reader then decides, row by
    row): a cell with a line break that holds a row, or a line break in the last row (a quote open at the end of
    the file). Only cells with a line break and enough delimiters are looked at in Python."""
    last = table.num_rows - 1
    for name in table.column_names:
        column = table.column(name)
        breaks = pc.fill_null(pc.or_(pc.match_substring(column, "\n"), pc.match_substring(column, "\r")), False)
        if not pc.any(breaks).as_py():
            continue
        if breaks[last].as_py():
            return True
        enough = pc.fill_null(pc.greater_equal(pc.count_substring(column, delimiter), ncols - 1), False)
        if any(_holds_rows(text, ncols, delimiter) for text in pc.filter(column, pc.and_(breaks, enough)).to_pylist()):
            return True
    return False


_UNDECODABLE = re.compile("[\udc80-\udcff]")


class _Lines:
    """The file's lines for csv.reader (ending at CR, LF or CRLF, kept as written), remembering those of the
    record being read, so that the lines a stray quote swallowed can be put back and read again."""

    def __init__(self, text):
        self.text = text
        self.back: list[str] = []   # lines put back, the next one last
        self.taken: list[str] = []  # the lines of the record being read
        self.ended = False          # the end of the file was reached inside the record

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.back.pop() if self.back else self.text.readline()
        if not line:
            self.ended = True
            raise StopIteration
        self.taken.append(line)
        return line

    def start(self) -> None:
        self.taken, self.ended = [], False

    def put_back_all_but_first(self) -> int:
        """Read the record's lines after its first again; how many."""
        self.back.extend(reversed(self.taken[1:]))
        return len(self.taken) - 1


def _stray_cell(record: list[str], lines: _Lines, ncols: int, delimiter: str) -> int | None:
    """The position of the cell a stray quote made of the lines after it, if the record has one: a cell that
    holds a row, or the last cell when the file ended inside its quote (the quote was never closed). In a ragged
    record the file's own lines are looked at too: a real quoted cell that closed the stray quote mid-line cut
    the row it ended in, which that line alone still reads as."""
    if len(lines.taken) < 2:
        return None
    if lines.ended:
        return len(record) - 1
    broken = [position for position, cell in enumerate(record) if "\n" in cell or "\r" in cell]
    for position in broken:
        if _holds_rows(record[position], ncols, delimiter):
            return position
    if broken and len(record) != ncols and _holds_rows("".join(lines.taken), ncols, delimiter):
        return broken[0]
    return None


def _python_rows(path: Path, text_path: Path, offset: int, ncols: int, delimiter: str, header_row: int):
    """Python's csv module over the data rows: rows of ncols cells (an empty line counts as a row of empty
    cells), the row numbers and cell counts of the others, and the rows a stray quote opened (row, cell, lines
    swallowed): each rejected, and the lines after it read again as rows of their own, numbered on."""
    columns = [[] for _ in range(ncols)]
    numbers, ragged, stray = [], [], []
    with open(text_path, "rb") as binary:
        binary.seek(offset)
        # undecodable bytes become lone surrogates, so the row that holds them can be named
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="", errors="surrogateescape")
        lines = _Lines(text)
        reader = csv.reader(lines, delimiter=delimiter)
        number = None
        try:
            for number in itertools.count(header_row + 1):
                lines.start()
                try:
                    record = next(reader, None)
                except csv.Error:
                    if not lines.ended:
                        raise
                    # a reader that refuses a quote open at the end of the file ("unexpected end of data": Python
                    # 3.11 with strict=True, older ones always): the record as 3.11 reads it, the quote closed
                    record = next(csv.reader([*lines.taken[:-1], lines.taken[-1] + '"'], delimiter=delimiter))
                    reader = csv.reader(lines, delimiter=delimiter)
                if record is None:
                    break
                position = _stray_cell(record, lines, ncols, delimiter)
                if position is not None:   # its first line is checked here, the others when read again
                    if _UNDECODABLE.search(lines.taken[0]):
                        raise UnicodeDecodeError("utf-8", b"", 0, 1, "invalid byte")
                    stray.append((number, position, lines.put_back_all_but_first()))
                    continue
                if not any(cell.strip() for cell in record):
                    record = [""] * ncols   # a blank record of any length is a blank row (counted, not data)
                if _UNDECODABLE.search("".join(record)):
                    raise UnicodeDecodeError("utf-8", b"", 0, 1, "invalid byte")
                if len(record) != ncols:
                    ragged.append((number, len(record)))
                    continue
                numbers.append(number)
                for column, cell in zip(columns, record):
                    column.append(cell)
        except (csv.Error, UnicodeDecodeError) as exc:
            row = number   # the record being read
            what = "无效的UTF-8字节 / invalid UTF-8 bytes" if isinstance(exc, UnicodeDecodeError) else str(exc)
            raise _unreadable(path, "csv", f"第{row}行 / row {row}: {what}") from None
    table = pa.table([pa.array(numbers, pa.int64())] + [pa.array(c, pa.string()) for c in columns],
                     names=["_row"] + [f"c{i}" for i in range(ncols)])
    return table, ragged, stray


def _transcode(path: Path) -> str:
    """GB18030 to a temporary UTF-8 copy: Arrow's reader and the byte offsets are UTF-8. The copy holds what the
    file holds (personal columns too): it is written beside the file (an upload's own folder, which is removed
    with it, also after a crash: metrics.ingest.uploads), hidden (a drop folder never takes it for an export), and only
    where that folder cannot be written, in the system's temporary folder."""
    folder = Path(path).parent
    fd, tmp = tempfile.mkstemp(prefix=".transcoded_", suffix=".csv",
                               dir=folder if os.access(folder, os.W_OK) else None)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, open(path, encoding="gb18030", newline="") as src:
        while chunk := src.read(1 << 22):
            out.write(chunk)
    return tmp


def _remove(path) -> None:
    if path and os.path.exists(path):
        os.unlink(path)


# --- Excel -------------------------------------------------------------------------------------------------

def _read_excel(path: Path, header_score) -> tuple[RawFile, pa.Table]:
    """The worksheet whose header recognises the most known columns (data on the second sheet is found)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
        best = None
        for index, rows, visible in _sheet_heads(reader):
            for i, row in enumerate(rows):
                score = header_score([c for c in row if c])
                # a visible sheet with a known header wins over any hidden one (an old copy, a lookup list)
                rank = (visible and score > 0, score, visible)
                if best is None or rank > best[0]:
                    best = (rank, index, i, visible)
        if best is None:
            raise ImportFailure(f"{path.name}: 文件为空 / the file is empty")
        _, index, header_index, visible = best
        batch = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string", eager=True)
    except ImportFailure:
        raise
    except Exception as exc:  # fastexcel raises its own error types for broken workbooks
        raise _unreadable(path, "xlsx", type(exc).__name__) from exc
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    headers = [("" if c is None else str(c)).strip() for c in _table_rows(table.slice(header_index, 1))[0]]
    data = table.slice(header_index + 1)
    arrays = [data.column(i).cast(pa.string()) for i in range(data.num_columns)]
    out = pa.Table.from_arrays([_numbers(header_index + 2, data.num_rows), *arrays], names=["_row", *[f"c{i}" for i in range(len(arrays))]])
    raw = RawFile(path=path, headers=headers, encoding="xlsx", header_row=header_index + 1,
                  sheet=names[index] if len(names) > 1 else None, hidden_sheet=not visible)
    return raw, out


def _sheet_heads(reader) -> list[tuple[int, list[list], bool]]:
    """The first rows of every worksheet, where a header may stand, and whether the sheet is visible (Excel's
    "hidden" and "very hidden" sheets are not what a user sees when opening the file)."""
    heads = []
    for index in range(len(reader.sheet_names)):
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, n_rows=HEADER_SCAN_ROWS, dtypes="string")
        heads.append((index, _table_rows(sheet.to_arrow()), sheet.visible == "visible"))
    return heads


def _table_rows(table) -> list[list]:
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [list(r) for r in zip(*columns)] if columns else []


def _numbers(first: int, count: int) -> pa.Array:
    """Row numbers first, first + 1, ... without a Python int per row."""
    return pa.array(np.arange(first, first + count, dtype=np.int64))


def _drop_blank_rows(table: pa.Table) -> tuple[pa.Table, int]:
    """Rows with no cell filled in are not data (an Excel user sees an empty row): dropped and counted."""
    cells = [n for n in table.column_names if n != "_row"]
    if not cells or table.num_rows == 0:
        return table, 0
    blank = None
    for name in cells:
        column = table.column(name)
        # empty or only whitespace, without building trimmed copies of the column
        empty = pc.fill_null(pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column)), True)
        blank = empty if blank is None else pc.and_(blank, empty)
        if not pc.any(blank).as_py():
            return table, 0
    count = pc.sum(blank).as_py() or 0
    return (table.filter(pc.invert(blank)), count) if count else (table, 0)
