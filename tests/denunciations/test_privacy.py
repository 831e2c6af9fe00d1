"""The privacy middleware and the log scrubber, each shown to do its work."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from guichet.denunciations import privacy

CANARY_IP = "203.0.113.77"


def test_the_middleware_erases_address_forwarding_and_browser_before_the_view():
    seen: dict[str, object] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(request.META)
        logging.getLogger("guichet.anything").warning("visit from %s", CANARY_IP)
        return HttpResponse("ok")

    request = RequestFactory().get(
        "/signalement/", REMOTE_ADDR=CANARY_IP, HTTP_X_FORWARDED_FOR=CANARY_IP, HTTP_USER_AGENT="CanaryUA"
    )
    response = privacy.DenunciationPrivacyMiddleware(view)(request)
    assert seen["REMOTE_ADDR"] == "0.0.0.0"  # noqa: S104
    assert "HTTP_USER_AGENT" not in seen
    assert "HTTP_X_FORWARDED_FOR" not in seen
    assert len(request.denunciation_bucket) == privacy.BUCKET_HEX_DIGITS  # type: ignore[attr-defined]
    assert response["Cache-Control"].startswith("no-store")


def test_other_pages_keep_their_metadata():
    seen: dict[str, object] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(request.META)
        return HttpResponse("ok")

    privacy.DenunciationPrivacyMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=CANARY_IP))
    assert seen["REMOTE_ADDR"] == CANARY_IP


def test_log_records_of_denunciation_requests_keep_only_their_level_and_day(caplog):
    caplog.set_level(logging.INFO)

    def view(request: HttpRequest) -> HttpResponse:
        try:
            raise ValueError(f"boom {CANARY_IP}")
        except ValueError:
            logging.getLogger("guichet.anything").exception("failed for %s", CANARY_IP)
        return HttpResponse("ok")

    privacy.DenunciationPrivacyMiddleware(view)(RequestFactory().get("/inspection/x/", REMOTE_ADDR=CANARY_IP))
    logging.getLogger("django.server").info(
        '"%s" %s %s',
        "GET /signalement/suivi/ HTTP/1.1",
        200,
        10,
        extra={"server_time": "05/Dec/2026 17:36:49"},
    )
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /static/denunciations/quick-exit.js HTTP/1.1", 200, 9
    )
    logging.getLogger("guichet.elsewhere").info("an ordinary line")
    ours = [r for r in caplog.records if r.name != "guichet.elsewhere"]
    assert len(ours) == 3
    for record in ours:
        assert record.getMessage() == "denunciation page: details withheld"
        assert record.exc_info is None
        assert record.created % 86400 == 0
        assert "17:36" not in getattr(record, "server_time", "")  # runserver's own time: the day only
    assert CANARY_IP not in caplog.text
    assert "/signalement/suivi/" not in caplog.text
    assert "an ordinary line" in caplog.text


def test_production_refuses_argon2_costs_lowered_for_tests(settings):
    from guichet.denunciations.checks import argon2_costs

    settings.PRODUCTION = True
    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "KDF_OPSLIMIT": 1,
        "KDF_MEMLIMIT_KIB": 8,
    }
    assert [e.id for e in argon2_costs(None)] == ["denunciations.E001"]
    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "KDF_OPSLIMIT": 3,
        "KDF_MEMLIMIT_KIB": 64 * 1024,
    }
    assert argon2_costs(None) == []
