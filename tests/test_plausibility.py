"""Nothing implausible reaches a number: dates outside the plausible window, impossible orderings, ids
written several ways, registry names that collide, columns nobody mapped, date formats per profile, and the
exit code of an import that rejects most of its rows. Every expected value is counted by hand."""
import copy
import datetime as dt
import subprocess
import sys

import duckdb
import fastexcel
import pytest

import fixtures
from briefing.content import build as build_briefing
from briefing.sections import sections
from conftest import ROOT, june
from metrics.database import connect
from metrics.db import scalar
from metrics.ingest.importer import import_file
from metrics.ingest.quality import import_history
from metrics.kpis import Scope, latest_timestamp, order_kpis

# the fixture's 数据截至: W12 closed 2024-07-01 12:00
FIXTURE_LATEST = dt.datetime(2024, 7, 1, 12, 0)
IMPORTED_AT = dt.datetime(2024, 7, 2, 9, 0)   # the window ends 2024-07-03 09:00


def order(order_id, received, due="", closed="", revisited="", result=""):
    """A row of the fixture's order headers: compound 阳光花园, category 渗水漏水."""
    return [order_id, "12345平台", received, "投诉", "渗水漏水", "", "", "阳光花园", "", due, closed, revisited,
            result, "否", "", "", "", "", ""]


def issues(path):
    table = fastexcel.read_excel(path).load_sheet(0, dtypes="string", eager=True).to_pydict()
    return list(zip(table["行号 Row"], table["列 Column"], table["处理 Outcome"], table["原因 Reason"], table["原值 Value"]))


def test_excel_serial_99999_is_rejected_and_as_of_stays(built, config):
    con, folder, _ = built
    assert latest_timestamp(con) == FIXTURE_LATEST
    path = fixtures.write_csv(folder / "serial.csv", fixtures.ORDER_HEADERS, [
        order("S1", "99999"),                                      # row 2: an Excel serial of 2173-10-13
        order("S2", "2024-06-30 08:00", closed="99999"),          # row 3: kept, its closing time left blank
        order("S3", "1999-12-31 23:59"),                          # row 4: a day before the window
        order("S4", "2000-01-01 00:00", closed="2000-01-02 00:00"),   # row 5: the window's first moment
        order("S5", "2024-07-03 09:00"),                          # row 6: the window's last moment
        order("S6", "2024-07-03 09:01"),                          # row 7: a minute after it
    ])
    result = import_file(con, "work_orders", path, config, imported_at=IMPORTED_AT)
    assert (result.rows_read, result.rows_new, result.rows_rejected, result.warnings) == (6, 3, 3, 1)
    assert result.checks["out_of_window_rejected"] == 3 and result.checks["out_of_window_blanked"] == 1
    window = "2000-01-01 至 2024-07-03 09:00"
    assert issues(result.rejection_file) == [
        ("2", "受理时间", "拒绝导入 rejected", f"受理时间超出合理范围（{window}） / 受理时间 (Received) outside the plausible "
         "range (2000-01-01 to 2024-07-03 09:00)", "99999 → 2173-10-13 00:00:00"),
        ("4", "受理时间", "拒绝导入 rejected", f"受理时间超出合理范围（{window}） / 受理时间 (Received) outside the plausible "
         "range (2000-01-01 to 2024-07-03 09:00)", "1999-12-31 23:59 → 1999-12-31 23:59:00"),
        ("7", "受理时间", "拒绝导入 rejected", f"受理时间超出合理范围（{window}） / 受理时间 (Received) outside the plausible "
         "range (2000-01-01 to 2024-07-03 09:00)", "2024-07-03 09:01 → 2024-07-03 09:01:00"),
        ("3", "办结时间", "警告（已导入） warning", f"办结时间超出合理范围（{window}），已置空 / 办结时间 (Closed) outside the "
         "plausible range (2000-01-01 to 2024-07-03 09:00), left blank", "99999 → 2173-10-13 00:00:00"),
    ]
    assert con.execute("SELECT order_id, closed_at FROM work_orders WHERE order_id LIKE 'S%' ORDER BY 1").fetchall() == [
        ("S2", None), ("S4", dt.datetime(2000, 1, 2)), ("S5", None)]
    # 数据截至 moves to S5, the latest plausible moment, never to 2173
    assert latest_timestamp(con) == dt.datetime(2024, 7, 3, 9, 0)
    assert scalar(con, "SELECT out_of_window_rejected FROM import_log WHERE import_id = ?", [result.import_id]) == 3


def test_an_open_order_s_deadline_ahead_of_the_export_is_kept(built, config):
    """办结时限 lies ahead of the export that carries it: D1's, 5 days after the import, is kept as exported (held to
    the one day of latest_days_ahead it was blanked, and 5 working days from its receipt put in its place); D2's,
    2025-07-03 09:01, a minute past the 366 days of deadline_days_ahead, is left blank with its own range in the
    warning; neither moves 数据截至."""
    con, folder, _ = built
    path = fixtures.write_csv(folder / "deadlines.csv", fixtures.ORDER_HEADERS, [
        order("D1", "2024-07-01 10:00", due="2024-07-07 18:00"),   # row 2: a Sunday, 5 days after the import
        order("D2", "2024-07-01 11:00", due="2025-07-03 09:01"),   # row 3: 366 days and a minute after it
    ])
    result = import_file(con, "work_orders", path, config, imported_at=IMPORTED_AT)
    assert (result.rows_new, result.warnings, result.checks["out_of_window_blanked"]) == (2, 1, 1)
    assert issues(result.rejection_file) == [
        ("3", "办结时限", "警告（已导入） warning", "办结时限超出合理范围（2000-01-01 至 2025-07-03 09:00），已置空 / 办结时限 "
         "(Due) outside the plausible range (2000-01-01 to 2025-07-03 09:00), left blank",
         "2025-07-03 09:01 → 2025-07-03 09:01:00")]
    found = dict(con.execute("SELECT order_id, due_at FROM work_orders WHERE order_id IN ('D1', 'D2')").fetchall())
    assert found["D1"] == dt.datetime(2024, 7, 7, 18, 0)
    assert found["D2"] == dt.datetime(2024, 7, 4, 11, 0)   # blank, so derived: 渗水漏水 3 working days from Monday
    assert latest_timestamp(con) == dt.datetime(2024, 7, 1, 12, 0)


def test_a_founding_date_outside_the_window_is_left_blank(tmp_path, config):
    con = connect(tmp_path / "f.duckdb")
    path = fixtures.write_csv(tmp_path / "reg.csv", ["小区名称", "党组织类型", "党组织成立日期"], [
        ["甲苑", "独立党支部", "1995-07-01"], ["乙苑", "独立党支部", "2010-01-01"]])
    result = import_file(con, "compounds", path, config, imported_at=IMPORTED_AT)
    assert (result.rows_new, result.warnings, result.checks["out_of_window_blanked"]) == (2, 1, 1)
    assert con.execute("SELECT row_number, column_name, value FROM import_issues").fetchall() == [
        (2, "党组织成立日期", "1995-07-01 → 1995-07-01")]
    assert con.execute("SELECT compound_name, party_org_founded_on FROM compounds ORDER BY 1").fetchall() == [
        ("乙苑", dt.date(2010, 1, 1)), ("甲苑", None)]
    con.close()


def test_an_implausible_date_alone_leaves_as_of_unchanged(built, config):
    con, folder, _ = built
    path = fixtures.write_csv(folder / "serial.csv", fixtures.ORDER_HEADERS, [order("S1", "99999")])
    import_file(con, "work_orders", path, config, imported_at=IMPORTED_AT)
    assert latest_timestamp(con) == FIXTURE_LATEST


ORDERING_ROWS = [
    # row 2: closed a day before it was received: counts as closed (due 06-13), not in the hours
    order("P1", "2024-06-10 09:00", due="2024-06-13 09:00", closed="2024-06-09 09:00", result="满意"),
    # row 3: due before received; closed 1 h after receipt
    order("P2", "2024-06-11 09:00", due="2024-06-10 09:00", closed="2024-06-11 10:00"),
    # row 4: revisited before it was closed; 2 h to close
    order("P3", "2024-06-12 09:00", due="2024-06-15 09:00", closed="2024-06-12 11:00", revisited="2024-06-12 10:00",
          result="满意"),
    # row 5: a revisit on an order still open, dated after everything else
    order("P4", "2024-06-13 09:00", due="2024-06-16 09:00", revisited="2024-07-01 20:00", result="满意"),
]


def test_impossible_orderings_are_warned_and_kept(built, config):
    con, folder, _ = built
    path = fixtures.write_csv(folder / "order.csv", fixtures.ORDER_HEADERS, ORDERING_ROWS)
    result = import_file(con, "work_orders", path, config, imported_at=IMPORTED_AT)
    assert (result.rows_read, result.rows_new, result.rows_rejected, result.warnings) == (4, 4, 0, 4)
    assert result.checks == {"out_of_window_rejected": 0, "out_of_window_blanked": 0, "closed_before_received": 1,
                             "due_before_received": 1, "revisit_before_close": 1, "revisit_while_open": 1}
    found = [(row, column, reason.split(" / ")[0], value) for row, column, _, reason, value in issues(result.rejection_file)]
    assert found == [
        ("2", "办结时间", "办结时间早于受理时间（已导入，不计入办结用时）", "2024-06-09 09:00 < 2024-06-10 09:00"),
        ("3", "办结时限", "办结时限早于受理时间（已导入，不计入办结用时）", "2024-06-10 09:00 < 2024-06-11 09:00"),
        ("4", "回访时间", "回访时间早于办结时间（已导入，不计入办结用时）", "2024-06-12 10:00 < 2024-06-12 11:00"),
        ("5", "回访时间", "未办结的工单有回访（已导入，不计入回访）", "2024-07-01 20:00"),
    ]
    # the English half names the columns by their headers too, never by internal names (closed_at, received_at)
    assert [reason.split(" / ")[1] for *_, reason, _ in issues(result.rejection_file)][:3] == [
        "办结时间 (Closed) before 受理时间 (Received) (imported, kept out of time statistics)",
        "办结时限 (Due) before 受理时间 (Received) (imported, kept out of time statistics)",
        "回访时间 (Revisited) before 办结时间 (Closed) (imported, kept out of time statistics)"]
    logged = con.execute("SELECT closed_before_received, due_before_received, revisit_before_close, revisit_while_open "
                         "FROM import_log WHERE import_id = ?", [result.import_id]).fetchone()
    assert logged == (1, 1, 1, 1)
    # the revisit on an open order is a warned value: 数据截至 does not move to it
    assert latest_timestamp(con) == FIXTURE_LATEST


@pytest.mark.parametrize("as_of,closed,on_time,median,p90", [
    # June's closed orders at 10:00: hours 11, 24, 24, 30, 48, 49, 96; P1 makes 8 closed and on time, but its
    # -24 h is no duration: median stays 30 (with it: (24 + 30) / 2 = 27), p90 at 5.4 = 49 + 0.4 * 47 = 67.8
    (fixtures.AS_OF, 8, 7, 30.0, 67.8),
    # at 12:00 W12 is closed too (51 h): 11, 24, 24, 30, 48, 49, 51, 96: median (30 + 48) / 2 = 39 (with -24:
    # 30), p90 at 6.3 = 51 + 0.3 * 45 = 64.5 (with -24: 60.0)
    (FIXTURE_LATEST, 9, 8, 39.0, 64.5),
], ids=["scanned", "rollup"])
def test_a_close_before_receipt_stays_out_of_the_hours(built, config, as_of, closed, on_time, median, p90):
    con, folder, _ = built
    path = fixtures.write_csv(folder / "order.csv", fixtures.ORDER_HEADERS, ORDERING_ROWS[:1])
    import_file(con, "work_orders", path, config, imported_at=IMPORTED_AT)
    found = order_kpis(con, config, Scope(), june(as_of))
    assert (found["closed"], found["closed_on_time"]) == (closed, on_time)
    assert found["median_close_hours"] == pytest.approx(median)
    assert found["p90_close_hours"] == pytest.approx(p90)


def test_ids_written_three_ways_are_one_order(built, config):
    con, folder, _ = built
    path = fixtures.write_csv(folder / "ids.csv", fixtures.ORDER_HEADERS, [
        order("ＺＺ０００１", "2024-06-03 09:00"),
        order("ZZ 0001", "2024-06-03 09:00"),
        order("ZZ\u200b0001", "2024-06-04 09:00"),
    ])
    result = import_file(con, "work_orders", path, config, imported_at=IMPORTED_AT)
    assert (result.rows_read, result.rows_new, result.rows_duplicate) == (3, 1, 2)
    assert con.execute("SELECT order_id, received_at FROM work_orders WHERE order_id LIKE 'ZZ%'").fetchall() == [
        ("ZZ0001", dt.datetime(2024, 6, 4, 9, 0))]


def test_registry_names_that_collide_are_reported_with_both_names(tmp_path, config):
    con = connect(tmp_path / "r.duckdb")
    orders = fixtures.write_csv(tmp_path / "orders.csv", fixtures.ORDER_HEADERS,
                                [order("H1", "2024-06-03 09:00")[:7] + ["海棠苑"] + order("H1", "2024-06-03 09:00")[8:],
                                 order("H2", "2024-06-04 09:00")[:7] + ["海棠苑小区"] + order("H2", "2024-06-04 09:00")[8:]])
    import_file(con, "work_orders", orders, config)
    registry = fixtures.write_csv(tmp_path / "registry.csv", ["小区名称", "别名", "街道"], [
        ["海棠苑", "", "东街道"], ["海棠苑小区", "", "东街道"], ["阳光花园", "旭日苑", "东街道"], ["旭日苑", "", "西街道"]])
    result = import_file(con, "compounds", registry, config)
    assert [(c["key"], c["claims"], c["matches"], c["records"]) for c in result.registry_conflicts] == [
        ("旭日苑", {"旭日苑": ["旭日苑"], "阳光花园": ["旭日苑"]}, "旭日苑", 0),
        ("海棠苑", {"海棠苑": ["海棠苑"], "海棠苑小区": ["海棠苑小区"]}, None, 2),
    ]
    assert result.notes == [
        "台账中旭日苑、旭日苑（阳光花园的别名）归一后是同一名称，写作它的0条工单和投诉按名称匹配到旭日苑 / registry names "
        "旭日苑, 阳光花园 (alias 旭日苑) normalise to one name: the 0 orders and complaints that write it match 旭日苑, "
        "the compound of that name",
        "台账中海棠苑、海棠苑小区归一后是同一名称，写作它的2条工单和投诉不能匹配任何小区：请合并、改名，或在 config.yaml "
        "compound_aliases 中指定 / registry names 海棠苑, 海棠苑小区 normalise to one name: the 2 orders and complaints "
        "that write it match no compound; merge or rename them, or settle it in config.yaml compound_aliases",
    ]
    con.close()


def test_unmapped_columns_and_missing_fields_are_listed(tmp_path, config):
    con = connect(tmp_path / "u.duckdb")
    path = fixtures.write_csv(tmp_path / "cols.csv", ["工单编号", "受理时间", "", "备注", ""], [
        ["U1", "2024-06-03 09:00", "东街道", "急", ""],
        ["U2", "2024-06-04 09:00", "", "", ""],
    ])
    result = import_file(con, "work_orders", path, config)
    # column C carries data under a blank header (a merged header cell); column E is empty throughout
    assert result.unmapped_columns == ["备注", "C列（无表头） / column C (no header)"]
    assert result.missing_fields == ["source", "request_type", "category", "street", "community", "compound",
                                     "handling_unit", "due_at", "closed_at", "revisited_at", "revisit_result",
                                     "is_repeat", "first_contact", "resolved", "content"]
    assert import_history(con)[0]["unmapped_columns"] == result.unmapped_columns
    con.close()


def with_profile(config, name, profile):
    changed = copy.deepcopy(config)
    changed["profiles"][name] = profile
    return changed


def test_us_export_reads_month_first(tmp_path, config):
    con = connect(tmp_path / "us.duckdb")
    path = fixtures.write_csv(tmp_path / "nyc.csv", ["unique_key", "created_date", "closed_date"], [
        ["1", "04/30/2014 02:51:52 PM", "05/01/2014 09:05:00 AM"], ["2", "01/02/2024", ""]])
    result = import_file(con, "work_orders", path, config)
    assert (result.profile, result.rows_new, result.rows_rejected) == ("nyc", 2, 0)
    assert con.execute("SELECT order_id, received_at, closed_at FROM work_orders ORDER BY 1").fetchall() == [
        ("1", dt.datetime(2014, 4, 30, 14, 51, 52), dt.datetime(2014, 5, 1, 9, 5)),
        ("2", dt.datetime(2024, 1, 2), None)]
    con.close()


def test_a_day_first_profile_and_its_own_formats(tmp_path, config):
    changed = with_profile(config, "eu", {"day_first": True, "date_formats": ["%d %b %Y %H:%M"], "work_orders": {
        "order_id": ["ticket"], "received_at": ["opened"], "closed_at": ["resolved"]}})
    con = connect(tmp_path / "eu.duckdb")
    path = fixtures.write_csv(tmp_path / "eu.csv", ["ticket", "opened", "resolved"], [
        ["E1", "01/02/2024", "03 Feb 2024 17:30"], ["E2", "2024/01/02 08:00", "13.02.2024 08:00"]])
    result = import_file(con, "work_orders", path, changed)
    assert (result.profile, result.rows_new, result.rows_rejected, result.warnings) == ("eu", 2, 0, 0)
    assert con.execute("SELECT order_id, received_at, closed_at FROM work_orders ORDER BY 1").fetchall() == [
        ("E1", dt.datetime(2024, 2, 1), dt.datetime(2024, 2, 3, 17, 30)),
        ("E2", dt.datetime(2024, 1, 2, 8, 0), dt.datetime(2024, 2, 13, 8, 0))]
    con.close()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_exits_1_when_every_row_is_rejected(tmp_path):
    path = fixtures.write_csv(tmp_path / "bad.csv", fixtures.ORDER_HEADERS, [
        order("B1", "待定"), order("B2", "待定"), order("B3", ""), order("B4", "99999")])
    done = cli("import", "--db", tmp_path / "cli.duckdb", "--kind", "work_orders", path)
    assert done.returncode == 1, done.stdout
    assert "read 4 = new 0 + updated 0 + unchanged 0 + duplicate 0 + rejected 4" in done.stdout
    lines = done.stdout.splitlines()
    at = lines.index("  拒绝过多 MOSTLY REJECTED: 4 / 4 行被拒绝 rows rejected; 主要原因 top reasons:")
    assert lines[at + 1] == "    2 × 无法识别的受理时间 / unreadable 受理时间 (Received)"
    assert lines[at + 2].startswith("    1 × 受理时间超出合理范围（2000-01-01 至 ")
    assert lines[at + 3] == "    1 × 缺少受理时间 / missing 受理时间 (Received)"
    # one row in three rejected is not most (max_rejected_share 0.5): exit 0
    path = fixtures.write_csv(tmp_path / "ok.csv", fixtures.ORDER_HEADERS, [
        order("B1", "待定"), order("B5", "2024-06-03 09:00"), order("B6", "2024-06-04 09:00")])
    done = cli("import", "--db", tmp_path / "cli.duckdb", "--kind", "work_orders", path)
    assert done.returncode == 0, done.stdout
    assert "MOSTLY REJECTED" not in done.stdout


def test_a_database_from_before_the_checks_still_opens(tmp_path, config):
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("""CREATE TABLE import_log (import_id BIGINT PRIMARY KEY, kind VARCHAR, file_name VARCHAR,
                   file_sha256 VARCHAR, profile VARCHAR, imported_at TIMESTAMP, rows_read BIGINT, rows_new BIGINT,
                   rows_updated BIGINT, rows_unchanged BIGINT, rows_duplicate BIGINT, rows_rejected BIGINT,
                   warnings BIGINT, rejection_file VARCHAR)""")
    old.execute("INSERT INTO import_log VALUES (1, 'work_orders', 'old.csv', '', 'default', '2024-07-01', "
                "1, 1, 0, 0, 0, 0, 0, NULL)")
    old.close()
    con = connect(path)
    result = import_file(con, "work_orders", fixtures.write_csv(tmp_path / "o.csv", fixtures.ORDER_HEADERS,
                                                                ORDERING_ROWS[:1]), config)
    history = import_history(con)
    assert [(r["import_id"], r["closed_before_received"]) for r in history] == [(2, 1), (1, None)]
    assert result.import_id == 2
    con.close()


def test_briefing_data_note_states_the_checks(built, config):
    con, folder, _ = built
    path = fixtures.write_csv(folder / "order.csv", fixtures.ORDER_HEADERS, ORDERING_ROWS + [order("S1", "99999")])
    import_file(con, "work_orders", path, config, imported_at=IMPORTED_AT)
    note = next(s for s in sections(build_briefing(con, config, Scope(), june())) if s["key"] == "note")
    # the briefing's own rows (issue 14): the impossible orderings among June's orders of its scope; the rejected
    # row and the revisit on an open order are the import's business (import page), not rows this briefing counts
    assert note["paragraphs"][:3] == [
        "本简报统计示范区2024年6月受理的物业工单15件、登记的投诉3件，涉及台账小区4个。",   # 11 of the fixture + 4 here
        "办结时限按规则推算（1件）。",   # W8's, from 电梯's 24 hours
        "其中时间顺序有误的工单：办结早于受理1件，时限早于受理1件，回访早于办结1件；照常计入件数，其用时不计入办结用时统计。"]
