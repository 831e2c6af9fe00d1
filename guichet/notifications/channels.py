"""Delivery channels: a contract and a registry; one class per vendor."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from guichet.core.registry import Registry
from guichet.notifications.models import Channel

logger = logging.getLogger("guichet.notifications")


class DeliveryError(Exception):
    """The provider refused or did not answer; the outbox will try again."""


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    body: str
    # Our own id for this message: a channel whose provider deduplicates on a client
    # reference (or an idempotency key) must hand it over, so a retry after a worker died
    # mid-send is not delivered twice.
    client_reference: str = ""


class BaseChannel:
    kind: Channel

    def send(self, message: Outgoing) -> str:
        """Deliver the message; return the provider's reference or raise DeliveryError."""
        raise NotImplementedError


sms_channels: Registry[BaseChannel] = Registry("SMS channels")
email_channels: Registry[BaseChannel] = Registry("e-mail channels")


class ConsoleSms(BaseChannel):
    """Embedded default: the SMS is printed to the worker's console and kept in the outbox."""

    kind = Channel.SMS

    def send(self, message: Outgoing) -> str:
        print(f"\n[SMS to {message.recipient}] ({message.client_reference})\n{message.body}\n", flush=True)
        return "console"


class DjangoEmail(BaseChannel):
    """E-mail through Django's configured EMAIL_BACKEND (console in the embedded run, SMTP at scale)."""

    kind = Channel.EMAIL

    def send(self, message: Outgoing) -> str:
        headers = {}
        if message.client_reference:
            # The same Message-ID on a retry lets mail servers and clients drop the duplicate.
            domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "guichet.local"
            headers["Message-ID"] = f"<{message.client_reference}@{domain}>"
        email = EmailMessage(
            message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient], headers=headers
        )
        try:
            email.send()
        except OSError as exc:
            raise DeliveryError(str(exc)) from exc
        return "smtp"


sms_channels.register("console")(ConsoleSms())
email_channels.register("django")(DjangoEmail())


def channel_for(kind: Channel) -> BaseChannel:
    if kind == Channel.SMS:
        return sms_channels[settings.GUICHET["SMS_CHANNEL"]]
    return email_channels[settings.GUICHET["EMAIL_CHANNEL"]]
