"""The hostile-file corpus: each file an exporter, a hand edit or a broken system could produce, with the exact
outcome an import must give (counted by hand). `python tests/corpus/cases.py` writes the files into
tests/corpus/files/; tests/test_corpus.py checks the shipped files are these bytes and imports each one."""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
H = ["工单编号", "受理时间", "小区", "办结时限", "办结时间", "诉求内容"]
OK = ["2024-07-01 08:30", "阳光花园", "2024-07-04 08:30", "2024-07-02 10:00", "楼上漏水"]


def row(order_id: str, **changes) -> list[str]:
    cells = dict(zip(H, [order_id, *OK]))
    cells.update({k: v for k, v in changes.items()})
    return [cells[h] for h in H]


def text(rows, header=H, *, delimiter=",", terminator="\r\n", quoting=csv.QUOTE_MINIMAL, encoding="utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def workbook(sheets: dict[str, list[list]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"created": dt.datetime(2024, 7, 1)})   # the same bytes every time
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                if value is not None:
                    sheet.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


@dataclass
class Case:
    file: str
    content: bytes
    kind: str = "work_orders"
    # imported: (read, new, updated, unchanged, duplicate, rejected, warnings); refused: a part of the message
    counts: tuple | None = None
    refused: str | None = None
    issues: list[tuple] = field(default_factory=list)        # (row, severity, start of the reason)
    stored: dict[str, dict] = field(default_factory=dict)    # id -> {column: value} after import
    notes: list[str] = field(default_factory=list)           # parts of the import's notes
    table: str = "work_orders"
    absent: list[str] = field(default_factory=list)          # never in a message, an issue or a stored value
    why: str = ""


def three(**changes) -> list[list[str]]:
    return [row("A1"), row("A2", **changes), row("A3")]


WHOLE = "(整行 / whole row)"
CASES = [
    Case("01_crlf.csv", text(three()), counts=(3, 3, 0, 0, 0, 0, 0), why="the plain case"),
    Case("02_lone_cr.csv", text(three(), terminator="\r"), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"compound_raw": "阳光花园"}}, why="old Mac line endings"),
    Case("03_mixed_endings.csv",
         (",".join(H) + "\r\n" + ",".join(row("ZZ1")) + "\r" + ",".join(row("ZZ2")) + "\n"
          + ",".join(row("ZZ3")) + "\r\n").encode(),
         counts=(3, 3, 0, 0, 0, 0, 0), stored={"ZZ2": {"order_id": "ZZ2"}, "ZZ3": {"order_id": "ZZ3"}},
         why="CR, LF and CRLF in one file: no id loses its first letter"),
    Case("04_doubled_quotes.csv", text(three(小区='阳光"花园"')), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"compound_raw": '阳光"花园"'}}, why="RFC 4180 escaped quotes stored once"),
    Case("05_quoted_comma.csv", text(three(小区="阳光花园,东区")), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"compound_raw": "阳光花园,东区", "closed_at": "2024-07-02 10:00:00"}},
         why="a quoted delimiter shifts no column"),
    Case("06_newline_in_cell.csv", text([row("A1", 小区="阳光\n花园"), row("A2", 办结时间="bad")]),
         counts=(2, 2, 0, 0, 0, 0, 1), issues=[(3, "warning", "无法识别的日期时间")],
         stored={"A1": {"compound_raw": "阳光\n花园"}}, why="a line break inside a cell; the next row is row 3"),
    Case("07_trailing_comma_row.csv",
         (",".join(H) + "\n" + ",".join(row("A1")) + "\n" + ",".join(row("A2")) + ",\n" + ",".join(row("A3"))
          + "\n").encode(),
         counts=(3, 2, 0, 0, 0, 1, 0), issues=[(3, "rejected", "本行有7个单元格，表头有6列")],
         why="one ragged row is rejected, the rest imported"),
    Case("08_short_row.csv",
         (",".join(H) + "\n" + ",".join(row("A1")) + "\n" + ",".join(row("A2")[:3]) + "\n").encode(),
         counts=(2, 1, 0, 0, 0, 1, 0), issues=[(3, "rejected", "本行有3个单元格，表头有6列")]),
    Case("09_trailing_comma_everywhere.csv",
         ("\n".join(",".join(r) + "," for r in [H, row("A1"), row("A2")]) + "\n").encode(),
         counts=(2, 2, 0, 0, 0, 0, 0), why="an exporter that ends every line, header too, with a comma"),
    Case("10_bom.csv", b"\xef\xbb\xbf" + text(three()), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A1": {"order_id": "A1"}}),
    Case("11_gb18030.csv", text(three(小区="翠湖苑")), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"compound_raw": "翠湖苑"}}),
    Case("11b_gbk_real.csv", text(three(小区="翠湖苑")).decode("utf-8").encode("gbk"), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"compound_raw": "翠湖苑"}}, why="GBK bytes (a subset of GB18030)"),
    Case("12_semicolon.csv", text(three(小区="阳光,花园"), delimiter=";"), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"compound_raw": "阳光,花园"}}),
    Case("13_tab.txt", text(three(), delimiter="\t"), counts=(3, 3, 0, 0, 0, 0, 0)),
    Case("14_quote_all.csv", text(three(), quoting=csv.QUOTE_ALL), counts=(3, 3, 0, 0, 0, 0, 0)),
    Case("15_title_lines.csv",
         ("示范区12345工单导出\n导出时间：2024-07-05\n\n" + text([row("A1"), row("A2", 受理时间="")]).decode()).encode(),
         counts=(2, 1, 0, 0, 0, 1, 0), issues=[(6, "rejected", "缺少受理时间")],
         why="three title lines and a blank one above the header: row 6 is row 6"),
    Case("16_blank_lines.csv", (",".join(H) + "\n\n" + ",".join(row("A1")) + "\n,,,,,\n\n" + ",".join(row("A2", 受理时间="x"))
                                 + "\n").encode(),
         counts=(2, 1, 0, 0, 0, 1, 0), issues=[(6, "rejected", "无法识别的受理时间")],
         why="blank lines are not rows read, but keep their place in the numbering"),
    Case("17_unclosed_quote.csv",
         (",".join(H) + "\n" + ",".join(row("A1")) + '\nA2,2024-07-01 08:30,"阳光花园\nA3,2024-07-01 09:00\n').encode(),
         counts=(3, 1, 0, 0, 0, 2, 0),
         issues=[(3, "rejected", "未闭合的引号：从第3行起的单元格吞并了其后的1行"), (4, "rejected", "本行有2个单元格，表头有6列")],
         why="a quote left open runs to the end of the file as Excel and Python read it: its row is rejected, the "
             "line it swallowed is read on its own (two cells: rejected too)"),
    Case("18_only_header.csv", text([]), counts=(0, 0, 0, 0, 0, 0, 0)),
    Case("19_empty.csv", b"", refused="文件为空"),
    Case("20_binary.csv", bytes([0x81, 0x30, 0xFF, 0xFF, 0x00]) * 10, refused="无法识别文件编码"),
    Case("21_not_a_workbook.xlsx", b"PK\x03\x04 not really a workbook", refused="无法读取Excel文件"),
    Case("22_second_sheet.xlsx", workbook({"说明": [["本表由系统导出"]], "数据": [H, row("X1"), row("X2")]}),
         counts=(2, 2, 0, 0, 0, 0, 0), why="the data is on the second worksheet"),
    Case("23_twenty_title_rows.xlsx",
         workbook({"工单": [[f"标题{i}"] for i in range(20)] + [H, row("X1"), row("X2", 受理时间="?")]}),
         counts=(2, 1, 0, 0, 0, 1, 0), issues=[(23, "rejected", "无法识别的受理时间")]),
    Case("24_registry_as_orders.csv", text([["阳光花园", "东街道", "东一社区"]], header=["小区名称", "街道", "社区"]),
         refused="找不到工单的编号列"),
    Case("25_orders_as_registry.csv", text(three()), kind="compounds", refused="看起来是工单，不是小区台账"),
    Case("26_no_timestamp_column.csv", text([["A1", "阳光花园"]], header=["工单编号", "小区"]), refused="缺少时间列"),
    Case("27_duplicate_ids.csv", text([row("A1"), row("A1", 小区="幸福里"), row("A2")]),
         counts=(3, 2, 0, 0, 1, 0, 0), issues=[(2, "duplicate", "与第3行工单编号重复")],
         stored={"A1": {"compound_raw": "幸福里"}}, why="the last occurrence wins"),
    Case("28_bad_optional_values.csv", text(three(办结时限="下周", 办结时间="昨天")),
         counts=(3, 3, 0, 0, 0, 0, 2),
         issues=[(3, "warning", "无法识别的日期时间"), (3, "warning", "无法识别的日期时间")],
         stored={"A2": {"closed_at": None}}),
    Case("29_missing_ids.csv", text([row(""), row("A2"), row(" ")]), counts=(3, 1, 0, 0, 0, 2, 0),
         issues=[(2, "rejected", "缺少工单编号"), (4, "rejected", "缺少工单编号")]),
    Case("30_report.pdf", b"%PDF-1.4", refused="不支持的文件类型"),
    Case("31_header_spelling.csv", text(three(), header=[" 工单编号* ", "受理时间", "小 区", "办结时限", "办结时间", "诉求内容"]),
         counts=(3, 3, 0, 0, 0, 0, 0), why="spaces and a required-field star in headers"),
    Case("32_synonym_headers.csv", text(three(), header=["工单号", "来电时间", "所属小区", "处理时限", "结案时间", "来电内容"]),
         counts=(3, 3, 0, 0, 0, 0, 0)),
    Case("33_excel_serials_in_csv.csv", text(three(受理时间="45474.35416666666")), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"received_at": "2024-07-01 08:30:00"}}),
    Case("34_long_cell.csv", text(three(诉求内容="漏" * 200_000)), counts=(3, 3, 0, 0, 0, 0, 0)),
    Case("35_formula_cells.csv", text(three(小区="=HYPERLINK(\"http://x\")", 办结时间="=1+1")),
         counts=(3, 3, 0, 0, 0, 0, 1), issues=[(3, "warning", "无法识别的日期时间")],
         stored={"A2": {"compound_raw": "=HYPERLINK(\"http://x\")"}}, why="formulas are text, never run"),
    Case("36_html_cells.csv", text(three(小区="<img src=x onerror=alert(1)>")), counts=(3, 3, 0, 0, 0, 0, 0),
         stored={"A2": {"compound_raw": "<img src=x onerror=alert(1)>"}}, why="markup is stored as text"),
    Case("37_whitespace_cells.csv", text([row("  A1  ", 小区="   ", 办结时间=" ")]), counts=(1, 1, 0, 0, 0, 0, 0),
         stored={"A1": {"compound_raw": None, "closed_at": None}}),
    Case("38_utf16.csv", text(three()).decode("utf-8").encode("utf-16"), refused="无法识别文件编码"),
    Case("39_header_only_title.xlsx", workbook({"Sheet1": [["示范区工单"], ["没有表头"]]}), refused="找不到工单的编号列"),
    Case("40_extra_unknown_columns.csv", text([["A1", "2024-07-01 08:30", "x", "y"]], header=["工单编号", "受理时间", "备注", ""]),
         counts=(1, 1, 0, 0, 0, 0, 0)),
    Case("42_serial_99999.csv", text(three(受理时间="99999")), counts=(3, 2, 0, 0, 0, 1, 0),
         issues=[(3, "rejected", "受理时间超出合理范围")], why="an Excel serial of 99999 is the year 2173"),
    Case("43_before_2000.csv", text(three(受理时间="1999-12-31 23:59")), counts=(3, 2, 0, 0, 0, 1, 0),
         issues=[(3, "rejected", "受理时间超出合理范围")]),
    Case("44_closed_far_future.csv", text(three(办结时间="2173-10-13")), counts=(3, 3, 0, 0, 0, 0, 1),
         issues=[(3, "warning", "办结时间超出合理范围")], stored={"A2": {"closed_at": None}}),
    Case("45_closed_before_received.csv", text(three(办结时间="2024-06-30 08:00")), counts=(3, 3, 0, 0, 0, 0, 1),
         issues=[(3, "warning", "办结时间早于受理时间")], stored={"A2": {"closed_at": "2024-06-30 08:00:00"}}),
    Case("46_due_before_received.csv", text(three(办结时限="2024-06-01 08:00")), counts=(3, 3, 0, 0, 0, 0, 1),
         issues=[(3, "warning", "办结时限早于受理时间")]),
    Case("47_revisit_on_open_order.csv",
         text([["R1", "2024-07-01 08:30", "", "满意"], ["R2", "2024-07-01 08:30", "2024-07-02 08:30", "满意"]],
              header=["工单编号", "受理时间", "办结时间", "回访结果"]),
         counts=(2, 2, 0, 0, 0, 0, 1), issues=[(2, "warning", "未办结的工单有回访")]),
    Case("48_id_spellings.csv", text([row("ＡＢ００１"), row("AB 001"), row("AB\u200b001")]),
         counts=(3, 1, 0, 0, 2, 0, 0),
         issues=[(2, "duplicate", "与第4行工单编号重复"), (3, "duplicate", "与第4行工单编号重复")],
         stored={"AB001": {"order_id": "AB001"}}, why="full-width digits, an inner space, a zero-width space"),
    Case("49_all_rejected.csv", text([row("A1", 受理时间=""), row("A2", 受理时间="明天")]),
         counts=(2, 0, 0, 0, 0, 2, 0),
         issues=[(2, "rejected", "缺少受理时间"), (3, "rejected", "无法识别的受理时间")]),
    Case("50_us_dates.csv",
         text([["311-1", "04/30/2014 02:51:52 PM", "05/01/2014 09:00:00 AM", "BROOKLYN", "NYPD"]],
              header=["unique_key", "created_date", "closed_date", "borough", "agency"]),
         counts=(1, 1, 0, 0, 0, 0, 0),
         stored={"311-1": {"received_at": "2014-04-30 14:51:52", "closed_at": "2014-05-01 09:00:00"}},
         why="the nyc profile names its dates month-first"),
    Case("51_registry_one_key.csv",
         text([["海棠苑", "东街道", "东一社区"], ["海棠苑小区", "东街道", "东一社区"], ["幸福里", "", "西社区"]],
              header=["小区名称", "街道", "社区"]), kind="compounds", table="compounds",
         counts=(3, 3, 0, 0, 0, 0, 0), notes=["台账中海棠苑、海棠苑小区归一后是同一名称"],
         why="two registry names one after normalising: reported, never silently unmatched"),
    Case("52_no_header_personal.csv", "张三丰,13812345678,楼上漏水\n李四,13900001111,噪音\n".encode(),
         refused="未找到表头行", absent=["张三丰", "13812345678", "李四"],
         why="a file without a header: the refusal never lists the first data row"),
    Case("53_personal_everywhere.csv",
         text([row("P1", 小区="阳光花园 138 0013 8000", 诉求内容="我的身份证110101 19900307 1234，邮箱 a.b@163.com，"
                                                        "电话(010)88886666、+86 139-0013-9000")]),
         counts=(1, 1, 0, 0, 0, 0, 0),
         stored={"P1": {"compound_raw": "阳光花园 [手机号]",
                        "content": "我的身份证[身份证号]，邮箱 [邮箱]，电话[电话]、[手机号]"}},
         absent=["13800138000", "138 0013 8000", "19900307", "a.b@163.com", "88886666", "139-0013-9000"]),
    Case("41_ragged_late.csv",
         text([row(f"L{i:05d}") for i in range(2500)]) + (",".join(row("L99999")) + ",extra\r\n").encode(),
         counts=(2501, 2500, 0, 0, 0, 1, 0), issues=[(2502, "rejected", "本行有7个单元格，表头有6列")],
         why="a ragged row past the first blocks of the file"),
]


def write_all(folder: Path = FILES) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (folder / case.file).write_bytes(case.content)


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else FILES)
