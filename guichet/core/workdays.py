"""Working-day arithmetic for SLA clocks (Monday to Friday, minus public holidays)."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings


@cache
def _holidays(raw: tuple[str, ...]) -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(day) for day in raw)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(tuple(settings.GUICHET["PUBLIC_HOLIDAYS"]))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
