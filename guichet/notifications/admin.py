"""The outbox, read-only, so support can tell whether a message left and why it did not.

Staff see here what the back-office outbox shows them (their units, their clearance);
a superuser sees every message except those of confidential services. A message that
carries a secret never shows its recipient, and no message shows its body.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.admin_rights import ReadOnlyModelAdmin
from guichet.accounts.contacts import Contact
from guichet.accounts.models import User
from guichet.notifications.access import notifications_for_staff
from guichet.notifications.models import Channel, Notification

HIDDEN = "—"


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
        "secret",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        user = request.user
        if not isinstance(user, User):
            return Notification.objects.none()
        if user.is_superuser:
            return Notification.objects.filter(restricted=False)
        return notifications_for_staff(user)

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: Notification) -> str:
        if obj.secret:
            return HIDDEN
        return Contact("phone" if obj.channel == Channel.SMS else "email", obj.recipient).masked
