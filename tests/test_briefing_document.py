"""The briefing as a document an office sends (issue 14): the head block (期数, 编发单位, 印发日期, a real rule),
报送/抄送 at the end, the rate against its target, 需关注事项 standing on its own, the data note of the
briefing's own scope, the document properties, and the Word file laid out by LibreOffice against the PDF."""
import dataclasses
import datetime as dt
import re
import subprocess

import docx
import pytest

import fixtures
from briefing import issues
from briefing.content import against_target, build
from briefing.generate import issue_briefing
from briefing.images import image_server
from briefing.sections import distribution_lines, head, note_lines, sections
from metrics.database import connect
from metrics.kpis import Scope, Window
from metrics.periods import Period

JUNE_2024 = Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), fixtures.AS_OF)
H1_2024 = Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), fixtures.AS_OF)
ISSUED = dt.date(2024, 7, 5)
LIBREOFFICE_SECONDS = 180


@pytest.fixture(scope="module")
def db(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("document")
    con = connect(folder / "d.duckdb")
    fixtures.build(con, folder, config)
    yield con, folder / "d.duckdb"
    con.close()


@pytest.fixture(scope="module")
def east_files(db, config, tmp_path_factory):
    """东街道, H1 2024, issued on 2024-07-05 as its first number: Word and PDF."""
    con, path = db
    folder = tmp_path_factory.mktemp("east")
    with image_server():
        return issue_briefing(con, config, Scope(street="东街道"), H1_2024,
                              {"docx": folder / "east.docx", "pdf": folder / "east.pdf"}, issue_db=path, issued_on=ISSUED)


def pdf_text(path, page=None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def pdf_info(path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def test_head_block_and_distribution_exact(db, config):
    b = build(db[0], config, Scope(street="东街道"), JUNE_2024)
    b.issue, b.issued_on = 3, ISSUED
    assert head(b) == {"title": "东街道红色物业工作简报（2024年6月）", "title_lines": ["东街道红色物业工作简报（2024年6月）"],
                       "issue": "第3期", "issuer": "东街道办事处编", "date": "2024年7月5日印发"}
    assert distribution_lines(b) == ["报送：示范区红色物业工作领导小组办公室", "抄送：各社区党委、居委会"]
    district = build(db[0], config, Scope(), JUNE_2024)
    assert head(district)["issue"] is None   # a preview takes no number
    assert head(district)["issuer"] == "示范区红色物业工作领导小组办公室编"
    assert distribution_lines(district) == ["报送：市委组织部，市住房和城乡建设局", "抄送：各街道党工委、办事处"]
    en = build(db[0], config, Scope(street="东街道"), JUNE_2024, lang="en")
    en.issue, en.issued_on = 3, ISSUED
    assert head(en) == {"title": "Red property briefing: 东街道, June 2024",
                        "title_lines": ["Red property briefing: 东街道", "June 2024"], "issue": "No. 3",
                        "issuer": "Issued by 东街道办事处", "date": "Issued on 5 July 2024"}
    assert distribution_lines(en) == ["To: 示范区红色物业工作领导小组办公室", "Copy: 各社区党委、居委会"]


@pytest.mark.slow
def test_word_head_block_rule_and_last_lines(east_files):
    document = docx.Document(str(east_files["docx"]))
    paragraphs = document.paragraphs
    assert [p.text for p in paragraphs[:3]] == ["东街道红色物业工作简报（2024年上半年）", "第1期",
                                               "东街道办事处编\t2024年7月5日印发"]
    rule = paragraphs[2]._p.pPr.find(docx.oxml.ns.qn("w:pBdr"))   # a paragraph border, red, 2.25 pt
    bottom = rule.find(docx.oxml.ns.qn("w:bottom"))
    assert (bottom.get(docx.oxml.ns.qn("w:val")), bottom.get(docx.oxml.ns.qn("w:color")),
            bottom.get(docx.oxml.ns.qn("w:sz"))) == ("single", "C8102E", "18")
    assert all("━" not in p.text for p in paragraphs)
    assert [p.text for p in paragraphs[-2:]] == ["报送：示范区红色物业工作领导小组办公室", "抄送：各社区党委、居委会"]


def test_properties_word_and_pdf(east_files):
    props = docx.Document(str(east_files["docx"])).core_properties
    assert (props.title, props.author, props.subject) == ("东街道红色物业工作简报（2024年上半年）", "东街道办事处",
                                                          "红色物业工作简报 第1期")
    info = pdf_info(east_files["pdf"])
    assert (info["Title"], info["Author"], info["Subject"]) == ("东街道红色物业工作简报（2024年上半年）", "东街道办事处",
                                                                "红色物业工作简报 第1期")


def test_pdf_head_block(east_files):
    lines = [line.strip() for line in pdf_text(east_files["pdf"], 1).splitlines() if line.strip()]
    assert lines[:4] == ["东街道红色物业工作简报（2024年上半年）", "第1期", "东街道办事处编", "2024年7月5日印发"]
    last = [line.strip() for line in pdf_text(east_files["pdf"]).splitlines() if line.strip() and "\f" not in line]
    assert "报送：示范区红色物业工作领导小组办公室" in last and "抄送：各社区党委、居委会" in last


def test_issue_numbers_per_scope(tmp_path, config):
    db = tmp_path / "x.duckdb"
    assert issues.last(db, "东街道") is None
    assert [issues.take(db, "东街道", config) for _ in range(3)] == [1, 2, 3]
    assert issues.take(db, "西街道", config) == 1        # each scope has its own counter
    numbered = {**config, "briefing": {**config["briefing"], "first_issue": {"西街道": 12, "南街道": 7}}}
    assert issues.take(db, "南街道", numbered) == 7       # an office that issued six by hand
    assert issues.take(db, "西街道", numbered) == 12      # raised above the counter: the counter follows
    assert issues.take(db, "西街道", numbered) == 13
    assert (issues.last(db, "东街道"), issues.last(db, "西街道")) == (3, 13)


@pytest.mark.slow
def test_word_and_pdf_of_one_issue_share_the_number(db, config, tmp_path):
    con, path = db
    with image_server():
        first = issue_briefing(con, config, Scope(street="西街道"), JUNE_2024,
                               {"docx": tmp_path / "a.docx", "pdf": tmp_path / "a.pdf"}, issue_db=path)
        second = issue_briefing(con, config, Scope(street="西街道"), JUNE_2024, {"docx": tmp_path / "b.docx"},
                                issue_db=path)
    assert docx.Document(str(first["docx"])).paragraphs[1].text == "第1期"
    assert "第1期" in pdf_text(first["pdf"], 1)
    assert docx.Document(str(second["docx"])).paragraphs[1].text == "第2期"


def test_an_edition_issued_again_in_another_format_keeps_its_number(tmp_path, config):
    """Issue 20: one briefing (scope, period and data) has one 期数 whatever formats are written, when written."""
    db = tmp_path / "x.duckdb"
    june = issues.edition("东街道", {"street": "东街道"}, (dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
                          {"as_of": dt.datetime(2024, 7, 1, 12), "import_id": 3})
    may = issues.edition("东街道", {"street": "东街道"}, (dt.date(2024, 5, 1), dt.date(2024, 5, 31)),
                         {"as_of": dt.datetime(2024, 7, 1, 12), "import_id": 3})
    newer = issues.edition("东街道", {"street": "东街道"}, (dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
                           {"as_of": dt.datetime(2024, 7, 2, 10), "import_id": 4})
    assert issues.take(db, "东街道", config, june, ["zh:docx"]) == 1
    assert issues.take(db, "东街道", config, june, ["zh:pdf"]) == 1          # its PDF, by a second command
    assert issues.take(db, "东街道", config, june, ["en:pdf"]) == 1          # and its English
    assert issues.take(db, "东街道", config, june, ["zh:docx", "zh:pdf"]) == 2   # issued again: a new number
    assert issues.take(db, "东街道", config, june, ["zh:pdf"]) == 3          # the PDF of #2 was written too
    assert issues.take(db, "东街道", config, may, ["zh:docx"]) == 4           # another period
    assert issues.take(db, "东街道", config, newer, ["zh:pdf"]) == 5         # new data
    assert issues.take(db, "东街道", config) == 6                             # no edition: the next, as before
    west = issues.edition("西街道", {"street": "西街道"}, (dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
                          {"as_of": dt.datetime(2024, 7, 1, 12), "import_id": 3})
    assert issues.take(db, "西街道", config, west, ["zh:docx"]) == 1         # each scope its own counter
    assert (issues.last(db, "东街道"), issues.last(db, "西街道")) == (6, 1)


@pytest.mark.slow
def test_the_command_line_gives_one_briefing_one_number(tmp_path, config):
    """Issue 20: `report` wrote one briefing's Word file as 第2期 and its PDF as 第3期 (two commands)."""
    import sys

    from conftest import ROOT
    from metrics.ingest.importer import import_file

    path = tmp_path / "n.duckdb"
    con = connect(path)
    fixtures.build(con, tmp_path, config)
    con.close()

    def report(*args, period=("2024-06-01", "2024-06-30")):
        done = subprocess.run([sys.executable, "-m", "metrics", "report", "--db", str(path), "--street", "东街道",
                               "--from", period[0], "--to", period[1], *map(str, args)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    def number(file) -> str:
        if str(file).endswith(".docx"):
            return docx.Document(str(file)).paragraphs[1].text
        return re.search(r"第\d+期", pdf_text(file, 1)).group(0)

    # the Word file, then the PDF by a second command: one number
    assert report("--format", "docx", "--out", tmp_path / "a.docx") == [str(tmp_path / "a.docx")]
    assert report("--format", "pdf", "--out", tmp_path / "a.pdf") == [str(tmp_path / "a.pdf")]
    assert (number(tmp_path / "a.docx"), number(tmp_path / "a.pdf")) == ("第1期", "第1期")
    # both at once (--out a file stem): one number, the next (both formats of #1 exist: a new issue)
    assert report("--format", "docx,pdf", "--out", tmp_path / "b") == [str(tmp_path / "b.docx"), str(tmp_path / "b.pdf")]
    assert (number(tmp_path / "b.docx"), number(tmp_path / "b.pdf")) == ("第2期", "第2期")
    # another period: the next number
    report("--format", "pdf,docx", "--out", tmp_path / "c.pdf", period=("2024-05-01", "2024-05-31"))
    assert (number(tmp_path / "c.docx"), number(tmp_path / "c.pdf")) == ("第3期", "第3期")
    # June again over new data (the July export: 数据截至 and the latest import change): the next number
    con = connect(path)
    import_file(con, "work_orders", fixtures.write_csv(tmp_path / "七月.csv", fixtures.ORDER_HEADERS,
                                                       fixtures.JULY_ORDERS), config, rejection_dir=tmp_path)
    con.close()
    report("--format", "pdf", "--out", tmp_path / "d.pdf")
    assert number(tmp_path / "d.pdf") == "第4期"
    # --issue still forces, for every format, and leaves the counter alone
    report("--format", "docx,pdf", "--out", tmp_path / "e", "--issue", 9)
    assert (number(tmp_path / "e.docx"), number(tmp_path / "e.pdf")) == ("第9期", "第9期")
    assert issues.last(path, "东街道") == 4


def test_report_formats_are_checked(tmp_path):
    import sys

    from conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "metrics", "report", "--db", str(tmp_path / "x.duckdb"), "--from",
                           "2024-06-01", "--to", "2024-06-30", "--format", "docx,odt", "--out", str(tmp_path / "a")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "docx,odt" in done.stderr


def test_rate_against_target():
    assert against_target(0.86, 0.95) == "低于目标9.0个百分点"
    assert against_target(0.9504, 0.95) == "达到目标"        # as printed: 95.0% against 95%
    assert against_target(0.97, 0.95) == "高于目标2.0个百分点"
    assert against_target(None, 0.95) is None and against_target(0.5, None) is None
    assert against_target(0.86, 0.95, "en") == "9.0 pp below target"


def test_headline_one_clause_per_rate(db, config):
    # 东街道 June 2024 on the plain fixture: on time 4/6, revisit 3/5, satisfaction 2/3; no last year
    b = build(db[0], config, Scope(street="东街道"), JUNE_2024)
    assert b.headline == ("2024年6月，东街道共收到12345平台的物业工单7件，主要集中在渗水漏水等方面。"
                          "按时办结率66.7%，低于目标28.3个百分点；回访率60.0%，低于目标35.0个百分点；"
                          "满意率66.7%，低于目标23.3个百分点。期内受理投诉2件。")


def attention_rows(n: int) -> list[dict]:
    gap = {"kpi": "on_time_closure_rate", "rate": 0.5, "target": 0.95, "gap_pp": 45.0, "n": 40, "shortfall": 18.0}
    return [{"compound_name": f"小区{i:02d}", "street": "东街道", "on_time_closure_rate": 0.5, "satisfaction_rate": 0.5,
             "below_target": ["on_time_closure_rate"], "gaps": [gap], "spikes": [], "order_spikes": [],
             "small_sample": False, "orders_total": 40, "list": "red" if i == 1 else None} for i in range(1, n + 1)]


def test_attention_stands_on_its_own(db, config, tmp_path):
    # the first attention.top (10) of 13, as 总览 shows them (attention.shown): the rest counted, not named
    b = dataclasses.replace(build(db[0], config, Scope(street="东街道"), JUNE_2024), attention=attention_rows(10),
                            attention_more=3)
    part = next(p for p in sections(b) if p["key"] == "attention")
    assert part["paragraphs"] == []                       # the heading is followed by its table
    rows = part["tables"][0]["rows"]
    # a street's briefing has no 街道 column; the reasons are 总览's words with their figures; a 红榜 compound is
    # marked, listed for the one rate that is short
    assert part["tables"][0]["header"] == ["序号", "小区", "情况"]
    assert rows[0] == ["1", "小区01（红榜）", "按时办结率50.0%，低于目标45.0个百分点（40件）"]
    assert len(rows) == 10 and rows[9][:2] == ["10", "小区10"]
    assert part["after"] == ["另有3个小区低于目标或出现激增，程度较轻，未列出。"]
    text = "".join(t for p in sections(b) for t in p["paragraphs"] + p.get("after", []))
    assert "看板" not in text and "dashboard" not in text
    from briefing.writers import write_docx

    document = docx.Document(str(write_docx(b, [], config, tmp_path / "a.docx")))
    body = list(document.element.body.iterchildren())
    heading = next(i for i, el in enumerate(body) if "".join(el.itertext()).endswith("、需关注事项"))
    assert body[heading + 1].tag == docx.oxml.ns.qn("w:tbl")
    paragraph = docx.text.paragraph.Paragraph(body[heading], document)   # keeps with its table: Heading 1 style
    assert paragraph.style.name == "Heading 1" and paragraph.style.paragraph_format.keep_with_next is True


def test_data_note_speaks_of_its_own_scope(db, config):
    b = build(db[0], config, Scope(street="东街道"), JUNE_2024)
    assert note_lines(b) == ["本简报统计东街道2024年6月受理的物业工单7件、登记的投诉2件，涉及台账小区2个。",
                             "数据截至2024年7月1日 10:00。"]
    note = next(p for p in sections(b) if p["key"] == "note")["paragraphs"]
    assert not any("导入" in line or "文件" in line for line in note)


def headings_by_page(pdf, pages: int) -> list[list[str]]:
    """The section headings (一、… 八、) on each page, from pdftotext."""
    return [[re.sub(r"\s+", "", line) for line in pdf_text(pdf, page).splitlines()
             if re.match(r"^\s*[一二三四五六七八九十]、", line)] for page in range(1, pages + 1)]


@pytest.mark.slow   # LibreOffice / chromium
def test_word_as_libreoffice_lays_it_out_looks_like_the_pdf(east_files, tmp_path):
    """LibreOffice (Debian's libreoffice-writer-nogui, headless) renders the Word file to PDF: the same number of
    pages as our PDF and the same headings on the same pages."""
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(east_files["docx"])],
                          capture_output=True, text=True, timeout=LIBREOFFICE_SECONDS)
    assert done.returncode == 0, done.stderr
    from_word = tmp_path / "east.pdf"
    pages = int(pdf_info(from_word)["Pages"])
    assert pages == int(pdf_info(east_files["pdf"])["Pages"]) == 5   # 4 before the 集中诉求 section (issue 23)
    assert headings_by_page(from_word, pages) == headings_by_page(east_files["pdf"], pages) == [
        ["一、总体情况", "二、主要指标"], ["三、投诉情况", "四、各社区对比"],
        ["五、红黑榜", "六、党建引领", "七、需关注事项", "八、集中诉求"], ["九、数据说明"], []]
    for pdf in (from_word, east_files["pdf"]):   # 报送/抄送 close the last page in both
        assert "抄送：各社区党委、居委会" in re.sub(r"[ \t]+", "", pdf_text(pdf, pages))
    assert pdf_info(from_word)["Title"] == "东街道红色物业工作简报（2024年上半年）"
