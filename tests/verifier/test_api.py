"""The partner API: tokens, scopes, verdicts, lookups (valid permits only), audit, throttling."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from guichet.audit.models import AuditEvent
from guichet.core.errors import InvalidInput
from guichet.verifier import services
from guichet.verifier.models import Partner
from tests.verifier.conftest import DAY
from tests.verifier.signer import b45

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    _partner, token = services.create_partner(
        name="Police routière", unit="DGPN", scopes=["verify", "lookup_plate", "lookup_passport"]
    )
    return token


def api(token: str | None = None) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()


def verify(client: Client, text: str, **extra):
    return client.post("/api/verification/verify", {"text": text, **extra}, content_type="application/json")


def test_the_token_is_shown_once_and_only_its_hash_is_kept(token):
    partner = Partner.objects.get()
    assert token.startswith("gvp_")
    assert token not in str(Partner.objects.values().get())
    assert services.partner_for_token(token) == partner
    assert services.partner_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


@pytest.mark.parametrize(
    "case",
    [
        ({}, None, "VALID"),
        ({"revoked": True}, None, "REVOKED"),
        ({"valid_from": None, "valid_until": "past"}, None, "EXPIRED"),
        ({"valid_from": "future"}, None, "NOT_YET_VALID"),
        ({}, 2, "WRONG_TYPE"),
        ({}, 3, "WRONG_TYPE"),
    ],
)
def test_verify_answers_each_verdict(token, issue, case):
    from django.utils import timezone

    setup, expected_type, outcome = case
    now = timezone.now().replace(microsecond=0)
    if setup.get("valid_until") == "past":
        setup = {"valid_from": now - 400 * DAY, "valid_until": now - DAY}
    elif setup.get("valid_from") == "future":
        setup = {"valid_from": now + DAY}
    permit = issue(1, **setup)
    extra = {"expected_type": expected_type} if expected_type else {}
    response = verify(api(token), permit.qr_text, **extra)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["outcome"] == outcome
    assert data["permit"]["number"] == permit.number
    assert data["permit"]["subject"] == "TG1234AB"
    assert data["permit"]["subject2"] == "VF1AB000123456789"


def test_verify_refuses_forgeries_and_bombs_with_a_reason(token):
    for text, reason in [
        ("TG1:ABC~", "bad_base45"),
        (b45(b"\x81" * 300 + b"\x00"), "not_cbor"),
        ("HC1:NCFOXN", "wrong_prefix"),
    ]:
        data = verify(api(token), text).json()
        assert (data["outcome"], data["reason"], data["permit"]) == ("NOT_GENUINE", reason, None)


def test_no_token_a_bad_token_a_revoked_partner_and_a_missing_scope(issue):
    permit = issue(1)
    assert verify(api(), permit.qr_text).status_code == 401
    assert verify(api("gvp_nothing_here"), permit.qr_text).status_code == 401
    nul = "gvp_" + "0" * 12 + "_" + "\x00" * 43  # PostgreSQL refuses NUL in a query: never sent
    assert verify(api(nul), permit.qr_text).status_code == 401
    _p, narrow = services.create_partner(name="Frontière", scopes=["lookup_passport"])
    assert verify(api(narrow), permit.qr_text).status_code == 403
    assert api(narrow).get("/api/verification/permits", {"plate": "TG1234AB"}).status_code == 403
    assert api(narrow).get("/api/verification/permits", {"passport": "A01234567"}).status_code == 200
    call_command("verifier_partner", "revoke", "Frontière", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert api(narrow).get("/api/verification/permits", {"passport": "A01234567"}).status_code == 401


def test_lookup_returns_only_valid_permits_and_audits_a_keyed_hash_not_the_plate(token, issue):
    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)
    valid = issue(1)
    issue(1, revoked=True)
    issue(1, valid_from=now - 400 * DAY, valid_until=now - DAY)
    issue(2)  # a passport, not a plate
    response = api(token).get("/api/verification/permits", {"plate": "tg 1234-ab"})
    assert response.status_code == 200
    assert [p["number"] for p in response.json()["permits"]] == [valid.number]
    event = AuditEvent.objects.filter(verb="verifier.api_lookup_plate").get()
    assert event.data["partner"] == "Police routière"
    assert event.data["found"] == 1
    assert "TG1234AB" not in str(event.data)
    assert event.data["asked"] == services.audit_digest("plate", "TG1234AB")
    passports = api(token).get("/api/verification/permits", {"passport": "A01234567"}).json()["permits"]
    assert [p["type"] for p in passports] == [2]


def test_every_verify_call_is_audited_by_partner(token, issue):
    permit = issue(1)
    verify(api(token), permit.qr_text)
    event = AuditEvent.objects.filter(verb="verifier.api_verify").get()
    assert event.data["outcome"] == "VALID"
    assert event.target_type == "verifier.partner"
    assert permit.number not in str(event.data)


def test_lookup_needs_exactly_one_well_formed_subject(token):
    client = api(token)
    assert client.get("/api/verification/permits").status_code == 400
    assert client.get("/api/verification/permits", {"plate": "A", "passport": "B"}).status_code == 400
    assert client.get("/api/verification/permits", {"plate": "x" * 500}).status_code == 400


def test_a_partner_is_throttled(settings, token, issue):
    settings.GUICHET_VERIFIER = {**settings.GUICHET_VERIFIER, "PARTNER_RATE": "3/min"}
    client = api(token)
    codes = [client.get("/api/verification/permits", {"plate": "TG1234AB"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_the_management_command_creates_and_revokes(capsys):
    call_command("verifier_partner", "create", "Douane", "--scopes", "verify")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert services.partner_for_token(token).name == "Douane"
    call_command("verifier_partner", "revoke", "Douane")
    assert services.partner_for_token(token) is None
    with pytest.raises(InvalidInput):
        services.create_partner(name="X", scopes=["everything"])


def test_the_schema_describes_the_partner_api():
    response = Client().get("/api/verification/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {"/api/verification/verify", "/api/verification/permits"}
    assert "partnerToken" in schema["components"]["securitySchemes"]
