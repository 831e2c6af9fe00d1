from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Will retry")
    FAILED = "failed", _("Failed")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def shown_to_staff(self) -> NotificationQuerySet:
        """Messages staff may read at all: never one that carries a secret, in any state."""
        return self.filter(secret=False)

    def due_for_retry(self, now: object) -> NotificationQuerySet:
        # A message left "sending" past its lease was on a worker that died: try it again.
        return self.filter(
            state__in=[DeliveryState.QUEUED, DeliveryState.RETRYING, DeliveryState.SENDING],
            next_attempt_at__lte=now,
        )


class Notification(models.Model):
    """The outbox: a message is written here in the same transaction as the change it
    reports, then delivered by a background task that retries with back-off."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    language = models.CharField(max_length=5)
    event = models.CharField(max_length=60)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # Carries a sign-in code, a receipt or another secret (notifications.events): no staff view shows it.
    secret = models.BooleanField(default=False)
    dossier_reference = models.CharField(max_length=20, blank=True, db_index=True)
    # Who may read it in the outbox: staff of this unit, and for a confidential service only
    # those cleared for it. A message with no unit is shown to no one.
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    restricted = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} ({self.state})"
