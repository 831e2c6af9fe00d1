"""Writing messages to the outbox; `tasks` sends them after commit (through `delivery`)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from guichet.notifications.events import is_secret
from guichet.notifications.models import Channel, Notification
from guichet.notifications.tasks import send_notification

if TYPE_CHECKING:
    from guichet.accounts.contacts import Contact


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
    dossier_reference: str = "",
    unit_id: int | None = None,
    restricted: bool = False,
) -> Notification:
    """Write one message to the outbox; it is sent after the surrounding transaction commits.

    `unit_id` and `restricted` say who may read it in the outbox (staff of that unit, only
    those cleared when restricted); whether it carries a secret comes from `events`.
    """
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    subject, body = _render(event, channel, language, context)
    notification = Notification.objects.create(
        channel=channel,
        recipient=recipient,
        language=language,
        event=event,
        subject=subject,
        body=body,
        secret=is_secret(event),
        dossier_reference=dossier_reference,
        unit_id=unit_id,
        restricted=restricted,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(partial(send_notification.enqueue, notification.pk))
    return notification


def notify_contact(
    contact: Contact,
    event: str,
    *,
    language: str,
    context: dict[str, Any],
    dossier_reference: str = "",
    unit_id: int | None = None,
    restricted: bool = False,
) -> Notification:
    """Queue a message to a phone number (SMS) or an e-mail address."""
    channel = Channel.SMS if contact.kind == "phone" else Channel.EMAIL
    return queue_message(
        channel=channel,
        recipient=contact.value,
        event=event,
        language=language,
        context=context,
        dossier_reference=dossier_reference,
        unit_id=unit_id,
        restricted=restricted,
    )
