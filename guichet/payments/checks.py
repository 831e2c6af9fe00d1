"""System checks: production never runs on a sandbox gateway or its test keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

# The embedded run's test keys (guichet/settings.py), refused in production.
SANDBOX_SECRETS = {"sandbox-paygate-token", "sk_sandbox_guichet", "wh_sandbox_guichet"}


def _local(url: str) -> bool:
    return not url.startswith("https://") or "127.0.0.1" in url or "localhost" in url


@register(Tags.security, deploy=True)
def check_payment_gateways(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not settings.PRODUCTION:
        return errors
    conf = settings.GUICHET_PAYMENTS
    for name in ("PAYGATE_URL", "FEDAPAY_URL"):
        if _local(str(conf[name])):
            errors.append(
                Error(
                    f"Production needs the real gateway address over HTTPS in {name}, not a local sandbox.",
                    hint="Set PAYGATE_URL=https://paygateglobal.com and FEDAPAY_URL=https://api.fedapay.com.",
                    id="guichet.E025",
                )
            )
    for name in ("PAYGATE_AUTH_TOKEN", "FEDAPAY_SECRET_KEY", "FEDAPAY_WEBHOOK_SECRET"):
        if not conf[name] or conf[name] in SANDBOX_SECRETS:
            errors.append(
                Error(
                    f"Production needs the ministry's own {name}.",
                    hint=f"Set {name} from the merchant account (never in the repository).",
                    id="guichet.E026",
                )
            )
    return errors
