"""Who may see a report: inspectors of the inspection unit, never those of the unit it accuses.

Every read of a report goes through `reports_for_inspector` / `get_report_for_inspector`
(NotFound, the same for everyone refused); sealing a report to its readers uses
`eligible_inspector_keys`. The accused unit and its chain of command (setting
CHAIN_OF_COMMAND) are excluded everywhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from guichet.accounts.models import Membership, Unit, User
from guichet.accounts.roles import Role
from guichet.core.errors import NotFound
from guichet.denunciations.models import InspectorKey, Report


def conf(name: str) -> Any:
    """A setting of the denunciations (settings.GUICHET_DENUNCIATIONS, each from the environment)."""
    return settings.GUICHET_DENUNCIATIONS[name]


def inspection_unit() -> Unit | None:
    return Unit.objects.filter(code=conf("INSPECTION_UNIT")).first()


def is_inspector(user: Any) -> bool:
    """An active staff member holding the inspector role in the inspection unit."""
    if not isinstance(user, User) or not user.is_active or not user.is_staff_member:
        return False
    return Membership.objects.filter(
        user=user, role=Role.INSPECTOR, unit__code=conf("INSPECTION_UNIT")
    ).exists()


def conflicted_unit_ids(accused: Unit | None) -> set[int]:
    """The accused unit and the units in its chain of command (settings CHAIN_OF_COMMAND)."""
    if accused is None:
        return set()
    chain = list(conf("CHAIN_OF_COMMAND").get(accused.code, ()))
    return {accused.pk} | set(
        Unit.objects.filter(administration_id=accused.administration_id, code__in=chain).values_list(
            "pk", flat=True
        )
    )


def _user_unit_ids(user: User) -> set[int]:
    return set(Membership.objects.filter(user=user).values_list("unit_id", flat=True))


def is_conflicted(user: User, report: Report) -> bool:
    """Whether `user` belongs to the unit the report accuses, or to its chain of command."""
    return bool(_user_unit_ids(user) & conflicted_unit_ids(report.accused_unit))


def reports_for_inspector(user: User) -> QuerySet[Report]:
    """Every report `user` may see: none unless an inspector; never one accusing their units."""
    if not is_inspector(user):
        return Report.objects.none()
    return Report.objects.exclude(accused_unit__in=_blocked_units_for(user)).select_related("accused_unit")


def _blocked_units_for(user: User) -> set[int]:
    """Units whose accusations `user` must never see: theirs, and those they command."""
    mine = _user_unit_ids(user)
    blocked = set(mine)
    for unit in Unit.objects.all():
        if conflicted_unit_ids(unit) & mine:
            blocked.add(unit.pk)
    return blocked


def get_report_for_inspector(user: User, public_id: str) -> Report:
    """The report, if `user` is an inspector free of conflict; NotFound otherwise, the same for all."""
    report = reports_for_inspector(user).filter(public_id=public_id).first()
    if report is None:
        raise NotFound
    return report


def eligible_inspector_keys(report: Report) -> QuerySet[InspectorKey]:
    """The active keys of inspectors who may read `report` (never those of the accused unit)."""
    blocked_users = Membership.objects.filter(unit_id__in=conflicted_unit_ids(report.accused_unit)).values(
        "user_id"
    )
    inspectors = Membership.objects.filter(role=Role.INSPECTOR, unit__code=conf("INSPECTION_UNIT")).values(
        "user_id"
    )
    return InspectorKey.objects.filter(active=True, user__is_active=True, user_id__in=inspectors).exclude(
        user_id__in=blocked_users
    )
