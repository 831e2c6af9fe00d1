from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from guichet.notifications.channels import email_channels, sms_channels


@register()
def check_channels(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if settings.GUICHET["SMS_CHANNEL"] not in sms_channels:
        errors.append(
            Error(
                f"Unknown SMS channel {settings.GUICHET['SMS_CHANNEL']!r}.",
                hint=f"Choose one of {list(sms_channels)}.",
                id="guichet.E010",
            )
        )
    if settings.GUICHET["EMAIL_CHANNEL"] not in email_channels:
        errors.append(
            Error(
                f"Unknown e-mail channel {settings.GUICHET['EMAIL_CHANNEL']!r}.",
                hint=f"Choose one of {list(email_channels)}.",
                id="guichet.E011",
            )
        )
    return errors
