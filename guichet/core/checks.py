"""System checks that refuse a bad configuration at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

# Caches that live in one process (or nowhere): rate limits and the TOTP replay guard kept
# there count per process, so with several web processes a limit multiplies and a TOTP
# code can be replayed on another process.
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


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
    if settings.PRODUCTION and settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        errors.append(
            Error(
                "Production needs a cache shared by every web process (rate limits, TOTP replay guard).",
                hint="Set CACHE_URL=redis://host:6379/0.",
                id="guichet.E003",
            )
        )
    return errors
