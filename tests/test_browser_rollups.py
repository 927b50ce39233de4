"""The real thing on a rollups-only file (issue 15): `streamlit run dashboard.py` with DASHBOARD_DB = the rollup job's
file built from the fixture's lake, driven by chromium. 总览 shows the same cards as on the original database
(screenshots/rollups_overview.png, and the original's as overview_original.png beside it)."""
from __future__ import annotations

import fixtures
import pytest
from test_browser import (  # noqa: F401
    CARDS,
    H1_2024,
    add_admin,
    assert_clean,
    browser,
    card_values,
    metrics,
    open_page,
    page,
    screenshot,
    serving,
)

import store
from metrics.kpis import Scope, kpi_report
from metrics.scale import rollup_job
from metrics.scale.lake import export

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`


def test_overview_on_the_rollups_only_file_shows_the_original_cards(tmp_path, config, page):
    original = tmp_path / "app.duckdb"
    with store.writer(original, config, what="fixture") as con:
        fixtures.build(con, tmp_path, config)
    export(store.reader(original, config).cursor(), tmp_path / "lake")
    out = tmp_path / "rollups.duckdb"
    rollup_job.build(tmp_path / "lake", out, "duckdb", config)
    report = kpi_report(store.reader(original, config).cursor(), config, Scope(), H1_2024)
    add_admin(original)
    add_admin(out)
    shown = {}
    for name, db in (("original", original), ("rollups", out)):
        with serving(db, tmp_path) as url:
            open_page(page, url, "overview", "zh")
            shown[name] = metrics(page)
            screenshot(page, f"{name}_overview" if name == "rollups" else "overview_original")
            assert_clean(page, f"overview on {name}")
            assert page.locator("[data-testid='stAlertContentInfo']").count() == 0
    # H1 2024 by hand: 72.7% on time, 12 orders, 4 complaints, 75.0% covered; open W5, W7 (1-3 days), W6 (7+)
    assert (shown["rollups"]["按时办结率"], shown["rollups"]["工单总量"], shown["rollups"]["投诉量"],
            shown["rollups"]["党组织覆盖率"]) == ("72.7%", "12", "4", "75.0%")
    assert {k: shown["rollups"][k] for k in card_values(report, "zh")} == card_values(report, "zh")
    # the same cards, but 集中诉求's count: a rollups-only file carries no hot tables (kept by imports into a database),
    # so 总览 leaves that section out there rather than say there are none
    hot = "仍有在办工单的集中诉求"
    assert hot not in shown["rollups"] and shown["rollups"] == {k: v for k, v in shown["original"].items() if k != hot}
