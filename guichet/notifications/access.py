"""Permission-checked reads of the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from guichet.accounts.roles import Permission
from guichet.notifications.models import Notification, NotificationQuerySet

if TYPE_CHECKING:
    from guichet.accounts.models import User


def notifications_for_staff(user: User) -> NotificationQuerySet:
    """The messages `user` may read: those of the units where they read the outbox,
    a confidential service's only where they are also cleared, and never one that
    carries a secret (a sign-in code, a receipt), whatever its state."""
    if not (user.is_active and user.is_staff_member):
        return Notification.objects.none()
    units = user.units_with(Permission.READ_OUTBOX)
    cleared = set(units) & set(user.units_with(Permission.VIEW_RESTRICTED))
    return (
        Notification.objects.shown_to_staff()
        .filter(unit_id__in=units)
        .filter(Q(restricted=False) | Q(unit_id__in=cleared))
    )
