"""集中诉求 through AppTest on the small fixture of tests/test_hot_import.py: four residents of 锦绣家园 write of a mixing
plant in May 2024 (T1-T4: T1 closed on time, T3 late, T2 and T4 open on 1 June), a fifth of a lift (T5, alone)."""
from __future__ import annotations

import pytest

from conftest import shown_metrics, signed_in_app
from metrics.database import connect
from metrics.ingest.importer import import_file
from test_hot_import import DATA, ORDERS, _orders

PAGE = "pages/hot.py"


@pytest.fixture(scope="module")
def hot_db(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("hotpage")
    con = connect(folder / "hot.duckdb")
    import_file(con, "compounds", DATA / "compounds.csv", config, rejection_dir=folder)
    import_file(con, "work_orders", _orders(folder, ORDERS), config, rejection_dir=folder)
    con.close()
    return folder / "hot.duckdb"


@pytest.fixture
def hot_app(hot_db, monkeypatch):
    for at in signed_in_app(hot_db, monkeypatch):
        at.query_params["period"] = "custom"
        at.query_params["from"] = "2024-05-01"
        at.query_params["to"] = "2024-05-31"
        yield at


def page(at):
    at = at.run().switch_page(PAGE).run()
    assert not at.exception
    return at


def frame_with(at, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, column
    return found[0]


def test_the_page_lists_the_hot_issue_and_opens_its_orders(hot_app):
    at = page(hot_app)
    assert at.title[0].value == "集中诉求"
    assert shown_metrics(at) == {"集中诉求": "1", "仍有在办工单的": "1", "本期新出现": "1"}
    listed = frame_with(at, "热度")
    assert listed[["排名", "问题", "小区", "街道", "首次", "最近", "工单", "居民", "在办", "热度", "新", "关键词"]].values.tolist() == [
        [1, "搅拌站晚上施工噪音太大了", "锦绣家园", "东湖街道", "2024-05-06", "2024-05-20", 4, 4, 2, 24.0, "新",
         "搅拌站、噪音、施工、扰民、作业"]]
    # the 提醒 panel above says the plant is new (alerts.new_hot_issue); the page's own expander opens it
    assert [e.label for e in at.expander] == ["提醒 · 1条待确认，其中1条为上次访问以来新增",
                                              "1. 搅拌站晚上施工噪音太大了 · 锦绣家园 · 新"]
    assert any(m.value.startswith("**新** · 锦绣家园新出现集中诉求“搅拌站晚上施工噪音太大了”") for m in at.markdown)
    orders = frame_with(at, "诉求内容（已脱敏）")
    assert orders[["工单编号", "受理时间", "状态", "办结时间", "标题"]].values.tolist() == [
        ["T1", "2024-05-06 09:00", "按时办结", "2024-05-08 10:00", "搅拌站噪音 电话[手机号]"],
        ["T2", "2024-05-09 20:00", "在办，已超期", "—", "关于搅拌站扰民"],
        ["T3", "2024-05-15 22:30", "超时办结", "2024-05-25 10:00", ""],
        ["T4", "2024-05-20 23:10", "在办，已超期", "—", "搅拌站夜间施工"]]
    assert not any("13812345678" in str(v) for v in orders.values.ravel())
    # the words written more than in April (none then), at least 3 messages: the plant's
    rising = frame_with(at, "本期")
    assert "搅拌站" in rising["词"].tolist() and rising.set_index("词").loc["搅拌站", "本期"] == 4
    assert "本时段没有全市性议题。" in [i.value for i in at.info]
    # the compound's profile, period and filters carried along
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("hot_profile_")][0]).click().run()
    assert not at.exception and at.title[0].value == "小区档案"


def test_in_english(hot_app):
    hot_app.query_params["lang"] = "en"
    at = page(hot_app)
    assert at.title[0].value == "Hot issues"
    assert frame_with(at, "Heat")["Issue"].tolist() == ["搅拌站晚上施工噪音太大了"]


def test_another_street_has_none(hot_app):
    hot_app.query_params["street"] = "南山街道"
    at = page(hot_app)
    assert [i.value for i in at.info][:1] == ["本时段、本范围内没有集中诉求（至少3位居民反映同一问题）。"]
    assert not [d for d in at.dataframe if "热度" in d.value.columns]


def test_the_overview_and_the_profile_show_the_hot_issue(hot_app):
    at = hot_app.run().switch_page("pages/overview.py").run()
    assert not at.exception
    assert shown_metrics(at)["仍有在办工单的集中诉求"] == "1"
    assert "1. 搅拌站晚上施工噪音太大了（锦绣家园，4件工单、4位居民，在办2件，热度24.0）【新】" in [
        m.value.replace("\\", "") for m in at.markdown]
    at.query_params["compound"] = "锦绣家园"
    at = at.switch_page("pages/profile.py").run()
    assert not at.exception
    table = frame_with(at, "热度")
    assert table.values.tolist() == [["搅拌站晚上施工噪音太大了", "2024-05-06", "2024-05-20", 4, 4, 2, 24.0, "新"]]
    at.button(key="profile_hot_page").click().run()
    assert not at.exception and at.title[0].value == "集中诉求"
