"""System checks: production never runs on the sandbox gateway or its test token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

SANDBOX_TOKEN = "sandbox-paygate-token"  # noqa: S105  (the embedded run's test token, refused in production)


@register(Tags.security, deploy=True)
def check_payment_gateways(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    conf = settings.GUICHET_PAYMENTS
    if not settings.PRODUCTION:
        return errors
    url = str(conf["PAYGATE_URL"])
    if not url.startswith("https://") or "127.0.0.1" in url or "localhost" in url:
        errors.append(
            Error(
                "Production needs the real PayGate address over HTTPS, not the local sandbox.",
                hint="Set PAYGATE_URL=https://paygateglobal.com.",
                id="guichet.E025",
            )
        )
    if not conf["PAYGATE_AUTH_TOKEN"] or conf["PAYGATE_AUTH_TOKEN"] == SANDBOX_TOKEN:
        errors.append(
            Error(
                "Production needs the ministry's PayGate auth token.",
                hint="Set PAYGATE_AUTH_TOKEN from the merchant account (never in the repository).",
                id="guichet.E026",
            )
        )
    return errors
