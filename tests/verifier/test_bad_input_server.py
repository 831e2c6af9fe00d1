"""The bad-input table of issue 9 against the server: verify_text itself, the page and the API.

The same vectors (tests/verifier/signer.py, an independent signer) run in Chromium against the
offline page's script (tests/e2e/test_verifier_offline.py): both verifiers must agree.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client
from django.utils import timezone

from guichet.permits.models import Permit, SigningKey
from guichet.permits.verify import verify_text
from guichet.verifier import services
from tests.factories import make_dossier
from tests.verifier.signer import NOW, Signer, bad_input_vectors

SIGNER = Signer()
SIGNER.revoked.add((1, "TREVOKED"))
VECTORS = bad_input_vectors(SIGNER)
# Outcomes that depend on the clock: the page and the API check at the real time, not at NOW.
CLOCK = {"not yet valid", "expires this very second"}


@pytest.mark.parametrize("vector", VECTORS, ids=[v[0] for v in VECTORS])
def test_verify_text(vector):
    _name, text, expected_type, outcome, reason = vector
    started = time.perf_counter()
    verdict = verify_text(text, expected_type=expected_type, now=NOW, trust=SIGNER)
    assert (verdict.outcome, verdict.reason) == (outcome, reason)
    assert time.perf_counter() - started < 0.05


@pytest.fixture
def signer_trusted(db):
    """The independent signer's keys published as the permits app's own (and its revoked permit)."""
    for permit_type, key in SIGNER.keys.items():
        pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
        SigningKey.objects.create(
            kid=SIGNER.kid(permit_type).hex(), permit_type=permit_type, public_pem=pem,
            not_before=dt.datetime.fromtimestamp(NOW - 400 * 86400, tz=dt.UTC),
        )  # fmt: skip
    dossier = make_dossier()
    Permit.objects.create(
        number="TREVOKED", permit_type=1, dossier=dossier, unit_id=dossier.unit_id, holder="X", subject="TG1234AB",
        valid_from=timezone.now(), valid_until=timezone.now(), kid=SIGNER.kid(1).hex(), qr_text="",
        revoked_at=timezone.now(),
    )  # fmt: skip


PAGE_VECTORS = [v for v in VECTORS if v[0] not in CLOCK]


@pytest.mark.parametrize("vector", PAGE_VECTORS, ids=[v[0] for v in PAGE_VECTORS])
def test_the_page_and_the_api_answer_the_same(signer_trusted, vector):
    _name, text, expected_type, outcome, reason = vector
    purpose = {None: "all", 1: "roadside", 2: "border"}[expected_type]
    page = Client().post("/verifier/", {"code": text, "purpose": purpose}, HTTP_ACCEPT="application/json")
    if len(text) > services.MAX_INPUT_CHARS or not text:
        assert page.status_code == 400  # the form's own message: too long, or empty
    else:
        assert (page.json()["answer"]["outcome"], page.json()["answer"]["reason"]) == (outcome, reason)
    token = services.create_partner(name="Table", scopes=["verify"])[1]
    body = {"text": text, **({"expected_type": expected_type} if expected_type else {})}
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        "/api/verification/verify", body, content_type="application/json"
    )
    if len(text) > services.MAX_INPUT_CHARS or not text:
        assert api.status_code == 400
    else:
        assert (api.json()["outcome"], api.json()["reason"]) == (outcome, reason)
