from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guichet.accounts.contacts import format_phone
from guichet.demo.codes import DEMO_PHONE_PREFIX, recent_sign_in_codes


@require_GET
def sign_in_codes(request: HttpRequest) -> HttpResponse:
    if not settings.GUICHET_DEMO:  # the URL is not even mounted then; this is a second lock
        raise Http404
    messages = [(format_phone(m.recipient), m) for m in recent_sign_in_codes()]
    return render(
        request,
        "demo/sign_in_codes.html",
        {
            "messages_sent": messages,
            "first_number": format_phone(DEMO_PHONE_PREFIX + "00"),
            "last_number": format_phone(DEMO_PHONE_PREFIX + "99"),
            "ttl_minutes": settings.GUICHET["OTP_TTL_SECONDS"] // 60,
        },
    )
