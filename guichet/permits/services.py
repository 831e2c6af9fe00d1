"""Permit use cases: revoking (a supervisor of the issuing unit, with a reason), expiring, renewing."""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.accounts.roles import Role
from guichet.audit import services as audit
from guichet.catalog.definition import ITEM_KEY, group_items, split_item_path
from guichet.core.actors import SYSTEM, Actor, ActorKind
from guichet.core.errors import DomainError, InvalidInput, NotFound
from guichet.dossiers.models import Dossier
from guichet.dossiers.services import transition_dossier
from guichet.dossiers.states import DossierState, workflows
from guichet.permits import trust
from guichet.permits.models import Permit
from guichet.permits.notices import notify_revoked

MAX_REASON_CHARS = 1000


def is_supervisor_of(user: User | None, permit: Permit) -> bool:
    if user is None or not user.is_active or not user.is_staff_member:
        return False
    return any(m.unit_id == permit.unit_id and m.role == Role.SUPERVISOR for m in user.memberships.all())


def can_revoke(user: User | None, permit: Permit) -> bool:
    return permit.revoked_at is None and is_supervisor_of(user, permit)


def _close_file_if_done(dossier: Dossier, to: DossierState, actor: Actor, note: str) -> None:
    """The file follows its permits: revoked once all are revoked, expired once none is in force."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.state != DossierState.ISSUED or not workflows[locked.definition.workflow].allows(
        locked.state, to
    ):
        return
    live = Permit.objects.filter(dossier=locked, revoked_at__isnull=True, valid_until__gt=timezone.now())
    if not live.exists():
        transition_dossier(locked, to=to, actor=actor, note=note)


@transaction.atomic(durable=True)
def revoke_permit(permit: Permit, *, actor: Actor, reason: str) -> Permit:
    """Withdraw a permit: it shows REVOKED everywhere, and in the next trust list."""
    locked = Permit.objects.select_for_update().get(pk=permit.pk)
    if actor.kind != ActorKind.STAFF or not is_supervisor_of(actor.user, locked):
        raise NotFound()
    text = (reason or "").strip()
    if not text:
        message = _("Give the reason for the revocation: the holder will read it.")
        raise InvalidInput(message, errors={"reason": [message]})
    if len(text) > MAX_REASON_CHARS:
        message = _("Write the reason in at most %(count)d characters.") % {"count": MAX_REASON_CHARS}
        raise InvalidInput(message, errors={"reason": [message]})
    if locked.revoked_at is not None:
        raise DomainError(_("This permit is already revoked."))
    locked.revoked_at = timezone.now()
    locked.revoked_reason = text
    locked.revoked_by = actor.user
    locked.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    audit.record(
        actor,
        "permit.revoked",
        locked,
        {"number": locked.number, "type": locked.permit_type, "reference": locked.dossier.reference},
    )
    trust.forget()
    notify_revoked(locked)
    _close_file_if_done(locked.dossier, DossierState.REVOKED, actor, text)
    permit.refresh_from_db()
    return locked


def expire_due_permits(limit: int = 500) -> int:
    """Mark permits past their end as expired (and their files once nothing is in force). Idempotent."""
    now = timezone.now()
    count = 0
    system = SYSTEM
    due = list(
        Permit.objects.filter(expired_at__isnull=True, valid_until__lte=now).values_list("pk", flat=True)[
            :limit
        ]
    )
    for pk in due:
        with transaction.atomic(durable=True):
            permit = Permit.objects.select_for_update().filter(pk=pk, expired_at__isnull=True).first()
            if permit is None:
                continue
            permit.expired_at = now
            permit.save(update_fields=["expired_at"])
            _close_file_if_done(permit.dossier, DossierState.EXPIRED, system, "")
            count += 1
    return count


def renew_permit(permit: Permit, *, actor: Actor, language: str) -> Dossier:
    """A new request for the same service, its answers prefilled from the expired permit's file.

    A permit issued to one item of a repeating group (a traveller of a group entry
    authorization) renews that item only, with the rest of the file (the trip): the others may
    not be coming again. Files are not copied (a new criminal record, a new photo ...). An
    answer that no longer passes (a date now in the past) is left out for the applicant to give
    again.
    """
    from guichet.catalog.models import Service
    from guichet.dossiers import services as dossiers

    if permit.status != "expired" or permit.dossier.applicant_id is None:
        raise DomainError(_("Only an expired permit can be renewed."))
    if actor.user is None or actor.user.pk != permit.dossier.applicant_id:
        raise NotFound()
    old = permit.dossier
    service = Service.objects.get(pk=old.service_id)
    draft = dossiers.start_dossier(service, actor=actor, language=language)
    answers = renewal_answers(permit, old)
    for _attempt in range(3):
        if not answers:
            break
        try:
            dossiers.save_answers(draft, actor=actor, answers=answers)
        except InvalidInput as exc:
            kept = _without(answers, exc.errors)
            if kept == answers:
                break
            answers = kept
        else:
            break
    audit.record(
        actor, "permit.renewal_started", permit, {"number": permit.number, "reference": draft.reference}
    )
    return draft


def renewal_answers(permit: Permit, dossier: Dossier) -> dict[str, Any]:
    """What a renewal of `permit` starts from: the file's answers, and of the repeating group
    holding the permit's item, that item alone (the group left out if it cannot be found)."""
    answers = copy.deepcopy(dossier.answers)
    if not permit.item:
        return answers
    groups = [f.name for f in dossier.definition.fields if f.is_group and f.name in answers]
    for name in groups:
        # The item as issuing named it (guichet.permits.issuing): its key, or its position from 1.
        mine = [
            item
            for position, item in enumerate(group_items(answers, name), start=1)
            if str(item.get(ITEM_KEY) or position) == permit.item
        ]
        if mine:
            return {**answers, name: mine[:1]}
    # Never the other items: without its own, the group is left for the applicant to fill.
    return {key: value for key, value in answers.items() if key not in groups}


def _without(answers: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    """The answers less those the errors name (a traveller's field: only that field of that traveller)."""
    kept = copy.deepcopy(answers)
    for name in errors:
        item = split_item_path(name)
        if item is None:
            kept.pop(name, None)
            continue
        group, key, field_name = item
        for entry in kept.get(group) or []:
            if isinstance(entry, dict) and entry.get(ITEM_KEY) == key:
                entry.pop(field_name, None)
    return kept
