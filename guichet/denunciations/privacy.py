"""What the denunciation pages keep of a visit: nothing that points to a person.

The middleware runs first. For a denunciation address it computes a coarse rate-limit
bucket, then removes the client address, every forwarded-for header and the browser
string from the request, so no later code (sessions, CSRF, error pages, logs, the audit)
can store them. A log record written during such a request, or naming such an address
(the server's access line, "Not Found: ..."), keeps only its level and the day.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any, Final

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from guichet.core.http import client_ip

# The reporter's pages and the inspectors' pages.
PREFIXES: Final = ("/signalement/", "/inspection/")
# Metadata a browser or a proxy sends that could name the person or their machine.
IDENTIFYING_META: Final = (
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_CLIENT_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_X_CLIENT_IP",
    "HTTP_VIA",
    "HTTP_REFERER",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_PLATFORM",
    "HTTP_SEC_CH_UA_MOBILE",
)
# 4,096 buckets: each stands for about a million IPv4 addresses, so a bucket names nobody;
# a person who shares one with a guesser is slowed only while that guesser is.
BUCKET_HEX_DIGITS: Final = 3
_PEPPER_KEY: Final = "den-bucket-pepper"
_PEPPER_SECONDS: Final = 24 * 3600

WITHHELD: Final = "denunciation page: details withheld"

_in_denunciation_request: contextvars.ContextVar[bool] = contextvars.ContextVar("den_request", default=False)


def is_denunciation_path(path: str) -> bool:
    return path.startswith(PREFIXES)


def bucket(address: str) -> str:
    """A coarse keyed digest of the address, under a random pepper renewed every day."""
    pepper = cache.get(_PEPPER_KEY)
    if pepper is None:
        cache.add(_PEPPER_KEY, secrets.token_hex(16), timeout=_PEPPER_SECONDS)
        pepper = cache.get(_PEPPER_KEY) or "fallback"
    digest = hmac.new(str(pepper).encode(), address.encode(), hashlib.sha256).hexdigest()
    return digest[:BUCKET_HEX_DIGITS]


class DenunciationPrivacyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_denunciation_path(request.path):
            return self.get_response(request)
        request.denunciation_bucket = bucket(client_ip(request))  # type: ignore[attr-defined]
        for name in IDENTIFYING_META:
            request.META.pop(name, None)
        request.META["REMOTE_ADDR"] = "0.0.0.0"  # noqa: S104  (not a bind address: the address erased)
        token = _in_denunciation_request.set(True)
        try:
            response = self.get_response(request)
        finally:
            _in_denunciation_request.reset(token)
        # Never kept by the browser, a proxy or the back button's cache; no address sent onwards.
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        response["Referrer-Policy"] = "no-referrer"
        return response


# A request for these pages' own stylesheet or script also says, to the second, that someone
# was on them: its access line is dated to the day as well.
LOGGED_PREFIXES: Final = (*PREFIXES, "/static/denunciations/")


def _names_denunciation_path(record: logging.LogRecord) -> bool:
    texts = [str(record.msg)]
    args = record.args if isinstance(record.args, tuple) else (record.args,) if record.args else ()
    texts.extend(str(a) for a in args)
    return any(prefix in text for text in texts for prefix in LOGGED_PREFIXES)


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Keep that something was logged on a denunciation page, its level and its day; nothing else."""
    day = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    record.created = day.timestamp()
    record.msecs = 0
    record.relativeCreated = 0
    record.msg = WITHHELD
    record.args = ()
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    return record


def install_log_record_scrubber() -> None:
    """Scrub records as they are made, so that every handler (and a test's capture) sees the same."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_denunciation_scrubber", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        made = previous(*args, **kwargs)
        if _in_denunciation_request.get() or _names_denunciation_path(made):
            return scrub(made)
        return made

    factory._denunciation_scrubber = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    # runserver's access line carries its own time (`server_time`, added after the record is
    # made): a filter on its logger brings it down to the day as well.
    logging.getLogger("django.server").addFilter(_server_time_to_the_day)


def _server_time_to_the_day(record: logging.LogRecord) -> bool:
    if record.msg == WITHHELD and hasattr(record, "server_time"):
        record.server_time = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).strftime("%d/%b/%Y")
    return True
