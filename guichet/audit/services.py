"""Writing and verifying the audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
    """Append one event to the chain and move the head, inside the caller's transaction."""
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
    head.count += 1
    head.save(update_fields=["last_hash", "count"])
    return event


@transaction.atomic
def record_many(
    actor: Actor, verb: str, entries: Sequence[tuple[models.Model, dict[str, Any]]]
) -> list[AuditEvent]:
    """Append one event per (target, data), chained in order, with one insert and one move of the head.

    For set-based jobs (the SLA check): the same rows as calling `record` for each entry.
    """
    if not entries:
        return []
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
    now, previous, events = timezone.now(), head.last_hash, []
    for target, data in entries:
        event = AuditEvent(
            created_at=now,
            actor_kind=str(actor.kind),
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            verb=verb,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            data=json.loads(json.dumps(data, default=str)),
            previous_hash=previous,
        )
        event.hash = previous = _digest(previous, _hashed_fields(event))
        events.append(event)
    # The head's lock serialises every append, so these ids follow each other in list order.
    AuditEvent.objects.bulk_create(events, batch_size=500)
    head.last_hash = previous
    head.count += len(events)
    head.save(update_fields=["last_hash", "count"])
    return events


@dataclass(frozen=True)
class Verification:
    """What `verify_chain` found: `problem` says in words what is wrong, if anything."""

    intact: bool
    checked: int
    broken: AuditEvent | None = None
    problem: str = ""


def verify_chain(events: Iterable[AuditEvent] | None = None) -> Verification:
    """Recompute every hash, then compare the end of the chain with the head.

    A row changed or removed in the middle breaks a link; rows removed at the end (or all
    of them) leave a chain shorter than the head says. Rewriting the rows and the head
    together is caught only by a checkpoint kept outside the database (`checkpoint`).
    """
    previous = GENESIS
    checked = 0
    for event in events if events is not None else AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != previous or event.hash != _digest(previous, _hashed_fields(event)):
            return Verification(
                False, checked, event, f"event {event.pk} does not follow from the one before"
            )
        previous = event.hash
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    expected_count, expected_hash = (head.count, head.last_hash) if head else (0, GENESIS)
    if (checked, previous) != (expected_count, expected_hash):
        return Verification(
            False,
            checked,
            None,
            f"the head records {expected_count} events ending in {expected_hash[:12]}…, "
            f"the table holds {checked} ending in {previous[:12]}…: events were removed",
        )
    return Verification(True, checked)


# --- checkpoints: the head signed, to be kept outside the database ---------------------------


def _sign(key: bytes, count: int, last_hash: str, at: str) -> str:
    message = f"guichet.audit.checkpoint|{count}|{last_hash}|{at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint(key: bytes) -> dict[str, Any]:
    """The current head (count, last hash, time) with an HMAC-SHA256 signature under `key`."""
    head = AuditHead.objects.filter(pk=1).first()
    count, last_hash = (head.count, head.last_hash) if head else (0, GENESIS)
    at = timezone.now().isoformat()
    return {"count": count, "last_hash": last_hash, "at": at, "signature": _sign(key, count, last_hash, at)}


class CheckpointInvalid(Exception):
    """The checkpoint's signature is wrong, or the chain no longer holds what it recorded."""


def verify_checkpoint(saved: dict[str, Any], key: bytes) -> None:
    """Check that the chain still holds, at position `count`, the hash a checkpoint recorded."""
    try:
        count, last_hash, at = int(saved["count"]), str(saved["last_hash"]), str(saved["at"])
        signature = str(saved["signature"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointInvalid("the checkpoint is not readable") from exc
    if not hmac.compare_digest(signature, _sign(key, count, last_hash, at)):
        raise CheckpointInvalid("the checkpoint's signature is wrong (another key, or an edited file)")
    if count == 0:
        return
    at_position = AuditEvent.objects.order_by("id").values_list("hash", flat=True)[count - 1 : count]
    if list(at_position) != [last_hash]:
        raise CheckpointInvalid(
            f"event number {count} is not the one checkpointed at {at}: the log was rewritten or cut"
        )
