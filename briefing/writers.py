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
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .sections import sections

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


def write_docx(briefing, images: list[tuple[str, bytes, str]], config: dict, out: Path) -> Path:
    fonts = config["briefing"]
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    _set_font(normal, fonts["font_body"], size=fonts["body_size_pt"])
    normal.paragraph_format.line_spacing = Pt(28)
    for level in (1, 2):
        style = doc.styles[f"Heading {level}"]
        _set_font(style, fonts["font_heading"], size=16 if level == 1 else 14, bold=level == 2)
        style.font.color.rgb = RGBColor(0, 0, 0)
    _page_number_footer(section)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(title.add_run(briefing.title), fonts["font_title"], size=22)
    date_line = doc.add_paragraph()
    date_line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issued = dt.date.today()
    text = (f"（数据截至{briefing.as_of}　{issued.year}年{issued.month}月{issued.day}日印发）" if briefing.lang == "zh"
            else f"(Data as of {briefing.as_of}; issued {issued.isoformat()})")
    _set_font(date_line.add_run(text), fonts["font_body"], size=14)
    rule = doc.add_paragraph()
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rule_run = rule.add_run("━" * 24)
    rule_run.font.color.rgb = RED

    for part in sections(briefing):
        doc.add_heading(part["heading"], level=1)
        for text in part["paragraphs"]:
            paragraph = doc.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(fonts["body_size_pt"] * 2)
        for table in part["tables"]:
            if table.get("title"):
                doc.add_heading(table["title"], level=2)
            _table(doc, table, fonts)
        for caption, png, key in images:
            if key == part["key"]:
                doc.add_picture(io.BytesIO(png), width=Cm(15.5))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                cap = doc.add_paragraph(caption)
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _table(doc, table: dict, fonts: dict) -> None:
    grid = doc.add_table(rows=1, cols=len(table["header"]))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, table["header"]):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(text), fonts["font_heading"], size=12, bold=True)
    header_row = grid.rows[0]._tr
    props = header_row.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    props.append(repeat)
    for values in table["rows"]:
        cells = grid.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run(str(text)), fonts["font_body"], size=12)


def html_document(briefing, images: list[tuple[str, bytes, str]], config: dict) -> str:
    fonts = config["briefing"]
    e = html.escape
    parts = [f"<h1>{e(briefing.title)}</h1>",
             f"<p class='date'>{e(('数据截至' if briefing.lang == 'zh' else 'Data as of ') + briefing.as_of)}</p><hr/>"]
    for part in sections(briefing):
        parts.append(f"<h2>{e(part['heading'])}</h2>")
        parts += [f"<p>{e(text)}</p>" for text in part["paragraphs"]]
        for table in part["tables"]:
            if table.get("title"):
                parts.append(f"<h3>{e(table['title'])}</h3>")
            head = "".join(f"<th>{e(h)}</th>" for h in table["header"])
            body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in table["rows"])
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        for caption, png, key in images:
            if key == part["key"]:
                data = base64.b64encode(png).decode()
                parts.append(f"<figure><img src='data:image/png;base64,{data}'/><figcaption>{e(caption)}</figcaption></figure>")
    serif, sans = fonts["pdf_font_body"], fonts["pdf_font_heading"]
    css = f"""
      @page {{ size: A4; margin: 3.2cm 2.6cm 3cm 2.8cm;
               @bottom-center {{ content: "— " counter(page) " —"; font-family: "{serif}"; font-size: 11pt; }} }}
      body {{ font-family: "{serif}"; font-size: 14pt; line-height: 1.75; color: #111; }}
      h1 {{ font-family: "{sans}"; font-size: 21pt; text-align: center; margin: 0 0 6pt; }}
      h2 {{ font-family: "{sans}"; font-size: 15pt; margin: 16pt 0 6pt; }}
      h3 {{ font-family: "{sans}"; font-size: 13pt; margin: 10pt 0 4pt; }}
      p {{ text-indent: 2em; margin: 0 0 6pt; }}
      p.date {{ text-align: center; text-indent: 0; font-size: 12pt; }}
      hr {{ border: 0; border-top: 2pt solid #C8102E; margin: 6pt 0 12pt; }}
      table {{ border-collapse: collapse; width: 100%; font-size: 10.5pt; margin: 4pt 0 10pt; }}
      th, td {{ border: 0.6pt solid #444; padding: 3pt 5pt; text-align: center; }}
      thead {{ display: table-header-group; }} th {{ font-family: "{sans}"; background: #F4E3E5; }}
      figure {{ margin: 6pt 0; text-align: center; page-break-inside: avoid; }}
      img {{ width: 15.5cm; }} figcaption {{ font-size: 11pt; }}"""
    lang = "zh-CN" if briefing.lang == "zh" else "en"
    return f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><style>{css}</style></head><body>{''.join(parts)}</body></html>"


def write_pdf(briefing, images: list[tuple[str, bytes, str]], config: dict, out: Path) -> Path:
    from weasyprint import HTML

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html_document(briefing, images, config)).write_pdf(str(out))
    return out
