"""Per-compound scorecard, composite score, Wilson intervals and the red/black list, by hand."""
import copy

import pytest
from conftest import june

from metrics.kpis import Scope
from metrics.scorecard import scorecard, wilson


def test_wilson_interval_matches_published_values():
    assert wilson(3, 4) == pytest.approx((0.30064, 0.95442), abs=1e-5)
    assert wilson(1, 2) == pytest.approx((0.09453, 0.90547), abs=1e-5)
    assert wilson(0, 0) == (None, None)
    assert wilson(10, 10) == pytest.approx((0.72246, 1.0), abs=1e-5)


def test_scorecard_ranks_and_lists(fixture_con, config):
    small = copy.deepcopy(config)
    small["scorecard"]["min_orders"] = 3
    small["scorecard"]["list_size"] = 1
    card = {r["compound_name"]: r for r in scorecard(fixture_con, small, Scope(), june())}
    # 未知小区 (W9 and C4, not in the registry) has 1 order: a small sample, listed after the ranked
    assert list(card) == ["阳光花园", "和平新村", "幸福里小区", "未知小区", "翠湖苑"]
    assert not card["未知小区"]["in_registry"] and card["阳光花园"]["in_registry"]
    a, b, c, d = card["阳光花园"], card["幸福里小区"], card["和平新村"], card["翠湖苑"]
    # A: on time 3/4, revisit 3/4, satisfaction 2/3, 1 complaint per 1,000 households -> 1 - 1/50
    assert a["complaints_per_1000_households"] == pytest.approx(1.0)
    assert a["composite_score"] == pytest.approx(100 * (0.3 * 0.75 + 0.4 * 2 / 3 + 0.1 * 0.75 + 0.2 * 0.98))
    # B: on time 1/2, revisit 0/1, no satisfaction (weight re-spread), 5 complaints per 1,000 -> 0.9
    assert b["composite_score"] == pytest.approx(100 * (0.3 * 0.5 + 0.1 * 0 + 0.2 * 0.9) / 0.6)
    # C: on time 1/2, revisit 0/1, no complaints -> 1.0
    assert c["composite_score"] == pytest.approx(100 * (0.3 * 0.5 + 0.2 * 1.0) / 0.6)
    assert (a["rank"], c["rank"], b["rank"], d["rank"]) == (1, 2, 3, None)
    assert (a["list"], c["list"], b["list"], d["list"]) == ("red", None, "black", None)
    assert d["small_sample"] and d["orders_total"] == 0 and d["on_time_closure_rate"] is None
    assert d["composite_score"] is None  # no orders: nothing to score, not a perfect record
    assert (a["on_time_closure_rate_low"], a["on_time_closure_rate_high"]) == pytest.approx(wilson(3, 4))


def test_small_samples_are_shown_but_not_ranked(fixture_con, config):
    card = scorecard(fixture_con, config, Scope(), june())  # min_orders 30: nobody qualifies
    assert len(card) == 5   # the 4 registry compounds and 未知小区
    assert all(r["small_sample"] and r["rank"] is None and r["list"] is None for r in card)
