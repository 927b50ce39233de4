"""With nothing imported the app runs on the demo database, built on first start and labelled as demo."""
import pytest
import yaml
from conftest import ROOT, shown_metrics

from metrics.database import connect


@pytest.mark.slow
def test_empty_user_database_falls_back_to_the_labelled_demo(tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["demo_database"] = str(tmp_path / "demo" / "demo.duckdb")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    empty = tmp_path / "user.duckdb"
    connect(empty).close()  # a user database into which no import succeeded
    monkeypatch.setenv("DASHBOARD_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DASHBOARD_DB", str(empty))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    try:
        assert not at.exception
        assert (tmp_path / "demo" / "demo.duckdb").exists()
        assert any("演示数据" in w.value for w in at.warning)
        # the progress box says it has finished, not that it is still building
        assert [(s.label, s.state) for s in at.status] == [("首次启动：演示数据库已生成", "complete")]
        # the deterministic demo (seed 42) ends 2025-12-31 17:54: the default is the second half of 2025 (15,415
        # orders received; the first half held 14,584)
        assert any("统计时段：2025年下半年（最近一个完整的半年）" in c.value for c in at.caption)
        assert shown_metrics(at)["工单总量"] == "15,415"
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
