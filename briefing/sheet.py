"""A table as a Word document: the 督办单 (docs/supervision.md), in the briefing's fonts (config.yaml briefing), A4
landscape: the title, its lines (范围, 统计时段, 数据截至, or one 督办's unit, instruction and reply deadline), then the
table with its header row repeated on every page. A column named in `whole` (the order ids) is as wide as its
longest value and never wraps: an id is shown whole (GD20251215000123), never cut. Texts are written as text (no
field, no markup is interpreted)."""
from __future__ import annotations

import io
import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .writers import _line, _page_number_footer, _set_font

PAGE_CM = (29.7, 21.0)           # A4 landscape: width, height
MARGIN_CM = 1.8
TITLE_PT, LINE_PT, TABLE_PT, TABLE_LINE_PT = 22, 22, 10.5, 15
CHAR_CM = TABLE_PT / 72 * 2.54 * 0.55   # a Latin character of the table's size; a Chinese one twice that
CELL_PADDING_CM = 0.4
WIDEST_CM = 9.0                  # no column wider than this: long text wraps inside it


def _width(text: str) -> float:
    """Characters' room a text takes on one line (a Chinese character two): its longest line."""
    return max((sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in line)
                for line in str(text).splitlines()), default=0)


def _widths(header: list[str], rows: list[list[str]], whole: set[int]) -> list[float]:
    """Column widths (cm) filling the text width: the `whole` columns as their longest value, the others shared by
    how much they hold (their longest line, at least their header), none over WIDEST_CM."""
    text_cm = PAGE_CM[0] - 2 * MARGIN_CM
    need = [max([_width(h)] + [_width(r[c]) for r in rows]) * CHAR_CM + CELL_PADDING_CM for c, h in enumerate(header)]
    widths = [need[c] if c in whole else None for c in range(len(header))]
    rest = text_cm - sum(w for w in widths if w is not None)
    shared = [c for c in range(len(header)) if widths[c] is None]
    weights = {c: min(need[c], WIDEST_CM) for c in shared}
    total = sum(weights.values()) or 1
    for c in shared:
        widths[c] = max(min(rest * weights[c] / total, WIDEST_CM), _width(header[c]) * CHAR_CM / 2 + CELL_PADDING_CM)
    return widths


def _no_wrap(cell) -> None:
    props = cell._tc.get_or_add_tcPr()
    props.append(OxmlElement("w:noWrap"))


def sheet_docx(title: str, lines: list[str], header: list[str], rows: list[list], config: dict, *,
               whole: tuple[str, ...] = (), lang: str = "zh") -> bytes:
    """The Word file (bytes) of a table: `title`, `lines` under it, then `header` and `rows` (values as text: the
    caller formats dates and numbers as officials write them; None is a blank cell)."""
    fonts = config["briefing"]
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    normal = doc.styles["Normal"]
    _set_font(normal, fonts["font_body"], size=TABLE_PT)
    normal.paragraph_format.space_after = Pt(0)
    _page_number_footer(section)
    doc.core_properties.title = title
    doc.core_properties.language = "zh-CN" if lang == "zh" else "en"

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _line(heading, TITLE_PT * 1.6)
    _set_font(heading.add_run(title), fonts["font_title"], size=TITLE_PT)
    for text in lines:
        paragraph = doc.add_paragraph()
        _line(paragraph, LINE_PT)
        _set_font(paragraph.add_run(text), fonts["font_body"], size=TABLE_PT + 1.5)
    doc.add_paragraph()

    keep = {header.index(name) for name in whole if name in header}
    widths = _widths(header, rows, keep)
    grid = doc.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for cell, text in zip(grid.rows[0].cells, header):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(text), fonts["font_heading"], size=TABLE_PT, bold=True)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    for values in rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = ""
            paragraph = cell.paragraphs[0]
            run = None
            for part in text.split("\n"):   # a line break inside a cell (several feedbacks) stays one
                if run is not None:
                    run.add_break()
                run = paragraph.add_run(part)
                _set_font(run, fonts["font_body"], size=TABLE_PT)
    for row in grid.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for c, cell in enumerate(row.cells):
            cell.width = Cm(widths[c])
            if c in keep:
                _no_wrap(cell)
            for paragraph in cell.paragraphs:
                _line(paragraph, TABLE_LINE_PT)
    for c, column in enumerate(grid.columns):
        column.width = Cm(widths[c])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
