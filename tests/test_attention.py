"""需关注的小区 ranked by severity (issue 14, defect 7): scores, order and reasons counted by hand on a small dataset.

June 2024, data as of 2024-07-01; targets 95% on time, 90% satisfied; min_orders 30; spikes: ratio 2, at least
8 complaints or 50 orders, against the average of the 3 months before (March-May).

- 甲园: 300 orders due in June, 225 on time (75.0%, 20 points under): shortfall 0.20 x 300 = 60.0. March-May
  160 orders a month: June's 300 is under 2 x 160, no spike. Score 60.0.
- 丁苑: all on time; March-May 20 orders a month, June 60 (>= 50 and >= 2 x 20): excess 60 - 20 = 40.0. Score 40.0.
- 丙苑: 40 orders, 36 on time (90.0%: 5 points x 40 = 2.0); 20 revisited, 16 satisfied (80.0%: 10 points x 20 =
  2.0); complaints March-May 2, 4, 3 (average 3.0), June 12 (>= 8 and >= 6): excess 9.0. Score 13.0.
- 乙苑: 3 orders, 2 on time (66.7%, 28.3 points under) but a small sample: flagged, shortfall not scored. Score 0.
- 戊苑: 40 orders all on time, all 20 revisited satisfied: not listed.
So 甲园 (20 points under on 300 orders) comes before 乙苑 (28 points under on 3), and the order is 甲 丁 丙 乙."""
from __future__ import annotations

import copy
import csv
import datetime as dt

import pytest

from metrics.attention import needs_attention, reasons
from metrics.database import connect
from metrics.ingest.importer import import_file
from metrics.kpis import Scope, Window
from metrics.periods import Period

AS_OF = dt.datetime(2024, 7, 1, 10, 0)
JUNE = Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), AS_OF)


def write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def orders(name: str, month: int, n: int, late: int = 0, satisfied: int = 0, dissatisfied: int = 0) -> list[list]:
    """n closed orders of a compound in a month of 2024: the first `late` closed after their deadline, then
    `satisfied` and `dissatisfied` revisit answers on the first ones."""
    out = []
    for i in range(n):
        day = 1 + i % 20
        received = dt.datetime(2024, month, day, 9, 0)
        due = received + dt.timedelta(days=5)
        closed = due + dt.timedelta(days=1) if i < late else received + dt.timedelta(days=1)
        answer = "满意" if i < satisfied else ("不满意" if i < satisfied + dissatisfied else "")
        out.append([f"{name}-{month}-{i}", received.isoformat(" "), name, due.isoformat(" "), closed.isoformat(" "),
                    answer])
    return out


@pytest.fixture(scope="module")
def ranked_db(tmp_path_factory):
    from metrics.config import load_config

    config = copy.deepcopy(load_config())
    config["attention"].update({"spike_ratio": 2, "spike_min_complaints": 8, "spike_min_orders": 50,
                                "baseline_months": 3})
    config["scorecard"]["min_orders"] = 30
    config["targets"].update({"on_time_closure_rate": 0.95, "satisfaction_rate": 0.90})
    folder = tmp_path_factory.mktemp("attention")
    names = ["甲园", "乙苑", "丙苑", "丁苑", "戊苑"]
    registry = [[n, "东街道", "东一社区", "100"] for n in names]
    rows = []
    for month in (3, 4, 5):
        rows += orders("甲园", month, 160) + orders("丁苑", month, 20)
    rows += orders("甲园", 6, 300, late=75)
    rows += orders("乙苑", 6, 3, late=1)
    rows += orders("丙苑", 6, 40, late=4, satisfied=16, dissatisfied=4)
    rows += orders("丁苑", 6, 60)
    rows += orders("戊苑", 6, 40, satisfied=20)
    complaints = [[f"C{month}-{i}", f"2024-{month:02d}-{1 + i:02d} 10:00", "丙苑"]
                  for month, n in ((3, 2), (4, 4), (5, 3), (6, 12)) for i in range(n)]
    con = connect(folder / "a.duckdb")
    import_file(con, "compounds", write(folder / "台账.csv", ["小区名称", "街道", "社区", "户数"], registry), config,
                imported_at=AS_OF)
    import_file(con, "work_orders", write(folder / "工单.csv", ["工单编号", "受理时间", "小区", "办结时限", "办结时间", "回访结果"],
                                          rows), config, imported_at=AS_OF)
    import_file(con, "complaints", write(folder / "投诉.csv", ["投诉编号", "投诉时间", "小区"], complaints), config,
                imported_at=AS_OF)
    yield con, config
    con.close()


def test_ranked_by_severity_with_exact_scores(ranked_db):
    con, config = ranked_db
    found = needs_attention(con, config, Scope(), JUNE, unscored=True)
    assert [(r["rank"], r["compound_name"], round(r["score"], 6), r["small_sample"]) for r in found] == [
        (1, "甲园", 60.0, False), (2, "丁苑", 40.0, False), (3, "丙苑", 13.0, False), (4, "乙苑", 0.0, True)]
    first = found[0]
    assert first["below_target"] == ["on_time_closure_rate"] and first["gaps"][0]["n"] == 300
    assert found[1]["order_spikes"] == [{"month": dt.date(2024, 6, 1), "count": 60, "baseline": 20.0, "months": 3}]
    assert found[2]["spikes"] == [{"month": dt.date(2024, 6, 1), "complaints": 12, "count": 12, "baseline": 3.0,
                                   "months": 3}]


def test_reasons_in_words(ranked_db):
    con, config = ranked_db
    found = {r["compound_name"]: r for r in needs_attention(con, config, Scope(), JUNE, unscored=True)}
    assert reasons(found["甲园"], config) == ["按时办结率75.0%，低于目标20.0个百分点（300件）"]
    assert reasons(found["丁苑"], config) == ["2024年6月工单量60件，较前3个月平均（20.0件）增加200%"]
    assert reasons(found["丙苑"], config) == ["按时办结率90.0%，低于目标5.0个百分点（40件）",
                                              "满意率80.0%，低于目标10.0个百分点（20件）",
                                              "2024年6月投诉量12件，较前3个月平均（3.0件）增加300%"]
    assert reasons(found["乙苑"], config) == ["按时办结率66.7%，低于目标28.3个百分点（3件）",
                                              "样本不足（3件，少于30件），差额不计分"]
    assert reasons(found["丙苑"], config, "en")[2] == "Jun 2024: 12 complaints, 300% above the average of the 3 months before (3.0)"


def test_thresholds_come_from_the_config(ranked_db):
    """A higher spike minimum drops 丁苑's order spike (it meets every target: off the list) and 丙苑's complaints."""
    con, config = ranked_db
    stricter = copy.deepcopy(config)
    stricter["attention"].update({"spike_min_orders": 61, "spike_min_complaints": 13})
    found = needs_attention(con, stricter, Scope(), JUNE, unscored=True)
    assert [(r["compound_name"], round(r["score"], 6)) for r in found] == [("甲园", 60.0), ("丙苑", 4.0), ("乙苑", 0.0)]


def test_the_briefing_lists_scored_compounds_only(ranked_db):
    """The briefing's 需关注事项 (briefing.content calls needs_attention without `unscored`): the same ranking, without
    乙苑, listed for a rate on 3 orders only."""
    con, config = ranked_db
    assert [r["compound_name"] for r in needs_attention(con, config, Scope(), JUNE)] == ["甲园", "丁苑", "丙苑"]
