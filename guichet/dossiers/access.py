"""Permission-checked fetches. 'Missing' and 'not yours' give the same NotFound."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import ngettext

from guichet.accounts.models import Unit, User
from guichet.accounts.roles import ROLE_PERMISSIONS, Permission
from guichet.audit import services as audit
from guichet.catalog.definition import Confidentiality
from guichet.catalog.models import Service, ServiceVersion
from guichet.core import ratelimit
from guichet.core.actors import Actor
from guichet.core.errors import NotFound, RateLimited
from guichet.dossiers.actions import applicant_filter, is_applicant, staff_can
from guichet.dossiers.models import Dossier, DossierQuerySet
from guichet.dossiers.receipts import receipt_matches
from guichet.dossiers.references import InvalidReference, normalise
from guichet.dossiers.states import DossierState

_RELATED = ("service", "service_version", "unit", "applicant", "assigned_to")


def parse_reference(raw: str) -> str:
    try:
        return normalise(raw)
    except InvalidReference:
        raise NotFound() from None


def get_dossier_for_applicant(actor: Actor, reference: str) -> Dossier:
    dossier = Dossier.objects.select_related(*_RELATED).filter(reference=parse_reference(reference)).first()
    if dossier is None or not is_applicant(dossier, actor):
        raise NotFound()
    return dossier


def get_dossier_for_staff(user: User, reference: str, permission: Permission = Permission.VIEW) -> Dossier:
    """A filed dossier `user` may see; a colleague reaching for another unit's file is recorded.

    The person refused gets the same NotFound as for a reference that does not exist; the
    audit log, not the page, tells the ministry that someone looked where they may not.
    """
    dossier = (
        Dossier.objects.select_related(*_RELATED).filter(reference=parse_reference(reference)).filed().first()
    )
    if dossier is None:
        raise NotFound()
    if not staff_can(user, dossier, permission):
        audit.record(
            Actor.for_user(user),
            "dossier.access_refused",
            dossier,
            {"reference": dossier.reference, "permission": str(permission)},
        )
        raise NotFound()
    return dossier


def dossiers_for_applicant(*actors: Actor) -> QuerySet[Dossier]:
    """The dossiers (drafts included) whose applicant is one of `actors`, newest first: "my files"."""
    mine = Q(pk__in=[])
    for actor in actors:
        mine |= applicant_filter(actor)
    return (
        Dossier.objects.filter(mine)
        .select_related("service", "service_version")
        .order_by("-created_at", "-pk")
    )


def confidential_versions() -> QuerySet[ServiceVersion, Any]:
    """The ids of every confidential service version, as a subquery."""
    return ServiceVersion.objects.filter(data__confidentiality=Confidentiality.RESTRICTED).values("pk")


def _hidden_confidential(user: User) -> tuple[QuerySet[ServiceVersion, Any], set[int]]:
    """Confidential service versions, and the units where `user` sees but is not cleared for them.

    A subquery of version ids, not a JSON lookup in exclude(): a file without the key would
    read as NULL and NOT (NULL AND ...) would hide its dossiers from everyone.
    """
    return confidential_versions(), set(user.units_with(Permission.VIEW)) - set(
        user.units_with(Permission.VIEW_RESTRICTED)
    )


def dossiers_for_staff(user: User) -> DossierQuerySet:
    """Every filed dossier of the units where `user` may look, confidential ones only for those cleared.

    Filed means with a submission date (a draft withdrawn before filing has none): the
    queue's partial indexes hold exactly these rows. No related rows are joined: the queue
    chooses its few columns (`for_queue_list`).
    """
    restricted, uncleared = _hidden_confidential(user)
    queryset = Dossier.objects.in_queue().in_units(user.units_with(Permission.VIEW))
    return queryset.exclude(service_version__in=restricted, unit_id__in=uncleared)


def services_for_staff(user: User) -> QuerySet[Service]:
    """The services whose files `user` may see (the queue's service filter), in catalogue order."""
    restricted, uncleared = _hidden_confidential(user)
    return (
        Service.objects.filter(unit_id__in=user.units_with(Permission.VIEW))
        .exclude(current_version__in=restricted, unit_id__in=uncleared)
        .order_by("position", "code")
    )


def units_for_staff(user: User) -> list[Unit]:
    """The units whose files `user` may see (the queue's unit filter)."""
    view_units = set(user.units_with(Permission.VIEW))
    return list({m.unit_id: m.unit for m in user.memberships.all() if m.unit_id in view_units}.values())


def assignable_staff(dossier: Dossier) -> list[User]:
    """Active staff of the dossier's unit who may process it (confidential files: only the cleared)."""
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if Permission.PROCESS in permissions]
    users = (
        User.objects.filter(
            is_active=True, is_staff_member=True, memberships__unit=dossier.unit, memberships__role__in=roles
        )
        .distinct()
        .prefetch_related("memberships")
        .order_by("last_name", "first_name", "username")
    )
    return [user for user in users if staff_can(user, dossier, Permission.PROCESS)]


def find_dossier_by_reference(reference: str) -> Dossier | None:
    """Unguarded lookup for flows that prove a right afterwards (a code, a receipt).

    Drafts are found too, so a guest whose session ended can reopen one with a code; an
    anonymous draft is not (its receipt code is given only once it is filed).
    """
    return (
        Dossier.objects.select_related(*_RELATED)
        .filter(reference=parse_reference(reference))
        .exclude(state=DossierState.DRAFT, anonymous=True)
        .first()
    )


def get_dossier_for_receipt_holder(reference: str, code: str, *, client_ip: str) -> Dossier:
    """An anonymous filer's dossier, opened with its receipt code.

    Wrong codes slow down the address that typed them, with a delay that doubles at each
    further miss; the dossier itself is never locked, so nobody can lock its owner out by
    guessing. Every reference, real or not, counts and answers the same way.
    """
    key = f"receipt-ip:{client_ip or 'unknown'}"
    wait = ratelimit.wait_seconds(key)
    if wait:
        raise RateLimited(
            ngettext(
                "Too many wrong receipt codes were typed from this connection. "
                "Wait %(seconds)d second, then try again.",
                "Too many wrong receipt codes were typed from this connection. "
                "Wait %(seconds)d seconds, then try again.",
                wait,
            )
            % {"seconds": wait}
        )
    try:
        dossier = find_dossier_by_reference(reference)
    except NotFound:
        dossier = None
    if dossier is None or not receipt_matches(dossier, code):
        ratelimit.slow_down(key, free_attempts=int(settings.GUICHET["RECEIPT_MAX_ATTEMPTS"]))
        raise NotFound()
    return dossier
