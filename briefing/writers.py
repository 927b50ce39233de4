"""Writing a briefing as Word (.docx, what government offices edit) and as PDF (fonts embedded).

Word follows official-document habits: title, date line, numbered headings, body in the serif CJK font named
in config.yaml (仿宋 on an office PC), tables with header rows, page numbers in the footer (— 1 —)."""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401  (kept for readers adjusting layouts)
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .sections import distribution_lines, head, layout, row_lines, sections, subject

RED = RGBColor(0xC8, 0x10, 0x2E)


def _set_font(target, east_asian: str, latin: str | None = None, size: float | None = None, bold: bool | None = None):
    font = target.font
    font.name = latin or east_asian
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr() if hasattr(target.element, "get_or_add_rPr") else target.element.rPr
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), east_asian if attr == "w:eastAsia" else (latin or east_asian))


def _page_number_footer(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), tag)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    paragraph.add_run(" —")
    for run in paragraph.runs:
        run.font.size = Pt(FOOTER_PT)


# One page geometry and one set of sizes for both writers, so the Word file (as LibreOffice or Word lays it out) and
# the PDF break their pages alike: A4, GB/T 9704 margins, body 三号 (16 pt) on a fixed 28 pt line.
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
TEXT_WIDTH_CM = 21.0 - MARGINS_CM["left"] - MARGINS_CM["right"]
LINE_PT, TITLE_PT, TITLE_LINE_PT, HEAD_PT = 28, 22, 36, 14
H1_PT, H2_PT, HEADING_BEFORE_PT = 16, 14, 12
TABLE_PT, TABLE_LINE_PT, CAPTION_PT = 12, 20, 12
PICTURE_CM = 15.5
FOOTER_PT = 14


def _border(paragraph, side: str, color: str, eighths: int) -> None:
    """A real rule: the paragraph's own top or bottom border (w:pBdr), not a row of characters."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(eighths)), ("w:space", "1"), ("w:color", color)):
        line.set(qn(key), value)
    borders.append(line)


def _line(paragraph, points: float, before: float = 0) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing, fmt.space_before, fmt.space_after = Pt(points), Pt(before), Pt(0)


def write_docx(briefing, images: list[tuple[str, bytes, str]], config: dict, out: Path) -> Path:
    fonts = config["briefing"]
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    normal = doc.styles["Normal"]
    _set_font(normal, fonts["font_body"], size=fonts["body_size_pt"])
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = True
    for level in (1, 2):
        style = doc.styles[f"Heading {level}"]
        _set_font(style, fonts["font_heading"], size=H1_PT if level == 1 else H2_PT, bold=level == 2)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(HEADING_BEFORE_PT), Pt(0)
        style.paragraph_format.line_spacing = Pt(LINE_PT)
        style.paragraph_format.keep_with_next = True
    _page_number_footer(section)
    properties = doc.core_properties
    properties.title, properties.author, properties.subject = briefing.title, briefing.issuer, subject(briefing)
    properties.language = "zh-CN" if briefing.lang == "zh" else "en"
    properties.created = dt.datetime.combine(briefing.issued_on, dt.time())

    top = head(briefing)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _line(title, TITLE_LINE_PT)
    for i, text in enumerate(top["title_lines"]):   # broken before the period, never inside it (sections.title_lines)
        run = title.add_run(text)
        _set_font(run, fonts["font_title"], size=TITLE_PT)
        run.font.color.rgb = RED
        if i < len(top["title_lines"]) - 1:
            run.add_break()
    if top["issue"]:
        issue = doc.add_paragraph()
        issue.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _line(issue, LINE_PT)
        _set_font(issue.add_run(top["issue"]), fonts["font_body"], size=fonts["body_size_pt"])
    masthead = doc.add_paragraph()   # 编发单位 left, 印发日期 right, the red rule under both
    _line(masthead, LINE_PT)
    masthead.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    _set_font(masthead.add_run(f"{top['issuer']}\t{top['date']}"), fonts["font_body"], size=HEAD_PT)
    _border(masthead, "bottom", "C8102E", 18)

    for part in sections(briefing):
        doc.add_heading(part["heading"], level=1)
        for text in part["paragraphs"]:
            paragraph = doc.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(fonts["body_size_pt"] * 2)
        for table in part["tables"]:
            if table.get("title"):
                doc.add_heading(table["title"], level=2)
            _table(doc, table, fonts)
        for text in part.get("after", []):
            paragraph = doc.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(fonts["body_size_pt"] * 2)
        for caption, png, key in images:
            if key == part["key"]:
                doc.add_picture(io.BytesIO(png), width=Cm(PICTURE_CM))
                picture = doc.paragraphs[-1]
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.paragraph_format.line_spacing = 1.0   # an exact 28 pt line would crop the picture to a strip
                picture.paragraph_format.keep_with_next = True
                cap = doc.add_paragraph()
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _line(cap, TABLE_LINE_PT)
                _set_font(cap.add_run(caption), fonts["font_body"], size=CAPTION_PT)
    lines = distribution_lines(briefing)
    for i, text in enumerate(lines):   # 报送 / 抄送 between two thin rules, as the last lines of the briefing
        paragraph = doc.add_paragraph()
        _line(paragraph, LINE_PT, before=LINE_PT if i == 0 else 0)
        paragraph.paragraph_format.keep_with_next = i < len(lines) - 1
        _set_font(paragraph.add_run(text), fonts["font_body"], size=HEAD_PT)
        if i == 0:
            _border(paragraph, "top", "000000", 6)
        if i == len(lines) - 1:
            _border(paragraph, "bottom", "000000", 6)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


KEEP_TABLE_LINES = 8   # a table whose rows take this many lines or fewer is kept on one page (a longer one, the KPI table, fills page 1 and goes on, its header repeated)


def _cell_text(cell, text: str, font: str, bold: bool | None = None) -> None:
    """A cell's text, its own line breaks (需关注's reasons, one a line) kept."""
    cell.text = ""
    for i, line in enumerate(str(text).split("\n")):
        run = cell.paragraphs[0].add_run(line)
        _set_font(run, font, size=TABLE_PT, bold=bold)
        if i < len(str(text).split("\n")) - 1:
            run.add_break()


def _table(doc, table: dict, fonts: dict) -> None:
    grid = doc.add_table(rows=1, cols=len(table["header"]))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    laid = layout(table)   # widths from the content and the line breaks, the same as the PDF's (sections.layout)
    widths, table, left = laid["widths"], {**table, "rows": laid["rows"]}, laid["left"]
    fixed = OxmlElement("w:tblLayout")
    fixed.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(fixed)
    for column, width in zip(grid.columns, widths):
        column.width = Pt(width)
    for cell, text in zip(grid.rows[0].cells, table["header"]):
        _cell_text(cell, text, fonts["font_heading"], bold=True)
    header_row = grid.rows[0]._tr
    props = header_row.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    props.append(repeat)
    for values in table["rows"]:
        cells = grid.add_row().cells
        for cell, text in zip(cells, values):
            _cell_text(cell, text, fonts["font_body"])
    keep = row_lines(table, widths) <= KEEP_TABLE_LINES
    for i, row in enumerate(grid.rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, width, leftward in zip(row.cells, widths, left):
            cell.width = Pt(width)
            for paragraph in cell.paragraphs:
                _line(paragraph, TABLE_LINE_PT)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if leftward and i else WD_ALIGN_PARAGRAPH.CENTER
                # keep-with-next on every row but the last holds a short table on one page
                paragraph.paragraph_format.keep_with_next = keep and i < len(grid.rows) - 1


def _cell_html(text) -> str:
    return "<br/>".join(html.escape(line) for line in str(text).split("\n"))


def html_document(briefing, images: list[tuple[str, bytes, str]], config: dict) -> str:
    """The PDF's HTML: the Word file's layout (same page, margins, sizes, fixed lines) in CSS."""
    fonts = config["briefing"]
    e = html.escape
    top = head(briefing)
    parts = ["<h1>" + "<br/>".join(f"<span class='line'>{e(t)}</span>" for t in top["title_lines"]) + "</h1>"]
    if top["issue"]:
        parts.append(f"<p class='issue'>{e(top['issue'])}</p>")
    parts.append(f"<p class='masthead'><span>{e(top['issuer'])}</span><span>{e(top['date'])}</span></p>")
    for part in sections(briefing):
        parts.append(f"<h2>{e(part['heading'])}</h2>")
        parts += [f"<p>{e(text)}</p>" for text in part["paragraphs"]]
        for table in part["tables"]:
            if table.get("title"):
                parts.append(f"<h3>{e(table['title'])}</h3>")
            laid = layout(table)   # widths from the content and the line breaks, as the Word file's
            widths, table, left = laid["widths"], {**table, "rows": laid["rows"]}, laid["left"]
            cols = "".join(f"<col style='width:{w:.2f}pt'/>" for w in widths)
            head_row = "".join(f"<th>{_cell_html(h)}</th>" for h in table["header"])
            body = "".join("<tr>" + "".join(f"<td{' class=left' if leftward else ''}>{_cell_html(v)}</td>"
                                            for v, leftward in zip(row, left)) + "</tr>" for row in table["rows"])
            keep = " class='keep'" if row_lines(table, widths) <= KEEP_TABLE_LINES else ""
            parts.append(f"<table{keep}><colgroup>{cols}</colgroup><thead><tr>{head_row}</tr></thead>"
                         f"<tbody>{body}</tbody></table>")
        parts += [f"<p>{e(text)}</p>" for text in part.get("after", [])]
        for caption, png, key in images:
            if key == part["key"]:
                data = base64.b64encode(png).decode()
                parts.append(f"<figure><img src='data:image/png;base64,{data}'/><figcaption>{e(caption)}</figcaption></figure>")
    lines = distribution_lines(briefing)
    if lines:
        parts.append("<div class='distribution'>" + "".join(f"<p>{e(t)}</p>" for t in lines) + "</div>")
    serif, sans, title_font = fonts["pdf_font_body"], fonts["pdf_font_heading"], fonts.get("pdf_font_title") or fonts["pdf_font_body"]
    m = MARGINS_CM
    body = fonts["body_size_pt"]
    css = f"""
      @page {{ size: A4; margin: {m['top']}cm {m['right']}cm {m['bottom']}cm {m['left']}cm;
               @bottom-center {{ content: "— " counter(page) " —"; font-family: "{serif}"; font-size: {FOOTER_PT}pt; }} }}
      body {{ font-family: "{serif}"; font-size: {body}pt; line-height: {LINE_PT}pt; color: #111; margin: 0; orphans: 2; widows: 2; }}
      h1 {{ font-family: "{title_font}"; font-weight: normal; font-size: {TITLE_PT}pt; line-height: {TITLE_LINE_PT}pt;
            text-align: center; color: #C8102E; margin: 0; }}
      h1 span.line {{ white-space: nowrap; }}
      h2 {{ font-family: "{sans}"; font-weight: normal; font-size: {H1_PT}pt; margin: {HEADING_BEFORE_PT}pt 0 0; break-after: avoid; }}
      h3 {{ font-family: "{sans}"; font-size: {H2_PT}pt; margin: {HEADING_BEFORE_PT}pt 0 0; break-after: avoid; }}
      p {{ text-indent: 2em; margin: 0; }}
      p.issue {{ text-align: center; text-indent: 0; }}
      p.masthead {{ text-indent: 0; font-size: {HEAD_PT}pt; display: flex; justify-content: space-between;
                    border-bottom: 2.25pt solid #C8102E; padding-bottom: 1pt; }}
      div.distribution {{ margin-top: {LINE_PT}pt; border-top: 0.75pt solid #000; border-bottom: 0.75pt solid #000;
                          break-inside: avoid; }}
      div.distribution p {{ text-indent: 0; font-size: {HEAD_PT}pt; }}
      table {{ border-collapse: collapse; width: {TEXT_WIDTH_CM}cm; table-layout: fixed; font-size: {TABLE_PT}pt;
               line-height: {TABLE_LINE_PT}pt; margin: 0; }}
      table.keep {{ break-inside: avoid; }}
      tr {{ break-inside: avoid; }}
      th, td {{ border: 0.5pt solid #000; padding: 0 5.4pt; text-align: center; }}
      td.left {{ text-align: left; }}
      thead {{ display: table-header-group; }} th {{ font-family: "{sans}"; }}
      figure {{ margin: 0; text-align: center; break-inside: avoid; line-height: 1; }}
      img {{ width: {PICTURE_CM}cm; }}
      figcaption {{ font-size: {CAPTION_PT}pt; line-height: {TABLE_LINE_PT}pt; }}"""
    lang = "zh-CN" if briefing.lang == "zh" else "en"
    meta = (f"<title>{e(briefing.title)}</title><meta name='author' content='{e(briefing.issuer)}'>"
            f"<meta name='description' content='{e(subject(briefing))}'>")
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>{meta}<style>{css}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def write_pdf(briefing, images: list[tuple[str, bytes, str]], config: dict, out: Path) -> Path:
    from weasyprint import HTML

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html_document(briefing, images, config)).write_pdf(str(out))
    return out
