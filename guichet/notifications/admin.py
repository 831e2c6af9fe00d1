"""The outbox, read-only, so support can tell whether a message left and why it did not."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from guichet.accounts.contacts import Contact
from guichet.core.admin_site import ReadOnlyModelAdmin
from guichet.notifications.models import Channel, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "masked_recipient",
        "event",
        "dossier_reference",
        "state",
        "attempts",
        "sent_at",
    ]
    list_filter = ["state", "channel", "event"]
    search_fields = ["dossier_reference"]
    date_hierarchy = "created_at"
    # The body may carry a one-time code: it is not shown here (the demo outbox page is the place for it).
    fields = [
        "channel",
        "masked_recipient",
        "event",
        "language",
        "dossier_reference",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_reference",
        "created_at",
        "sent_at",
        "sensitive",
    ]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: Notification) -> str:
        return Contact("phone" if obj.channel == Channel.SMS else "email", obj.recipient).masked
