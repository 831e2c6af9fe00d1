"""The demo's stand-in for a phone: recent sign-in codes sent to the demo phone numbers.

Staff never read messages that carry a secret. In the embedded demo nobody receives the
SMS, so the codes sent to the demo numbers are listed on a page that exists only there.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from guichet.notifications.models import Notification

# Demo numbers: +228 90 00 00 00 to +228 90 00 00 99 (the demo citizen is +228 90 00 00 01).
DEMO_PHONE_PREFIX = "+228900000"
SIGN_IN_CODE_EVENT = "one_time_code"
SHOWN = 20


def recent_sign_in_codes() -> QuerySet[Notification]:
    """Sign-in code messages to demo numbers, newest first, while the codes may still be used."""
    since = timezone.now() - dt.timedelta(seconds=settings.GUICHET["OTP_TTL_SECONDS"])
    return Notification.objects.filter(
        event=SIGN_IN_CODE_EVENT,
        recipient__startswith=DEMO_PHONE_PREFIX,
        created_at__gte=since,
    ).order_by("-created_at", "-id")[:SHOWN]
