"""Period kinds, previous periods and same-elapsed-time comparisons."""
import datetime as dt

import pytest

from metrics.periods import Period, Window, add_months

D = dt.date


@pytest.mark.parametrize("start,end,kind,previous,last_year,label", [
    (D(2024, 6, 1), D(2024, 6, 30), "month", (D(2024, 5, 1), D(2024, 5, 31)), (D(2023, 6, 1), D(2023, 6, 30)), "2024年6月"),
    (D(2024, 3, 1), D(2024, 3, 31), "month", (D(2024, 2, 1), D(2024, 2, 29)), (D(2023, 3, 1), D(2023, 3, 31)), "2024年3月"),
    (D(2024, 4, 1), D(2024, 6, 30), "quarter", (D(2024, 1, 1), D(2024, 3, 31)), (D(2023, 4, 1), D(2023, 6, 30)), "2024年第二季度"),
    (D(2024, 1, 1), D(2024, 6, 30), "half_year", (D(2023, 7, 1), D(2023, 12, 31)), (D(2023, 1, 1), D(2023, 6, 30)), "2024年上半年"),
    (D(2024, 7, 1), D(2024, 12, 31), "half_year", (D(2024, 1, 1), D(2024, 6, 30)), (D(2023, 7, 1), D(2023, 12, 31)), "2024年下半年"),
    (D(2024, 1, 1), D(2024, 12, 31), "year", (D(2023, 1, 1), D(2023, 12, 31)), (D(2023, 1, 1), D(2023, 12, 31)), "2024年"),
    (D(2024, 6, 10), D(2024, 6, 19), "days", (D(2024, 5, 31), D(2024, 6, 9)), (D(2023, 6, 10), D(2023, 6, 19)),
     "2024年6月10日至2024年6月19日"),
    (D(2024, 2, 1), D(2024, 3, 31), "days", (D(2023, 12, 3), D(2024, 1, 31)), (D(2023, 2, 1), D(2023, 3, 31)),
     "2024年2月1日至2024年3月31日"),
])
def test_periods(start, end, kind, previous, last_year, label):
    period = Period(start, end)
    assert period.kind == kind
    assert (period.previous().start, period.previous().end) == previous
    assert (period.year_earlier().start, period.year_earlier().end) == last_year
    assert period.label("zh") == label


def test_english_labels():
    assert Period(D(2024, 1, 1), D(2024, 6, 30)).label("en") == "H1 2024"
    assert Period(D(2024, 7, 1), D(2024, 9, 30)).label("en") == "Q3 2024"


def test_add_months_clamps_to_month_end():
    assert add_months(D(2024, 3, 31), -1) == D(2024, 2, 29)
    assert add_months(D(2024, 2, 29), -12) == D(2023, 2, 28)


def test_running_month_compares_same_elapsed_time():
    window = Window(Period(D(2024, 11, 1), D(2024, 11, 30)), dt.datetime(2024, 11, 15, 17, 30))
    assert window.truncated
    previous = window.compared("previous_period")
    assert previous.period == Period(D(2024, 10, 1), D(2024, 10, 31))
    assert previous.as_of == dt.datetime(2024, 10, 15, 17, 30)
    assert previous.end == dt.datetime(2024, 10, 15, 17, 30, 0, 1)
    last_year = window.compared("same_period_last_year")
    assert last_year.as_of == dt.datetime(2023, 11, 15, 17, 30)


def test_running_custom_range_shifts_by_its_length():
    window = Window(Period(D(2024, 6, 10), D(2024, 6, 19)), dt.datetime(2024, 6, 12, 8, 0))
    assert window.compared("previous_period").as_of == dt.datetime(2024, 6, 2, 8, 0)


def test_finished_period_compares_whole_periods_at_the_data_moment():
    as_of = dt.datetime(2024, 12, 31, 18, 0)
    window = Window(Period(D(2024, 1, 1), D(2024, 6, 30)), as_of)
    assert not window.truncated
    assert window.compared("previous_period").as_of == as_of
    assert window.end == dt.datetime(2024, 7, 1)
    assert window.reference_date == D(2024, 6, 30)


def test_bad_period():
    with pytest.raises(ValueError):
        Period(D(2024, 6, 2), D(2024, 6, 1))


@pytest.mark.parametrize("name,expected", [
    ("this_month", (D(2025, 11, 1), D(2025, 11, 30))), ("last_month", (D(2025, 10, 1), D(2025, 10, 31))),
    ("this_quarter", (D(2025, 10, 1), D(2025, 12, 31))), ("first_half", (D(2025, 1, 1), D(2025, 6, 30))),
    ("second_half", (D(2025, 7, 1), D(2025, 12, 31))), ("this_year", (D(2025, 1, 1), D(2025, 12, 31))),
    ("last_year", (D(2024, 1, 1), D(2024, 12, 31))),
])
def test_presets(name, expected):
    from metrics.periods import preset_period
    period = preset_period(name, D(2025, 11, 15))
    assert (period.start, period.end) == expected


def months(*pairs):
    return frozenset(D(y, m, 1) for y, m in pairs)


H2_2024_ON = months(*[(2024, m) for m in range(7, 13)], (2025, 1))


@pytest.mark.parametrize("as_of,held,expected,which", [
    # data ending 2025-01-20: January runs; December ends the latest complete half-year, which holds data
    (dt.datetime(2025, 1, 20, 16, 0), H2_2024_ON, (D(2024, 7, 1), D(2024, 12, 31)), "half_year"),
    # ending 2025-07-31 23:59 (or any hour of the 31st): the data reaches July's last day, so July is complete,
    # and only a month ends with it
    (dt.datetime(2025, 7, 31, 23, 59), months(*[(2025, m) for m in range(1, 8)]), (D(2025, 7, 1), D(2025, 7, 31)), "month"),
    (dt.datetime(2025, 7, 31, 8, 0), months(*[(2025, m) for m in range(1, 8)]), (D(2025, 7, 1), D(2025, 7, 31)), "month"),
    # ending the day before, July still runs: the half-year ending with June
    (dt.datetime(2025, 7, 30, 23, 59), months(*[(2025, m) for m in range(1, 8)]), (D(2025, 1, 1), D(2025, 6, 30)), "half_year"),
    # ending 2025-10-05: Q3 ends with September (the half-year ending then would be Apr-Sep: not a half-year)
    (dt.datetime(2025, 10, 5, 9, 0), months((2025, 7), (2025, 8), (2025, 9), (2025, 10)), (D(2025, 7, 1), D(2025, 9, 30)),
     "quarter"),
    # ... but with data only from August, Q3 is covered in part: September, the longest period the data covers
    (dt.datetime(2025, 10, 5, 9, 0), months((2025, 8), (2025, 9), (2025, 10)), (D(2025, 9, 1), D(2025, 9, 30)), "month"),
    # data only from December 2024: H2 2024 and Q4 hold it in part only (was H2, "complete"): December
    (dt.datetime(2025, 1, 20), months((2024, 12), (2025, 1)), (D(2024, 12, 1), D(2024, 12, 31)), "month"),
    # data only in January 2025 up to the 20th: no complete month holds data -> January so far
    (dt.datetime(2025, 1, 20), months((2025, 1)), (D(2025, 1, 1), D(2025, 1, 31)), "running_month"),
])
def test_default_period_is_the_latest_complete_one(as_of, held, expected, which):
    from metrics.periods import DataSpan, latest_complete, preset_period
    period, kind = latest_complete(as_of, DataSpan(first_day=min(held), months=held))
    assert ((period.start, period.end), kind) == (expected, which)
    assert preset_period("latest_complete", as_of, DataSpan(first_day=min(held), months=held)) == period


@pytest.mark.parametrize("first_day,as_of,expected,which", [
    # an export from 2016-06-20 to mid-July: was 2016年上半年 ("complete", 51 of 117 orders); now all of it
    (D(2016, 6, 20), dt.datetime(2016, 7, 12, 9, 0), (D(2016, 6, 20), D(2016, 7, 12)), "data_span"),
    # the same export running to October: Q3 is covered from its first day and complete
    (D(2016, 6, 20), dt.datetime(2016, 10, 3, 9, 0), (D(2016, 7, 1), D(2016, 9, 30)), "quarter"),
    # to 2017-01-05: H2 2016 is covered (data from June 20 reaches back before July 1)
    (D(2016, 6, 20), dt.datetime(2017, 1, 5, 9, 0), (D(2016, 7, 1), D(2016, 12, 31)), "half_year"),
    # data from 2016-04-02 to 2016-07-12: H1 and Q2 start before the data; June is whole
    (D(2016, 4, 2), dt.datetime(2016, 7, 12, 9, 0), (D(2016, 6, 1), D(2016, 6, 30)), "month"),
    # a one-day sample (NYC's 2024-04-16): no month is covered, the sample's own day
    (D(2024, 4, 16), dt.datetime(2024, 4, 16, 3, 3), (D(2024, 4, 16), D(2024, 4, 16)), "data_span"),
])
def test_a_period_the_data_starts_inside_is_never_the_default(first_day, as_of, expected, which):
    from metrics.periods import DataSpan, Period, add_months, coverage_note, latest_complete
    held, month = set(), first_day.replace(day=1)
    while month <= as_of.date():
        held.add(month)
        month = add_months(month, 1)
    period, kind = latest_complete(as_of, DataSpan(first_day=first_day, months=frozenset(held)))
    assert ((period.start, period.end), kind) == (expected, which)
    span = DataSpan(first_day=first_day, months=frozenset(held))
    assert coverage_note(period, span) is None
    # a user who picks the half-year the data starts inside of is told from which day it starts
    assert coverage_note(Period(D(first_day.year, 1, 1), D(first_day.year, 6, 30)), span) == \
        f"数据自{first_day.year}年{first_day.month}月{first_day.day}日起"
    assert coverage_note(Period(D(first_day.year, 1, 1), D(first_day.year, 6, 30)), span, "en") == \
        f"data from {first_day.isoformat()}"


def test_last_12_months_and_all_data():
    from metrics.periods import DataSpan, preset_period
    as_of = dt.datetime(2025, 1, 20, 16, 0)
    last12 = preset_period("last_12_months", as_of)
    assert (last12.start, last12.end, last12.kind) == (D(2024, 2, 1), D(2025, 1, 31), "days")
    # twelve whole months compare with the twelve before (which are also last year's)
    assert (last12.previous().start, last12.previous().end) == (D(2023, 2, 1), D(2024, 1, 31))
    window = Window(last12, as_of)
    assert window.truncated
    assert window.compared("previous_period").as_of == dt.datetime(2024, 1, 20, 16, 0)
    assert window.compared("same_period_last_year").period == Period(D(2023, 2, 1), D(2024, 1, 31))
    everything = preset_period("all_data", as_of, DataSpan(first_day=D(2024, 5, 31)))
    assert (everything.start, everything.end) == (D(2024, 5, 31), D(2025, 1, 20))
    # 2024-05-31..2025-01-20 is 235 days: the comparison is the 235 days before
    assert everything.previous() == Period(D(2023, 10, 9), D(2024, 5, 30))
