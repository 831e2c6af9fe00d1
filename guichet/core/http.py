"""Reading requests the same way everywhere."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address rate limits count against.

    Behind N trusted reverse proxies (GUICHET_TRUSTED_PROXIES=N), the client is the N-th
    address from the right of X-Forwarded-For: anything further left was written by the
    client itself and cannot be trusted. With no proxy declared, REMOTE_ADDR.
    """
    proxies = int(settings.GUICHET["TRUSTED_PROXIES"])
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))
