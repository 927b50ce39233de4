"""提醒 (issue 25): the rules, their storage, scope, acknowledgement and the command line, counted by hand.

Data as of 2024-07-01 09:00 (丁舍's one open order of July): the latest complete month is June 2024; July runs.
Config as shipped: below_target 3 months (on-time 95%, satisfaction 90%), at least 10 orders in a month's base;
spike ratio 2 against the mean of the 3 months before, at least 20 orders or 8 complaints.

- 甲园 (东街道 东一社区): 20 orders a month, March-June; late 0, 4, 3, 2: on time 100.0%, 80.0%, 85.0%, 90.0%. April,
  May and June below 95%: one alert, its run April-June (key …:甲园:2024-04), 3 months, 80.0% / 85.0% / 90.0% on 20.
  No revisit answer: no satisfaction rate, no satisfaction alert.
- 乙苑 (东街道 东二社区): 20 orders a month, on time in March and April, 5 late in May and June (75.0%): two months,
  no alert. Complaints March-June 2, 4, 3, 12: June's 12 >= 8 and >= 2 x 3.0: one complaint spike (12, mean 3.0).
- 丙苑 (西街道 西一社区): orders 10, 10, 10, 40 (all on time): June's 40 >= 20 and >= 2 x 10.0: one order spike.
- 丁舍 (西街道 西二社区): 5 orders a month April-June, 1 late each (80.0%): below target, but 5 < 10 orders: no alert.
So three alerts: 甲园's below-target run, 乙苑's complaint spike, 丙苑's order spike."""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from test_attention import orders, write

from access import AccessError, accounts, alerts, audit, views
from access.db import connect as access_connect
from metrics import alerts as rules
from metrics.config import load_config
from metrics.database import connect
from metrics.ingest.importer import import_file

AS_OF = dt.datetime(2024, 7, 1, 10, 0)   # the imports' moment
PASSWORD = "提醒-测试-密码-2024"
KEYS = ["below_target:on_time_closure_rate:甲园:2024-04", "spike:complaints:乙苑:2024-06", "spike:work_orders:丙苑:2024-06"]


def load(con, folder, config):
    """Import the registry, orders and complaints above into `con`."""
    registry = [["甲园", "东街道", "东一社区", "100"], ["乙苑", "东街道", "东二社区", "100"],
                ["丙苑", "西街道", "西一社区", "100"], ["丁舍", "西街道", "西二社区", "100"]]
    rows = []
    for month, late in ((3, 0), (4, 4), (5, 3), (6, 2)):
        rows += orders("甲园", month, 20, late=late)
    for month, late in ((3, 0), (4, 0), (5, 5), (6, 5)):
        rows += orders("乙苑", month, 20, late=late)
    for month, n in ((3, 10), (4, 10), (5, 10), (6, 40)):
        rows += orders("丙苑", month, n)
    for month in (4, 5, 6):
        rows += orders("丁舍", month, 5, late=1)
    rows.append(["丁舍-7", "2024-07-01 09:00:00", "丁舍", "2024-07-06 09:00:00", "", ""])   # 数据截至, open
    complaints = [[f"C{month}-{i}", f"2024-{month:02d}-{1 + i:02d} 10:00", "乙苑"]
                  for month, n in ((3, 2), (4, 4), (5, 3), (6, 12)) for i in range(n)]
    import_file(con, "compounds", write(folder / "台账.csv", ["小区名称", "街道", "社区", "户数"], registry), config,
                imported_at=AS_OF)
    import_file(con, "work_orders", write(folder / "工单.csv", ["工单编号", "受理时间", "小区", "办结时限", "办结时间",
                                                               "回访结果"], rows), config, imported_at=AS_OF)
    import_file(con, "complaints", write(folder / "投诉.csv", ["投诉编号", "投诉时间", "小区"], complaints), config,
                imported_at=AS_OF)


def build(folder, config):
    con = connect(folder / "alerts.duckdb")
    load(con, folder, config)
    return con


@pytest.fixture(scope="module")
def alert_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("alerts")
    con = build(folder, load_config())
    yield con, folder / "alerts.duckdb"
    con.close()


def test_the_rules_find_exactly_the_three_alerts_with_their_figures(alert_db):
    con, _ = alert_db
    found = rules.evaluate(con, load_config())
    assert [a["key"] for a in found] == KEYS
    run, complaints, orders_ = found
    assert run == {
        "key": KEYS[0], "rule": "below_target", "compound_name": "甲园", "street": "东街道", "community": "东一社区",
        "month": "2024-06-01",
        "figures": {"kpi": "on_time_closure_rate", "target": 0.95, "months": 3,
                    "run": [{"month": "2024-04-01", "rate": 0.8, "n": 20}, {"month": "2024-05-01", "rate": 0.85, "n": 20},
                            {"month": "2024-06-01", "rate": 0.9, "n": 20}]},
        "view": {"page": "profile", "params": {"compound": "甲园", "period": "custom", "from": "2024-04-01",
                                               "to": "2024-06-30"}}}
    assert (complaints["street"], complaints["community"], complaints["figures"]) == (
        "东街道", "东二社区", {"dataset": "complaints", "count": 12, "baseline": 3.0, "months": 3, "ratio": 2.0,
                            "running": False})
    assert complaints["view"]["params"] == {"compound": "乙苑", "period": "custom", "from": "2024-03-01",
                                            "to": "2024-06-30"}
    assert (orders_["street"], orders_["community"], orders_["figures"]["count"], orders_["figures"]["baseline"]) == (
        "西街道", "西一社区", 40, 10.0)
    assert rules.describe(run, "zh") == "甲园按时办结率连续3个月低于目标95.0%（2024年4月80.0%、2024年5月85.0%、2024年6月90.0%）"
    assert rules.describe(complaints, "zh") == "乙苑2024年6月投诉量12件，为前3个月平均（3.0件）的4.0倍"
    assert rules.describe(orders_, "en") == ("丙苑, Jun 2024: 40 work orders, 4.0 times the average of the 3 months "
                                             "before (10.0)")
    assert rules.url(run["view"]) == ("/profile?compound=%E7%94%B2%E5%9B%AD&period=custom&from=2024-04-01"
                                      "&to=2024-06-30")


def test_config_sets_the_rules(alert_db):
    """Two months are enough with months: 2 (乙苑 joins, its run from May); a rule turned off raises nothing; at a
    ratio of 5 neither spike (4.0 times each) is one."""
    con, _ = alert_db
    config = copy.deepcopy(load_config())
    config["alerts"]["below_target"]["months"] = 2
    config["alerts"]["spike"]["enabled"] = False
    assert [a["key"] for a in rules.evaluate(con, config)] == [
        "below_target:on_time_closure_rate:乙苑:2024-05", "below_target:on_time_closure_rate:甲园:2024-04"]
    config["alerts"]["below_target"]["min_orders"] = 5   # 丁舍's 5 orders now count: April-June at 80.0%
    assert "below_target:on_time_closure_rate:丁舍:2024-04" in [a["key"] for a in rules.evaluate(con, config)]
    config = copy.deepcopy(load_config())
    config["alerts"]["spike"]["ratio"] = 5
    config["alerts"]["below_target"]["enabled"] = False
    assert rules.evaluate(con, config) == []


def test_a_registry_rule_is_one_function(alert_db, monkeypatch):
    """A rule is one function registered under its name (as metrics.hot.alerts and casework.alerts register theirs)."""
    con, _ = alert_db
    monkeypatch.setitem(rules.RULES, "example", lambda con, config, spec, as_of: [
        {"key": "example:丙苑", "compound_name": "丙苑", "month": "2024-06-01", "figures": {}, "view": {"page": "overview"}}])
    found = {a["key"]: a for a in rules.evaluate(con, load_config())}
    assert (found["example:丙苑"]["rule"], found["example:丙苑"]["street"]) == ("example", "西街道")


def account(db, login, **place):
    if accounts.get(db, login) is None:
        accounts.add(db, login, PASSWORD, actor=None, **place)
    return accounts.get(db, login)


def test_alerts_are_stored_once_per_version_scoped_and_acknowledged(alert_db, tmp_path):
    con, database = alert_db
    db = tmp_path / "user.duckdb"   # the access file beside it keeps the alerts of `database`
    config = load_config()
    assert alerts.refresh(db, con, config, database, 7, now=dt.datetime(2024, 7, 2, 8)) == 3
    assert alerts.refresh(db, con, config, database, 7) is None   # this version was judged
    stored = alerts.stored(db, database)
    assert [(a["key"], a["raised_at"], a["acknowledged_by"]) for a in stored] == [
        (k, "2024-07-02 08:00:00", []) for k in KEYS]
    district = account(db, "qu", role="district")
    east = account(db, "dong", role="street", street="东街道")
    east_one = account(db, "dong1", role="community", street="东街道", community="东一社区")
    west = account(db, "xi", role="street", street="西街道")
    keys = lambda who: sorted(a["key"] for a in alerts.for_account(db, who, database))   # noqa: E731
    assert keys(district) == KEYS
    assert keys(east) == KEYS[:2]
    assert keys(east_one) == KEYS[:1]
    assert keys(west) == KEYS[2:]
    with pytest.raises(AccessError):   # another street's alert cannot be acknowledged
        alerts.acknowledge(db, east, database, [KEYS[2]])
    assert alerts.acknowledge(db, east, database, KEYS[:2], address="10.0.0.9",
                              now=dt.datetime(2024, 7, 2, 9)) == 2
    assert alerts.acknowledge(db, east, database, KEYS[:1]) == 0   # once
    assert keys(east) == []
    assert sorted(a["key"] for a in alerts.for_account(db, east, database, acknowledged=True)) == KEYS[:2]
    assert keys(district) == KEYS and keys(east_one) == KEYS[:1]   # acknowledged per account
    # a new version of the same data: found again, raised_at and acknowledgements kept
    assert alerts.refresh(db, con, config, database, 8, now=dt.datetime(2024, 7, 3, 8)) == 3
    assert keys(east) == []
    again = alerts.stored(db, database)
    assert [(a["raised_at"], a["updated_at"], a["acknowledged_by"]) for a in again] == [
        ("2024-07-02 08:00:00", "2024-07-03 08:00:00", ["dong"]), ("2024-07-02 08:00:00", "2024-07-03 08:00:00", ["dong"]),
        ("2024-07-02 08:00:00", "2024-07-03 08:00:00", [])]
    [entry] = audit.entries(db, action="alert_ack")
    assert (entry["login"], entry["address"], entry["outcome"], entry["details"]) == (
        "dong", "10.0.0.9", "ok", {"keys": KEYS[:2]})
    assert alerts.stored(db, database, since=dt.date(2024, 7, 3)) == []
    assert [a["key"] for a in alerts.stored(db, database, street="西街道")] == KEYS[2:]


def test_visits(tmp_path):
    db = tmp_path / "v.duckdb"
    assert alerts.visit(db, "qu", now=dt.datetime(2024, 7, 1, 9)) is None
    assert alerts.visit(db, "qu", now=dt.datetime(2024, 7, 5, 9)) == "2024-07-01 09:00:00"
    con = access_connect(db)
    assert tuple(con.execute("SELECT * FROM alert_visits").fetchone()) == ("qu", "2024-07-01 09:00:00",
                                                                          "2024-07-05 09:00:00")
    con.close()


def test_the_command_line_lists_alerts_for_a_schedule(tmp_path, capsys):
    import store
    from metrics.__main__ import main

    config = load_config()
    path = tmp_path / "cli.duckdb"
    with store.writer(path, config, what="fixture") as con:
        load(con, tmp_path, config)
    assert main(["alerts", "--db", str(path), "--since", "2024-01-01", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [a["key"] for a in found] == KEYS
    assert found[0]["text"]["zh"] == "甲园按时办结率连续3个月低于目标95.0%（2024年4月80.0%、2024年5月85.0%、2024年6月90.0%）"
    assert found[0]["url"].startswith("/profile?compound=")
    assert (found[1]["street"], found[1]["community"], found[1]["acknowledged_by"]) == ("东街道", "东二社区", [])
    assert main(["alerts", "--db", str(path), "--street", "西街道"]) == 0
    assert [a["key"] for a in json.loads(capsys.readouterr().out)] == KEYS[2:]
    assert main(["alerts", "--db", str(path), "--since", "2999-01-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_run_that_goes_on_updates_its_one_alert(tmp_path):
    """July's export: 甲园 20 orders, 2 late (90.0%), and one open order on 2024-08-01 (数据截至: July is complete).
    The run April-July is one alert, the same key, now 4 months; raised_at and acknowledgement kept."""
    config = load_config()
    con = build(tmp_path, config)
    db = tmp_path / "user.duckdb"
    database = tmp_path / "alerts.duckdb"
    alerts.refresh(db, con, config, database, 1, now=dt.datetime(2024, 7, 2, 8))
    qu = account(db, "qu", role="district")
    alerts.acknowledge(db, qu, database, [KEYS[0]])
    july = orders("甲园", 7, 20, late=2) + [["丁舍-8", "2024-08-01 09:00:00", "丁舍", "2024-08-06 09:00:00", "", ""]]
    import_file(con, "work_orders", write(tmp_path / "工单7月.csv", ["工单编号", "受理时间", "小区", "办结时限", "办结时间",
                                                                   "回访结果"], july), config,
                imported_at=dt.datetime(2024, 8, 1, 10))
    assert alerts.refresh(db, con, config, database, 2, now=dt.datetime(2024, 8, 2, 8)) == 1   # June's spikes: past
    [run] = [a for a in alerts.stored(db, database) if a["rule"] == "below_target"]
    assert (run["key"], run["raised_at"], run["updated_at"], run["acknowledged_by"]) == (
        KEYS[0], "2024-07-02 08:00:00", "2024-08-02 08:00:00", ["qu"])
    assert [(m["month"], m["rate"]) for m in run["figures"]["run"]] == [
        ("2024-04-01", 0.8), ("2024-05-01", 0.85), ("2024-06-01", 0.9), ("2024-07-01", 0.9)]
    assert rules.describe(run) == ("甲园按时办结率连续4个月低于目标95.0%（最近3个月：2024年5月85.0%、2024年6月90.0%、"
                                   "2024年7月90.0%）")
    assert sorted(a["key"] for a in alerts.for_account(db, qu, database)) == KEYS[1:]   # the run stays acknowledged
    con.close()


def test_an_access_file_of_version_1_takes_the_new_actions_with_its_chain_whole(tmp_path):
    """A file whose audit table's CHECK predates saved_view and alert_ack: opened, the table is rebuilt (every entry,
    id and hash as it was), the new actions are written onto the same chain, and `audit --verify` passes."""
    from test_access import old_access_file

    from access import audit_check

    db = tmp_path / "old.duckdb"
    old_access_file(db, [(1, "2026-11-01 01:00:00", "qu", "sign_in"), (2, "2026-11-01 02:00:00", "qu", "sign_out")])
    con = access_connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 3
    check = con.execute("SELECT sql FROM sqlite_master WHERE name = 'audit'").fetchone()[0]
    con.close()
    assert "'saved_view'" in check and "'alert_ack'" in check
    qu = account(db, "qu", role="district")
    views.save(db, qu, "全区", "overview", {})
    assert [e["id"] for e in audit.entries(db)][:2] == [1, 2]
    assert [e["action"] for e in audit.entries(db)] == ["sign_in", "sign_out", "account_change", "saved_view"]
    verdict = audit_check.verify(db)
    assert verdict.ok, verdict


def test_a_spike_in_the_month_still_running(tmp_path):
    """July, as far as the data goes (to 2024-07-21): 丙苑 46 orders against the mean of April-June (10, 10, 40: 20.0)
    is 2.3 times and over 20: a spike of the running month, said so; June's spikes and the run stay."""
    config = load_config()
    con = build(tmp_path, config)
    import_file(con, "work_orders", write(tmp_path / "工单7月.csv", ["工单编号", "受理时间", "小区", "办结时限", "办结时间",
                                                                   "回访结果"], orders("丙苑", 7, 46)), config,
                imported_at=dt.datetime(2024, 7, 21, 10))
    found = {a["key"]: a for a in rules.evaluate(con, config)}
    assert sorted(found) == sorted(KEYS + ["spike:work_orders:丙苑:2024-07"])
    july = found["spike:work_orders:丙苑:2024-07"]
    assert (july["figures"]["count"], july["figures"]["baseline"], july["figures"]["running"]) == (46, 20.0, True)
    assert rules.describe(july) == "丙苑2024年7月工单量46件，为前3个月平均（20.0件）的2.3倍（当月尚未结束）"
    assert found[KEYS[2]]["figures"]["running"] is False
    con.close()


# ---- the 督办 reply overdue rule (casework.alerts) -----------------------------------------------------------------

ORDER_HEADERS = ["工单编号", "受理时间", "小区", "办结时限", "办结时间", "回访结果"]


def later_orders(con, folder, name: str, data: list[list], at: dt.datetime):
    import_file(con, "work_orders", write(folder / name, ORDER_HEADERS, data), load_config(), imported_at=at)


def test_a_reply_overdue_is_an_alert_of_the_supervision_s_place(tmp_path):
    """督办 #1 on 丁舍-7 (西街道 西二社区), reply due 2024-07-03, opened on 1 July; 督办 #2 on 甲园-J (东街道) and 丁舍-J
    (西街道), two streets, reply due 2024-07-04, opened on 2 July. At 数据截至 2024-07-02 10:00 neither deadline is over:
    no alert of theirs. An order received 2024-07-05 09:00 moves 数据截至: #1 is 2 days past (7-5 less 7-3), #2 1 day,
    both 逾期: two alerts (with the three of the module's data, five). West sees #1 only, east neither, the district
    both. Feedback on #1 makes it 已反馈: the next version finds four, and #1's alert stays, raised, until acknowledged."""
    from casework import alerts as _supervision_rule  # noqa: F401
    from casework import cases as cw

    config = load_config()
    con = build(tmp_path, config)
    database = tmp_path / "alerts.duckdb"
    qu = account(database, "qu", role="district")
    west = account(database, "xi", role="street", street="西街道")
    west_two = account(database, "xi2", role="community", street="西街道", community="西二社区")
    east = account(database, "dong", role="street", street="东街道")
    assert cw.open_case(database, con, account=west, order_ids=["丁舍-7"], handling_unit="丁舍物业", instruction="三日内回复",
                        reply_due=dt.date(2024, 7, 3), as_of=dt.datetime(2024, 7, 1, 9),
                        now=dt.datetime(2024, 7, 1, 11)) == 1
    later_orders(con, tmp_path, "7月2日.csv", [["甲园-J", "2024-07-02 09:00:00", "甲园", "2024-07-07 09:00:00", "", ""],
                                             ["丁舍-J", "2024-07-02 10:00:00", "丁舍", "2024-07-07 10:00:00", "", ""]],
                 dt.datetime(2024, 7, 2, 11))
    assert cw.open_case(database, con, account=qu, order_ids=["甲园-J", "丁舍-J"], handling_unit="区城管局",
                        instruction="两街道会商", reply_due=dt.date(2024, 7, 4), as_of=dt.datetime(2024, 7, 2, 10),
                        now=dt.datetime(2024, 7, 2, 12)) == 2
    assert [a["rule"] for a in rules.evaluate(con, config, access=database)] == ["below_target", "spike", "spike"]
    assert alerts.refresh(database, con, config, database, 1, now=dt.datetime(2024, 7, 2, 13)) == 3
    later_orders(con, tmp_path, "7月5日.csv", [["丙苑-J", "2024-07-05 09:00:00", "丙苑", "2024-07-10 09:00:00", "", ""]],
                 dt.datetime(2024, 7, 5, 10))
    found = {a["key"]: a for a in rules.evaluate(con, config, access=database) if a["rule"] == "supervision_overdue"}
    assert found == {
        "supervision_overdue:1": {
            "key": "supervision_overdue:1", "rule": "supervision_overdue", "compound_name": "丁舍", "street": "西街道",
            "community": "西二社区", "month": "2024-07-01",
            "figures": {"case_id": 1, "handling_unit": "丁舍物业", "reply_due": "2024-07-03", "opened_on": "2024-07-01",
                        "days": 2, "orders": 1},
            "view": {"page": "supervision", "params": {"case": "1"}}},
        "supervision_overdue:2": {
            "key": "supervision_overdue:2", "rule": "supervision_overdue", "compound_name": None, "street": None,
            "community": None, "month": "2024-07-01",
            "figures": {"case_id": 2, "handling_unit": "区城管局", "reply_due": "2024-07-04", "opened_on": "2024-07-02",
                        "days": 1, "orders": 2},
            "view": {"page": "supervision", "params": {"case": "2"}}}}
    assert rules.describe(found["supervision_overdue:1"]) == (
        "督办 #1（承办单位：丁舍物业）回复期限2024年7月3日已过2天，仍未反馈（工单1件，丁舍）")
    assert rules.describe(found["supervision_overdue:2"], "en") == (
        "督办 #2 (区城管局): no reply 1 day after its deadline 4 Jul 2024 (2 work orders)")
    assert rules.url(found["supervision_overdue:1"]["view"]) == "/supervision?case=1"
    assert [a["rule"] for a in rules.evaluate(con, config)] == ["below_target", "spike", "spike"]   # no access file
    assert alerts.refresh(database, con, config, database, 2, now=dt.datetime(2024, 7, 5, 11)) == 5
    keys = lambda who: sorted(a["key"] for a in alerts.for_account(database, who, database)   # noqa: E731
                              if a["rule"] == "supervision_overdue")
    assert (keys(qu), keys(west), keys(west_two), keys(east)) == (
        ["supervision_overdue:1", "supervision_overdue:2"], ["supervision_overdue:1"], ["supervision_overdue:1"], [])
    # feedback: 已反馈 on the page, no longer found; the alert raised stays until acknowledged
    cw.record_feedback(database, account=west, case_id=1, text="已约谈物业，7月8日前修复", replied_on=dt.date(2024, 7, 5),
                       now=dt.datetime(2024, 7, 5, 15))
    later_orders(con, tmp_path, "7月6日.csv", [["丙苑-K", "2024-07-06 09:00:00", "丙苑", "2024-07-11 09:00:00", "", ""]],
                 dt.datetime(2024, 7, 6, 10))
    assert alerts.refresh(database, con, config, database, 3, now=dt.datetime(2024, 7, 6, 11)) == 4
    stored = {a["key"]: a for a in alerts.stored(database, database)}
    assert (stored["supervision_overdue:1"]["raised_at"], stored["supervision_overdue:1"]["figures"]["days"]) == (
        "2024-07-05 11:00:00", 2)
    assert stored["supervision_overdue:2"]["figures"]["days"] == 2   # found again: 7-6 less 7-4
    assert keys(west) == ["supervision_overdue:1"]
    con.close()


# ---- the new hot issue rule (metrics.hot.alerts) -------------------------------------------------------------------

def hot_database(folder):
    """tests/test_hot_import.py's orders: four residents of 锦绣家园 (东湖街道 东湖社区) on a mixing plant, 6-20 May
    2024, and one on a lift; 数据截至 2024-05-27 08:00 (T5): April is the latest complete month, May runs."""
    import fixtures
    from test_hot_import import DATA, HEADERS, ORDERS

    config = load_config()
    con = connect(folder / "hot.duckdb")
    import_file(con, "compounds", DATA / "compounds.csv", config, rejection_dir=folder)
    import_file(con, "work_orders", fixtures.write_csv(folder / "工单.csv", HEADERS, ORDERS), config,
                rejection_dir=folder)
    return con, HEADERS


def test_a_new_hot_issue_is_an_alert_once(tmp_path):
    """The plant: first written 2024-05-06, after April began, by 4 residents (>= 3): new, one alert; 热度 3 x 4 x
    (1 + 0.5 x 2) = 24.0; its view is 锦绣家园's profile from May. A fifth resident on 29 May: the same alert, 5
    residents, raised_at kept. An order of 2 July: June is the latest complete month and the plant was written before
    it: no longer new, not found; the alert raised stays."""
    import fixtures

    from metrics.db import rows

    con, headers = hot_database(tmp_path)
    database = tmp_path / "hot.duckdb"
    config = load_config()
    [group] = [r["group_id"] for r in rows(con, "SELECT group_id FROM hot_docs WHERE record_id = 'T1'")]
    [found] = rules.evaluate(con, config)
    assert found == {
        "key": f"new_hot_issue:{group}", "rule": "new_hot_issue", "compound_name": "锦绣家园", "street": "东湖街道",
        "community": "东湖社区", "month": "2024-05-01",
        "figures": {"issue_id": group, "title": "搅拌站晚上施工噪音太大了", "residents": 4, "orders": 4, "complaints": 0,
                    "first_day": "2024-05-06", "last_day": "2024-05-20", "heat": 24.0},
        "view": {"page": "profile", "params": {"compound": "锦绣家园", "period": "custom", "from": "2024-05-01",
                                               "to": "2024-05-31"}}}
    assert rules.describe(found) == "锦绣家园新出现集中诉求“搅拌站晚上施工噪音太大了”：2024年5月6日以来4位居民反映，工单4件"
    assert rules.describe(found, "en") == ("锦绣家园: a new hot issue, “搅拌站晚上施工噪音太大了”: 4 residents since "
                                           "6 May 2024, 4 work orders")
    more = copy.deepcopy(config)
    more["alerts"]["new_hot_issue"]["min_residents"] = 5
    assert rules.evaluate(con, more) == []
    off = copy.deepcopy(config)
    off["hot_issues"]["enabled"] = False
    assert rules.evaluate(con, off) == []
    assert alerts.refresh(database, con, config, database, 1, now=dt.datetime(2024, 5, 27, 9)) == 1
    fifth = ["T6", "2024-05-29 22:00", "噪音扰民", "锦绣家园", "2024-06-03 22:00", "", "13300005555", "搅拌站扰民",
             "搅拌站每天夜里施工到凌晨，噪音让人无法入睡"]
    import_file(con, "work_orders", fixtures.write_csv(tmp_path / "五.csv", headers, [fifth]), config,
                rejection_dir=tmp_path)
    assert alerts.refresh(database, con, config, database, 2, now=dt.datetime(2024, 5, 30, 9)) == 1
    [again] = alerts.stored(database, database)
    assert (again["key"], again["raised_at"], again["figures"]["residents"], again["figures"]["last_day"]) == (
        f"new_hot_issue:{group}", "2024-05-27 09:00:00", 5, "2024-05-29")
    july = ["T7", "2024-07-02 09:00", "电梯", "锦绣家园", "2024-07-07 09:00", "", "13200006666", "电梯", "5号楼电梯异响"]
    import_file(con, "work_orders", fixtures.write_csv(tmp_path / "七.csv", headers, [july]), config,
                rejection_dir=tmp_path)
    assert rules.evaluate(con, config) == []
    assert alerts.refresh(database, con, config, database, 3, now=dt.datetime(2024, 7, 2, 10)) == 0
    assert [a["key"] for a in alerts.stored(database, database)] == [f"new_hot_issue:{group}"]
    con.close()


def test_every_entry_point_that_runs_the_rules_has_every_rule(tmp_path):
    """The 提醒 panel (ui.alerts) and `python -m metrics alerts` run the rules; each has the four of DEFAULTS (a rule
    registered in a module the entry point never imports would silently not run). The runner (access.alerts) alone has
    the engine's and the hot room's; the 督办 floor's lies above it. The command line, in a process of its own, lists a
    督办 overdue: 督办 #1 on 丁舍-7, reply due 2024-07-03, 数据截至 moved to 2024-07-05 09:00."""
    import subprocess
    import sys

    import store
    from casework import cases as cw
    from conftest import ROOT

    def registered(module: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", f"import json, {module}; from metrics import alerts as r; "
                               "print(json.dumps(sorted(r.RULES)))"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert registered("ui.alerts") == sorted(rules.DEFAULTS) == [
        "below_target", "new_hot_issue", "spike", "supervision_overdue"]
    assert registered("access.alerts") == ["below_target", "new_hot_issue", "spike"]
    config = load_config()
    path = tmp_path / "cli.duckdb"
    with store.writer(path, config, what="fixture") as con:
        load(con, tmp_path, config)
    west = account(path, "xi", role="street", street="西街道")
    cw.open_case(path, store.reader(path, config).cursor(), account=west, order_ids=["丁舍-7"], handling_unit="丁舍物业",
                 instruction="三日内回复", reply_due=dt.date(2024, 7, 3), as_of=dt.datetime(2024, 7, 1, 9),
                 now=dt.datetime(2024, 7, 1, 11))
    with store.writer(path, config, what="fixture") as con:
        later_orders(con, tmp_path, "7月5日.csv", [["丙苑-J", "2024-07-05 09:00:00", "丙苑", "2024-07-10 09:00:00", "",
                                                  ""]], dt.datetime(2024, 7, 5, 10))
    done = subprocess.run([sys.executable, "-m", "metrics", "alerts", "--db", str(path), "--street", "西街道",
                           "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = {a["key"]: a for a in json.loads(done.stdout)}
    assert sorted(found) == ["spike:work_orders:丙苑:2024-06", "supervision_overdue:1"]
    assert found["supervision_overdue:1"]["text"] == {
        "zh": "督办 #1（承办单位：丁舍物业）回复期限2024年7月3日已过2天，仍未反馈（工单1件，丁舍）",
        "en": "督办 #1 (丁舍物业): no reply 2 days after its deadline 3 Jul 2024 (1 work order, 丁舍)"}
    assert found["supervision_overdue:1"]["url"] == "/supervision?case=1"
