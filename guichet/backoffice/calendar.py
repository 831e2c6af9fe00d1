"""The capacity calendar: per unit and day, the agents already committed by quotes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from guichet.accounts.models import Unit
from guichet.accounts.roles import Permission
from guichet.backoffice.decorators import StaffRequest, not_found, staff_required
from guichet.core.text import bilingual
from guichet.dossiers import capacity
from guichet.dossiers.actions import staff_can
from guichet.dossiers.models import Quote, covering

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _month(value: str, today: dt.date) -> dt.date:
    """The first day of the month asked for (YYYY-MM), this month for anything else."""
    match = _MONTH.fullmatch(value or "")
    if match:
        year, month = int(match[1]), int(match[2])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    return today.replace(day=1)


def _shift(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@require_GET
@staff_required(Permission.VIEW)
def calendar(request: StaffRequest) -> HttpResponse:
    """One month of a unit the staff member belongs to: agents committed each day against its capacity."""
    staff = request.staff
    units = sorted(Unit.objects.filter(pk__in=staff.units_with(Permission.VIEW)), key=bilingual)
    chosen = request.GET.get("unit", "")
    unit = next((u for u in units if u.code == chosen), None) if chosen else units[0]
    if unit is None:
        return not_found(request)  # another unit's calendar looks like no calendar at all
    first = _month(request.GET.get("month", ""), timezone.localdate())
    loads = capacity.month_loads(unit, first.year, first.month)
    last = loads[-1].day
    quotes = (
        Quote.objects.live()
        .filter(covering(first, last), dossier__unit=unit)
        .select_related("dossier", "dossier__service_version", "dossier__unit")
        .order_by("event_date", "dossier__reference")
    )
    files: dict[dt.date, list[dict[str, Any]]] = {}
    for quote in quotes:
        if not staff_can(staff, quote.dossier, Permission.VIEW):
            continue
        for day in capacity.quote_days(quote, first, last):
            files.setdefault(day, []).append(
                {
                    "reference": quote.dossier.reference,
                    "agents": quote.agents,
                    "status": quote.get_status_display(),
                }
            )
    days = [{"load": load, "files": files.get(load.day, [])} for load in loads]
    context = {
        "units": units,
        "unit": unit,
        "month": first,
        "previous": _shift(first, -1),
        "next": _shift(first, 1),
        "days": days,
        "over_days": [load.day for load in loads if load.over],
        "capacity": capacity.unit_capacity(unit),
    }
    return render(request, "backoffice/calendar.html", context)
