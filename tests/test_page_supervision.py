"""督办 through AppTest on the hand-counted fixture (data as of 2024-07-01 12:00, default period H1 2024).

Open at 12:00 among H1's orders (W12 closed at 12:00): W6 (幸福里小区, 东街道, due 06-20 09:00: 11 d 3 h -> 12 days,
over 7), W7 (和平新村, 西街道, 市政维修中心, due 06-29 09:00: 2 d 3 h -> 3 days, 1-3), W5 (幸福里小区, due 07-03 09:00:
1 d 21 h left -> 2 days, within 3). 本年 adds W11 (和平新村, received 07-01 09:00, due 07-04 09:00: 2 d 21 h -> 3 days).

无时限 (the `undated` app: fixtures.NO_DEADLINE_ORDERS, no deadline derived), open at 12:00 among H1's orders: N1
(和平新村, 市政维修中心, 电梯, since 01-15 08:00: 168 d 4 h -> 169 days), N2 (幸福里小区, since 06-20 10:00: 11 d 2 h -> 12);
N3 closed at 11:00; 本年 adds N6 (和平新村, 供暖, since 07-01 09:30 -> 1 day)."""

import pytest
import xlsx_cells
from conftest import shown_metrics, sign_in, signed_in_app

PAGE = "pages/supervision.py"
ZH_CARDS = {"超期工单": "2", "超期1-3天": "1", "超期4-7天": "0", "超期7天以上": "1", "3天内到期": "1"}


def supervision(app):
    at = app.run().switch_page(PAGE).run()
    assert not at.exception
    return at


FIRST_COLUMN = {"sv_queue": ("工单编号", "Order id"), "sv_by_unit": ("承办单位", "Handling unit"),
                "sv_by_street": ("街道", "Street"), "sv_history": ("环节", "Step"),
                "sv_no_deadline": ("工单编号", "Order id")}
NOT_IN = {"sv_queue": ("在办天数", "Days open"), "sv_no_deadline": ("状态", "Status")}


def table(at, key: str):
    """The page's table `key`, known by its first column and a column it lacks (AppTest gives a keyed dataframe no
    key to find it by)."""
    found = [d.value for d in at.dataframe if d.value.columns[0] in FIRST_COLUMN[key]
             and not set(NOT_IN.get(key, ())) & set(d.value.columns)]
    assert len(found) == 1, f"{key}: {len(found)} tables"
    return found[0]


def rows(frame, *columns) -> list[tuple]:
    import pandas as pd

    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[list(columns)].itertuples(index=False)]


@pytest.mark.slow
def test_the_queue_in_chinese(app, downloads):
    at = supervision(app)
    assert at.title[0].value == "督办"
    assert {k: shown_metrics(at)[k] for k in ZH_CARDS} == ZH_CARDS
    queue = table(at, "sv_queue")
    assert rows(queue, "工单编号", "状态", "超期天数", "剩余天数", "街道", "社区", "小区", "承办单位", "诉求类别") == [
        ("W6", "超期7天以上", 12, None, "东街道", "东二社区", "幸福里小区", "物业公司", "渗水漏水"),
        ("W7", "超期1-3天", 3, None, "西街道", "西一社区", "和平新村", "市政维修中心", "渗水漏水"),
        ("W5", "3天内到期", None, 2, "东街道", "东二社区", "幸福里小区", "物业公司", "渗水漏水")]
    assert str(queue["办结时限"].iloc[1]) == "2024-06-29 09:00:00"
    # which unit holds the most overdue orders: 物业公司 (W6 overdue, W5 due soon) before 市政维修中心 (W7)
    assert rows(table(at, "sv_by_unit"), "承办单位", "超期工单", "超期7天以上", "超期1-3天", "3天内到期", "合计") == [
        ("物业公司", 1, 1, 0, 1, 2), ("市政维修中心", 1, 0, 1, 0, 1)]
    assert rows(table(at, "sv_by_street"), "街道", "超期工单", "3天内到期", "合计") == [("东街道", 1, 1, 2), ("西街道", 1, 0, 1)]
    # the 督办单: scope and period in the name; the sheet's title block, then the list with days as numbers
    name = "督办单_全区_2024年上半年"
    assert {f"{name}.xlsx", f"{name}.csv"} <= set(downloads)
    cells = xlsx_cells.read(downloads[f"{name}.xlsx"])["cells"]
    assert [cells[r, 0][0] for r in range(3)] == ["督办单", "范围：全区", "统计时段：2024年上半年"]
    column = {cells[5, c][0]: c for c in range(20) if (5, c) in cells}
    assert [cells[6 + i, column["工单编号"]][0] for i in range(3)] == ["W6", "W7", "W5"]
    assert [cells[6 + i, column["超期天数"]][0] for i in range(2)] == [12, 3]


def test_the_overdue_cards_equal_the_overview(app):
    at = app.run()
    overview = shown_metrics(at)
    at = at.switch_page(PAGE).run()
    shown = shown_metrics(at)
    assert [overview[k] for k in ("超期1-3天", "超期4-7天", "超期7天以上")] == [shown[k] for k in ("超期1-3天", "超期4-7天", "超期7天以上")]


def test_page_controls_narrow_the_list(app):
    at = supervision(app)
    at.radio(key="sv_which").set_value("overdue").run()
    assert list(table(at, "sv_queue")["工单编号"]) == ["W6", "W7"]
    at.radio(key="sv_which").set_value("due_soon").run()
    assert list(table(at, "sv_queue")["工单编号"]) == ["W5"]
    at.radio(key="sv_which").set_value("all").run()
    assert at.multiselect(key="sv_units").options == ["物业公司", "市政维修中心"]
    at.multiselect(key="sv_units").select("市政维修中心").run()
    assert not at.exception
    assert list(table(at, "sv_queue")["工单编号"]) == ["W7"]
    assert shown_metrics(at)["超期工单"] == "1" and shown_metrics(at)["3天内到期"] == "0"
    assert rows(table(at, "sv_by_street"), "街道", "合计") == [("西街道", 1)]
    at.multiselect(key="sv_categories").select("渗水漏水").run()
    assert list(table(at, "sv_queue")["工单编号"]) == ["W7"]


def test_the_period_and_the_sidebar_apply(app):
    app.query_params["period"] = "this_year"
    at = supervision(app)
    # 本年 adds W11, due in 2 d 21 h -> 3 days
    assert rows(table(at, "sv_queue"), "工单编号", "剩余天数") == [("W6", None), ("W7", None), ("W5", 2), ("W11", 3)]
    at.selectbox(key="f_street").select("西街道").run()
    assert list(table(at, "sv_queue")["工单编号"]) == ["W7", "W11"]
    assert at.query_params["street"] == "西街道"


def test_an_orders_history_and_its_compound(app):
    at = supervision(app)
    assert at.selectbox(key="sv_order").options == ["W6", "W7", "W5"]
    at.selectbox(key="sv_order").select("W7").run()
    assert not at.exception
    assert "**工单 W7 的经过**" in [m.value for m in at.markdown]
    assert "**超期3天未办结**" in [m.value for m in at.markdown]
    assert rows(table(at, "sv_history"), "环节", "时间", "说明") == [
        ("受理", "2024-06-26 09:00", ""), ("办结时限", "2024-06-29 09:00", ""), ("办结", "—", "截至数据时点尚未办结")]
    assert [x.value for x in at.text] == ["楼上漏水"]
    at.button(key="sv_open_profile").click().run()
    assert not at.exception
    assert at.header[0].value == "和平新村"
    assert at.query_params["compound"] == "和平新村"


def test_english(app):
    app.query_params["lang"] = "en"
    at = supervision(app)
    assert at.title[0].value == "Supervision"
    assert {k: shown_metrics(at)[k] for k in ("Overdue", "Overdue 1-3 days", "Overdue over 7 days", "Due within 3 days")} == {
        "Overdue": "2", "Overdue 1-3 days": "1", "Overdue over 7 days": "1", "Due within 3 days": "1"}
    queue = table(at, "sv_queue")
    assert rows(queue, "Order id", "Status", "Days overdue", "Handling unit") == [
        ("W6", "Overdue over 7 days", 12, "物业公司"), ("W7", "Overdue 1-3 days", 3, "市政维修中心"),
        ("W5", "Due within 3 days", None, "物业公司")]
    at.selectbox(key="sv_order").select("W6").run()
    assert "**Open, 12 days overdue**" in [m.value for m in at.markdown]
    assert rows(table(at, "sv_history"), "Step")[:2] == [("Received",), ("Deadline",)]


def test_a_street_account_sees_its_streets_queue(app, app_db):
    sign_in(app, app_db, "dong-supervision", "街道-督办-密码-2024", role="street", street="东街道")
    at = supervision(app)
    assert any("范围：街道 东街道" in c.value for c in at.caption)
    # 东街道: W6 overdue over 7 days, W5 due soon; 西街道's W7 and 市政维修中心 are not shown
    assert list(table(at, "sv_queue")["工单编号"]) == ["W6", "W5"]
    assert shown_metrics(at)["超期工单"] == "1" and shown_metrics(at)["超期1-3天"] == "0"
    assert at.multiselect(key="sv_units").options == ["物业公司"]
    assert rows(table(at, "sv_by_street"), "街道", "合计") == [("东街道", 2)]
    assert at.selectbox(key="sv_order").options == ["W6", "W5"]


@pytest.fixture(scope="module")
def undated_db(tmp_path_factory, config):
    import fixtures

    from metrics.database import connect

    folder = tmp_path_factory.mktemp("undated_app")
    con = connect(folder / "app.duckdb")
    fixtures.build_no_deadline(con, folder, config)
    con.close()
    return folder / "app.duckdb"


@pytest.fixture
def undated(undated_db, monkeypatch):
    yield from signed_in_app(undated_db, monkeypatch)


ND_COLUMNS = ("工单编号", "小区", "在办天数", "街道", "社区", "承办单位", "诉求类别")


@pytest.mark.slow
def test_open_orders_without_a_deadline_are_a_section_of_their_own(undated, downloads):
    at = supervision(undated)
    assert not at.success
    # the queue as before: the orders without a deadline are neither overdue nor due soon
    assert {k: shown_metrics(at)[k] for k in ZH_CARDS} == ZH_CARDS
    assert list(table(at, "sv_queue")["工单编号"]) == ["W6", "W7", "W5"]
    assert "另有2件在办工单没有办结时限，见本页末“无办结时限的在办工单”。" in [c.value for c in at.caption]
    assert "无办结时限的在办工单" in [h.value for h in at.subheader]
    assert (shown_metrics(at)["无时限在办工单"], shown_metrics(at)["最长在办天数"]) == ("2", "169")
    undated_list = table(at, "sv_no_deadline")
    assert rows(undated_list, *ND_COLUMNS) == [
        ("N1", "和平新村", 169, "西街道", "西一社区", "市政维修中心", "电梯"),
        ("N2", "幸福里小区", 12, "东街道", "东二社区", "物业公司", "渗水漏水")]
    assert [str(v) for v in undated_list["受理时间"]] == ["2024-01-15 08:00:00", "2024-06-20 10:00:00"]
    # downloadable: scope and period in the name, days open as numbers
    name = "无时限在办工单_全区_2024年上半年"
    assert {f"{name}.xlsx", f"{name}.csv"} <= set(downloads)
    cells = xlsx_cells.read(downloads[f"{name}.xlsx"])["cells"]
    assert cells[0, 0][0] == "无时限在办工单"
    column = {cells[5, c][0]: c for c in range(20) if (5, c) in cells}
    assert [(cells[6 + i, column["工单编号"]][0], cells[6 + i, column["在办天数"]][0]) for i in range(2)] == [
        ("N1", 169), ("N2", 12)]
    # an order's history, as from the queue
    assert at.selectbox(key="sv_nd_order").options == ["N1", "N2"]
    at.selectbox(key="sv_nd_order").select("N1").run()
    assert not at.exception
    assert "**工单 N1 的经过**" in [m.value for m in at.markdown]
    assert "**在办（无时限）**" in [m.value for m in at.markdown]
    assert rows(table(at, "sv_history"), "环节", "时间", "说明") == [
        ("受理", "2024-01-15 08:00", ""), ("办结", "—", "截至数据时点尚未办结")]


def test_the_page_filters_narrow_the_orders_without_a_deadline(undated):
    at = supervision(undated)
    assert at.multiselect(key="sv_units").options == ["物业公司", "市政维修中心"]
    at.multiselect(key="sv_units").select("市政维修中心").run()
    assert list(table(at, "sv_queue")["工单编号"]) == ["W7"]
    assert list(table(at, "sv_no_deadline")["工单编号"]) == ["N1"]
    assert (shown_metrics(at)["无时限在办工单"], shown_metrics(at)["最长在办天数"]) == ("1", "169")


def test_only_orders_without_a_deadline_is_no_all_clear(undated):
    undated.query_params["category"] = "电梯"
    at = supervision(undated)
    # 电梯 in H1: W8 is closed, N1 open without a deadline: no green all-clear, the section is shown
    assert not at.success
    assert [i.value for i in at.info] == [
        "没有超期或3天内到期的在办工单；但有1件在办工单没有办结时限，无法判断是否超期，列于下方。"]
    assert "超期工单" not in shown_metrics(at)
    assert [d.value.columns[0] for d in at.dataframe] == ["工单编号"]
    assert rows(table(at, "sv_no_deadline"), "工单编号", "在办天数", "承办单位") == [("N1", 169, "市政维修中心")]
    assert at.multiselect(key="sv_units").options == ["市政维修中心"]


def test_the_all_clear_needs_every_section_empty(undated):
    undated.query_params["category"] = "供暖"
    at = supervision(undated)
    # 供暖 in H1: nothing at all (N6 is July's)
    assert [s.value for s in at.success] == ["没有超期、3天内到期或无办结时限的在办工单。"]
    assert not at.dataframe
    at.selectbox(key="f_period").select("this_year").run()
    assert not at.success
    assert rows(table(at, "sv_no_deadline"), "工单编号", "在办天数") == [("N6", 1)]


def test_orders_without_a_deadline_in_english(undated):
    undated.query_params["lang"] = "en"
    at = supervision(undated)
    assert "Open orders without a deadline" in [h.value for h in at.subheader]
    assert (shown_metrics(at)["Open, no deadline"], shown_metrics(at)["Most days open"]) == ("2", "169")
    assert rows(table(at, "sv_no_deadline"), "Order id", "Days open", "Handling unit") == [
        ("N1", 169, "市政维修中心"), ("N2", 12, "物业公司")]
