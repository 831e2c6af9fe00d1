"""Handing queued messages to their channel, once, with retries and back-off.

Apart from `services` (which writes messages) so that the import order is one way:
`services` enqueues the task of `tasks`, and `tasks` calls this module.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from guichet.notifications.channels import DeliveryError, Outgoing, channel_for
from guichet.notifications.models import Channel, DeliveryState, Notification

logger = logging.getLogger("guichet.notifications")
REDACTED = "[—]"

# How long a worker may take to hand a message to its provider before another may try.
SENDING_LEASE = dt.timedelta(minutes=5)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def client_reference(notification: Notification) -> str:
    """Our own id for the message, handed to providers that deduplicate on a client reference."""
    return f"guichet-notification-{notification.pk}"


def deliver(notification_id: int) -> Notification | None:
    """Send one queued message; safe to run twice (a sent message is left alone).

    The message is claimed in one short transaction, handed to the provider outside any
    transaction (a slow SMS gateway must not hold a database lock: on SQLite that would
    stop every other write), and the result recorded in a second one. A worker killed
    between the hand-over and the record leaves the message "sending"; once the lease
    runs out it is tried again with the same client reference, so a provider that
    deduplicates sends it once, and one that does not may send it twice.
    """
    now = timezone.now()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.state in {DeliveryState.SENT, DeliveryState.FAILED}:
            return notification
        lease_running = notification.next_attempt_at is not None and notification.next_attempt_at > now
        if notification.state == DeliveryState.SENDING and lease_running:
            return notification  # another worker is sending it right now
        notification.state = DeliveryState.SENDING
        notification.attempts += 1
        notification.next_attempt_at = now + SENDING_LEASE
        notification.save(update_fields=["state", "attempts", "next_attempt_at"])
    outgoing = Outgoing(
        notification.recipient,
        notification.subject,
        notification.body,
        client_reference=client_reference(notification),
    )
    error: DeliveryError | None = None
    reference = ""
    try:
        reference = channel_for(Channel(notification.channel)).send(outgoing)
    except DeliveryError as exc:
        error = exc
    return _record_outcome(notification.pk, reference=reference, error=error)


def _record_outcome(notification_id: int, *, reference: str, error: DeliveryError | None) -> Notification:
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if error is not None:
            exhausted = notification.attempts >= int(settings.GUICHET["NOTIFICATION_MAX_ATTEMPTS"])
            notification.state = DeliveryState.FAILED if exhausted else DeliveryState.RETRYING
            notification.next_attempt_at = (
                None if exhausted else timezone.now() + _backoff(notification.attempts)
            )
            notification.last_error = str(error)[:500]
            logger.warning("notification %s attempt %s failed", notification.pk, notification.attempts)
            if exhausted:
                _redact_if_secret(notification)
        else:
            notification.state = DeliveryState.SENT
            notification.sent_at = timezone.now()
            notification.next_attempt_at = None
            notification.provider_reference = reference[:100]
            notification.last_error = ""
            _redact_if_secret(notification)
        notification.save()
        return notification


def _redact_if_secret(notification: Notification) -> None:
    """A one-time code is kept no longer than its message is on its way."""
    if notification.secret and not settings.GUICHET["KEEP_SENSITIVE_MESSAGES"]:
        notification.body = REDACTED


def due_for_retry(now: dt.datetime | None = None, *, limit: int = 500) -> list[int]:
    """Ids of the messages whose next attempt is due (lost tasks included)."""
    now = now or timezone.now()
    # A queued message younger than a minute probably still has its task in flight.
    due = Notification.objects.due_for_retry(now).exclude(
        state=DeliveryState.QUEUED, created_at__gt=now - dt.timedelta(minutes=1)
    )
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])
