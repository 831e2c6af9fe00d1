"""Working-day arithmetic for SLA clocks (Monday to Friday, minus Togo's public holidays).

The holidays come from the `holidays` package (its Togo calendar: New Year, Easter Monday,
Independence Day 27 April, Labour Day, Ascension, Whit Monday, Martyrs' Day 21 June,
Assumption, All Saints, Christmas, Eid al-Fitr, Eid al-Adha...), corrected by two settings:
`GUICHET["PUBLIC_HOLIDAYS"]` adds days (a holiday declared by decree) and
`GUICHET["PUBLIC_HOLIDAYS_REMOVED"]` removes days (a holiday moved elsewhere). The package
*estimates* the Muslim holidays from the astronomical calendar; the real day follows the moon
sighting announced the evening before, so an operator may have to move it with the settings.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays
from django.conf import settings

# ISO code of the country whose public holidays stop SLA clocks.
COUNTRY = "TG"


@cache
def _calendar_year(country: str, year: int) -> frozenset[dt.date]:
    """The package's holidays for one year (computed once per year: SLA loops ask per day)."""
    return frozenset(holidays.country_holidays(country, years=year))


@cache
def _days(raw: tuple[str, ...]) -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(day.strip()) for day in raw if day.strip())


def _overrides() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    guichet = settings.GUICHET
    return (
        _days(tuple(guichet.get("PUBLIC_HOLIDAYS", ()))),
        _days(tuple(guichet.get("PUBLIC_HOLIDAYS_REMOVED", ()))),
    )


def public_holidays(year: int) -> frozenset[dt.date]:
    """Togo's public holidays in `year`: the package's calendar, plus added days, minus removed days."""
    added, removed = _overrides()
    return (_calendar_year(COUNTRY, year) | {d for d in added if d.year == year}) - removed


def is_working_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    added, removed = _overrides()
    if day in added:
        return False
    return day in removed or day not in _calendar_year(COUNTRY, day.year)


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
