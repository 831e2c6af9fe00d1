"""How many agents a unit has committed on a day, against what it can field (reads only).

A quote commits agents on its event's day from the moment it is proposed (the commander
counts on it) until the file closes without coverage (withdrawn, rejected, declined). Going
over a unit's capacity is a warning to the commander, never a block: they may call in
reinforcements.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum

from guichet.accounts.models import Unit
from guichet.catalog.fees import QuoteRule, fee_rules
from guichet.dossiers.models import Dossier, Quote, covering


def unit_capacity(unit: Unit) -> int:
    """Agents the unit can commit on one day (settings: UNIT_CAPACITY by unit code, else the default)."""
    per_unit = settings.GUICHET.get("UNIT_CAPACITY") or {}
    return int(per_unit.get(unit.code, settings.GUICHET.get("UNIT_CAPACITY_DEFAULT", 40)))


def committed_agents(unit: Unit, day: dt.date, *, excluding_dossier_id: int | None = None) -> int:
    """Agents of the unit's live quotes for events on `day` (leaving one dossier out, to weigh its revision)."""
    quotes = Quote.objects.live().filter(covering(day, day), dossier__unit=unit)
    if excluding_dossier_id is not None:
        quotes = quotes.exclude(dossier_id=excluding_dossier_id)
    return int(quotes.aggregate(total=Sum("agents"))["total"] or 0)


@dataclass(frozen=True)
class DayLoad:
    day: dt.date
    committed: int
    capacity: int
    files: int = 0

    @property
    def over(self) -> bool:
        return self.committed > self.capacity

    @property
    def left(self) -> int:
        return self.capacity - self.committed


def day_load(
    unit: Unit, day: dt.date, *, adding: int = 0, excluding_dossier_id: int | None = None
) -> DayLoad:
    """The day as it would stand with `adding` more agents (a quote being set)."""
    committed = committed_agents(unit, day, excluding_dossier_id=excluding_dossier_id) + adding
    return DayLoad(day=day, committed=committed, capacity=unit_capacity(unit))


def month_loads(unit: Unit, year: int, month: int) -> list[DayLoad]:
    """Every day of a month for one unit, with the agents committed and the number of files."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    committed: dict[dt.date, int] = {}
    files: dict[dt.date, int] = {}
    # A few quotes a day at most: summed here, each over the days its event covers.
    for quote in month_quotes(unit, first, last):
        for day in quote_days(quote, first, last):
            committed[day] = committed.get(day, 0) + quote.agents
            files[day] = files.get(day, 0) + 1
    capacity = unit_capacity(unit)
    days = (first + dt.timedelta(days=offset) for offset in range((last - first).days + 1))
    return [
        DayLoad(day=day, committed=committed.get(day, 0), capacity=capacity, files=files.get(day, 0))
        for day in days
    ]


def month_quotes(unit: Unit, first: dt.date, last: dt.date) -> list[Quote]:
    """The unit's live quotes whose event covers a day between `first` and `last`."""
    return list(
        Quote.objects.live()
        .filter(covering(first, last), dossier__unit=unit)
        .only("agents", "event_date", "event_end_date", "status", "dossier_id")
        .order_by("event_date", "pk")
    )


def quote_days(quote: Quote, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days of the quote's event between `first` and `last`."""
    if quote.event_date is None:
        return []
    start, end = max(quote.event_date, first), min(quote.event_end_date or quote.event_date, last)
    return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]


def days_around(
    unit: Unit, day: dt.date, *, adding: int = 0, excluding_dossier_id: int | None = None
) -> list[DayLoad]:
    """Three days either side of `day`, the day itself weighed with the agents being set."""
    return [
        day_load(
            unit,
            day + dt.timedelta(days=offset),
            adding=adding if offset == 0 else 0,
            excluding_dossier_id=excluding_dossier_id,
        )
        for offset in range(-3, 4)
    ]


def _quote_rule(dossier: Dossier) -> QuoteRule | None:
    rule = fee_rules[dossier.definition.fee.rule]
    return rule if isinstance(rule, QuoteRule) else None


def event_day(dossier: Dossier) -> dt.date | None:
    """The day a quoted dossier would commit agents (its event's date), None for other services."""
    rule = _quote_rule(dossier)
    return rule.event_date(dossier.definition.fee.params, dossier.answers) if rule is not None else None


def requested_agents(dossier: Dossier) -> int | None:
    """The number of agents the applicant wished for, if the service asks."""
    rule = _quote_rule(dossier)
    return rule.requested_agents(dossier.definition.fee.params, dossier.answers) if rule is not None else None


def suggested_hours(dossier: Dossier) -> int | None:
    """The event's length in started hours, where the service asks its start and end."""
    rule = _quote_rule(dossier)
    return rule.suggested_hours(dossier.definition.fee.params, dossier.answers) if rule is not None else None
