"""原因分析 and the 总览 and 小区档案 sections that lead to it, through AppTest on tests/breakdown_fixture.py (June 2024,
the data's last month, at 2024-07-01 10:00; min_orders 2, list_size 1), every figure counted by hand there and in
tests/test_breakdown.py. A click on a table's row is the browser's (tests/test_browser_breakdown.py); here the row
is chosen by the address (?row=), as the click writes it."""
import pandas as pd
import pytest
import yaml

import breakdown_fixture as bf
from conftest import sign_in
from metrics.database import connect


@pytest.fixture(scope="module")
def causes_db(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("causes")
    con = connect(folder / "app.duckdb")
    bf.build(con, folder, bf.config_for(config))
    con.close()
    settings = folder / "config.yaml"
    settings.write_text(yaml.safe_dump({**bf.config_for(config), "database": str(folder / "app.duckdb")},
                                       allow_unicode=True), encoding="utf-8")
    return folder / "app.duckdb", settings


@pytest.fixture
def app(causes_db, monkeypatch):
    """open(page, account=…, **address): the app on the fixture at `page`, signed in (a district admin unless
    `account` says (login, password, fields)), for June 2024 and the address given."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT

    db, settings = causes_db
    monkeypatch.setenv("DASHBOARD_CONFIG", str(settings))
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()

    def open_page(page: str = "pages/causes.py", account: tuple | None = None, **params):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.query_params["period"] = "last_month"   # June 2024
        if account:
            login, password, fields = account
            sign_in(at, db, login, password, **fields)
        else:
            sign_in(at, db)
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page).run()   # opened at its own address (总览 drops another page's ?compound=)
        assert not at.exception, at.exception
        return at

    yield open_page
    st.cache_resource.clear()
    st.cache_data.clear()


# tables that take no click have no id from their key: found by their first column
FIRST = {"ca_orders": ("工单编号", "Order id"), "profile_by_category": ("诉求类别",), "profile_by_unit": ("承办单位",)}


def table(at, key: str):
    """The table drawn with `key` (the drill's lists: ca_orders)."""
    for d in at.dataframe:
        if d.proto.id.endswith(f"-{key}") or d.value.columns[0] in FIRST.get(key, ()):
            return d.value
    raise LookupError(key)


def has_table(at, key: str) -> bool:
    try:
        return table(at, key) is not None
    except LookupError:
        return False


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_units_worst_first_with_their_figures(app):
    at = app()
    assert at.title[0].value == "原因分析"
    assert at.radio(key="ca_by").value == "unit" and at.query_params["by"] == "unit"
    units = table(at, "ca_rows_unit")
    # 城管科 scores 65.0 (rank 3), 供水公司 and 物业客服 70.8 (rank 1, shared); 未知 (R12, R13, R15) last, unranked
    assert list(units["承办单位"]) == ["城管科", "供水公司", "物业客服", "未知"]
    assert list(units["名次"][:3]) == [3, 1, 1] and pd.isna(units["名次"][3])
    city = units.iloc[0]
    # R1-R5: late on 3 of 5 (R2, R3 closed late, R4 open past its deadline)
    assert (city["工单总量"], city["应办结"], city["超时或超期"]) == (5, 5, 3)
    assert city["按时办结率"] == pytest.approx(40.0) and city["满意率"] == pytest.approx(75.0)
    assert city["按时办结率95%区间"] == "11.8%–76.9%"
    assert (city["不满意"], city["回访未解决"], city["在办"], city["超期在办"]) == (1, 2, 1, 1)
    assert city["办结用时中位数（小时）"] == 72.0 and city["综合得分"] == pytest.approx(65.0)
    assert city["红黑榜"] == "黑榜"
    unknown = units.iloc[3]
    assert (unknown["工单总量"], unknown["在办"], unknown["超期在办"]) == (3, 2, 1)
    assert any("工单少于2件的不排名" in c.value for c in at.caption)
    assert any("点击表中的一行" in c.value for c in at.caption)
    assert not has_table(at, "ca_orders")


def test_a_units_late_orders(app):
    at = app(row="城管科")
    assert "城管科：问题工单" in [h.value for h in at.subheader]
    shown = metrics(at)
    assert (shown["工单总量"], shown["按时办结率"], shown["满意率"], shown["超期在办"]) == ("5", "40.0%", "75.0%", "1")
    assert at.radio(key="ca_short").value == "late"
    assert at.radio(key="ca_short").options == ["超时办结或超期未办结（3件）", "回访不满意（1件）", "回访未解决（2件）"]
    late = table(at, "ca_orders")
    # R4 open 19 days past its 06-13 deadline (days begun to 07-01 10:00), R3 2 days late, R2 1 day
    assert list(late["工单编号"]) == ["R4", "R3", "R2"]
    assert list(late["超时天数"]) == [19, 2, 1]
    assert list(late["状态"]) == ["超期未办结", "超时办结", "超时办结"]
    assert list(late["小区"]) == ["银杏苑", "银杏苑", "金桂苑"] and set(late["承办单位"]) == {"城管科"}
    assert set(late["物业公司"]) == {"甲物业"} and list(late["回访结果"]) == ["—", "基本满意", "不满意"]
    assert list(late["是否解决"]) == ["—", "否", "否"]
    r2 = late.iloc[2]
    assert r2["诉求内容（已脱敏）"] == "住户电话[手机号]，楼道漏水一周无人处理"   # masked at import
    assert str(r2["受理时间"]) == "2024-06-04 09:00:00" and str(r2["办结时间"]) == "2024-06-08 09:00:00"
    assert not any(bf.PHONE in str(v) or bf.NAME in str(v) for v in late.to_numpy().ravel())
    at.radio(key="ca_short").set_value("unresolved").run()
    assert not at.exception
    assert at.query_params["short"] == "unresolved"
    assert list(table(at, "ca_orders")["工单编号"]) == ["R2", "R3"]
    at.radio(key="ca_short").set_value("dissatisfied").run()
    assert list(table(at, "ca_orders")["工单编号"]) == ["R2"]


def test_the_address_names_the_list_and_the_unknown_row(app):
    at = app(row="__unknown__", short="late")
    assert "未知：问题工单" in [h.value for h in at.subheader]
    assert list(table(at, "ca_orders")["工单编号"]) == ["R13"]   # open past its 06-16 deadline; R15 not yet due
    at.radio(key="ca_short").set_value("dissatisfied").run()
    assert "没有此类工单。" in [i.value for i in at.info]


def test_another_split_forgets_the_row(app):
    at = app(row="城管科", short="unresolved")
    at.radio(key="ca_by").set_value("category").run()
    assert not at.exception
    assert at.query_params["by"] == "category" and "row" not in at.query_params and "short" not in at.query_params
    categories = table(at, "ca_rows_category")
    # ranked worst first: 渗水漏水 (4), 车辆管理 (3), 供水 and 电梯 (1, shared); 噪音扰民's one order is not ranked
    assert list(categories["诉求类别"]) == ["渗水漏水", "车辆管理", "供水", "电梯", "噪音扰民"]
    assert list(categories["名次"][:4]) == [4, 3, 1, 1]
    noise = categories[categories["诉求类别"] == "噪音扰民"].iloc[0]
    assert noise["工单总量"] == 1 and noise["样本"] == "样本少" and pd.isna(noise["名次"])
    assert list(categories["红黑榜"]) == [""] * 5   # no 红黑榜 of categories


def test_companies_lists_and_compounds(app, downloads):
    at = app(by="company")
    assert at.radio(key="ca_by").value == "company"
    assert "物业公司红黑榜" in [h.value for h in at.subheader]
    red, black = table(at, "ca_ca_red"), table(at, "ca_ca_black")
    # list_size 1: 乙物业 (75.9, 丹枫苑) red, 甲物业 (72.8, 金桂苑 and 银杏苑) black
    assert list(red["物业公司"]) == ["乙物业"] and list(red["在管小区"]) == ["丹枫苑"]
    assert list(black["物业公司"]) == ["甲物业"] and list(black["在管小区"]) == ["金桂苑、银杏苑"]
    assert list(black["名次"]) == [2] and round(black["综合得分"].iloc[0], 1) == 72.8
    companies = table(at, "ca_rows_company")
    assert list(companies["物业公司"]) == ["甲物业", "乙物业", "未知"]
    jia = companies.iloc[0]
    # 金桂苑 R1, R2, R9 and 银杏苑 R3, R4, R5, R10, R11: on time 4 of 8, satisfied 5 of 7
    assert (jia["在管小区"], jia["工单总量"], jia["超时或超期"]) == ("金桂苑、银杏苑", 8, 4)
    assert jia["按时办结率"] == pytest.approx(50.0) and jia["满意率"] == pytest.approx(500 / 7)
    # the download: rates as fractions, the interval as its bounds
    offered = [name for name in downloads if name.startswith("原因分析（物业公司）")]
    assert offered and all(name.endswith((".xlsx", ".csv")) for name in offered)

    at.query_params["row"] = "甲物业"
    at.run()
    assert not at.exception
    compounds = table(at, "ca_compounds")
    # 金桂苑: R1, R9 on time, R2 late (2 of 3); 银杏苑: R5, R10 on time of 5
    assert list(compounds["小区"]) == ["金桂苑", "银杏苑"] and list(compounds["工单总量"]) == [3, 5]
    assert list(compounds["按时办结率"].round(1)) == [66.7, 40.0]
    late = table(at, "ca_orders")
    assert list(late["工单编号"]) == ["R4", "R3", "R2", "R11"]


def test_a_street_from_the_address_narrows_the_units(app):
    """总览's street row opens this page with ?street=: the street's units only."""
    at = app(street="东街道", by="unit")
    assert at.selectbox(key="f_street").value == "东街道"
    units = table(at, "ca_rows_unit")
    # 东街道: 金桂苑 and 银杏苑: 城管科 R1-R5 and 物业客服 R9-R11
    assert list(units["承办单位"]) == ["城管科", "物业客服"] and list(units["工单总量"]) == [5, 3]


def test_a_street_account_sees_its_own_units(app):
    at = app(account=("dong", "东街道-密码-2024", {"role": "street", "street": "东街道",
                                                                      "admin": False}))
    assert list(table(at, "ca_rows_unit")["承办单位"]) == ["城管科", "物业客服"]
    at.query_params["row"] = "供水公司"   # 西街道's unit: not in the rows this account sees
    at.run()
    assert not at.exception
    assert "所选的一行不在当前范围和时段内。" in [i.value for i in at.info]
    assert not has_table(at, "ca_orders")


def test_english(app):
    at = app(row="城管科", lang="en")
    assert at.title[0].value == "Causes"
    units = table(at, "ca_rows_unit")
    assert list(units.columns[:3]) == ["Rank", "Handling unit", "Work orders"]
    assert "城管科: the orders that fell short" in [h.value for h in at.subheader]
    late = table(at, "ca_orders")
    assert list(late["Status"]) == ["Open, overdue", "Closed late", "Closed late"]


def test_an_empty_period(app):
    at = app(period="last_year")
    assert any("没有数据" in i.value for i in at.info)
    assert not at.dataframe


def test_overview_leads_to_the_worst_street(app):
    """总览's 原因分析 table: streets by on-time closure, the lowest first (a click opens this page)."""
    at = app(page="pages/overview.py")
    streets = table(at, "why_places")
    # 东街道: due 8, on time 4 (城管科 2 of 5, 物业客服 2 of 3); 西街道: due 5, on time 3 (供水公司 2 of 3, R12 of R12, R13)
    assert list(streets["街道"]) == ["东街道", "西街道"] and list(streets["工单总量"]) == [8, 6]
    assert list(streets["按时办结率"]) == [50.0, 60.0]
    assert any("再点击承办单位查看其超时工单" in c.value for c in at.caption)


def test_profile_by_category_and_unit(app):
    at = app(page="pages/profile.py", compound="银杏苑")
    assert "按诉求类别、承办单位" in [h.value for h in at.subheader]
    categories, units = table(at, "profile_by_category"), table(at, "profile_by_unit")
    # 银杏苑 R3, R4 (车辆管理, both late: 0 of 2) and R5, R10, R11 (渗水漏水, R11 late: 2 of 3)
    assert list(categories["诉求类别"]) == ["车辆管理", "渗水漏水"]
    assert list(categories["工单总量"]) == [2, 3] and list(categories["超时或超期"]) == [2, 1]
    assert list(categories["按时办结率"].round(1)) == [0.0, 66.7]
    # 城管科 R3, R4, R5 (on time 1 of 3, R3 basically satisfied, R5 satisfied); 物业客服 R10, R11 (1 of 2, R11
    # dissatisfied): 城管科 scores (0.3/3 + 0.4 + 0.1) / 0.8 = 75.0, 物业客服 (0.15 + 0.2 + 0.1) / 0.8 = 56.25
    assert list(units["承办单位"]) == ["物业客服", "城管科"]
    assert list(units["满意率"]) == [50.0, 100.0] and list(units["不满意"]) == [1, 0]


def test_an_export_without_resolved_says_so(tmp_path, config, monkeypatch):
    """Orders exported without 是否解决: 回访未解决 cannot be listed, and the page says why instead of “no such order”."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    from fixtures import COMPOUND_HEADERS, ORDER_HEADERS, write_csv
    from metrics.ingest.importer import import_file

    settings = bf.config_for(config)
    gone = ORDER_HEADERS.index("是否解决")
    con = connect(tmp_path / "app.duckdb")
    import_file(con, "compounds", write_csv(tmp_path / "台账.csv", COMPOUND_HEADERS, bf.COMPOUNDS), settings)
    import_file(con, "work_orders", write_csv(tmp_path / "工单.csv", [h for i, h in enumerate(ORDER_HEADERS) if i != gone],
                                              [[v for i, v in enumerate(r) if i != gone] for r in bf.ORDERS]), settings,
                rejection_dir=tmp_path / "rejections")
    con.close()
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({**settings, "database": str(tmp_path / "app.duckdb")},
                                                         allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "app.duckdb"))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        for key, value in {"period": "last_month", "by": "unit", "row": "城管科", "short": "unresolved"}.items():
            at.query_params[key] = value
        sign_in(at, tmp_path / "app.duckdb")
        at.run()
        at.switch_page("pages/causes.py").run()
        assert not at.exception
        assert at.radio(key="ca_short").value == "unresolved"
        assert "这些工单的数据中没有“是否解决”（导出无此列），无法列出回访未解决的工单。" in [i.value for i in at.info]
        assert not has_table(at, "ca_orders")
        assert table(at, "ca_rows_unit")["回访未解决"].isna().all()   # “—”: not 0, the data never said
        assert at.radio(key="ca_short").options[2] == "回访未解决"
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
