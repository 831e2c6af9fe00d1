"""Where an opened key lives between requests, never readable from a copy of the database.

- An inspector's private key: encrypted in the session (a database row) under a random key
  that only the browser holds, in an HttpOnly cookie. The row alone, or the cookie alone,
  opens nothing; signing out (the session is flushed) or closing the browser loses it.
- A reporter's report key: in the browser only, in an HttpOnly, SameSite=Strict cookie
  encrypted under a key derived from SECRET_KEY, valid ACCESS_MINUTES. No session row is
  written for a reporter, so the database keeps no trace of the visit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from guichet.accounts.models import User
from guichet.denunciations import crypto
from guichet.denunciations.keyring import Unlocked
from guichet.denunciations.models import InspectorKey, Report

INSPECTOR_SESSION_KEY: Final = "den_inspector_key"
INSPECTOR_COOKIE: Final = "den_wrap"
INSPECTOR_PATH: Final = "/inspection/"
REPORTER_COOKIE: Final = "den_access"
REPORTER_PATH: Final = "/signalement/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode())


def remember_inspector(request: HttpRequest, response: HttpResponse, unlocked: Unlocked) -> None:
    wrap = crypto.random_key()
    payload = json.dumps({"key": unlocked.key_id, "private": _b64(unlocked.private_key)}).encode()
    request.session[INSPECTOR_SESSION_KEY] = _b64(crypto.lock(wrap, payload))
    response.set_cookie(
        INSPECTOR_COOKIE,
        _b64(wrap),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path=INSPECTOR_PATH,
    )


def unlocked_inspector(request: HttpRequest, user: User) -> Unlocked | None:
    sealed, wrap = request.session.get(INSPECTOR_SESSION_KEY), request.COOKIES.get(INSPECTOR_COOKIE)
    if not sealed or not wrap:
        return None
    try:
        data = json.loads(crypto.unlock(_unb64(wrap), _unb64(str(sealed))))
    except (crypto.CryptoError, ValueError, TypeError):
        return None
    key_id = int(data["key"])
    if not InspectorKey.objects.filter(pk=key_id, user=user, active=True).exists():
        return None
    return Unlocked(user=user, key_id=key_id, private_key=_unb64(data["private"]))


def forget_inspector(request: HttpRequest, response: HttpResponse) -> None:
    request.session.pop(INSPECTOR_SESSION_KEY, None)
    response.delete_cookie(INSPECTOR_COOKIE, path=INSPECTOR_PATH)


def _cookie_key() -> bytes:
    return hashlib.blake2b(settings.SECRET_KEY.encode(), digest_size=32, person=b"guichet-den-acc").digest()


def grant_reporter(response: HttpResponse, report: Report, private_key: bytes) -> None:
    seconds = int(settings.GUICHET_DENUNCIATIONS["ACCESS_MINUTES"]) * 60
    payload = json.dumps(
        {"report": report.public_id, "private": _b64(private_key), "until": int(time.time()) + seconds}
    ).encode()
    response.set_cookie(
        REPORTER_COOKIE,
        _b64(crypto.lock(_cookie_key(), payload)),
        max_age=seconds,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
        path=REPORTER_PATH,
    )


def reporter_access(request: HttpRequest) -> tuple[Report, bytes] | None:
    value = request.COOKIES.get(REPORTER_COOKIE)
    if not value:
        return None
    try:
        data = json.loads(crypto.unlock(_cookie_key(), _unb64(value)))
    except (crypto.CryptoError, ValueError, TypeError):
        return None
    if int(data.get("until", 0)) < time.time():
        return None
    report = Report.objects.filter(public_id=str(data["report"])).first()
    if report is None:
        return None
    return report, _unb64(data["private"])


def forget_reporter(response: HttpResponse) -> None:
    response.delete_cookie(REPORTER_COOKIE, path=REPORTER_PATH, samesite="Strict")
