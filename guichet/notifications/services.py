"""Writing messages to the outbox and delivering them."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from guichet.notifications.channels import DeliveryError, Outgoing, channel_for
from guichet.notifications.models import Channel, DeliveryState, Notification

if TYPE_CHECKING:
    from guichet.accounts.contacts import Contact

logger = logging.getLogger("guichet.notifications")
REDACTED = "[—]"


def _render(event: str, channel: Channel, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render `notifications/<event>.<channel>.txt` in `language`; e-mails start with 'Subject: …'."""
    with translation.override(language):
        text = render_to_string(f"notifications/{language}/{event}.{channel}.txt", context).strip()
    subject = ""
    if text.startswith("Subject:"):
        first, _sep, text = text.partition("\n")
        subject = first.removeprefix("Subject:").strip()
    return subject, text.strip()


def queue_message(
    *,
    channel: Channel,
    recipient: str,
    event: str,
    language: str,
    context: dict[str, Any],
    sensitive: bool = False,
    dossier_reference: str = "",
) -> Notification:
    """Write one message to the outbox; it is sent after the surrounding transaction commits."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    subject, body = _render(event, channel, language, context)
    notification = Notification.objects.create(
        channel=channel,
        recipient=recipient,
        language=language,
        event=event,
        subject=subject,
        body=body,
        sensitive=sensitive,
        dossier_reference=dossier_reference,
        next_attempt_at=timezone.now(),
    )
    from guichet.notifications.tasks import send_notification

    transaction.on_commit(partial(send_notification.enqueue, notification.pk))
    return notification


def notify_contact(
    contact: Contact,
    event: str,
    *,
    language: str,
    context: dict[str, Any],
    sensitive: bool = False,
    dossier_reference: str = "",
) -> Notification:
    """Queue a message to a phone number (SMS) or an e-mail address."""
    channel = Channel.SMS if contact.kind == "phone" else Channel.EMAIL
    return queue_message(
        channel=channel,
        recipient=contact.value,
        event=event,
        language=language,
        context=context,
        sensitive=sensitive,
        dossier_reference=dossier_reference,
    )


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


# How long a worker may take to hand a message to its provider before another may try.
SENDING_LEASE = dt.timedelta(minutes=5)


def deliver(notification_id: int) -> Notification | None:
    """Send one queued message; safe to run twice (a sent message is left alone).

    The message is claimed in one short transaction, handed to the provider outside any
    transaction (a slow SMS gateway must not hold a database lock: on SQLite that would
    stop every other write), and the result recorded in a second one.
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
    outgoing = Outgoing(notification.recipient, notification.subject, notification.body)
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
                _redact_if_sensitive(notification)
        else:
            notification.state = DeliveryState.SENT
            notification.sent_at = timezone.now()
            notification.next_attempt_at = None
            notification.provider_reference = reference[:100]
            notification.last_error = ""
            _redact_if_sensitive(notification)
        notification.save()
        return notification


def _redact_if_sensitive(notification: Notification) -> None:
    """A one-time code is kept no longer than its message is on its way."""
    if notification.sensitive and not settings.GUICHET["KEEP_SENSITIVE_MESSAGES"]:
        notification.body = REDACTED


def retry_due() -> int:
    """Re-enqueue every message whose next attempt is due (lost tasks included)."""
    from guichet.notifications.tasks import send_notification

    # A queued message younger than a minute probably still has its task in flight.
    now = timezone.now()
    due = Notification.objects.due_for_retry(now).exclude(
        state=DeliveryState.QUEUED, created_at__gt=now - dt.timedelta(minutes=1)
    )
    ids = list(due.values_list("pk", flat=True)[:500])
    for pk in ids:
        send_notification.enqueue(pk)
    return len(ids)
