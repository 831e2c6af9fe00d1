"""Response headers every page carries, the session idle timeout, and the page shown when
the database does not answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]

from guichet.core.resilience import DATABASE_DOWN
from guichet.core.sessions import LAST_SEEN_SESSION_KEY

logger = logging.getLogger(__name__)

# One small stylesheet and no third-party script: a strict policy costs nothing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

RETRY_AFTER_SECONDS = 30


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The Django admin too: since Django 5.0 it needs no inline script or style.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages behind a sign-in hold personal data: never keep them in a shared cache.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, preferring collected files to the app folders' when both exist.

    Collected files come with their gzip copies (served to browsers that accept gzip); the
    app folders (WHITENOISE_USE_FINDERS, embedded runs) only fill in what was not collected,
    so a run without collectstatic still has every file, uncompressed.
    """

    def add_files_from_finders(self) -> None:
        super().add_files_from_finders()
        if self.static_root and Path(self.static_root).is_dir():
            self.add_files(self.static_root, prefix=self.static_prefix)


class LanguageMiddleware(LocaleMiddleware):
    """French unless the person chose English with the switch (a cookie) or in their profile.

    Django's LocaleMiddleware would follow the browser's Accept-Language; many phones in
    Togo ship set to English while their owners read French, so the site speaks French
    first and changes only on an explicit choice.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def database_unavailable() -> HttpResponse:
    """503 with Retry-After, in French and English, rendered without touching the database."""
    body = render_to_string("core/database_unavailable.html", {"languages": ["fr", "en"]})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


class DatabaseUnavailableMiddleware:
    """A database that went away is an outage to wait out (503), not a bug (500).

    Views raising OperationalError/InterfaceError are caught here; the same errors raised
    in a middleware reach `core.views.server_error`, which gives the same page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_DOWN):
            logger.error("database unavailable on %s: %s", request.path, exception)
            return database_unavailable()
        return None


class IdleTimeoutMiddleware:
    """Sign a person out after a while without a request: staff sooner than citizens.

    The time of the last request is kept in the session, rewritten at most once a minute
    so that reading pages does not mean writing the session each time.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            staff = bool(getattr(user, "is_staff_member", False) or user.is_staff)
            limit = int(settings.GUICHET["STAFF_IDLE_SECONDS" if staff else "CITIZEN_IDLE_SECONDS"])
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if isinstance(last_seen, int | float) and now - last_seen > limit:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity. Sign in again.")
                    % {"minutes": limit // 60},
                )
            elif not isinstance(last_seen, int | float) or now - last_seen > 60:
                request.session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)
