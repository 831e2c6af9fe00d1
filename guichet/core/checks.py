"""System checks that refuse a bad configuration at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_backends(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if settings.PRODUCTION and settings.TASKS_BACKEND != "database":
        errors.append(
            Error(
                "Production needs a persistent task queue.",
                hint="Set TASKS_BACKEND=database.",
                id="guichet.E002",
            )
        )
    return errors
