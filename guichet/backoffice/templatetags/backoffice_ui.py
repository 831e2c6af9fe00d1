"""Template helpers of the back office: the header navigation and small formatting filters."""

from __future__ import annotations

from typing import Any

from django import template

from guichet.accounts.models import User
from guichet.accounts.roles import Permission, Role
from guichet.core.text import bilingual
from guichet.denunciations.access import conf as denunciation_conf

register = template.Library()


@register.inclusion_tag("backoffice/_nav.html", takes_context=True)
def backoffice_nav(context: template.Context) -> dict[str, Any]:
    """Queue, finance, reports and outbox (for those who may see them), who is signed in and in which units, sign out."""
    request = context.get("request")
    staff = getattr(request, "staff", None)
    if not isinstance(staff, User):
        return {"staff": None}
    match = getattr(request, "resolver_match", None)
    memberships = sorted(staff.memberships.all(), key=lambda m: (bilingual(m.unit), m.role))
    return {
        "staff": staff,
        "current": match.url_name if match is not None else "",
        "can_read_outbox": bool(staff.units_with(Permission.READ_OUTBOX)),
        "can_see_finance": bool(staff.units_with(Permission.COLLECT)),
        # Inspectors read reports of misconduct on their own pages (denunciations), not in the queue.
        "is_inspector": any(
            m.role == Role.INSPECTOR and m.unit.code == denunciation_conf("INSPECTION_UNIT")
            for m in memberships
        ),
        "memberships": [(bilingual(m.unit), Role(m.role).label) for m in memberships],
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def unit_name(unit: Any) -> str:
    """A unit's name in the reader's language."""
    return bilingual(unit)


@register.filter
def absolute(value: Any) -> int:
    """The size of a number of days, whatever its sign ("late by 3 days")."""
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return 0
