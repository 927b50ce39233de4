"""督办 as a closed loop through AppTest: the 督办 page (open 督办 first, one 督办's detail, the forms), 总览's and the
briefing's counts against `python -m metrics cases`, the 督办单 files, scope and refusals, on the hand-counted fixture
(data as of 2024-07-01 12:00; test_cases.SCENARIO's four 督办, counted by hand there)."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import docx
import fixtures
import pytest
from conftest import shown_metrics, sign_in, signed_in_app
from test_cases import AS_OF, H1, scenario

import xlsx_cells
from access import audit
from casework import cases as cw
from metrics.kpis import Scope

PAGE = "pages/supervision.py"
EAST_LOGIN = ("dong-cases", "街道-督办-密码-2024")
WEST_LOGIN = ("xi-cases", "街道-督办-密码-2025")
# an open order of 幸福里小区 overdue since 06-13 09:00 (18 days at 07-01 12:00), its id as long as real exports' and
# the caller's name and phone in its content (masked at import)
LONG_ID = "GD2024061000012"
LONG_ORDER = fixtures._order(LONG_ID, "2024-06-10 09:00", "2024-06-13 09:00", "", compound="幸福里小区",
                             content=f"{fixtures.NAME}来电{fixtures.PHONE}反映楼道灯坏")


def build(folder, config, extra=()) -> object:
    from metrics.database import connect
    from metrics.ingest.importer import import_file

    db = folder / "app.duckdb"
    con = connect(db)
    fixtures.build(con, folder, config)
    if extra:
        path = fixtures.write_csv(folder / "补充工单.csv", fixtures.ORDER_HEADERS, list(extra))
        import_file(con, "work_orders", path, config, rejection_dir=folder / "rejections")
    con.close()
    return db


@pytest.fixture
def cases_db(tmp_path, config):
    """The fixture with test_cases' four 督办 (opened in June and July 2024 by three accounts)."""
    db = build(tmp_path, config)
    scenario(db)
    return db


@pytest.fixture
def app(cases_db, monkeypatch):
    yield from signed_in_app(cases_db, monkeypatch)


def page(at):
    at = at.run().switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def frame(at, key: str):
    found = [d for d in at.dataframe if d.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, f"{key}: {len(found)} tables"
    return found[0].value


def unkeyed(at, first_column: str):
    """A table shown without selection (Streamlit gives it no id, so no key to find it by): by its first column."""
    found = [d for d in at.dataframe if not d.proto.id and d.value.columns[0] == first_column]
    assert len(found) == 1, f"{first_column}: {len(found)} tables"
    return found[0].value


def column_config(at, key: str) -> dict:
    [found] = [d for d in at.dataframe if d.proto.id.endswith(f"-{key}")]
    return json.loads(found.proto.columns)


def excel_day(value) -> dt.date:
    return dt.date(1899, 12, 30) + dt.timedelta(days=value)


def test_open_cases_come_first_overdue_replies_on_top(app):
    at = page(app)
    assert at.subheader[0].value == "督办事项"
    listed = frame(at, "cs_open_list")
    assert list(listed["督办编号"]) == [1, 3, 4, 2]
    assert list(listed["状态"]) == ["逾期", "逾期", "待反馈", "已反馈"]
    assert list(listed["工单"]) == ["W6", "W7", "W11", "W5"]
    assert list(listed["最新反馈"]) == ["", "", "", "已派维修工上门"]
    assert [str(d.date()) for d in listed["回复期限"]] == ["2024-06-28", "2024-06-30", "2024-07-03", "2024-07-05"]
    captions = " ".join(c.value for c in at.caption)
    assert "2024年上半年发起督办3件、已反馈1件、逾期未反馈2件" in captions
    # then the order queue as before
    assert list(frame(at, "sv_queue")["工单编号"]) == ["W6", "W7", "W5"]
    # no closed 督办 yet: no fold for them
    assert not [e for e in at.expander if e.label.startswith("已办结的督办")]


def test_a_case_in_detail_and_its_sheet(app, cases_db, downloads):
    app.query_params["case"] = "2"
    at = page(app)
    markdown = [m.value for m in at.markdown]
    assert r"**督办 \#2（已反馈）**" in markdown
    # words.plain escapes what markdown and Streamlit's directives act on (the colon of :material/…: too)
    assert r"承办单位：物业公司 · 回复期限：2024年7月5日 · 发起：东街道干部，2024-06-29 10\:00" in markdown
    assert [x.value for x in at.text] == ["尽快维修"]   # the instruction, as text (never markdown)
    orders = unkeyed(at, "工单编号")
    assert [tuple(r) for r in orders[["工单编号", "小区", "工单状态", "诉求类别", "诉求内容（已脱敏）"]].itertuples(index=False)] == [
        ("W5", "幸福里小区", "在办，未到期", "渗水漏水", "楼上漏水")]
    feedback = unkeyed(at, "反馈日期")
    assert list(feedback["反馈内容"]) == ["已派维修工上门"] and list(feedback["记录人"]) == ["东街道干部"]
    name = "督办单_2号_截至2024-07-01"
    assert {f"{name}.xlsx", f"{name}.csv", f"{name}.docx"} <= set(downloads)
    cells = xlsx_cells.read(downloads[f"{name}.xlsx"])["cells"]
    assert [cells[r, 0][0] for r in range(9)] == [
        "督办单", "督办编号：#2", "范围：东街道 · 东二社区 · 幸福里小区", "承办单位：物业公司", "督办意见：尽快维修",
        "回复期限：2024年7月5日", "状态：已反馈", "发起人：东街道干部，2024-06-29 10:00", "数据截至：2024年7月1日 12:00"]
    header = {cells[10, c][0]: c for c in range(20) if (10, c) in cells}
    assert list(header)[:3] == ["工单编号", "小区", "工单状态"]
    row = {k: cells.get((11, c), (None, None)) for k, c in header.items()}
    assert row["超期天数"] == (None, None)   # W5 is not overdue: the cell is left empty
    assert (row["工单编号"][0], row["诉求内容（已脱敏）"][0], row["督办意见"][0], row["反馈情况"][0]) == (
        "W5", "楼上漏水", "尽快维修", "2024年6月30日：已派维修工上门")
    assert (excel_day(row["回复期限"][0]), row["回复期限"][1]) == (dt.date(2024, 7, 5), "yyyy-mm-dd")
    document = docx.Document(io.BytesIO(downloads[f"{name}.docx"]))
    lines = [p.text for p in document.paragraphs if p.text]
    assert lines[:6] == ["督办单", "督办编号：#2", "范围：东街道 · 东二社区 · 幸福里小区", "承办单位：物业公司",
                         "督办意见：尽快维修", "回复期限：2024年7月5日"]
    [table] = document.tables
    texts = [[c.text for c in r.cells] for r in table.rows]
    assert texts[0] == ["工单编号", "小区", "工单状态", "超期天数", "承办单位", "诉求类别", "受理时间", "办结时限",
                        "诉求内容（已脱敏）", "督办意见", "回复期限", "反馈情况"]
    assert texts[1] == ["W5", "幸福里小区", "在办，未到期", "", "物业公司", "渗水漏水", "2024-06-28 09:00", "2024-07-03 09:00",
                        "楼上漏水", "尽快维修", "2024年7月5日", "2024年6月30日：已派维修工上门"]
    # downloads are audited with the 督办's place
    [button] = [b for b in at.get("download_button") if b.proto.id.endswith("-cs_sheet_xlsx")]
    button.click().run()
    assert [(e["target"], e["scope"], e["details"]) for e in audit.entries(cases_db, action="download")] == [
        (f"{name}.xlsx", {"street": "东街道", "community": "东二社区", "compound": "幸福里小区"},
         {"page": "supervision", "rows": 1})]


def test_the_queues_sheet_carries_content_instruction_deadline_and_feedback(tmp_path, config, monkeypatch, downloads):
    db = build(tmp_path, config, extra=[LONG_ORDER])
    scenario(db)
    store_cursor = __import__("store").reader(db).cursor()
    cw.open_case(db, store_cursor, account=__import__("test_cases").EAST, order_ids=[LONG_ID], handling_unit="物业公司",
                 instruction=f"请联系业主{fixtures.PHONE}，三日内修复", reply_due=dt.date(2024, 7, 4), as_of=AS_OF,
                 now=dt.datetime(2024, 7, 1, 12, 30))
    at = page(next(signed_in_app(db, monkeypatch)))
    queue = frame(at, "sv_queue")
    assert list(queue["工单编号"]) == [LONG_ID, "W6", "W7", "W5"]   # whole, 18 days overdue first
    width = column_config(at, "sv_queue")["工单编号"]["width"]
    assert width == len(LONG_ID) * 9 + 24 == 159   # ui.tables.id_width: the id whole, not Streamlit's 75 px
    name = "督办单_全区_2024年上半年_截至2024-07-01"
    cells = xlsx_cells.read(downloads[f"{name}.xlsx"])["cells"]
    header = {cells[5, c][0]: c for c in range(30) if (5, c) in cells}
    assert list(header)[-4:] == ["诉求内容（已脱敏）", "督办意见", "回复期限", "反馈情况"]
    rows = [{k: cells.get((6 + i, c), (None, None))[0] for k, c in header.items()} for i in range(4)]
    assert [(r["工单编号"], r["诉求内容（已脱敏）"], r["督办意见"], r["反馈情况"]) for r in rows] == [
        (LONG_ID, "[个人信息]来电[手机号]反映楼道灯坏", "请联系业主[手机号]，三日内修复", ""),
        ("W6", "楼上漏水", "请于三日内处理渗水并回复", ""),
        ("W7", "楼上漏水", "当日回复", ""),
        ("W5", "楼上漏水", "尽快维修", "2024年6月30日：已派维修工上门")]
    assert [excel_day(r["回复期限"]) for r in rows] == [dt.date(2024, 7, 4), dt.date(2024, 6, 28), dt.date(2024, 6, 30),
                                                      dt.date(2024, 7, 5)]
    # the order id column is as wide as the id (Excel: 15 characters + 2), never the header's 10
    sheet = zipfile.ZipFile(io.BytesIO(downloads[f"{name}.xlsx"])).read("xl/worksheets/sheet1.xml").decode()
    widths = {int(m.group(1)): float(m.group(3)) for m in re.finditer(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', sheet)}
    assert widths[header["工单编号"] + 1] >= len(LONG_ID) + 2
    # Word: the id whole on one line (no wrap, its column as wide as the id), no personal data
    document = docx.Document(io.BytesIO(downloads[f"{name}.docx"]))
    [table] = document.tables
    assert [r.cells[0].text for r in table.rows] == ["工单编号", LONG_ID, "W6", "W7", "W5"]
    assert table.rows[1].cells[0]._tc.tcPr.find(docx.oxml.ns.qn("w:noWrap")) is not None
    text = "\n".join(c.text for r in table.rows for c in r.cells)
    assert fixtures.PHONE not in text and fixtures.NAME not in text
    assert "[个人信息]来电[手机号]反映楼道灯坏" in text


def test_a_street_account_opens_a_case_on_an_overdue_order_and_records_feedback(app, cases_db):
    sign_in(app, cases_db, *EAST_LOGIN, role="street", street="东街道")
    at = page(app)
    assert list(frame(at, "cs_open_list")["督办编号"]) == [1, 2]   # its street's only
    # a new overdue order: 幸福里小区's W6 is under #1; open one on W5? under #2. Both taken: the form says so
    # W6 is overdue and in its street, but under #1 already: the form opened from its history says so
    at.selectbox(key="sv_order").select("W6").run()
    at.button(key="cs_open_for_W6").click().run()
    assert at.multiselect(key="cs_orders").value == ["W6"]
    at.text_area(key="cs_instruction").input(f"请物业两日内修复，联系人电话{fixtures.PHONE}").run()
    at.button(key="cs_open_submit").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["工单 W6 已在督办中"]
    before = len(audit.entries(cases_db, action="supervision_case"))
    assert before == 5   # the refusal for what it asks wrote nothing
    # feedback on #1 (opened by the district, in its street); a form's widgets are sent with its submit button
    app.query_params["case"] = "1"
    at = page(app)
    at.text_area(key="cs_feedback_text").input(f"物业已维修，业主{fixtures.PHONE}确认")
    [submit] = [b for b in at.button if b.label == "记录反馈"]
    at = submit.click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已记录督办 #1 的反馈。"]
    assert r"**督办 \#1（已反馈）**" in [m.value for m in at.markdown]
    assert list(unkeyed(at, "反馈日期")["反馈内容"]) == ["物业已维修，业主[手机号]确认"]
    assert list(unkeyed(at, "反馈日期")["记录人"]) == [EAST_LOGIN[0]]
    listed = frame(at, "cs_open_list")
    assert (list(listed["督办编号"]), list(listed["状态"])) == ([1, 2], ["已反馈", "已反馈"])   # by reply deadline
    found = audit.entries(cases_db, action="supervision_case")[before:]
    assert [(e["login"], e["target"], e["outcome"], e["details"]["change"]) for e in found] == [
        (EAST_LOGIN[0], "督办 #1", "ok", "feedback")]
    assert found[0]["details"]["text"] == "物业已维修，业主[手机号]确认"
    assert dict((c["case_id"], c["state"]) for c in cw.listing(cases_db, __import__("store").reader(cases_db).cursor(),
                                                                Scope(), AS_OF))[1] == "replied"


def test_opening_a_case_from_the_form(tmp_path, config, monkeypatch):
    """No 督办 yet: a street account opens one on W6 from its history, then one on its compound's overdue orders is
    refused (W6 is taken) and the list shows the new 督办 on top with its detail."""
    db = build(tmp_path, config, extra=[LONG_ORDER])
    at_gen = signed_in_app(db, monkeypatch)
    app = next(at_gen)
    sign_in(app, db, *EAST_LOGIN, role="street", street="东街道")
    at = page(app)
    assert "本范围内尚无督办。" in " ".join(c.value for c in at.caption)
    at.selectbox(key="sv_order").select("W6").run()
    at.button(key="cs_open_for_W6").click().run()
    at.text_input(key="cs_unit_W6").input("幸福里物业服务中心").run()
    at.text_area(key="cs_instruction").input(f"请两日内修复并回复，业主电话{fixtures.PHONE}").run()
    at.text_input(key="cs_due").input((dt.date.today() + dt.timedelta(days=3)).isoformat()).run()
    at.button(key="cs_open_submit").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["已发起督办 #1。"]
    assert at.query_params["case"] == ["1"] or at.query_params["case"] == "1"
    listed = frame(at, "cs_open_list")
    assert (list(listed["督办编号"]), list(listed["状态"]), list(listed["承办单位"])) == ([1], ["待反馈"], ["幸福里物业服务中心"])
    # the detail's instruction (as text, masked) comes first; W6's history below the list shows its content
    assert [x.value for x in at.text] == ["请两日内修复并回复，业主电话[手机号]", "楼上漏水"]
    [entry] = audit.entries(db, action="supervision_case")
    assert (entry["login"], entry["target"], entry["details"]["orders"], entry["details"]["origin"]) == (
        EAST_LOGIN[0], "督办 #1", ["W6"], "order")
    # by compound: 幸福里小区's overdue orders in the list are LONG_ID and W6 (taken now): refused, nothing written
    at.radio(key="cs_how").set_value("compound").run()
    assert at.selectbox(key="cs_compound").value == "幸福里小区"
    at.text_area(key="cs_instruction").input("集中督办").run()
    at.button(key="cs_open_submit").click().run()
    assert [e.value for e in at.error] == ["工单 W6 已在督办中"]
    assert len(audit.entries(db, action="supervision_case")) == 1
    next(at_gen, None)


def test_another_streets_account_cannot_see_it_and_is_refused_once(app, cases_db):
    sign_in(app, cases_db, *WEST_LOGIN, role="street", street="西街道")
    at = page(app)
    assert list(frame(at, "cs_open_list")["督办编号"]) == [3, 4]
    app.query_params["case"] = "2"
    at = page(app)
    assert [e.value for e in at.error] == ["无权查看或办理该督办，或该督办不存在"]
    assert not [m for m in at.markdown if "督办 \\#2" in m.value]
    assert not [b for b in at.button if b.label == "记录反馈"]   # nothing to act on
    assert set(frame(at, "sv_queue")["工单编号"]) == {"W7"}   # nor an order of 东街道 to open one on
    at.run()   # a rerun is not a new attempt
    refused = [e for e in audit.entries(cases_db, action="access_refused") if e["target"] == "督办 #2"]
    assert [(e["login"], e["outcome"], e["scope"]) for e in refused] == [
        (WEST_LOGIN[0], "out_of_scope", {"street": "西街道", "case": 2})]


def test_overview_briefing_and_cli_count_alike(app, cases_db, capsys):
    from briefing.content import build as briefing
    from briefing.sections import sections
    from metrics.cli.main import main

    at = app.run()
    assert {k: shown_metrics(at)[k] for k in ("督办", "已反馈", "逾期未反馈")} == {"督办": "3", "已反馈": "1", "逾期未反馈": "2"}
    at.selectbox(key="f_street").select("东街道").run()
    assert {k: shown_metrics(at)[k] for k in ("督办", "已反馈", "逾期未反馈")} == {"督办": "2", "已反馈": "1", "逾期未反馈": "1"}
    # the briefing page's preview, 东街道 as the sidebar says
    at = at.switch_page("pages/briefing.py").run()
    assert any("本期督办2件、已反馈1件、逾期未反馈1件。" in m.value for m in at.markdown)
    # the briefing's content and the command line, by hand: 全区 3/1/2, 东街道 2/1/1
    con = __import__("store").reader(cases_db).cursor()
    for scope, expected in ((Scope(), "本期督办3件、已反馈1件、逾期未反馈2件。"), (Scope(street="东街道"), "本期督办2件、已反馈1件、逾期未反馈1件。")):
        made = briefing(con, __import__("metrics.config", fromlist=["x"]).load_config(), scope, H1, cases_db=cases_db)
        [kpis] = [s for s in sections(made) if s["key"] == "kpis"]
        assert expected in kpis["paragraphs"]
    for street, counts in ((None, (3, 1, 2)), ("东街道", (2, 1, 1)), ("西街道", (1, 0, 1))):
        assert main(["cases", "--db", str(cases_db), "--from", "2024-01-01", "--to", "2024-06-30",
                     *(["--street", street] if street else [])]) == 0
        found = json.loads(capsys.readouterr().out)
        assert (found["counts"]["opened"], found["counts"]["replied"], found["counts"]["overdue"]) == counts
    assert main(["cases", "--db", str(cases_db), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("case_id,state,state_zh,")
    assert [line.split(",")[:3] for line in lines[1:]] == [["1", "overdue", "逾期"], ["3", "overdue", "逾期"],
                                                          ["4", "pending", "待反馈"], ["2", "replied", "已反馈"]]


def test_english(app):
    app.query_params["lang"] = "en"
    app.query_params["case"] = "1"
    at = page(app)
    assert at.subheader[0].value == "Supervision cases (督办)"
    assert list(frame(at, "cs_open_list")["State"]) == ["Reply overdue", "Reply overdue", "Awaiting reply", "Replied"]
    assert r"**督办 \#1 \(Reply overdue\)**" in [m.value for m in at.markdown]
    assert "H1 2024: 3 督办 opened, 1 replied, 2 with the reply overdue" in " ".join(c.value for c in at.caption)


def test_the_demo_offers_no_form(demo_app):
    at, _, _ = demo_app
    at.query_params["period"] = "first_half"
    at = at.run().switch_page(PAGE).run()
    assert not at.exception
    assert "本范围内尚无督办。 演示数据不能发起督办：导入本区数据并登录后可用。" in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "cs_open_submit"]
