"""Personal data, everywhere it can hide: one masker for every form officials' exports write phone and ID
numbers and e-mails in, applied to every free-text field of every dataset, and nothing downstream (rollups,
issues, rejection files, downloads, briefings, messages, the database file's bytes) left in clear."""
import datetime as dt
import io
import subprocess
import zipfile

import docx
import duckdb
import pandas as pd
import pytest

import fixtures
import store
from briefing.generate import write_briefing
from briefing.images import image_server
from metrics import exports, masking
from metrics.database import connect
from metrics.ingest.importer import import_file
from metrics.ingest.readers import ImportFailure
from metrics.ingest.uploads import preview_upload
from metrics.kpis import Scope, Window
from metrics.names import unmatched_compounds
from metrics.periods import Period
from metrics.scorecard import scorecard

# (text, as masked): every form the issue found in clear, and ordinary numbers that must stay as written
CASES = [
    ("身份证110101199003071234", "身份证[身份证号]"),
    ("身份证号 11010119900307123x。", "身份证号 [身份证号]。"),
    ("110101 19900307 1234", "[身份证号]"),
    ("证件110101-1990-0307-123X办理", "证件[身份证号]办理"),
    ("１１０１０１１９９００３０７１２３４", "[身份证号]"),
    ("老身份证110101900307123", "老身份证[身份证号]"),
    ("电话13812345678", "电话[手机号]"),
    ("１３８００１３８０００", "[手机号]"),
    ("+86 138 0013 8000", "[手机号]"),
    ("+8613800138000回电", "[手机号]回电"),
    ("0086-13800138000", "[手机号]"),
    ("86 13800138000", "[手机号]"),
    ("138.0013.8000", "[手机号]"),
    ("138 0013 8000或139-8765-4321", "[手机号]或[手机号]"),
    ("13800138000,13900139000,13700137000", "[手机号],[手机号],[手机号]"),
    ("13800138000 13900139000", "[手机号] [手机号]"),
    ("、0086-13700137002、+86 139 0013 9001、", "、[手机号]、[手机号]、"),   # no prefix left behind
    ("tel:+86-138-0013-8000", "tel:[手机号]"),
    ("(13800138000)", "([手机号])"),
    ("第一行\n13800138000\n", "第一行\n[手机号]\n"),
    ("(010)88886666", "[电话]"),
    ("座机（010）88886666转总机", "座机[电话]转总机"),
    ("010-88886666", "[电话]"),
    ("0755 8888 6666", "[电话]"),
    ("0755-88886666-123", "[电话]"),
    ("电话：0513-85123456转8", "电话：[电话]"),
    ("邮箱zhang.san@163.com，谢谢", "邮箱[邮箱]，谢谢"),
    ("13800138000@qq.com", "[邮箱]"),
    ("li_si+x@example.org.cn", "[邮箱]"),
    ("a@b.cn", "[邮箱]"),
    # the last forms: every digit spaced, an ID number grouped in fours or spaced, an address in Chinese, a number
    # in Chinese numerals as a caller says it (〇 or 零 for 0, 幺 for 1)
    ("回电 1 3 8 1 2 3 4 5 6 7 8", "回电 [手机号]"),
    ("1-3-8-1-2-3-4-5-6-7-8或+86 1 3 9 0 0 1 3 9 0 0 1", "[手机号]或[手机号]"),
    ("身份证1101 0119 9003 0712 34号", "身份证[身份证号]号"),
    ("1101-0119-9003-0712-3X", "[身份证号]"),
    ("1 1 0 1 0 1 1 9 9 0 0 3 0 7 1 2 3 4", "[身份证号]"),
    ("邮箱：张三@例子.中国", "邮箱：[邮箱]"),
    ("发到张三@例子.中国谢谢", "[邮箱]谢谢"),   # the words before a Chinese name go with it; the text after stays
    ("王五＠公司．网络，", "[邮箱]，"),
    ("zhang@例子.中国", "[邮箱]"),
    ("电话一三八一二三四五六七八", "电话[手机号]"),
    ("幺三八〇〇幺三八〇〇〇", "[手机号]"),
    ("一三八零零一三八零零零、一三九〇〇一三九〇〇一", "[手机号]、[手机号]"),
    ("一三八 一二三四 五六七八", "[手机号]"),
    ("身份证一一〇一〇一一九九〇〇三〇七一二三四", "身份证[身份证号]"),
    # ordinary numbers next to them: a run too long, a list of numbers, dates and counts in numerals
    ("1 3 8 1 2 3 4 5", "1 3 8 1 2 3 4 5"),
    ("各楼户数57 44 94 18 54 11 2 1 89 22 78", "各楼户数57 44 94 18 54 11 2 1 89 22 78"),
    ("一三八一二三四五六七八九", "一三八一二三四五六七八九"),
    ("二〇二四年六月三日，一二三四五六七八九十", "二〇二四年六月三日，一二三四五六七八九十"),
    ("2024-06-03 09:00受理，2024年6月3日办结，共12户，1,234.50元，3栋2单元501室，GD20251203001",
     "2024-06-03 09:00受理，2024年6月3日办结，共12户，1,234.50元，3栋2单元501室，GD20251203001"),
    # ordinary numbers: dates, amounts, room numbers, order ids; a run inside a longer run is no phone
    ("2024-07-01 08:30处理", "2024-07-01 08:30处理"),
    ("20240701", "20240701"),
    ("2024.07.01", "2024.07.01"),
    ("金额12,345.67元，1380元", "金额12,345.67元，1380元"),
    ("3栋2单元1502室漏水", "3栋2单元1502室漏水"),
    ("工单2024070100001关联", "工单2024070100001关联"),
    ("202407010000123", "202407010000123"),
    ("138001380001", "138001380001"),
    ("11010119900307123", "11010119900307123"),
    ("单号 GD-2024-0701-0012", "单号 GD-2024-0701-0012"),
    ("", ""),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_mask_text(text, expected):
    assert masking.mask_text(text) == expected


def test_sql_and_python_mask_alike():
    """The import's SQL (RE2) and mask_text (Python re) come from one list and give the same text."""
    con = duckdb.connect()
    expr, params = masking.sql("t.x")
    texts = [t for t, _ in CASES] + [HOSTILE, *SECRETS]
    found = con.execute(f"SELECT {expr} FROM unnest(?) WITH ORDINALITY AS t(x, i) ORDER BY i",
                        params + [texts]).fetchall()
    assert [r[0] for r in found][:len(CASES)] == [e for _, e in CASES]
    assert [r[0] for r in found] == [masking.mask_text(t) for t in texts]
    assert masking.mask_text(None) is None


def test_row_personal_values_in_sql():
    con = duckdb.connect()
    expr, params = masking.sql("x", ["who", "tel"])
    found = con.execute(f"SELECT {expr} FROM (SELECT x, {masking.needle('w')} AS who, {masking.needle('t')} AS tel "
                        "FROM (SELECT ? AS x, ? AS w, ? AS t))",
                        params + ["王小明说138-1234-0000打不通，王小明", " 王小明 ", "138-1234-0000"]).fetchone()[0]
    assert found == "[个人信息]说[手机号]打不通，[个人信息]"


def test_message_withholds_an_echoed_line():
    text = "CSV Error on Line: 7\nOriginal Line: W7,王小明,13812340000\nInvalid unicode, phone 0755 8888 6666"
    assert masking.mask_message(text) == ("CSV Error on Line: 7\nOriginal Line: [已隐藏 / withheld]\n"
                                          "Invalid unicode, phone [电话]")


# ---- end to end: hostile exports with every form in every text field ----

NAME, PHONE = "王小明", "13812340000"          # the caller's own name and phone (columns dropped at import)
SECRETS = [
    NAME, PHONE, "110101199003071234", "110101 19900307 1234", "110101-1990-0307-123X", "1101011990030712",
    "１１０１０１１９９００３０７１２３５", "110101900307123", "13900139001", "139 0013 9001", "13700137002",
    "136.0013.6003", "13600136003", "135 0013 5004", "13500135004", "１３４００１３４００５", "13300133006",
    "13200132007", "13911112222", "88886661", "66668882", "88886663", "8888 6664", "88886664", "88886665",
    "zhang.san@163.com", "li_si+x@example.org.cn", "wang@qq.com",
    # the last forms and their digits
    "1 3 8 1 2 3 4 5 6 7 8", "13812345678", "一三八一二三四五六七八", "一三八 一二三四 五六七八", "幺三九〇〇幺三九〇〇幺",
    "一三七零零一三七零零二", "1101 0119 9003 0712 34", "张三@例子.中国", "例子.中国", "张三",
]
HOSTILE = ("王小明反映：身份证110101 19900307 1234，又写作110101-1990-0307-123X、"
           "１１０１０１１９９００３０７１２３５、110101900307123；电话+86 139 0013 9001、0086-13700137002、"
           "136.0013.6003、135 0013 5004、１３４００１３４００５、8613200132007；座机(010)88886661、"
           "（021）66668882、010-88886663、0755 8888 6664、0755-88886665-123；邮箱zhang.san@163.com；"
           "又报1 3 8 1 2 3 4 5 6 7 8、一三八一二三四五六七八、幺三九〇〇幺三九〇〇幺、一三七零零一三七零零二，"
           "证件1101 0119 9003 0712 34，邮箱：张三@例子.中国；"
           "2024-07-01前3栋2单元1502漏水，费用12,345.67元，共12户，2024年6月3日，工单GD20251203001")
HOSTILE_MASKED = ("[个人信息]反映：身份证[身份证号]，又写作[身份证号]、[身份证号]、[身份证号]；电话[手机号]、[手机号]、"
                  "[手机号]、[手机号]、[手机号]、[手机号]；座机[电话]、[电话]、[电话]、[电话]、[电话]；邮箱[邮箱]；"
                  "又报[手机号]、[手机号]、[手机号]、[手机号]，证件[身份证号]，邮箱：[邮箱]；"
                  "2024-07-01前3栋2单元1502漏水，费用12,345.67元，共12户，2024年6月3日，工单GD20251203001")

REGISTRY = [  # 小区名称 typed with a landline, aliases and company with phones and an e-mail
    ["阳光花园", "阳光小区、13300133006", "东街道 wang@qq.com", "东一社区13600136003", "商品房小区", "1000",
     "物业服务企业管理", "甲物业 138 0013 8000 li_si+x@example.org.cn 张三@例子.中国", "是", "独立党支部", "12",
     "2023-01-01", "是", "是", "市级", "90%"],
    ["翠湖苑 0755 8888 6664", "翠湖 1101 0119 9003 0712 34", "西街道", "西一社区", "单位宿舍", "300", "业主自治",
     "乙物业（010）66668882", "1", "无", "4", "", "0", "否", "无", "0755-88886665-123"],
]
ORDER_HEADERS = ["工单编号", "来源渠道", "受理时间", "诉求类型", "诉求类别", "街道", "社区", "小区", "承办单位", "办结时限",
                 "办结时间", "回访时间", "回访结果", "是否重复诉求", "是否先行联系", "是否解决", "诉求人", "联系电话",
                 "诉求内容", "13812345678张三"]   # a header cell holding a phone and a name: column T


def _order(order_id, received, **cells):
    row = dict(zip(ORDER_HEADERS, [order_id, "12345平台", received, "投诉", "渗水漏水", "", "", "阳光花园", "城管科",
                                   "2024-06-06 09:00", "2024-06-05 09:00", "", "满意", "否", "", "", NAME, PHONE,
                                   "楼上漏水", "备注"]))
    row.update(cells)
    return [row[h] for h in ORDER_HEADERS]


ORDERS = [
    # every text field carries personal data; the compound is typed with the caller's phone
    _order("H1", "2024-06-03 09:00", 来源渠道="12345平台13900139001", 诉求类型="投诉 wang@qq.com",
           诉求类别="渗水漏水138.0013.8000", 街道="东街道（010）88886661", 社区="东一社区 王小明",
           小区="阳光花园 13812340000", 承办单位="城管科 010-88886663 王小明 1 3 8 1 2 3 4 5 6 7 8", 诉求内容=HOSTILE),
    # the registry's compound typed with its landline; a phone in the revisit answer (a warning) and in the
    # handling unit; a full-width ID number in the content
    _order("H2", "2024-06-10 09:00", 来源渠道="12345平台 张三@例子.中国", 小区="翠湖苑", 回访结果="回访13500135004",
           承办单位="物业 8613200132007 一三八一二三四五六七八", 诉求内容="身份证１１０１０１１９９００３０７１２３５"),
    # rejected: the received time holds a phone (its value is listed, masked)
    _order("H3", "电话135 0013 5004", 诉求内容="无"),
]
COMPLAINT_HEADERS = ["投诉编号", "投诉时间", "来源渠道", "街道", "社区", "小区", "物业公司", "投诉类别", "处理状态",
                     "办结时间", "关联工单编号", "投诉人", "联系电话", "张三@例子.中国"]   # an e-mail for a header: column N
COMPLAINTS = [
    ["K1", "2024-06-05 10:00", "信访 136.0013.6003", "东街道", "东一社区", "阳光花园13700137002",
     "甲物业 zhang.san@163.com", "噪音 0755 8888 6664", "处理中 王小明 13812340000", "", "H1", NAME, PHONE, "x"],
    ["K2", "2024-06-06 10:00", "12345平台", "西街道", "西一社区", "翠湖苑小区 1 3 8 1 2 3 4 5 6 7 8",
     "乙物业 一三八 一二三四 五六七八", "物业服务", "已办结", "2024-06-07", "", NAME, PHONE, "x"],
]
WITHHELD = "{}列（表头含个人信息，已隐藏） / column {} (the header holds personal data: withheld)"


def _text_of_xlsx(data: bytes) -> str:
    """Every XML part of a workbook as text: shared strings, inline strings, sheet names."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, config):
    """The three files imported as the dashboard imports them: through the store, in two writes (the registry,
    then orders and complaints), each publishing a snapshot of the database; both snapshots are kept."""
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "h.duckdb"

    def imported(con, kind, path):
        # stored uncompressed, so a byte search of the files sees every string as written (FSST would hide them)
        con.execute("SET force_compression = 'uncompressed'")
        return import_file(con, kind, path, config, rejection_dir=folder / "rejections")

    with store.writer(db, config, what="台账") as con:
        results = [imported(con, "compounds", fixtures.write_csv(folder / "台账.csv", fixtures.COMPOUND_HEADERS,
                                                                 REGISTRY))]
    with store.writer(db, config, what="工单、投诉") as con:
        results += [
            imported(con, "work_orders", fixtures.write_xlsx(folder / "工单_13911112222.xlsx", ORDER_HEADERS, ORDERS)),
            imported(con, "complaints", fixtures.write_csv(folder / "投诉.csv", COMPLAINT_HEADERS, COMPLAINTS)),
        ]
    con = connect(db)
    con.execute("SET force_compression = 'uncompressed'")
    yield con, folder, results
    con.close()


def test_hostile_exports_are_stored_masked(hostile):
    con, _, results = hostile
    assert [(r.rows_read, r.rows_new, r.rows_rejected, r.warnings) for r in results] == [
        (2, 2, 0, 1), (3, 2, 1, 3), (2, 2, 0, 0)]   # a fee rate that is a landline; a revisit answer that is a
    # phone, and H2 (received 06-10) keeps the template's close and deadline of 06-05/06-06: two ordering warnings
    assert results[1].file == "工单_[手机号].xlsx"
    order = con.execute("""SELECT source, request_type, category, street_export, community_export, compound_raw,
                                  handling_unit, content, compound_name, street FROM work_orders WHERE order_id = 'H1'""").fetchone()
    assert order == ("12345平台[手机号]", "投诉 [邮箱]", "渗水漏水[手机号]", "东街道[电话]", "东一社区 [个人信息]",
                     "阳光花园 [手机号]", "城管科 [电话] [个人信息] [手机号]", HOSTILE_MASKED, "阳光花园", "东街道[电话]")
    # compound matching still works across masked names: 翠湖苑 matches the registry's "翠湖苑 [电话]"
    assert con.execute("SELECT source, compound_name, handling_unit, content, revisit_result FROM work_orders "
                       "WHERE order_id = 'H2'").fetchone() == (
        "12345平台 [邮箱]", "翠湖苑 [电话]", "物业 [手机号] [手机号]", "身份证[身份证号]", None)
    assert con.execute("SELECT * EXCLUDE (import_id) FROM compounds ORDER BY compound_name").fetchall()[0][:8] == (
        "翠湖苑 [电话]", ["翠湖 [身份证号]"], "西街道", "西一社区", "work_unit", 300, "self_governed", "乙物业[电话]")
    assert con.execute("SELECT aliases, street, community, property_company FROM compounds "
                       "WHERE compound_name = '阳光花园'").fetchone() == (
        ["阳光小区", "[手机号]"], "东街道 [邮箱]", "东一社区[手机号]", "甲物业 [手机号] [邮箱] [邮箱]")
    assert con.execute("SELECT complaint_id, source, compound_raw, compound_name, property_company, category, status, "
                       "order_id FROM complaints ORDER BY complaint_id").fetchall() == [
        ("K1", "信访 [手机号]", "阳光花园[手机号]", "阳光花园", "甲物业 [邮箱]", "噪音 [电话]", "处理中 [个人信息] [手机号]", "H1"),
        ("K2", "12345平台", "翠湖苑小区 [手机号]", "翠湖苑 [电话]", "乙物业 [手机号]", "物业服务", "已办结", None)]
    # a header cell holding personal data is named by its column letter, in the result and in the import log
    unmapped = [[], [WITHHELD.format("T", "T")], [WITHHELD.format("N", "N")]]
    assert [r.unmapped_columns for r in results] == unmapped
    assert [r[0] for r in con.execute("SELECT unmapped_columns FROM import_log ORDER BY import_id").fetchall()] == unmapped
    issues = con.execute("SELECT column_name, severity, value FROM import_issues ORDER BY import_id, row_number").fetchall()
    assert issues == [("物业费收缴率", "warning", "[电话]"), ("回访结果", "warning", "回访[手机号]"),
                      ("办结时间", "warning", "2024-06-05 09:00 < 2024-06-10 09:00"),
                      ("办结时限", "warning", "2024-06-06 09:00 < 2024-06-10 09:00"),
                      ("受理时间", "rejected", "电话[手机号]")]


@pytest.mark.slow
def test_nothing_in_clear_anywhere(hostile, config):
    """Every VARCHAR and VARCHAR[] column of every table, the file's bytes, the rejection files, the downloads,
    a preview and a briefing (Word and PDF)."""
    con, folder, _ = hostile
    columns = con.execute("""SELECT table_name, column_name FROM information_schema.columns
                             WHERE data_type IN ('VARCHAR', 'VARCHAR[]') ORDER BY ALL""").fetchall()
    tables = {t for t, _ in columns}
    assert {"compounds", "work_orders", "complaints", "import_log", "import_issues", "open_work_orders"} <= tables
    assert len(tables) >= 8   # the rollup tables too
    for table, column in columns:
        values = con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}"').fetchall()
        assert _leaks(str(values)) == [], (table, column)

    window = Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1))
    frames = [con.execute(f'SELECT * FROM "{t}"').df() for t in sorted(tables)]
    frames += [pd.DataFrame(scorecard(con, config, Scope(), window)), pd.DataFrame(unmatched_compounds(con, config))]
    for frame in frames:
        assert _leaks(exports.to_csv_bytes(frame).decode("utf-8-sig")) == []
        assert _leaks(_text_of_xlsx(exports.to_xlsx_bytes(frame))) == []

    rejections = sorted((folder / "rejections").glob("*.xlsx"))
    assert [p.name for p in rejections] == ["台账_导入问题_1.xlsx", "工单_[手机号]_导入问题_2.xlsx"]
    for path, token in zip(rejections, ("[电话]", "[手机号]")):
        text = _text_of_xlsx(path.read_bytes())
        assert token in text and _leaks(text) == []

    preview = preview_upload("工单_13911112222.xlsx", (folder / "工单_13911112222.xlsx").read_bytes(), "work_orders", config)
    assert preview["sample"][0]["content"] == HOSTILE_MASKED and preview["ignored"] == [WITHHELD.format("T", "T")]
    assert _leaks(str(preview)) == []

    with image_server():
        word = write_briefing(con, config, Scope(), window, "docx", folder / "简报.docx")
        pdf = write_briefing(con, config, Scope(), window, "pdf", folder / "简报.pdf")
    document = docx.Document(str(word))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for row in t.rows for c in row.cells])
    assert "噪音 [电话]" in text and _leaks(text) == []
    pdf_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "噪音 [电话]" in pdf_text and _leaks(pdf_text) == []

    con.execute("CHECKPOINT")
    raw = (folder / "h.duckdb").read_bytes()
    assert "[个人信息]".encode() in raw   # the search below reads the strings as stored
    assert [s for s in SECRETS if s.encode("utf-8") in raw] == []
    # the snapshots readers open: after the registry's write and after the orders' (both kept)
    snapshots = sorted(store.snapshot_dir(folder / "h.duckdb").glob("*.duckdb"))
    assert [p.name for p in snapshots] == ["00000001.duckdb", "00000002.duckdb"]
    for snapshot, token in zip(snapshots, ("东街道 [邮箱]", "[个人信息]")):
        raw = snapshot.read_bytes()
        assert token.encode() in raw and [s for s in SECRETS if s.encode("utf-8") in raw] == []


def test_a_reader_error_never_echoes_the_row(tmp_path, config):
    """A reader error names the row, never its cells (DuckDB's reader quoted the whole line, name and phone)."""
    path = tmp_path / "坏.csv"
    with open(path, "wb") as f:   # valid UTF-8 over the first 4 MiB, so the reader meets the bad byte
        f.write("工单编号,受理时间,诉求内容,诉求人,联系电话\n".encode())
        f.write("".join(f"W{i},2024-06-01 08:00,楼上漏水楼上漏水,,\n" for i in range(90_000)).encode())
        f.write(f"W0,2024-06-01 08:00,{NAME}说13900139001 ".encode() + b"\xff" + f",{NAME},{PHONE}\n".encode())
    con = connect(tmp_path / "e.duckdb")
    with pytest.raises(ImportFailure) as failure:
        import_file(con, "work_orders", path, config)
    message = str(failure.value)
    assert message == "坏.csv: 无法读取CSV文件 / unreadable CSV file: 第90002行 / row 90002: 无效的UTF-8字节 / invalid UTF-8 bytes"
    assert _leaks(message) == []
    with pytest.raises(ImportFailure) as failure:
        preview_upload(path.name, path.read_bytes(), "work_orders", config)
    assert _leaks(str(failure.value)) == []


def test_an_unrecognised_header_line_is_not_echoed(tmp_path, config):
    """A file without a header: its first data line (no known header in it) is not listed as the columns found."""
    path = fixtures.write_csv(tmp_path / "无表头.csv", ["W1", "2024-06-01", "联系人电话", "138 1234 0000"], [])
    with pytest.raises(ImportFailure) as failure:
        import_file(connect(tmp_path / "n.duckdb"), "work_orders", path, config)
    assert str(failure.value).endswith("未找到表头行 / no header row found in the first rows")


def test_a_refused_files_message_names_a_personal_header_by_its_letter(tmp_path, config):
    """A file without an id column: the message lists its headers, one holding a phone and a name, one an e-mail,
    by their letters."""
    path = fixtures.write_csv(tmp_path / "无编号.csv", ["受理时间", "诉求内容", "13812345678张三", "张三@例子.中国"],
                              [["2024-06-01 08:00", "漏水", "x", "y"]])
    with pytest.raises(ImportFailure) as failure:
        import_file(connect(tmp_path / "r.duckdb"), "work_orders", path, config)
    message = str(failure.value)
    assert message.endswith(f"Columns found: 受理时间, 诉求内容, {WITHHELD.format('C', 'C')}, {WITHHELD.format('D', 'D')}")
    assert _leaks(message) == []


def test_a_failure_message_masks_the_last_forms(tmp_path, config):
    """The file's name in the message, and any message text, masked in the last forms too."""
    path = fixtures.write_csv(tmp_path / "工单_一三八一二三四五六七八.csv", ["甲", "乙"], [["1", "2"]])
    with pytest.raises(ImportFailure) as failure:
        import_file(connect(tmp_path / "m.duckdb"), "work_orders", path, config)
    assert str(failure.value).startswith("工单_[手机号].csv: ") and _leaks(str(failure.value)) == []
    assert masking.mask_message("第3行：1 3 8 1 2 3 4 5 6 7 8，一三八一二三四五六七八，1101 0119 9003 0712 34，张三@例子.中国"
                                "\nOriginal Line: 张三,13812345678") == (
        "第3行：[手机号]，[手机号]，[身份证号]，[邮箱]\nOriginal Line: [已隐藏 / withheld]")
