"""Read back what an .xlsx holds, from its XML (openpyxl is not a dependency): cell values with their number
formats, the frozen pane and the filter. Enough for the files metrics.exports and the import's rejection file
write (xlsxwriter, one sheet; shared or inline strings). Text is read as a spreadsheet reads it: the control
characters XML cannot hold, written _x000D_ and so on, are the characters again."""
from __future__ import annotations

import io
import re
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
BUILTIN = {0: "General", 1: "0", 3: "#,##0", 9: "0%", 10: "0.00%", 14: "m/d/yyyy"}


def _text(element) -> str:
    """The text of a string item (<si> or <is>): its runs joined, _xHHHH_ escapes decoded."""
    text = "".join(t.text or "" for t in element.iter(f"{{{NS['m']}}}t"))
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _column(ref: str) -> int:
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group():
        n = n * 26 + ord(ch) - 64
    return n - 1


def read(data: bytes) -> dict:
    """{"cells": {(row, col): (value, number format)} 0-based, "frozen": top-left cell of the scrolling pane or
    None, "filter": the autofilter's range or None, "bold": {(row, col)} of bold cells}."""
    z = zipfile.ZipFile(io.BytesIO(data))
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            strings.append(_text(si))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    codes = dict(BUILTIN)
    codes.update({int(f.get("numFmtId")): f.get("formatCode") for f in styles.findall("m:numFmts/m:numFmt", NS)})
    fonts = [f.find("m:b", NS) is not None for f in styles.findall("m:fonts/m:font", NS)]
    xfs = [(codes.get(int(x.get("numFmtId", 0)), "General"), fonts[int(x.get("fontId", 0))])
           for x in styles.findall("m:cellXfs/m:xf", NS)]
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cells, bold = {}, set()
    for c in sheet.iter(f"{{{NS['m']}}}c"):
        ref = c.get("r")
        row, col = int(re.search(r"\d+", ref).group()) - 1, _column(ref)
        fmt, is_bold = xfs[int(c.get("s", 0))]
        v = c.find("m:v", NS)
        if c.get("t") == "s":
            value = strings[int(v.text)]
        elif c.get("t") == "inlineStr":
            value = _text(c.find("m:is", NS))
        elif c.get("t") == "b":
            value = v.text == "1"
        elif v is None:
            value = None
        else:
            number = float(v.text)
            value = int(number) if number.is_integer() and "." not in v.text else number
        cells[row, col] = (value, fmt)
        if is_bold:
            bold.add((row, col))
    pane = sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
    found = sheet.find("m:autoFilter", NS)
    return {"cells": cells, "frozen": pane.get("topLeftCell") if pane is not None and pane.get("state") == "frozen"
            else None, "filter": found.get("ref") if found is not None else None, "bold": bold}


def rows(sheet: dict) -> list[list]:
    """The values row by row (None where no cell), for reading a whole table at once."""
    cells = sheet["cells"]
    height, width = max(r for r, _ in cells) + 1, max(c for _, c in cells) + 1
    return [[cells.get((r, c), (None, None))[0] for c in range(width)] for r in range(height)]
