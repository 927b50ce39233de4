"""The Streamlit app through AppTest, on the hand-counted fixture database."""
import datetime as dt
import os

import pytest
from streamlit.testing.v1 import AppTest

import fixtures
from metrics import formatting as fmt
from metrics.db import connect
from metrics.kpis import Scope, Window, kpi_report
from metrics.periods import Period


@pytest.fixture(autouse=True)
def navigation_not_pages_directory(monkeypatch):
    """A real server sets PagesManager.uses_pages_directory = False on the first st.navigation call and
    keeps it; AppTest resets it to None before every run, and with our pages/ folder the rerun then takes
    the legacy path that runs the page without dashboard.py (streamlit PR 14217). Behave as the server."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app(tmp_path, config, monkeypatch):
    db = tmp_path / "app.duckdb"
    con = connect(db)
    fixtures.build(con, tmp_path, config)
    con.close()
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    import streamlit as st
    st.cache_resource.clear()
    st.cache_data.clear()
    yield AppTest.from_file("../dashboard.py", default_timeout=60)
    st.cache_resource.clear()


def metrics_shown(at):
    return {m.label: m.value for m in at.metric}


def test_overview_cards_equal_the_engine(app, config):
    at = app.run()
    assert not at.exception
    shown = metrics_shown(at)
    # first half of 2024 at the data's latest moment, 2024-07-01 12:00 (W12 closed):
    # due 11 (9 closed + W6, W7 overdue), on time 8 (all closed but W2)
    assert shown["按时办结率"] == "72.7%"
    report = kpi_report(connect(os.environ["DASHBOARD_DB"], read_only=True), config, Scope(),
                        Window(Period(dt.date(2024, 1, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 12)))
    assert shown["回访率"] == fmt.percent(report["revisit_rate"])
    assert shown["满意率"] == fmt.percent(report["satisfaction_rate"])
    assert shown["工单总量"] == "12" and shown["投诉量"] == "4"
    assert shown["党组织覆盖率"] == "75.0%"


def test_street_filter_and_english(app):
    at = app.run()
    at.selectbox(key="street").select("东街道").run()
    assert not at.exception
    # 东街道 in H1 2024: A W1-W4, W10 and B W5, W6, W13 = 8 orders
    assert metrics_shown(at)["工单总量"] == "8"
    assert at.query_params["street"] == "东街道"
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    assert metrics_shown(at)["Work orders"] == "8"


def test_empty_period_says_so(app):
    app.query_params["period"] = "last_year"
    at = app.run()
    assert not at.exception
    # no orders in 2023, but the registry still has its 4 compounds: rates show "—", not 0
    assert metrics_shown(at)["按时办结率"] == "—"
