"""`python -m metrics rollup`: the monthly rollups of a lake (metrics.scale.lake) written into a rollups-only DuckDB file
(issue 15). Its answers equal the original database's; a question the rollups cannot answer raises
rollup.NotInRollups, in the CLI and on a page, never zeros; a failed build leaves the old file."""
import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

import store
from conftest import ROOT, shown_metrics, signed_in_app
from metrics import rollup
from metrics.kpis import Scope, kpi_report, kpis, order_kpis_by, order_rows, window_for
from metrics.scale import rollup_job
from metrics.scale.lake import export

H1 = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
JUNE = (dt.date(2024, 6, 1), dt.date(2024, 6, 30))
SCOPES = [Scope(), Scope(street="东街道"), Scope(compound="阳光花园")]


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "DASHBOARD_LOG": os.devnull})


@pytest.fixture
def lake(store_db, tmp_path, config):
    """The hand-counted fixture exported as a lake: (original database, lake folder)."""
    export(store.reader(store_db, config).cursor(), tmp_path / "lake")
    return store_db, tmp_path / "lake"


def assert_rollups_answer_equal(lake, tmp_path, config, engine: str = "duckdb", differences=None):
    """The rollups-only file built on `engine` gives kpi_report (and kpis) answers equal to the original
    database's, whole dicts, for the district, a street and a compound, for 2024年上半年 and June (on Spark
    `differences(a, b)` lists where they differ: its quantiles may differ in the last bit)."""
    original, folder = lake
    out = tmp_path / f"rollups_{engine}.duckdb"
    written = rollup_job.build(folder, out, engine, config)
    assert (written["orders"], written["complaints"], written["latest_timestamp"]) == (13, 4, "2024-07-01 12:00:00")
    a, b = store.reader(original, config).cursor(), store.reader(out, config).cursor()
    for start, end in (H1, JUNE):
        for scope in SCOPES:
            wa, wb = window_for(a, start, end), window_for(b, start, end)
            assert wa == wb
            ours, theirs = kpi_report(a, config, scope, wa), kpi_report(b, config, scope, wb)
            if differences is None:
                assert theirs == ours, (start, scope)
            else:
                assert differences(ours, theirs) == [], (start, scope)
    # by hand: H1 12 orders (W1-W10, W12, W13), 4 complaints; June 东街道 7 orders; 阳光花园 H1 5 orders
    assert kpis(b, config, Scope(), window_for(b, *H1))["orders_total"] == 12
    assert kpis(b, config, Scope(street="东街道"), window_for(b, *JUNE))["orders_total"] == 7
    assert kpis(b, config, Scope(compound="阳光花园"), window_for(b, *H1))["orders_total"] == 5
    return out


@pytest.mark.slow
def test_duckdb_engine_answers_equal_the_database(lake, tmp_path, config):
    assert_rollups_answer_equal(lake, tmp_path, config, "duckdb")


@pytest.mark.slow
def test_the_file_holds_rollups_only_and_says_so(lake, tmp_path, config):
    _, folder = lake
    out = tmp_path / "r.duckdb"
    rollup_job.build(folder, out, "duckdb", config)
    con = duckdb.connect(str(store.current_snapshot(out)), read_only=True)
    tables = {t for t, in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {*rollup.tables(), "compounds", "meta", "import_log", "import_issues"}
    recorded = json.loads(con.execute("SELECT value FROM meta WHERE key = 'rollups_only'").fetchone()[0])
    assert {k: v for k, v in recorded.items() if k != "built_at"} == {
        "engine": "duckdb", "lake": str(folder.resolve()), "orders": 13, "complaints": 4, "first_day": "2024-05-01"}
    keys = [k for k, in con.execute("SELECT key FROM meta ORDER BY key").fetchall()]
    assert keys == ["import_fields:1", "import_fields:2", "import_fields:3", "latest_timestamp", "rollup_version",
                    "rollups_only"]
    assert con.execute("SELECT kind, rows_read FROM import_log ORDER BY import_id").fetchall() == [
        ("compounds", 4), ("work_orders", 13), ("complaints", 4)]
    con.close()
    # a writer opening it (store.writer runs the schema's DDL) leaves it rollups-only
    with store.writer(out, config):
        pass
    con = duckdb.connect(str(store.current_snapshot(out)), read_only=True)
    assert {t for t, in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} == tables
    con.close()


def test_questions_the_rollups_cannot_answer_raise(lake, tmp_path, config):
    _, folder = lake
    out = tmp_path / "r.duckdb"
    rollup_job.build(folder, out, "duckdb", config)
    con = store.reader(out, config).cursor()
    month = window_for(con, *JUNE)
    cases = {
        "a range off month boundaries": lambda: kpis(con, config, Scope(), window_for(con, dt.date(2024, 6, 3), JUNE[1])),
        "week grain": lambda: order_kpis_by(con, config, Scope(), month, grain="week"),
        "handling unit": lambda: order_kpis_by(con, config, Scope(), month, by=("handling_unit",)),
        "order rows": lambda: order_rows(con, config, Scope(), month),
        "complaints by property company": lambda: __import__("metrics.kpis").kpis.complaint_counts_by(
            con, Scope(), month, by=("property_company",)),
    }
    for what, ask in cases.items():
        with pytest.raises(rollup.NotInRollups) as refused:
            ask()
        text = str(refused.value)
        assert text.startswith("此数据库只含月度汇总"), what
        assert "不按整月的自定义时段" in text and "截至数据截至（2024-07-01 12:00）的整月时段" in text
        assert "cannot be answered" in text and "whole months" in text
    # ... while the same database with its orders answers them: the refusal is the file's, not the question's
    assert order_kpis_by(store.reader(lake[0], config).cursor(), config, Scope(), month, grain="week")


def test_a_running_period_keeps_its_kpis_without_comparisons(lake, tmp_path, config):
    """July 2024 runs (the data ends 07-01 12:00): its comparisons are cut to the same elapsed time, which the
    rollups cannot do. The month's own KPIs still come (W11, received 07-01 09:00: 1 order), the comparisons say
    why they are missing, and the database with its orders makes them."""
    original, folder = lake
    out = tmp_path / "r.duckdb"
    rollup_job.build(folder, out, "duckdb", config)
    a, b = store.reader(original, config).cursor(), store.reader(out, config).cursor()
    july = (dt.date(2024, 7, 1), dt.date(2024, 7, 31))
    theirs, ours = kpi_report(b, config, Scope(), window_for(b, *july)), kpi_report(a, config, Scope(), window_for(a, *july))
    assert theirs["orders_total"] == ours["orders_total"] == 1
    for which in ("previous_period", "same_period_last_year"):
        assert theirs[which]["changes"] == {} and theirs[which]["period"] == ours[which]["period"]
        assert theirs[which]["not_answered"].startswith("此数据库只含月度汇总")
        assert "not_answered" not in ours[which] and "orders_total" not in theirs[which]
    assert ours["previous_period"]["period"]["as_of"] == "2024-06-01 12:00:00"   # June cut at the same elapsed time
    assert {k: v for k, v in theirs.items() if k not in ("previous_period", "same_period_last_year")} == \
        {k: v for k, v in ours.items() if k not in ("previous_period", "same_period_last_year")}


@pytest.mark.slow
def test_cli_builds_and_refuses_clearly(lake, tmp_path):
    _, folder = lake
    out = tmp_path / "cli.duckdb"
    done = cli("rollup", "--engine", "duckdb", "--lake", folder, "--out", out)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:7] == ["order_rollup_compound: 6 rows", "order_rollup_category: 7 rows",
                         "complaint_rollup_compound: 4 rows", "complaint_rollup_category: 4 rows",
                         "open_work_orders: 4 rows", "close_hours_cube: 82 rows", "compounds: 4 rows"]
    assert lines[7] == ("汇总了 13 件工单、4 件投诉，数据截至 2024-07-01 12:00:00 / rolled up 13 orders and 4 complaints, "
                        "data as of 2024-07-01 12:00:00")
    assert lines[8].startswith(f"{out} (duckdb, ") and lines[8].endswith(" s)")
    # a whole month is answered; a range off month boundaries is refused in words, exit 2, no traceback
    done = cli("kpis", "--db", out, "--from", "2024-06-01", "--to", "2024-06-30")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["orders_total"] == 11
    done = cli("kpis", "--db", out, "--from", "2024-06-03", "--to", "2024-06-30")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("错误 ERROR: 此数据库只含月度汇总（由汇总作业从数据湖生成），这个问题需要逐条工单")
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1
    # nothing is imported into it
    done = cli("import", "--db", out, "--kind", "complaints", tmp_path / "投诉.csv")
    assert done.returncode == 2
    assert done.stderr == (f"错误 ERROR: {out} 只含月度汇总，由汇总作业生成，不能导入；请重新运行 python -m metrics rollup / "
                           f"{out} holds the monthly rollups only, built by the rollup job: nothing is imported into "
                           "it; run python -m metrics rollup again\n")


def test_cli_errors_name_the_folder(lake, tmp_path):
    _, folder = lake
    missing = tmp_path / "no-lake"
    done = cli("rollup", "--lake", missing, "--out", tmp_path / "x.duckdb")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"错误 ERROR: 数据湖目录不存在：{missing} / no such lake folder: {missing}\n"
    shutil.rmtree(folder / "complaints")
    done = cli("rollup", "--lake", folder, "--out", tmp_path / "x.duckdb")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"错误 ERROR: 数据湖 {folder} 缺少表 complaints（应有 {folder / 'complaints'}/ 下的 Parquet 文件） / "
                           f"the lake {folder} has no table complaints (Parquet files under {folder / 'complaints'}/)\n")
    assert not (tmp_path / "x.duckdb").exists()
    done = cli("rollup", "--engine", "hadoop", "--lake", folder, "--out", tmp_path / "x.duckdb")
    assert done.returncode == 2 and "invalid choice: 'hadoop'" in done.stderr


@pytest.mark.slow
def test_a_failed_build_leaves_the_old_file(lake, tmp_path, config):
    _, folder = lake
    out = tmp_path / "r.duckdb"
    rollup_job.build(folder, out, "duckdb", config)
    before, snapshot = out.read_bytes(), store.current_snapshot(out)
    # a partition that is no Parquet file: the build fails while reading the lake
    (next((folder / "work_orders").iterdir()) / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(duckdb.Error):
        rollup_job.build(folder, out, "duckdb", config)
    assert out.read_bytes() == before and store.current_snapshot(out) == snapshot
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".r.duckdb")) == []
    assert kpis(store.reader(out, config).cursor(), config, Scope(), window_for(
        store.reader(out, config).cursor(), *H1))["orders_total"] == 12


@pytest.fixture
def rollups_app(lake, tmp_path, config, monkeypatch):
    """The app on a rollups-only file built from the fixture's lake, signed in as a district admin."""
    _, folder = lake
    out = tmp_path / "app_rollups.duckdb"
    rollup_job.build(folder, out, "duckdb", config)
    yield from signed_in_app(out, monkeypatch)


@pytest.mark.slow
def test_overview_on_the_rollups_only_file(rollups_app):
    at = rollups_app.run()
    assert not at.exception and not at.error
    # the same cards as on the fixture database (tests/test_page_overview.py), no demo badge, no refusal
    shown = shown_metrics(at)
    assert {k: shown[k] for k in ("按时办结率", "工单总量", "投诉量", "党组织覆盖率", "未到期", "超期1-3天", "超期7天以上")} == {
        "按时办结率": "72.7%", "工单总量": "12", "投诉量": "4", "党组织覆盖率": "75.0%", "未到期": "1", "超期1-3天": "1",
        "超期7天以上": "1"}
    assert [i.value for i in at.info] == [] and [w.value for w in at.warning] == []
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "各街道按时办结率与满意率" in titles


@pytest.mark.slow
def test_a_running_month_shows_its_cards_and_says_why_no_comparison(rollups_app):
    """本月 (July 2024, running at 数据截至 07-01 12:00): the cards, and one line instead of 环比 and 同比."""
    at = rollups_app.run()
    at.selectbox(key="f_period").select("this_month").run()
    assert not at.exception and not at.error
    # W11 (07-01) is neither due nor closed yet: the charts of rates say so in a sentence (were drawn empty)
    assert [i.value for i in at.info] == [
        "所选范围和时段内的工单尚无可计算的按时办结率、回访率、满意率（没有已到期、已办结或已回访的工单）。",
        "所选范围和时段内的工单尚无可计算的按时办结率、满意率（没有已到期、已办结或已回访的工单）。"]
    assert shown_metrics(at)["工单总量"] == "1"
    assert [c.value for c in at.caption if c.value.startswith("环比、同比未显示")] == [
        "环比、同比未显示：数据截至 2024-07-01 12:00 落在本时段内，比较时段须截到相同时长，而此数据库只含月度汇总（汇总作业生成），无法截取。"]


@pytest.mark.slow
def test_a_page_says_what_the_rollups_cannot_answer(rollups_app):
    at = rollups_app.run()
    # a custom range off month boundaries: the message in place of the page's figures, no error, no zeros
    at.selectbox(key="f_period").select("custom").run()
    at.text_input(key="f_from").input("2024-06-03").run()
    assert not at.exception and not at.error
    assert len(at.info) == 1 and at.info[0].value.startswith("此数据库只含月度汇总")
    assert "不按整月的自定义时段" in at.info[0].value and shown_metrics(at) == {}
    # 督办 lists orders: the same message on that page
    at.selectbox(key="f_period").select("first_half").run()
    at.switch_page("pages/supervision.py").run()
    assert not at.exception and not at.error
    assert [i.value.split("，")[0] for i in at.info] == ["此数据库只含月度汇总（由汇总作业从数据湖生成）"]
    # English
    at.radio(key="lang_choice").set_value("English").run()
    assert at.info[0].value.startswith("This database holds the monthly rollups only")


@pytest.mark.slow
def test_the_import_page_refuses(rollups_app, tmp_path):
    at = rollups_app.run()
    at.switch_page("pages/import.py").run()
    assert not at.exception and not at.error
    assert len(at.warning) == 1 and at.warning[0].value.startswith("此数据库只含月度汇总，由汇总作业从数据湖")
    assert "不能在此导入" in at.warning[0].value and not at.get("file_uploader")
