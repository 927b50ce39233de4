"""Compounds named in orders and complaints but not in the registry (未入台账): ranked, compared and
profiled on order data alone, then taken in by a registry imported later. Counted by hand on the fixture."""
import json
import subprocess
import sys

import pytest

import fixtures
from conftest import ROOT, june
from metrics.database import connect
from metrics.ingest.importer import import_file
from metrics.known import known_compounds
from metrics.kpis import Scope, kpis, order_kpis
from metrics.names import resolve_compound_name, unmatched_compounds
from metrics.scorecard import scorecard


@pytest.fixture
def no_registry(tmp_path, config):
    """The fixture's orders and complaints, no registry."""
    con = connect(tmp_path / "orders_only.duckdb")
    import_file(con, "work_orders", fixtures.write_csv(tmp_path / "工单.csv", fixtures.ORDER_HEADERS, fixtures.ORDERS),
                config, rejection_dir=tmp_path)
    import_file(con, "complaints", fixtures.write_csv(tmp_path / "投诉.csv", fixtures.COMPLAINT_HEADERS,
                                                      fixtures.COMPLAINTS), config, rejection_dir=tmp_path)
    yield con, tmp_path
    con.close()


def test_orders_alone_name_their_compounds(no_registry):
    con, _ = no_registry
    names = dict(con.execute("SELECT order_id, compound_name FROM work_orders").fetchall())
    # 阳光花园 on W1 (twice in the file), W2, W10, 阳光　花园 (full-width space) on W3: one compound, the
    # spelling most rows use; 阳光小区 (W4) is only the registry's alias, so without a registry it stands alone
    assert [names[w] for w in ("W1", "W2", "W3", "W10")] == ["阳光花园"] * 4
    assert names["W4"] == "阳光小区"
    # 幸福里小区 on W6 and W13, 幸福里 on W5: the spelling of two rows wins; complaint C2 (幸福里) joins it
    assert [names[w] for w in ("W5", "W6", "W13")] == ["幸福里小区"] * 3
    assert con.execute("SELECT compound_name FROM complaints WHERE complaint_id = 'C2'").fetchone() == ("幸福里小区",)
    assert [(r["compound_name"], r["street"], r["in_registry"]) for r in known_compounds(con)] == [
        ("未知小区", "西街道", False), ("和平新村", None, False), ("幸福里小区", None, False),
        ("阳光小区", None, False), ("阳光花园", None, False)]


def test_scorecard_on_order_data_alone(no_registry, config):
    con, _ = no_registry
    card = {r["compound_name"]: r for r in scorecard(con, config, Scope(), june())}
    assert set(card) == {"阳光花园", "阳光小区", "幸福里小区", "和平新村", "未知小区"}
    a = card["阳光花园"]
    # June at 07-01 10:00: W1 on time satisfied, W2 late basically satisfied, W3 on time dissatisfied; C1
    assert (a["orders_total"], a["orders_due"], a["closed_on_time"], a["revisited"], a["complaint_count"]) == (3, 3, 2, 3, 1)
    assert a["on_time_closure_rate"] == pytest.approx(2 / 3) and a["revisit_rate"] == 1.0
    assert a["satisfaction_rate"] == pytest.approx(2 / 3)
    # no registry facts: null, not "no branch"
    assert not a["in_registry"] and a["households"] is None and a["is_covered"] is None
    assert a["has_own_branch"] is None and a["complaints_per_1000_households"] is None
    # 阳光小区: W4 on time, unreachable (not a revisit)
    assert (card["阳光小区"]["orders_total"], card["阳光小区"]["revisit_rate"]) == (1, 0.0)
    # the district is unchanged by naming: 11 June orders (W1-W9, W12, W13), 4 June complaints... C1, C2, C4
    assert sum(r["orders_total"] for r in card.values()) == order_kpis(con, config, Scope(), june())["orders_total"] == 11
    assert sum(r["complaint_count"] for r in card.values()) == 3


def test_registry_kpis_of_an_unregistered_compound_are_null(no_registry, config):
    con, _ = no_registry
    found = kpis(con, config, Scope(compound="阳光花园"), june())
    assert (found["orders_total"], found["closed_on_time"], found["complaint_count"]) == (3, 2, 1)
    # no registry was ever imported: its figures are "—" and say so (compounds_total was 0, eligible_uncovered [])
    assert found["compounds_total"] is None and found["party_org_coverage"] is None
    assert found["independent_branch_rate"] is None and found["eligible_uncovered"] is None
    assert found["missing_inputs"]["compounds_total"] == ["registry"]
    assert found["missing_inputs"]["party_org_coverage"] == ["registry"]   # said once, not also its columns


def test_cli_kpis_and_compounds_without_registry(no_registry):
    _, folder = no_registry
    db = folder / "orders_only.duckdb"
    no_registry[0].close()

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)

    done = cli("kpis", "--db", db, "--from", "2024-06-01", "--to", "2024-06-30", "--as-of", "2024-07-01 10:00",
               "--compound", "幸福里")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # 幸福里 is one of the spellings of 幸福里小区: W5 pending, W6 overdue, W13 on time; complaint C2
    assert report["scope"] == {"compound": "幸福里小区"}
    assert (report["orders_total"], report["orders_due"], report["closed_on_time"], report["complaint_count"]) == (3, 2, 1, 1)
    assert report["on_time_closure_rate"] == 0.5 and report["compounds_total"] is None
    done = cli("compounds", "--db", db, "--from", "2024-06-01", "--to", "2024-06-30", "--as-of", "2024-07-01 10:00")
    card = {r["compound_name"]: r for r in json.loads(done.stdout)}
    assert (card["和平新村"]["orders_total"], card["和平新村"]["in_registry"]) == (3, False)


def test_a_registry_imported_later_takes_them_in(no_registry, config):
    con, folder = no_registry
    import_file(con, "compounds", fixtures.write_csv(folder / "台账.csv", fixtures.COMPOUND_HEADERS, fixtures.COMPOUNDS),
                config, rejection_dir=folder)
    card = {r["compound_name"]: r for r in scorecard(con, config, Scope(), june())}
    # 阳光小区 is now the alias of 阳光花园: W1-W4; only 未知小区 stays outside the registry
    assert [n for n, r in card.items() if not r["in_registry"]] == ["未知小区"]
    assert "阳光小区" not in card and card["阳光花园"]["orders_total"] == 4
    assert card["阳光花园"]["households"] == 1000 and card["幸福里小区"]["orders_total"] == 3
    assert unmatched_compounds(con, config) == [
        {"compound_raw": "未知小区", "orders": 1, "complaints": 1, "places": [("西街道", None)], "suggestions": []}]
    assert resolve_compound_name(con, config, "未知小区") == "未知小区"
    assert resolve_compound_name(con, config, "不存在") is None


def test_a_later_import_never_renames_a_compound(no_registry, config):
    con, folder = no_registry
    # three July orders spell it 幸福里: the majority now, yet the compound keeps the name it has
    later = [fixtures._order(f"W{20 + i}", "2024-07-01 08:00", "", "", compound="幸福里") for i in range(3)]
    import_file(con, "work_orders", fixtures.write_csv(folder / "七月.csv", fixtures.ORDER_HEADERS, later), config,
                rejection_dir=folder)
    assert con.execute("SELECT DISTINCT compound_name FROM work_orders WHERE compound_raw LIKE '幸福里%'").fetchall() == [
        ("幸福里小区",)]


def test_a_name_two_registry_compounds_claim_names_none(tmp_path, config):
    con = connect(tmp_path / "two.duckdb")
    headers = fixtures.COMPOUND_HEADERS
    # 花园 and 花园小区 are two registry compounds whose names normalise alike: an order's 花园 is neither
    registry = [["花园", *[""] * (len(headers) - 1)], ["花园小区", *[""] * (len(headers) - 1)]]
    import_file(con, "compounds", fixtures.write_csv(tmp_path / "台账.csv", headers, registry), config, rejection_dir=tmp_path)
    orders = [fixtures._order("W1", "2024-06-03 09:00", "", "", compound="花园")]
    import_file(con, "work_orders", fixtures.write_csv(tmp_path / "工单.csv", fixtures.ORDER_HEADERS, orders), config,
                rejection_dir=tmp_path)
    assert con.execute("SELECT compound_name FROM work_orders").fetchone() == (None,)
    assert [r["compound_name"] for r in known_compounds(con)] == ["花园", "花园小区"]
    assert [r["compound_raw"] for r in unmatched_compounds(con, config)] == ["花园"]


def test_a_database_from_before_is_rematched_once(built, config):
    con, folder, _ = built
    # as version 2 left it: 未知小区's order and complaint without a compound
    con.execute("UPDATE work_orders SET compound_name = NULL WHERE compound_raw = '未知小区'")
    con.execute("UPDATE complaints SET compound_name = NULL WHERE compound_raw = '未知小区'")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'rollup_version'")
    con.close()
    con = connect(folder / "test.duckdb")
    assert con.execute("SELECT compound_name FROM work_orders WHERE order_id = 'W9'").fetchone() == ("未知小区",)
    card = {r["compound_name"]: r for r in scorecard(con, config, Scope(), june())}
    assert (card["未知小区"]["orders_total"], card["未知小区"]["complaint_count"]) == (1, 1)
    con.close()
