"""The public page /verifier/ without JavaScript (form POST) and with it (the same POST asking JSON)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.verifier.conftest import DAY, answer_of

pytestmark = pytest.mark.django_db
URL = "/verifier/"
JSON = {"HTTP_ACCEPT": "application/json"}


def check(client: Client, code: str, purpose: str = "all", **extra):
    return client.post(URL, {"code": code, "purpose": purpose}, **extra)


def test_the_empty_page_offers_the_form_the_camera_and_the_pinned_root_key(client):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="code"' in body
    assert 'name="purpose"' in body
    assert 'capture="environment"' in body
    assert 'accept="image/*"' in body
    assert '"root": {"jwk": {"kty": "EC", "crv": "P-256"' in body.replace("\\u0022", '"')
    assert response["Cache-Control"] == "no-cache"
    assert "camera=(self)" in response["Permissions-Policy"]
    assert "csrfmiddlewaretoken" in body


@pytest.mark.parametrize(("kind", "word", "compare"), [(1, "VALID", "TG1234AB"), (2, "VALID", "A01234567")])
def test_a_valid_permit_says_valid_with_what_to_compare(client, issue, kind, word, compare):
    permit = issue(kind)
    response = check(client, permit.qr_text)
    body = response.content.decode()
    assert response.status_code == 200
    assert "verdict-valid" in body
    assert word in body
    assert compare in body
    assert response["Cache-Control"] == "no-store"  # an answer names a plate or a passport


@pytest.mark.parametrize(
    "case",
    [
        (
            {"valid_from": timezone.now() - 400 * DAY, "valid_until": timezone.now() - DAY},
            "all",
            "EXPIRED",
            "expired",
        ),
        ({"valid_from": timezone.now() + 2 * DAY}, "all", "NOT_YET_VALID", "expired"),
        ({"revoked": True}, "all", "REVOKED", "revoked"),
        ({}, "border", "WRONG_TYPE", "wrong"),
        ({}, "roadside", "VALID", "valid"),
    ],
)
def test_each_verdict_on_the_page_and_as_json(client, issue, case):
    setup, purpose, outcome, css = case
    permit = issue(1, **setup)
    page = check(client, permit.qr_text, purpose)
    assert f"verdict-{css}" in page.content.decode()
    data = answer_of(check(client, permit.qr_text, purpose, **JSON))
    assert data["outcome"] == outcome
    assert data["permit"]["number"] == permit.number
    assert data["permit"]["subject"] == "TG1234AB"


def test_a_forged_text_says_not_genuine_and_shows_nothing_to_compare(client, issue):
    permit = issue(1)
    text = permit.qr_text[:-6] + ("AAAAAA" if not permit.qr_text.endswith("AAAAAA") else "BBBBBB")
    data = answer_of(check(client, text, **JSON))
    assert data["outcome"] == "NOT_GENUINE"
    assert data["permit"] is None
    assert "verdict-forged" in check(client, text).content.decode()


def test_a_typed_number_finds_the_permit_and_checks_its_signed_text(client, issue):
    permit = issue(1)
    data = answer_of(check(client, permit.number.lower(), **JSON))
    assert data["outcome"] == "VALID"
    assert data["permit"]["subject"] == "TG1234AB"
    assert answer_of(check(client, "ZZZZZZZZZZ", **JSON))["outcome"] == "NOT_FOUND"


def test_unknown_numbers_slow_down_a_guesser_but_never_lock_out(client, settings, issue):
    settings.GUICHET_VERIFIER = {**settings.GUICHET_VERIFIER, "NUMBER_FREE_MISSES": 2}
    permit = issue(1)
    for _ in range(3):
        assert check(client, "ZZZZZZZZZZ", **JSON).status_code == 200
    slowed = check(client, "ZZZZZZZZZZ", **JSON)
    assert slowed.status_code == 429
    assert answer_of(slowed)["reason"] == "slow_down"
    # A scanned QR text is never slowed: it needs no lookup and tells nothing about other permits.
    assert answer_of(check(client, permit.qr_text, **JSON))["outcome"] == "VALID"


def test_an_empty_or_huge_entry_gets_a_message_and_keeps_the_purpose(client):
    response = check(client, "", "border")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Type the permit number" in body
    assert re.search(r'<input[^>]*value="border"[^>]*checked', body)
    huge = check(client, "TG1:" + "A" * 5000)
    assert huge.status_code == 400
    assert "far longer than any permit code" in huge.content.decode()


@pytest.mark.parametrize(
    ("code", "purpose"),
    [("", "all"), ("   ", "border"), ("TG1:" + "A" * 5000, "all"), ("ABCD", "nowhere"), ("ABCD", "")],
)
def test_the_script_gets_the_same_errors_as_the_page_in_json(client, code, purpose):
    """The JSON answer reads the form's own fields without building a form: same rules, same words."""
    from guichet.verifier.views import CheckForm

    form = CheckForm({"code": code, "purpose": purpose})
    response = check(client, code, purpose, **JSON)
    if form.is_valid():
        assert response.status_code == 200
        assert response.json()["errors"] == {}
    else:
        assert response.status_code == 400
        assert response.json() == {"answer": None, "errors": form.errors.get_json_data()}
        assert response["Cache-Control"] == "no-store"


def test_the_words_of_an_answer_follow_the_catalogues_in_use(client, settings, issue):
    """The answer's words are drawn once per language; a change of catalogues draws them again."""
    from django.conf import settings as live

    permit = issue(1)
    settings.LOCALE_PATHS = []  # no catalogue: the English words of the code
    assert answer_of(check(client, permit.qr_text, **JSON))["signal"]["word"] == "VALID"
    settings.LOCALE_PATHS = [live.BASE_DIR / "guichet" / "locale"]
    answer = answer_of(check(client, permit.qr_text, **JSON))
    assert answer["signal"]["word"] == "VALIDE"
    assert answer["permit"]["type_title"] == "Autorisation de vitres teintées"


def test_the_check_is_csrf_protected(issue):
    permit = issue(1)
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"code": permit.qr_text}).status_code == 403


def test_the_service_worker_is_served_at_the_scope_with_its_files(client):
    response = client.get("/verifier/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "verify-core.js" in body
    assert "verifier.js" in body
    assert '"/verifier/"' in body


def test_french_first(client, project_translations, issue):
    permit = issue(1)
    body = check(client, permit.qr_text).content.decode()
    assert "VALIDE" in body
    assert "Vérifier" in body


def test_the_reading_time_is_bounded(client):
    """A CBOR bomb is refused before any allocation: hundreds of them take well under a second."""
    import time

    from tests.verifier.signer import b45

    bomb = b45(b"\x81" * 300 + b"\x00")
    started = time.perf_counter()
    for _ in range(50):
        assert answer_of(check(client, bomb, **JSON))["reason"] == "not_cbor"
    assert time.perf_counter() - started < 2


def test_dates_are_iso(issue, client):
    permit = issue(1, valid_until=timezone.now().replace(microsecond=0) + 10 * DAY)
    data = answer_of(check(client, permit.qr_text, **JSON))
    assert dt.datetime.fromisoformat(data["permit"]["expiry"]) == permit.valid_until
