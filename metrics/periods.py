"""Reporting periods and their comparisons (环比 previous period, 同比 same period last year).

A month, quarter, half-year or year compares with the calendar period before, twelve whole months
(近12个月) with the twelve before; any other range with the same number of days just before. When the data ends inside the period (本月 in mid-month),
each comparison is cut to the same elapsed time, so a half month never faces a whole one."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

QUARTER_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day-of-month `months` later (earlier if negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"period ends before it starts: {self.start} .. {self.end}")

    @property
    def months(self) -> int | None:
        """Length in whole calendar months when the period is a month, quarter, half-year or year."""
        if self.start.day != 1:
            return None
        for n in (1, 3, 6, 12):
            if (self.start.month - 1) % n == 0 and self.end == add_months(self.start, n) - dt.timedelta(days=1):
                return n
        return None

    @property
    def twelve_months(self) -> bool:
        """Twelve whole calendar months (a year, or 近12个月 from any month): compared a year back."""
        return self.start.day == 1 and self.end == add_months(self.start, 12) - dt.timedelta(days=1)

    @property
    def kind(self) -> str:
        return {1: "month", 3: "quarter", 6: "half_year", 12: "year"}.get(self.months, "days")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, months: int = 0, days: int = 0) -> "Period":
        if months:
            start = add_months(self.start, months)
            return Period(start, add_months(start, self.months) - dt.timedelta(days=1)) if self.months \
                else Period(start, add_months(self.end, months))
        return Period(self.start + dt.timedelta(days=days), self.end + dt.timedelta(days=days))

    def previous(self) -> "Period":
        if self.twelve_months and not self.months:
            return self.year_earlier()
        return self.shifted(months=-self.months) if self.months else self.shifted(days=-self.days)

    def year_earlier(self) -> "Period":
        if self.months:
            return self.shifted(months=-12)
        return Period(add_months(self.start, -12), add_months(self.end, -12))

    def label(self, lang: str = "zh") -> str:
        s, e = self.start, self.end
        if lang == "zh":
            return {
                "month": f"{s.year}年{s.month}月",
                "quarter": f"{s.year}年第{QUARTER_ZH[(s.month - 1) // 3 + 1]}季度",
                "half_year": f"{s.year}年{'上' if s.month == 1 else '下'}半年",
                "year": f"{s.year}年",
            }.get(self.kind, f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日")
        return {
            "month": s.strftime("%B %Y"),
            "quarter": f"Q{(s.month - 1) // 3 + 1} {s.year}",
            "half_year": f"H{1 if s.month == 1 else 2} {s.year}",
            "year": str(s.year),
        }.get(self.kind, f"{s.isoformat()} to {e.isoformat()}")


@dataclass(frozen=True)
class Window:
    """What a KPI counts: orders received in `period` up to `as_of`, judged as they stood at `as_of`."""
    period: Period
    as_of: dt.datetime

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.period.start, dt.time())

    @property
    def end(self) -> dt.datetime:
        """Exclusive end of the received-at range."""
        return min(dt.datetime.combine(self.period.end + dt.timedelta(days=1), dt.time()),
                   self.as_of + dt.timedelta(microseconds=1))

    @property
    def truncated(self) -> bool:
        """The data ends inside the period: it is still running."""
        return self.period.start <= self.as_of.date() <= self.period.end

    @property
    def reference_date(self) -> dt.date:
        """The day registry facts are judged on (a branch founded later does not count yet)."""
        return min(self.period.end, self.as_of.date())

    def compared(self, which: str) -> "Window":
        """The previous period ('previous_period') or a year earlier ('same_period_last_year')."""
        if which == "previous_period":
            other = self.period.previous()
        elif which == "same_period_last_year":
            other = self.period.year_earlier()
        else:
            raise ValueError(which)
        if not self.truncated:
            return Window(other, self.as_of)
        if which == "same_period_last_year":
            shifted = add_months(self.as_of.date(), -12)
        elif self.period.months or self.period.twelve_months:
            shifted = add_months(self.as_of.date(), -(self.period.months or 12))
        else:
            shifted = self.as_of.date() - dt.timedelta(days=self.period.days)
        return Window(other, dt.datetime.combine(shifted, self.as_of.time()))


def parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(str(text).strip())


def parse_timestamp(text: str) -> dt.datetime:
    text = str(text).strip()
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59, 59))
    return dt.datetime.fromisoformat(text)


PRESETS = ("latest_complete", "this_month", "last_month", "this_quarter", "first_half", "second_half", "this_year",
           "last_year", "last_12_months", "all_data")
DEFAULT_PRESET = "latest_complete"


@dataclass(frozen=True)
class DataSpan:
    """Where the data lies: its first day and the months holding orders or complaints (metrics.options)."""
    first_day: dt.date | None = None
    months: frozenset = frozenset()


def is_complete(period: Period, as_of: dt.datetime) -> bool:
    """A period is complete once 数据截至 reaches its last day: 数据截至 is the latest record, and the last
    record of a whole export of December falls on 31 December at whatever hour (17:54 in the demo)."""
    return as_of.date() >= period.end


def covers(span: DataSpan, period: Period) -> bool:
    """The data reaches back to the period's first day: a period it starts inside of is covered in part only (an
    export from 2016-06-20 holds 11 days of 2016年上半年), and its figures are not the period's."""
    return span.first_day is None or span.first_day <= period.start


def last_complete_month(as_of: dt.datetime) -> dt.date:
    """The first day of the latest month 数据截至 has reached the end of (the month it falls in when as_of is that
    month's last moment, else the month before)."""
    running = Period(as_of.date().replace(day=1), month_end(as_of.year, as_of.month))
    return running.start if is_complete(running, as_of) else add_months(running.start, -1)


def latest_complete(as_of: dt.datetime, span: DataSpan) -> tuple[Period, str]:
    """The default period and which kind it is: of the half-year, quarter and month that end with the latest
    month complete at 数据截至, the longest that holds data and that the data covers from its first day; else the
    month 数据截至 falls in, as far as it goes ('running_month'), when all the data lies in it from its first day;
    else all the data, from its first day ('data_span'). Data ending 2025-01-20 gives 2024年下半年; ending
    2025-07-31 (any hour), 2025年7月; starting 2016-06-20 and ending 2016-07-10, 2016-06-20 to 2016-07-10, never
    2016年上半年."""
    running = Period(as_of.date().replace(day=1), month_end(as_of.year, as_of.month))
    last = last_complete_month(as_of)
    for months, kind in ((6, "half_year"), (3, "quarter"), (1, "month")):
        start = add_months(last, -(months - 1))
        period = Period(start, month_end(last.year, last.month))
        if (start.month - 1) % months == 0 and any(start <= m <= last for m in span.months) and covers(span, period):
            return period, kind
    if span.first_day is None or span.first_day == running.start:
        return running, "running_month"
    return Period(min(span.first_day, as_of.date()), as_of.date()), "data_span"


def coverage_note(period: Period, span: DataSpan, lang: str = "zh") -> str | None:
    """What to say beside a period the data covers in part: 数据自2016年6月20日起; None when it covers the whole."""
    if covers(span, period) or span.first_day > period.end:
        return None
    return data_starts(span, lang)


def data_starts(span: DataSpan, lang: str = "zh") -> str | None:
    """数据自2016年6月20日起 / data from 2016-06-20."""
    day = span.first_day
    if day is None:
        return None
    return f"数据自{day.year}年{day.month}月{day.day}日起" if lang == "zh" else f"data from {day.isoformat()}"


def preset_period(name: str, today, span: DataSpan | None = None) -> Period:
    """The sidebar's period presets, relative to the data's as-of moment (not the wall clock). `today` is
    数据截至 (a date or datetime); `span` places latest_complete and all_data."""
    span = span or DataSpan()
    if not isinstance(today, dt.datetime):
        today = dt.datetime.combine(today, dt.time())
    if name == "latest_complete":
        return latest_complete(today, span)[0]
    if name == "last_12_months":   # the twelve calendar months ending with 数据截至's month
        start = add_months(dt.date(today.year, today.month, 1), -11)
        return Period(start, month_end(today.year, today.month))
    if name == "all_data":
        return Period(min(span.first_day or today.date(), today.date()), today.date())
    today = today.date()
    y, m = today.year, today.month
    if name == "this_month":
        return Period(dt.date(y, m, 1), month_end(y, m))
    if name == "last_month":
        start = add_months(dt.date(y, m, 1), -1)
        return Period(start, month_end(start.year, start.month))
    if name == "this_quarter":
        first = (m - 1) // 3 * 3 + 1
        return Period(dt.date(y, first, 1), month_end(y, first + 2))
    if name == "first_half":
        return Period(dt.date(y, 1, 1), dt.date(y, 6, 30))
    if name == "second_half":
        return Period(dt.date(y, 7, 1), dt.date(y, 12, 31))
    if name == "this_year":
        return Period(dt.date(y, 1, 1), dt.date(y, 12, 31))
    if name == "last_year":
        return Period(dt.date(y - 1, 1, 1), dt.date(y - 1, 12, 31))
    raise ValueError(name)


ISSUE_PERIODS = {"last-month": 1, "last-quarter": 3, "last-half": 6}
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def today_in(zone: str | None = None) -> dt.date:
    """Today's date where the office is (config briefing.time_zone, default Asia/Shanghai), not the machine's: a
    timer at 00:30 Beijing time on a server kept in UTC is already on the 1st of the month in Beijing."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(zone or DEFAULT_TIME_ZONE)).date()


def issue_period(name: str, issued_on: dt.date) -> Period:
    """The whole calendar month, quarter or half-year before the issue date (last-month, last-quarter, last-half):
    issued on 2026-01-05, last-month is 2025年12月, last-quarter 2025年第四季度, last-half 2025年下半年; issued on
    2026-02-01, last-quarter is still 2025年第四季度 (the quarter the issue date is in has not ended)."""
    months = ISSUE_PERIODS[name]
    first = issued_on.replace(day=1, month=(issued_on.month - 1) // months * months + 1)
    start = add_months(first, -months)
    return Period(start, add_months(start, months) - dt.timedelta(days=1))


_DAY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_day(text) -> dt.date | None:
    """A day as people type it: 2024-01-01, 2024/1/1, 2024.1.1, 2024年1月1日 or 20240101; None when it is no date."""
    text = str(text or "").strip()
    found = _DAY.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if not found:
        return None
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:
        return None
