"""The command line scripts use: import, kpis, compounds, supervision, templates (run as real subprocesses)."""
import csv
import io
import json
import os
import subprocess
import sys

import fastexcel
import pytest

import fixtures
from conftest import ROOT
from metrics.ingest.templates import template_headers

TOP_KEYS = ["orders_total", "orders_due", "closed", "closed_on_time", "on_time_closure_rate", "revisited",
            "revisit_rate", "satisfaction_rate", "repeat_rate", "median_close_hours", "complaint_count",
            "party_org_coverage", "independent_branch_rate", "owners_committee_rate", "dual_role_rate",
            "fee_collection_rate", "eligible_uncovered", "previous_period", "same_period_last_year"]


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "cli.duckdb"
    reg = fixtures.write_csv(folder / "台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS)
    orders = fixtures.write_csv(folder / "工单.csv", fixtures.ORDER_HEADERS, fixtures.ORDERS, encoding="gb18030")
    complaints = fixtures.write_csv(folder / "投诉.csv", fixtures.COMPLAINT_HEADERS, fixtures.COMPLAINTS)
    assert cli("import", "--db", path, "--kind", "compounds", reg).returncode == 0
    done = cli("import", "--db", path, "--kind", "work_orders", orders)
    assert done.returncode == 0, done.stderr
    assert "read 17 = new 13 + updated 0 + unchanged 0 + duplicate 1 + rejected 3; warnings 1" in done.stdout
    assert "rejection file: " in done.stdout and "工单_导入问题_2.xlsx" in done.stdout
    assert "unmatched compound names: 1" in done.stdout
    assert cli("import", "--db", path, "--kind", "complaints", complaints).returncode == 0
    return path


@pytest.mark.slow
def test_kpis_json(db):
    done = cli("kpis", "--db", db, "--from", "2024-06-01", "--to", "2024-06-30", "--as-of", "2024-07-01 10:00",
               "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for key in TOP_KEYS:
        assert key in report
    assert (report["orders_total"], report["orders_due"], report["closed_on_time"]) == (11, 9, 6)
    assert report["on_time_closure_rate"] == pytest.approx(6 / 9)
    assert report["eligible_uncovered"] == ["和平新村", "翠湖苑"]
    assert report["previous_period"]["orders_total"] == 1
    assert report["same_period_last_year"]["on_time_closure_rate"] is None
    assert report["period"]["as_of"] == "2024-07-01 10:00:00"
    # the data's first day (C3, filed 2024-05-20) in every kpis call; default_kind only with --period default
    assert report["period"]["data_starts"] == "2024-05-20" and "default_kind" not in report["period"]


def test_kpis_for_a_compound_named_by_alias(db):
    done = cli("kpis", "--db", db, "--from", "2024-06-01", "--to", "2024-06-30", "--as-of", "2024-07-01 10:00",
               "--compound", "旭日苑")
    report = json.loads(done.stdout)
    assert report["scope"] == {"compound": "阳光花园"}
    assert (report["orders_total"], report["closed_on_time"], report["compounds_total"]) == (4, 3, 1)


def test_as_of_defaults_to_the_latest_timestamp(db):
    report = json.loads(cli("kpis", "--db", db, "--from", "2024-06-01", "--to", "2024-06-30").stdout)
    # W12 closed 2024-07-01 12:00 is the latest moment in the data
    assert report["period"]["as_of"] == "2024-07-01 12:00:00"
    assert report["closed"] == 8


def test_unknown_compound_is_an_error(db):
    done = cli("kpis", "--db", db, "--from", "2024-06-01", "--to", "2024-06-30", "--compound", "不存在")
    assert done.returncode != 0 and "不存在" in done.stderr


def test_compounds_csv(db):
    done = cli("compounds", "--db", db, "--from", "2024-06-01", "--to", "2024-06-30", "--as-of", "2024-07-01 10:00",
               "--format", "csv")
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    # none ranked (all under 30 orders): by orders (阳光花园 4; 和平新村, 幸福里小区 3 each, the shorter median first;
    # 未知小区 1; 翠湖苑 0), was alphabetical
    assert [r["compound_name"] for r in table] == ["阳光花园", "和平新村", "幸福里小区", "未知小区", "翠湖苑"]
    assert {r["compound_name"]: r["orders_total"] for r in table} == {"和平新村": "3", "幸福里小区": "3", "未知小区": "1",
                                                                     "翠湖苑": "0", "阳光花园": "4"}
    assert {r["compound_name"]: r["in_registry"] for r in table}["未知小区"] == "False"


@pytest.mark.slow
def test_compounds_csv_never_starts_a_formula(tmp_path):
    """A compound named "\\r=1+1" (a line break, then a formula) and one named "-5号院": each cell a row of
    its own quoted, every line of it made inert; numbers stay numbers."""
    registry = [list(fixtures.COMPOUNDS[0]), list(fixtures.COMPOUNDS[1])]
    registry[0][:2], registry[1][0] = ["\r=1+1", ""], "-5号院"
    db = tmp_path / "f.duckdb"
    assert cli("import", "--db", db, "--kind", "compounds",
               fixtures.write_csv(tmp_path / "台账.csv", fixtures.COMPOUND_HEADERS, registry)).returncode == 0
    done = subprocess.run([sys.executable, "-m", "metrics", "compounds", "--db", str(db), "--from", "2024-06-01",
                           "--to", "2024-06-30", "--as-of", "2024-07-01 10:00", "--format", "csv"],
                          cwd=ROOT, capture_output=True, timeout=120)   # bytes: line ends as written
    lines = done.stdout.decode("utf-8").split("\r\n")
    assert lines[1].startswith("\"'\r'=1+1\",True,东街道,东一社区,commercial,company_managed,甲物业,1000,")
    assert lines[2].startswith("'-5号院,True,东街道,东二社区,old,community_fallback,,200,") and lines[3:] == [""]
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8"), newline="")))
    assert [(r["compound_name"], r["fee_collection_rate"]) for r in rows] == [("'\r'=1+1", "0.9"), ("'-5号院", "0.5")]


@pytest.mark.slow
def test_failed_file_gives_nonzero_exit_and_keeps_others(db, tmp_path):
    good = fixtures.write_csv(tmp_path / "ok.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS)
    bad = fixtures.write_csv(tmp_path / "bad.csv", ["x", "y"], [["1", "2"]])
    done = cli("import", "--db", db, "--kind", "work_orders", good, bad)
    assert done.returncode == 1
    assert "失败 FAILED: bad.csv" in done.stdout
    assert "ok.csv (work_orders, profile default): read 3 = new 1 + updated 1 + unchanged 1" in done.stdout


def test_templates_match_the_default_profile(tmp_path, config):
    done = cli("templates", "--out", tmp_path)
    assert done.returncode == 0
    for kind, name in (("compounds", "小区台账模板.xlsx"), ("work_orders", "工单导入模板.xlsx"),
                       ("complaints", "投诉导入模板.xlsx")):
        sheet = fastexcel.read_excel(str(tmp_path / name)).load_sheet(0, eager=True)
        assert sheet.schema.names == template_headers(config, kind)
        shipped = fastexcel.read_excel(str(ROOT / "data" / "templates" / name)).load_sheet(0, eager=True)
        assert shipped.schema.names == template_headers(config, kind)
    assert "诉求人" not in template_headers(config, "work_orders")


@pytest.fixture
def one_mb(tmp_path, config):
    """A config whose per-file upload limit is 1 MB, and a 1.5 MB file of bytes that are not even text."""
    import yaml

    settings = tmp_path / "limits.yaml"
    settings.write_text(yaml.safe_dump({**config, "uploads": {"file_mb": 1}}, allow_unicode=True), encoding="utf-8")
    return {"DASHBOARD_CONFIG": str(settings)}


def big_file(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff" * (1024 * 1024 * 3 // 2))
    return path


OVER = "大文件.csv: 文件大小 1.5 MB，超过单个文件上限 1 MB，未读取 / 1.5 MB is over the per-file limit of 1 MB; not read"


@pytest.mark.slow
def test_import_refuses_a_file_over_the_per_file_limit_in_one_line(tmp_path, one_mb):
    good = fixtures.write_csv(tmp_path / "ok.csv", fixtures.ORDER_HEADERS, fixtures.JULY_ORDERS)
    done = cli("import", "--db", tmp_path / "x.duckdb", "--kind", "work_orders", big_file(tmp_path / "大文件.csv"),
               good, env=one_mb)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0] == f"失败 FAILED: {OVER}"
    assert "ok.csv (work_orders, profile default): read 3 = new 3" in done.stdout


def test_import_folder_refuses_big_files_and_names_notes_that_fit(tmp_path, one_mb):
    """A file over the limit goes to failed/ unread, with its reason; a 250-byte name that fails gets an error
    note whose name still fits in 255 bytes (the name + .error.txt would not)."""
    drop = tmp_path / "drop"
    big_file(drop / "大文件.csv")
    long = "工" * 82 + ".csv"
    (drop / long).write_text("说明\n这不是导出文件\n", encoding="utf-8")
    done = cli("import-folder", drop, "--db", tmp_path / "x.duckdb", env=one_mb)
    assert done.returncode == 1, done.stderr
    assert f"失败 FAILED: {OVER}" in done.stdout.splitlines()
    note = "工" * 40 + "-21f632c0.csv.error.txt"
    assert sorted(p.name for p in (drop / "failed").iterdir()) == ["大文件.csv", "大文件.csv.error.txt", note, long]
    assert (drop / "failed" / "大文件.csv.error.txt").read_text(encoding="utf-8") == OVER + "\n"
    assert "无法判断是哪类数据" in (drop / "failed" / note).read_text(encoding="utf-8")


@pytest.mark.slow
def test_import_names_missing_columns_by_their_headers(tmp_path):
    """Issue 14: the CLI named a missing column by its internal name ("回访结果 revisit_result"); the header only now."""
    keep = [i for i, h in enumerate(fixtures.ORDER_HEADERS) if h not in ("回访时间", "回访结果")]
    orders = fixtures.write_csv(tmp_path / "工单.csv", [fixtures.ORDER_HEADERS[i] for i in keep],
                                [[row[i] for i in keep] for row in fixtures.ORDERS])
    done = cli("import", "--db", tmp_path / "x.duckdb", "--kind", "work_orders", orders)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if "映射方案有而文件中没有的字段" in line] == [
        "  映射方案有而文件中没有的字段 expected fields not in the file: 回访时间; 回访结果"]


@pytest.fixture(scope="module")
def undated(tmp_path_factory, config):
    """The fixture with fixtures.NO_DEADLINE_ORDERS, deriving no deadline (data from 2023-11-01, as of 2024-07-01
    12:00): open without a deadline at 12:00 N5 (244 days), N1 (169), N2 (12), N6 (1); N3 closed at 11:00."""
    from metrics.database import connect

    folder = tmp_path_factory.mktemp("cli_undated")
    con = connect(folder / "undated.duckdb")
    fixtures.build_no_deadline(con, folder, config)
    con.close()
    return folder / "undated.duckdb"


def sections(report) -> dict:
    return {k: [r["order_id"] for r in report[k]] for k in ("overdue", "due_soon", "no_deadline")}


@pytest.mark.slow
def test_supervision_over_all_the_data(undated):
    done = cli("supervision", "--db", undated, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # all the data: 2023-11-01 (N5) to 数据截至's day, judged at 07-01 12:00 (W12 closed then)
    assert {k: report["period"][k] for k in ("from", "to", "as_of", "data_starts")} == {
        "from": "2023-11-01", "to": "2024-07-01", "as_of": "2024-07-01 12:00:00", "data_starts": "2023-11-01"}
    assert report["counts"] == {"overdue": 2, "overdue_short": 1, "overdue_medium": 0, "overdue_long": 1, "due_soon": 2,
                                "total": 4, "max_days_overdue": 12, "no_deadline": 4, "no_deadline_max_days": 244}
    assert sections(report) == {"overdue": ["W6", "W7"], "due_soon": ["W5", "W11"], "no_deadline": ["N5", "N1", "N2", "N6"]}
    assert [(r["days_overdue"], r["status"]) for r in report["overdue"]] == [(12, "overdue_long"), (3, "overdue_short")]
    assert [r["days_left"] for r in report["due_soon"]] == [2, 3]
    assert [r["days_open"] for r in report["no_deadline"]] == [244, 169, 12, 1]
    n1 = report["no_deadline"][1]
    assert (n1["street"], n1["compound_name"], n1["handling_unit"], n1["category"], n1["received_at"]) == (
        "西街道", "和平新村", "市政维修中心", "电梯", "2024-01-15T08:00:00")
    assert report["overdue"][1]["due_at"] == "2024-06-29T09:00:00"
    assert report["due_within_days"] == 3


@pytest.mark.slow
def test_supervision_of_a_period_scope_and_moment(undated):
    report = json.loads(cli("supervision", "--db", undated, "--from", "2024-06-01", "--to", "2024-06-30",
                            "--as-of", "2024-07-01 10:00").stdout)
    # June at 10:00: W12 still open (due soon), N3 open 12 h (1 day)
    assert {k: report["counts"][k] for k in ("overdue", "due_soon", "total", "no_deadline", "no_deadline_max_days")} == {
        "overdue": 2, "due_soon": 2, "total": 4, "no_deadline": 2, "no_deadline_max_days": 11}
    assert sections(report) == {"overdue": ["W6", "W7"], "due_soon": ["W12", "W5"], "no_deadline": ["N2", "N3"]}
    east = json.loads(cli("supervision", "--db", undated, "--street", "东街道").stdout)
    assert sections(east) == {"overdue": ["W6"], "due_soon": ["W5"], "no_deadline": ["N5", "N2"]}
    assert (east["scope"], east["counts"]["total"], east["counts"]["no_deadline"]) == ({"street": "东街道"}, 2, 2)
    # --from alone: to the data's last day
    since = json.loads(cli("supervision", "--db", undated, "--from", "2024-06-01").stdout)
    assert (since["period"]["to"], sections(since)["no_deadline"]) == ("2024-07-01", ["N2", "N6"])


def test_supervision_csv(undated):
    done = cli("supervision", "--db", undated, "--format", "csv")
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["section"], r["order_id"], r["days_overdue"], r["days_left"], r["days_open"]) for r in table] == [
        ("overdue", "W6", "12", "", ""), ("overdue", "W7", "3", "", ""), ("due_soon", "W5", "", "2", ""),
        ("due_soon", "W11", "", "3", ""), ("no_deadline", "N5", "", "", "244"), ("no_deadline", "N1", "", "", "169"),
        ("no_deadline", "N2", "", "", "12"), ("no_deadline", "N6", "", "", "1")]
    assert (table[1]["handling_unit"], table[1]["received_at"], table[1]["due_at"]) == (
        "市政维修中心", "2024-06-26T09:00:00", "2024-06-29T09:00:00")
    assert (table[5]["due_at"], table[5]["status"]) == ("", "")


@pytest.mark.slow
def test_supervision_csv_cells_are_not_formulas(tmp_path):
    orders = fixtures.write_csv(tmp_path / "工单.csv", fixtures.ORDER_HEADERS, [fixtures._order(
        "X1", "2024-06-01 09:00", "2024-06-02 09:00", "", compound="=HYPERLINK(\"http://x\")", unit="=2+3",
        category="@SUM(A1)")])
    db = tmp_path / "x.duckdb"
    assert cli("import", "--db", db, "--kind", "work_orders", orders).returncode == 0
    table = list(csv.DictReader(io.StringIO(cli("supervision", "--db", db, "--format", "csv").stdout)))
    assert [(r["order_id"], r["compound_raw"], r["handling_unit"], r["category"]) for r in table] == [
        ("X1", "'=HYPERLINK(\"http://x\")", "'=2+3", "'@SUM(A1)")]


@pytest.mark.slow
def test_kpis_of_the_default_period(undated):
    done = cli("kpis", "--db", undated, "--period", "default", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # 数据截至 2024-07-01 12:00: July is running, June is the latest complete month, 2024年上半年 holds data
    assert {k: report["period"][k] for k in ("from", "to", "as_of", "kind", "default_kind", "data_starts")} == {
        "from": "2024-01-01", "to": "2024-06-30", "as_of": "2024-07-01 12:00:00", "kind": "half_year",
        "default_kind": "half_year", "data_starts": "2023-11-01"}
    # H1's orders: W1-W10, W12, W13 and N1-N4
    assert report["orders_total"] == 16
    given = json.loads(cli("kpis", "--db", undated, "--from", "2024-01-01", "--to", "2024-06-30").stdout)
    del report["period"]["default_kind"]
    assert report == given   # the same JSON as with the dates given
    # data as of 2024-07-31: July is complete and neither its quarter nor its half-year begins with it: the month
    july = json.loads(cli("kpis", "--db", undated, "--period", "default", "--as-of", "2024-07-31").stdout)
    assert {k: july["period"][k] for k in ("from", "to", "default_kind")} == {
        "from": "2024-07-01", "to": "2024-07-31", "default_kind": "month"}


@pytest.mark.parametrize("args, said", [
    ((), "请给出 --from 和 --to，或 --period default"),
    (("--from", "2024-06-01"), "请给出 --from 和 --to，或 --period default"),
    (("--period", "default", "--from", "2024-06-01", "--to", "2024-06-30"), "--period 与 --from/--to 只能给出其一"),
    (("--from", "2024-06-30", "--to", "2024-06-01"), "--from 不晚于 --to"),
])
def test_kpis_needs_one_period(undated, args, said):
    done = cli("kpis", "--db", undated, *args)
    assert done.returncode == 2 and said in done.stderr and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
