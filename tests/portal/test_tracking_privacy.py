"""Tracking tells nothing about a reference the person has not proven.

Four kinds of reference (none, a guest's, an account's, an anonymous filer's) must get
byte-identical answers, apart from the CSRF token and the reference itself, at every page
of the tracking flow and when the limits are reached.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from guichet.dossiers.references import new_reference
from guichet.dossiers.states import DossierState
from guichet.portal.views import tracking
from tests.factories import CitizenFactory, make_dossier
from tests.portal.utils import confirm_guest, file_suggestion, start

pytestmark = pytest.mark.django_db

KINDS = ["missing", "guest", "account", "anonymous"]


@pytest.fixture
def references(settings) -> dict[str, str]:
    settings.GUICHET = {**settings.GUICHET, "OTP_RESEND_SECONDS": 0}
    guest = Client()
    start(guest, "suggestion")
    confirm_guest(guest, "afi@exemple.tg", "afi@exemple.tg")
    return {
        "missing": new_reference("SUG"),
        "guest": file_suggestion(guest).reference,
        "account": make_dossier(applicant=CitizenFactory(), state=DossierState.IN_REVIEW).reference,
        "anonymous": file_suggestion(Client(), anonymous=True).reference,
    }


def _answer(response, reference: str) -> tuple[int, str, str]:
    """Status, redirect target and page, without the CSRF token and the reference."""
    page = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode()).replace(reference, "REF")
    return response.status_code, response.get("Location", ""), page


def _journey(reference: str, address: str) -> list[tuple[int, str, str]]:
    client = Client(REMOTE_ADDR=address)
    answers = []
    for method, name, data in [
        ("get", "portal:dossier", None),
        ("post", "portal:track", {"reference": reference}),
        ("get", "portal:track_code", None),
        ("post", "portal:track_code", {"code": "000000"}),
        ("post", "portal:track_code", {"action": "resend"}),
        ("get", "portal:track_code", None),
        ("get", "portal:track_receipt", None),
        ("post", "portal:track_receipt", {"receipt_code": "0000-0000-0000-0000"}),
    ]:
        url = reverse(name, kwargs={"reference": reference}) if name == "portal:dossier" else reverse(name)
        response = client.get(url) if method == "get" else client.post(url, data)
        answers.append(_answer(response, reference))
    return answers


def test_every_kind_of_reference_gets_the_same_answers(references):
    journeys = {kind: _journey(references[kind], f"192.0.2.{i}") for i, kind in enumerate(KINDS)}
    for kind in KINDS[1:]:
        assert journeys[kind] == journeys["missing"], kind


def test_the_limits_answer_alike_for_every_kind_of_reference(references, monkeypatch, settings):
    settings.GUICHET = {**settings.GUICHET, "RECEIPT_MAX_ATTEMPTS": 1, "OTP_MAX_PER_TARGET_PER_HOUR": 1}
    monkeypatch.setattr(tracking, "TRACK_ATTEMPTS_PER_HOUR", 2)
    sequences = {}
    for i, kind in enumerate(KINDS):
        client = Client(REMOTE_ADDR=f"198.51.100.{i}")
        reference = references[kind]
        sequence = []
        for _attempt in range(3):
            sequence.append(
                _answer(client.post(reverse("portal:track"), {"reference": reference}), reference)
            )
            sequence.append(
                _answer(client.post(reverse("portal:track_code"), {"action": "resend"}), reference)
            )
            sequence.append(
                _answer(client.post(reverse("portal:track_receipt"), {"receipt_code": "0000"}), reference)
            )
        sequences[kind] = sequence
    assert any(status == 400 and "Too many" in page for status, _location, page in sequences["missing"])
    assert all(status != 429 for status, _location, _page in sequences["missing"])
    for kind in KINDS[1:]:
        assert sequences[kind] == sequences["missing"], kind
