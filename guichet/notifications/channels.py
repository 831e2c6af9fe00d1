"""Delivery channels: a contract and a registry; one class per vendor."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail

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
        print(f"\n[SMS to {message.recipient}]\n{message.body}\n", flush=True)
        return "console"


class DjangoEmail(BaseChannel):
    """E-mail through Django's configured EMAIL_BACKEND (console in the embedded run, SMTP at scale)."""

    kind = Channel.EMAIL

    def send(self, message: Outgoing) -> str:
        try:
            send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
        except OSError as exc:
            raise DeliveryError(str(exc)) from exc
        return "smtp"


sms_channels.register("console")(ConsoleSms())
email_channels.register("django")(DjangoEmail())


def channel_for(kind: Channel) -> BaseChannel:
    if kind == Channel.SMS:
        return sms_channels[settings.GUICHET["SMS_CHANNEL"]]
    return email_channels[settings.GUICHET["EMAIL_CHANNEL"]]
