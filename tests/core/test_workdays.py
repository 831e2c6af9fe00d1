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
