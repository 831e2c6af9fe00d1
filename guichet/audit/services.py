"""Writing and verifying the audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from guichet.audit.models import AuditEvent, AuditHead
from guichet.core.actors import Actor

GENESIS = "0" * 64


def _digest(previous_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}|{body}".encode()).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "created_at": event.created_at.isoformat(),
        "actor_kind": event.actor_kind,
        "actor_user_id": event.actor_user_id,
        "actor_label": event.actor_label,
        "verb": event.verb,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
    }


@transaction.atomic
def record(
    actor: Actor, verb: str, target: models.Model | None = None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        created_at=timezone.now(),
        actor_kind=str(actor.kind),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=json.loads(json.dumps(data or {}, default=str)),
        previous_hash=head.last_hash,
    )
    event.hash = _digest(event.previous_hash, _hashed_fields(event))
    event.save()
    head.last_hash = event.hash
    head.save(update_fields=["last_hash"])
    return event


def verify_chain(events: Iterable[AuditEvent] | None = None) -> tuple[bool, int, AuditEvent | None]:
    """Recompute every hash; return (intact, events checked, first broken event)."""
    previous = GENESIS
    checked = 0
    for event in events if events is not None else AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != previous or event.hash != _digest(previous, _hashed_fields(event)):
            return False, checked, event
        previous = event.hash
        checked += 1
    return True, checked, None
