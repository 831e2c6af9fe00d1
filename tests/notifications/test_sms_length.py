"""Every SMS is one segment: at most 160 GSM-7 characters in French and in English.

Each SMS template on disk is rendered through the real outbox code, with the longest
values it may receive: a reference, the longest service title of the catalogue, the
production address of the dossier page, a sign-in code. A character outside GSM-7 (a
curly apostrophe, "ê", "ô", ...) would switch the whole message to UCS-2, where one
segment holds only 70 characters, so it is refused outright.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from guichet.accounts.contacts import Contact
from guichet.notifications.services import notify_contact

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "guichet" / "notifications" / "templates" / "notifications"
CATALOGUE = Path(settings.BASE_DIR) / "guichet" / "catalog" / "services"

# GSM 03.38: the basic set counts one character each, the extension table two (escape + char).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")
ONE_SEGMENT = 160

REFERENCE = "SUG-7K3M-9QXT"


def gsm7_length(text: str) -> int:
    """Septets the text takes; ValueError on a character GSM-7 cannot carry."""
    outside = sorted({c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION})
    if outside:
        raise ValueError(f"not GSM-7: {outside!r}")
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


def longest_service_title(language: str) -> str:
    titles = []
    for path in CATALOGUE.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("title"), dict):
            titles.append(str(data["title"][language]))
    assert titles, "no service in the catalogue"
    return max(titles, key=len)


def sms_events() -> list[str]:
    return sorted({path.name.removesuffix(".sms.txt") for path in TEMPLATES.glob("*/*.sms.txt")})


def test_both_languages_have_the_same_sms():
    french = {p.name for p in (TEMPLATES / "fr").glob("*.sms.txt")}
    english = {p.name for p in (TEMPLATES / "en").glob("*.sms.txt")}
    assert french == english
    assert "one_time_code.sms.txt" in french


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("event", sms_events())
def test_every_sms_fits_in_one_gsm7_segment(event, language):
    context = {
        "reference": REFERENCE,
        "service": longest_service_title(language),
        "url": f"https://guichet.securite.gouv.tg/dossiers/{REFERENCE}/",
        "code": "987654",
        "minutes": max(int(settings.GUICHET["OTP_TTL_SECONDS"]) // 60, 10),
    }

    message = notify_contact(Contact("phone", "+22890123456"), event, language=language, context=context)

    assert message.channel == "sms"
    body = message.body
    assert gsm7_length(body) <= ONE_SEGMENT, f"{len(body)} characters: {body}"
    if "{{ reference }}" in (TEMPLATES / language / f"{event}.sms.txt").read_text(encoding="utf-8"):
        assert REFERENCE in body


def test_the_counter_refuses_what_gsm7_cannot_carry():
    assert gsm7_length("Guichet MSPC : votre dossier est déposé à 14h.") == 46
    assert gsm7_length("€") == 2
    with pytest.raises(ValueError, match="’"):
        gsm7_length("n’a pas")
    with pytest.raises(ValueError, match="ô"):
        gsm7_length("clôture")
