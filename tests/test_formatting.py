import datetime as dt

from metrics import formatting as f


def test_official_number_forms():
    assert f.percent(0.95) == "95.0%" and f.percent(1.0) == "100.0%" and f.percent(None) == "—"
    assert f.pp_change(2.78) == "提高2.8个百分点" and f.pp_change(-1.04) == "下降1.0个百分点"
    assert f.pp_change(0.04) == "持平" and f.pp_change(None) == "—"
    assert f.pp_change(2.78, "en") == "+2.8 pp" and f.pp_change(-0.5, "en") == "-0.5 pp"
    assert f.pct_change(12.46) == "增长12.5%" and f.pct_change(-3.0) == "下降3.0%" and f.pct_change(3.0, "en") == "+3.0%"
    assert f.count(60123) == "60,123" and f.hours(30.04) == "30.0小时"
    assert f.as_of(dt.datetime(2025, 12, 31, 18, 0)) == "2025年12月31日 18:00"
