from __future__ import annotations

import datetime as dt

import pytest

from guichet.core.workdays import add_working_days, is_working_day, working_days_between

FRIDAY = dt.date(2025, 3, 7)
MONDAY = dt.date(2025, 3, 10)


@pytest.fixture
def holiday(settings):
    """Tuesday 11 March 2025 is a public holiday in these tests."""
    settings.GUICHET = {**settings.GUICHET, "PUBLIC_HOLIDAYS": ["2025-03-11"]}
    return dt.date(2025, 3, 11)


def test_weekends_are_not_working_days():
    assert is_working_day(FRIDAY)
    assert not is_working_day(FRIDAY + dt.timedelta(days=1))
    assert not is_working_day(FRIDAY + dt.timedelta(days=2))
    assert is_working_day(MONDAY)


def test_add_working_days_skips_the_weekend():
    assert add_working_days(FRIDAY, 0) == FRIDAY
    assert add_working_days(FRIDAY, 1) == MONDAY
    assert add_working_days(FRIDAY, 5) == dt.date(2025, 3, 14)
    assert add_working_days(FRIDAY, 10) == dt.date(2025, 3, 21)


def test_add_working_days_from_a_saturday_starts_on_monday():
    assert add_working_days(dt.date(2025, 3, 8), 1) == MONDAY


def test_add_working_days_skips_a_configured_public_holiday(holiday):
    assert not is_working_day(holiday)
    assert add_working_days(FRIDAY, 2) == dt.date(2025, 3, 12)
    assert add_working_days(FRIDAY, 5) == dt.date(2025, 3, 17)


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(FRIDAY, FRIDAY) == 0
    assert working_days_between(FRIDAY, MONDAY) == 1
    assert working_days_between(FRIDAY, dt.date(2025, 3, 9)) == 0  # Sunday
    assert working_days_between(FRIDAY, dt.date(2025, 3, 21)) == 10


def test_working_days_between_is_negative_when_end_is_earlier():
    assert working_days_between(dt.date(2025, 3, 21), FRIDAY) == -10


def test_working_days_between_skips_a_configured_public_holiday(holiday):
    assert working_days_between(FRIDAY, dt.date(2025, 3, 14)) == 4


def test_working_days_between_undoes_add_working_days(holiday):
    for days in range(0, 25):
        assert working_days_between(FRIDAY, add_working_days(FRIDAY, days)) == days


# --- Togo's public holidays (the `holidays` package) and the override settings -------------------


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (dt.date(2027, 4, 27), "Independence Day (a Tuesday)"),
        (dt.date(2026, 12, 25), "Christmas (a Friday)"),
        (dt.date(2027, 3, 29), "Easter Monday 2027"),
        (dt.date(2026, 6, 22), "not a holiday: 21 June 2026 (Martyrs' Day) is a Sunday"),
        (dt.date(2027, 5, 17), "Whit Monday 2027"),
        (dt.date(2027, 1, 1), "New Year's Day (a Friday)"),
    ],
)
def test_togo_public_holidays_are_known_by_default(day, why):
    from guichet.core.workdays import public_holidays

    expected_holiday = not why.startswith("not")
    assert is_working_day(day) is not expected_holiday, why
    assert (day in public_holidays(day.year)) is expected_holiday, why


def test_an_sla_clock_skips_independence_day():
    # Monday 26 April 2027 + 1 working day: Tuesday 27 April is Independence Day.
    assert add_working_days(dt.date(2027, 4, 26), 1) == dt.date(2027, 4, 28)
    assert working_days_between(dt.date(2027, 4, 26), dt.date(2027, 4, 28)) == 1


def test_settings_add_and_remove_days(settings):
    moved_from, moved_to = dt.date(2027, 4, 27), dt.date(2027, 4, 30)
    settings.GUICHET = {
        **settings.GUICHET,
        "PUBLIC_HOLIDAYS": [moved_to.isoformat()],
        "PUBLIC_HOLIDAYS_REMOVED": [moved_from.isoformat()],
    }
    from guichet.core.workdays import public_holidays

    assert is_working_day(moved_from)
    assert not is_working_day(moved_to)
    assert moved_to in public_holidays(2027)
    assert moved_from not in public_holidays(2027)
    assert add_working_days(dt.date(2027, 4, 26), 4) == dt.date(2027, 5, 3)


def test_a_year_of_sla_arithmetic_stays_fast():
    import time

    started = time.perf_counter()
    for offset in range(0, 365, 7):
        add_working_days(dt.date(2026, 1, 1) + dt.timedelta(days=offset), 30)
    assert time.perf_counter() - started < 0.5
