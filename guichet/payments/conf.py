"""The payment settings, read at call time (tests change them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def payments_setting(name: str) -> Any:
    return settings.GUICHET_PAYMENTS[name]
