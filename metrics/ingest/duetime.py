"""Deadlines for work orders exported without 办结时限: the time limit per category from config,
in hours, calendar days or working days (the Chinese holiday calendar with make-up working days)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

UNITS = ("hours", "calendar_days", "working_days")


class OutsideCalendar(Exception):
    """The holiday calendar package does not cover this year."""


@lru_cache(maxsize=None)
def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise OutsideCalendar(str(exc)) from exc


def add_working_days(day: dt.date, n: int) -> tuple[dt.date, bool]:
    """The n-th working day after `day`; the flag says the weekday rule stood in for the calendar."""
    fallback = False
    current = day
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        try:
            working = is_workday(current)
        except OutsideCalendar:
            fallback = True
            working = current.weekday() < 5
        counted += working
    return current, fallback


def time_limit(config: dict, category: str | None) -> dict:
    limits = config["time_limits"]
    return (limits.get("by_category") or {}).get(category) or limits["default"]


def limits_table(config: dict, categories: list[str | None]) -> list[tuple]:
    """(category, value, unit) for each category present; None stands for a blank category."""
    out = []
    for category in categories:
        limit = time_limit(config, category)
        if limit["unit"] not in UNITS:
            raise ValueError(f"config.yaml time_limits: unit must be one of {UNITS}, got {limit['unit']!r}")
        out.append((category, int(limit["value"]), limit["unit"]))
    return out


def working_day_table(dates: list[dt.date], counts: set[int]) -> tuple[list[tuple], bool]:
    """(received_date, n, due_date) for every pair needed by an import; flag as in add_working_days."""
    rows, fallback = [], False
    for day in dates:
        for n in counts:
            due, used_fallback = add_working_days(day, n)
            fallback |= used_fallback
            rows.append((day, n, due))
    return rows, fallback
