"""Hot issues (issue 23) measured on the hand-labelled fixture tests/data/hot/ (300 messages, labels.json).

The fixture goes through the importer as an export would (the default profile's headers; personal data in the
caller columns and in some texts, masked at import), then metrics.hot.refresh groups it."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import itertools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

import fixtures
from metrics import hot
from metrics.database import connect
from metrics.db import rows
from metrics.hot import store
from metrics.hot.grouping import Params
from metrics.ingest.importer import import_file
from metrics.kpis import Scope
from metrics.periods import Period, Window

DATA = Path(__file__).resolve().parent / "data" / "hot"
LABELS = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
LABELLED = list(csv.DictReader(open(DATA / "messages.csv", encoding="utf-8")))
HEADERS = [h for h in LABELLED[0] if h not in ("label", "note")]
GOLD = {"o:" + r["工单编号"]: r["label"] for r in LABELLED}
LABEL_OF_ORDER = {r["工单编号"]: r["label"] for r in LABELLED}
Q2 = Window(Period(dt.date(2024, 4, 1), dt.date(2024, 6, 30)), dt.datetime(2024, 7, 1, 10))


def build(con, folder: Path, config: dict, parts=None, refresh_each: bool = False) -> None:
    """The registry, the labelled orders (in `parts`: lists of rows, refreshed after each when asked) and the
    complaints, through the importer."""
    import_file(con, "compounds", DATA / "compounds.csv", config, rejection_dir=folder)
    orders = [[r[h] for h in HEADERS] for r in LABELLED]
    for k, part in enumerate(parts(orders) if parts else [orders]):
        path = fixtures.write_csv(folder / f"工单_{k}.csv", HEADERS, part)
        import_file(con, "work_orders", path, config, rejection_dir=folder)
        if refresh_each:
            hot.refresh(con, config)
    import_file(con, "complaints", DATA / "complaints.csv", config, rejection_dir=folder)


@pytest.fixture(scope="module")
def hot_con(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("hot")
    con = connect(folder / "hot.duckdb")
    build(con, folder, config)
    hot.refresh(con, config)
    yield con
    con.close()


def pairwise(partition: dict[str, str]) -> tuple[float, float, int, int, int]:
    """Pairwise precision and recall over every pair of the fixture's messages: a pair is together in the labels
    when both carry the same label (blank: a one-off, together with nothing), and in the output when the
    dashboard puts them in one cluster (store.partition: a compound's group, else a city-wide theme)."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(GOLD), 2):
        labelled = GOLD[a] != "" and GOLD[a] == GOLD[b]
        found = partition[a] == partition[b]
        tp += labelled and found
        fp += found and not labelled
        fn += labelled and not found
    return tp / (tp + fp), tp / (tp + fn), tp, fp, fn


def test_the_fixture_is_what_labels_json_says():
    counts = Counter(r["label"] for r in LABELLED)
    assert len(LABELLED) >= 300
    assert counts[""] >= 150   # one-offs
    assert set(LABELS["top_five"]) <= set(counts) and all(counts[g] >= 10 for g in LABELS["top_five"])
    city = [r for r in LABELLED if r["label"] == "CITY1"]
    assert len({r["小区"] for r in city if r["小区"]}) >= 10 and any(not r["小区"] for r in city)


def test_every_message_is_read_once(hot_con):
    assert rows(hot_con, "SELECT count(*) AS n, count(DISTINCT doc_key) AS d FROM hot_docs")[0] == {"n": 300, "d": 300}
    assert {r["doc_key"] for r in rows(hot_con, "SELECT doc_key FROM hot_docs")} == set(GOLD)


def test_pairwise_precision_and_recall_of_the_grouping(hot_con):
    precision, recall, tp, fp, fn = pairwise(store.partition(hot_con))
    print(f"pairwise precision {precision:.3f} recall {recall:.3f} (pairs: {tp} right, {fp} wrong, {fn} missed)")
    assert precision >= 0.9
    assert recall >= 0.9


def test_the_top_five_are_the_five_labelled(hot_con, config):
    top = hot.hot_issues(hot_con, config, Scope(), Q2, top=5)
    labels = [Counter(LABEL_OF_ORDER[o] for o in h["order_ids"]).most_common(1)[0][0] for h in top]
    assert sorted(labels) == sorted(LABELS["top_five"])
    # each is its problem's orders of the quarter, nothing else, and no other label's
    for h, label in zip(top, labels):
        expected = {r["工单编号"] for r in LABELLED if r["label"] == label and "2024-04-01" <= r["受理时间"][:10]}
        assert set(h["order_ids"]) == expected, label


def test_a_hot_issue_says_what_an_official_acts_on(hot_con, config):
    issues = {Counter(LABEL_OF_ORDER[o] for o in h["order_ids"]).most_common(1)[0][0]: h
              for h in hot.hot_issues(hot_con, config, Scope(), Q2)}
    plant, lift = issues["G1"], issues["G2"]
    assert plant["place"] == "锦绣家园" and plant["street"] == "东湖街道" and plant["community"] == "东湖社区"
    assert "搅拌站" in plant["terms"] and "搅拌站" in plant["title"] and len(plant["title"]) <= 24
    assert plant["orders"] == 30 and plant["complaints"] == 6 and plant["new"] and plant["growth"] is None
    assert plant["residents"] >= 25 and plant["distinct_days"] >= 20 and plant["first_day"] >= Q2.period.start
    assert plant["categories"] == ["噪音扰民"] and plant["units"] == ["生态环境局"]
    assert plant["open"] == sum(1 for r in LABELLED if r["label"] == "G1" and not r["办结时间"])
    closed = [r for r in LABELLED if r["label"] == "G1" and r["办结时间"]]
    assert plant["on_time_closure_rate"] == pytest.approx(sum(r["办结时间"] <= r["办结时限"] for r in closed) / len(closed))
    answered = [r for r in closed if r["回访结果"] in ("满意", "基本满意", "不满意")]
    assert plant["satisfaction_rate"] == pytest.approx(sum(r["回访结果"] != "不满意" for r in answered) / len(answered))
    # the lift: four calls in the first quarter, ten in the second
    assert lift["orders"] == 10 and lift["previous"] == 4 and lift["growth"] == 1.5 and not lift["new"]
    assert lift["heat"] == pytest.approx(hot.heat(lift["residents"], 10, 0, 0, 1.5, False, hot.heat_weights(config)))
    assert plant["heat"] > lift["heat"]


def test_one_residents_repeated_calls_are_not_a_hot_issue(hot_con, config):
    groups = {}
    for label in LABELS["one_writer"]:
        keys = [k for k, v in GOLD.items() if v == label]
        found = rows(hot_con, """SELECT DISTINCT g.group_id, g.docs, g.residents FROM hot_docs h JOIN hot_groups g
                                 USING (group_id) WHERE doc_key IN (SELECT unnest(?::VARCHAR[]))""", [keys])
        assert len(found) == 1 and found[0]["docs"] >= len(keys), label   # grouped: the same problem ...
        writers = rows(hot_con, "SELECT DISTINCT writer_id FROM hot_docs WHERE doc_key IN (SELECT unnest(?::VARCHAR[]))",
                       [keys])
        assert len(writers) == 1, label                                   # ... of one resident
        assert found[0]["residents"] < Params.from_config(config).min_residents, label
        groups[label] = found[0]["group_id"]
    shown = {h["id"] for h in hot.hot_issues(hot_con, config, Scope(), Q2)}
    assert not shown & set(groups.values())
    # even over a window of its own days
    week = Window(Period(dt.date(2024, 6, 3), dt.date(2024, 6, 10)), Q2.as_of)
    assert groups["R1"] not in {h["id"] for h in hot.hot_issues(hot_con, config, Scope(), week)}


def test_the_city_wide_theme_is_no_compounds_hot_issue(hot_con, config):
    city = {r["工单编号"] for r in LABELLED if r["label"] == "CITY1"}
    for h in hot.hot_issues(hot_con, config, Scope(), Q2):
        assert not set(h["order_ids"]) & city, h["title"]
    # 翠园新村 wrote it three times, from three residents: still not 翠园新村's hot issue
    cuiyuan = Scope(compound="翠园新村")
    assert all(not set(h["order_ids"]) & city for h in hot.hot_issues(hot_con, config, cuiyuan, Q2))
    themes = hot.city_themes(hot_con, config, Scope(), Q2)
    assert len(themes) == 1
    theme = themes[0]
    assert set(theme["order_ids"]) <= city and len(theme["order_ids"]) >= 14
    assert theme["places"] >= 8 and theme["streets"] == 3 and {"地铁", "建设"} <= set(theme["terms"])
    # a street sees the theme's messages from its own compounds only
    north = hot.city_themes(hot_con, config, Scope(street="北城街道"), Q2)
    assert north and set(north[0]["order_ids"]) < set(theme["order_ids"])


def test_a_street_sees_its_own_groups_only(hot_con, config):
    everything = hot.hot_issues(hot_con, config, Scope(), Q2)
    streets = {c[0]: c[2] for c in csv.reader(open(DATA / "compounds.csv", encoding="utf-8"))}
    streets["梧桐苑"] = "东湖街道"   # not in the registry: the street its orders were exported with
    by_street = {}
    for street in ("东湖街道", "南山街道", "北城街道"):
        seen = hot.hot_issues(hot_con, config, Scope(street=street), Q2)
        assert seen and all(streets[h["place"]] == street and h["street"] == street for h in seen)
        by_street.update({h["id"]: h for h in seen})
    assert set(by_street) == {h["id"] for h in everything}
    for h in everything:   # the same figures, whole groups belong to one street
        assert by_street[h["id"]]["orders"] == h["orders"] and by_street[h["id"]]["heat"] == h["heat"]
    community = hot.hot_issues(hot_con, config, Scope(street="东湖街道", community="翠园社区"), Q2)
    assert {h["place"] for h in community} == {"翠园新村"}
    assert {h["place"] for h in hot.hot_issues(hot_con, config, Scope(compound="阳光花园"), Q2)} == {"阳光花园"}
    assert hot.hot_issues(hot_con, config, Scope(street="无此街道"), Q2) == []
    assert all(r["places"] >= 1 for r in hot.rising_terms(hot_con, config, Scope(street="南山街道"), Q2))


def test_the_place_is_found_in_the_text_when_the_order_has_none(hot_con):
    named = {r["工单编号"]: r for r in LABELLED if not r["小区"] and r["label"] in ("G1", "G2", "G3", "G4", "G5")}
    assert len(named) >= 6
    found = {r["record_id"]: r for r in rows(hot_con, "SELECT record_id, place, place_from FROM hot_docs "
                                                      "WHERE record_id IN (SELECT unnest(?::VARCHAR[]))", [list(named)])}
    places = {"G1": "锦绣家园", "G2": "翠园新村", "G3": "阳光花园", "G4": "桥东小区", "G5": "金桂苑"}
    for order, r in named.items():   # named by an alias (锦绣小区, 翠园小区, 旭日苑, 阳光小区, 桥东新村, 金桂小区)
        assert found[order]["place"] == places[r["label"]] and found[order]["place_from"] == "text", r["诉求内容"]
    nowhere = [r["工单编号"] for r in LABELLED if not r["小区"] and r["label"] == ""]
    assert all(r["place"] is None for r in rows(hot_con, "SELECT place FROM hot_docs WHERE record_id IN "
                                                         "(SELECT unnest(?::VARCHAR[]))", [nowhere]))


def test_incremental_refresh_equals_a_full_rebuild(tmp_path, config):
    """Three imports refreshed one after another (the second brings spellings of names the first did not know),
    then a changed text and a deleted order, against one import rebuilt from nothing."""
    def thirds(orders):
        ordered = sorted(orders, key=lambda r: r[2])
        return [ordered[:120], ordered[120:250], ordered[250:]]

    def change(con):
        con.execute("UPDATE work_orders SET content = content || '，另外楼道灯也坏了' WHERE order_id = 'HOT0003'")
        con.execute("UPDATE work_orders SET content = '搅拌站晚上还在生产，粉尘很大' WHERE order_id = 'HOT0200'")
        con.execute("DELETE FROM work_orders WHERE order_id = 'HOT0005'")

    def snapshot(con):
        found = {table: rows(con, f"SELECT * FROM {table} ORDER BY ALL")
                 for table in ("hot_docs", "hot_groups", "hot_seed_matches", "hot_themes", "hot_theme_docs")}
        # vectors and centroids by their words (a word's id is the order it was first met in: not compared)
        for table, key in (("hot_doc_terms", "doc_key"), ("hot_centroids", "group_id")):
            found[table] = rows(con, f"""SELECT {key}, term, round(weight, 9) AS weight FROM {table}
                                         JOIN hot_terms USING (term_id) ORDER BY ALL""")
        return found

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    stepwise = connect(tmp_path / "a" / "a.duckdb")
    build(stepwise, tmp_path / "a", config, parts=thirds, refresh_each=True)
    hot.refresh(stepwise, config)
    change(stepwise)
    done = hot.refresh(stepwise, config)
    assert not done["full"] and done["messages_read"] == 2 and done["deleted"] == 1
    at_once = connect(tmp_path / "b" / "b.duckdb")
    build(at_once, tmp_path / "b", config)
    change(at_once)
    assert hot.refresh(at_once, config, full=True)["full"]
    incremental, rebuilt = snapshot(stepwise), snapshot(at_once)
    for table in incremental:
        assert incremental[table] == rebuilt[table], table
    assert incremental["hot_groups"] and incremental["hot_themes"]
    # the orders an import names: only they are read
    stepwise.execute("UPDATE work_orders SET content = content || '，请尽快' WHERE order_id = 'HOT0010'")
    assert hot.refresh(stepwise, config, new_order_ids=["HOT0010"])["messages_read"] == 1
    assert hot.refresh(stepwise, config)["messages_read"] == 0


def test_changed_settings_rebuild_everything(tmp_path, config):
    con = connect(tmp_path / "s.duckdb")
    build(con, tmp_path, config)            # the imports refreshed the tables
    assert hot.refresh(con, config) | {"seconds": 0} == {"full": False, "messages_read": 0, "deleted": 0,
                                                         "groups_written": 0, "seconds": 0}
    stricter = copy.deepcopy(config)
    stricter.setdefault("hot_issues", {})["similarity"] = 0.5
    assert hot.refresh(con, stricter)["full"]


PHONE = re.compile(r"1[3-9]\d{9}")
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
HASHED = re.compile(r"[0-9a-f]{32}|[gkt][0-9a-f]{16}")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def test_no_personal_data_in_any_stored_hot_column_or_answer(hot_con, config):
    names = {r["诉求人"] for r in LABELLED}
    phones = {r["联系电话"] for r in LABELLED}
    ids = {m for r in LABELLED for m in ID_NUMBER.findall(r["诉求内容"])}
    assert len(names) == 300 and ids and sum(r["诉求人"] in r["诉求内容"] for r in LABELLED) >= 10
    assert sum(any(p in r["诉求内容"].replace(" ", "") for p in phones) for r in LABELLED) >= 10
    secrets = names | phones | ids
    found = []
    for table in store.TABLES:
        found += list(_strings(rows(hot_con, f"SELECT * FROM {table}")))
    found += list(_strings(hot.hot_issues(hot_con, config, Scope(), Q2)))
    found += list(_strings(hot.city_themes(hot_con, config, Scope(), Q2)))
    found += list(_strings(hot.rising_terms(hot_con, config, Scope(), Q2, top=None, min_count=1)))
    assert found
    for text in found:
        compact = text.replace(" ", "")
        assert not any(s in compact for s in secrets), text
        if not HASHED.fullmatch(compact):   # a fingerprint (md5) or an id made from one may hold any digits
            assert not PHONE.search(compact) and not ID_NUMBER.search(compact), text
    # the titles come from masked words: no token of a mask, no "我叫"
    for title in rows(hot_con, "SELECT title FROM hot_groups WHERE title IS NOT NULL UNION ALL "
                               "SELECT title FROM hot_themes WHERE title IS NOT NULL"):
        assert "[" not in title["title"] and "我叫" not in title["title"]


def test_rising_terms_lead_with_the_new_problem(hot_con, config):
    rising = hot.rising_terms(hot_con, config, Scope(), Q2, top=5)
    assert rising[0]["term"] == "搅拌站" and rising[0]["count"] == 30 and rising[0]["previous"] == 0
    assert rising[0]["places"] == 1 and rising[0]["growth"] is None
    names = {c[0] for c in csv.reader(open(DATA / "compounds.csv", encoding="utf-8"))}
    assert not {r["term"] for r in hot.rising_terms(hot_con, config, Scope(), Q2, top=None, min_count=1)} & names


def test_a_title_column_is_read_when_an_export_has_one(tmp_path, config):
    """Exports often carry a short title (标题, 留言主题, 诉求摘要) beside the content: once work_orders has a `title`
    column, it is part of the text a message is read by."""
    con = connect(tmp_path / "t.duckdb")
    build(con, tmp_path, config)
    con.execute("UPDATE work_orders SET title = '关于混凝土搅拌站扰民的投诉' WHERE order_id = 'HOT0001'")
    hot.refresh(con, config)
    terms = rows(con, "SELECT terms FROM hot_docs WHERE record_id = 'HOT0001'")[0]["terms"]
    assert "搅拌站" in terms


def test_no_tables_no_answers(tmp_path, config):
    con = connect(tmp_path / "e.duckdb")
    assert hot.hot_issues(con, config, Scope(), Q2) == [] and hot.city_themes(con, config) == []
    assert hot.rising_terms(con, config, Scope(), Q2) == []
    assert hot.refresh(con, config)["messages_read"] == 0
    assert hot.hot_issues(con, config, Scope(), Q2) == []


def test_refresh_runs_inside_a_transaction(tmp_path, config):
    """A refresh inside a transaction commits or rolls back with it (the importer refreshes inside its own:
    tests/test_hot_import.py shows a failed import leaving the tables as they were)."""
    con = connect(tmp_path / "x.duckdb")
    build(con, tmp_path, config, parts=lambda orders: [orders[:200]])
    before = rows(con, "SELECT count(*) AS n, count(DISTINCT group_id) AS g FROM hot_docs")[0]
    assert before["n"] == 200
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM work_orders WHERE order_id IN (SELECT order_id FROM work_orders ORDER BY 1 LIMIT 50)")
    hot.refresh(con, config)
    assert rows(con, "SELECT count(*) AS n FROM hot_docs")[0]["n"] == 150
    con.execute("ROLLBACK")
    assert rows(con, "SELECT count(*) AS n, count(DISTINCT group_id) AS g FROM hot_docs")[0] == before
    con.execute("BEGIN TRANSACTION")
    hot.refresh(con, config, full=True)
    con.execute("COMMIT")
    assert rows(con, "SELECT count(*) AS n, count(DISTINCT group_id) AS g FROM hot_docs")[0] == before


def test_complaints_with_text_join_the_groups(tmp_path, config):
    """Complaints carry no text today; once an export's complaints have one (a `content` column), they are messages
    like orders: grouped, and counted among the hot issue's complaints."""
    con = connect(tmp_path / "c.duckdb")
    build(con, tmp_path, config)
    con.execute("ALTER TABLE complaints ADD COLUMN content VARCHAR")
    con.execute("""INSERT INTO complaints (complaint_id, filed_at, compound_raw, compound_name, street, community,
                                           category, content)
                   VALUES ('TSX1', '2024-06-20 10:00', '锦绣家园', '锦绣家园', '东湖街道', '东湖社区', '噪音扰民',
                           '小区东边的混凝土搅拌站夜里作业，噪音和粉尘太大，投诉多次没有结果')""")
    hot.refresh(con, config)
    plant = next(h for h in hot.hot_issues(con, config, Scope(), Q2) if h["place"] == "锦绣家园" and h["orders"] == 30)
    assert plant["complaints"] == 7   # six filed about its orders, one of its own words
    assert rows(con, "SELECT kind FROM hot_docs WHERE doc_key = 'c:TSX1'")[0]["kind"] == "complaint"
