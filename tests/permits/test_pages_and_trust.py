"""Who may download a permit, revoking it, the signed trust list, key rotation, expiry."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.utils import timezone

from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput, NotFound
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.permits import keys, services
from guichet.permits.models import Permit, SigningKey
from guichet.permits.signing import kid_for, raw_signature_valid
from guichet.permits.trust import build_trust_list, trust_list_bytes
from guichet.permits.verify import Outcome, verify_text
from tests.backoffice.conftest import sign_in_staff
from tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def open_trust_list(data: bytes) -> dict:
    """What the offline page does: check the root signature over the payload bytes, then read them."""
    envelope = json.loads(data)
    root = keys.root_public_jwk()
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64d(root["x"]), "big"), int.from_bytes(b64d(root["y"]), "big"), ec.SECP256R1()
    ).public_key()
    payload = b64d(envelope["payload"])
    assert envelope["kid"] == root["kid"]
    assert raw_signature_valid(public, payload, b64d(envelope["signature"]))
    return json.loads(payload)


@pytest.fixture
def fence(issue):
    dossier = issue("cloture-electrifiee")
    return dossier, Permit.objects.get(dossier=dossier)


def pdf_url(permit, staff=False):
    prefix = "/permis/agents" if staff else "/permis"
    return f"{prefix}/{permit.dossier.reference}/{permit.number}/pdf/"


def test_the_applicant_downloads_the_pdf_and_the_file_page_leads_with_it(client, fence):
    dossier, permit = fence
    client.force_login(dossier.applicant)
    page = client.get(f"/dossiers/{dossier.reference}/").content.decode()
    assert page.index(permit.number) < page.index('id="status-title"')
    assert pdf_url(permit) in page
    response = client.get(pdf_url(permit))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_anyone_else_gets_404_for_the_pdf(client, fence):
    dossier, permit = fence
    assert client.get(pdf_url(permit)).status_code == 404  # not signed in
    client.force_login(CitizenFactory())
    assert client.get(pdf_url(permit)).status_code == 404  # another citizen
    client.force_login(dossier.applicant)
    wrong = f"/permis/{dossier.reference}/AAAAAAAAAA/pdf/"
    assert client.get(wrong).status_code == 404  # a number that is not of this file


def test_staff_of_the_unit_download_it_others_get_404(client, fence):
    dossier, permit = fence
    sign_in_staff(client, StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    assert client.get(pdf_url(permit, staff=True)).status_code == 200
    other_unit = StaffFactory(roles=[(_other_unit(dossier), Role.SUPERVISOR)])
    sign_in_staff(client, other_unit)
    assert client.get(pdf_url(permit, staff=True)).status_code == 404
    assert client.get(f"/permis/agents/{dossier.reference}/{permit.number}/revoquer/").status_code == 404


def _other_unit(dossier):
    from guichet.accounts.models import Unit

    return Unit.objects.exclude(pk=dossier.unit_id).first()


def test_only_a_supervisor_of_the_unit_revokes(client, fence):
    dossier, permit = fence
    url = f"/permis/agents/{dossier.reference}/{permit.number}/revoquer/"
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    sign_in_staff(client, agent)
    assert "revoquer" not in client.get(f"/agents/dossiers/{dossier.reference}/").content.decode()
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Faux."}).status_code == 404
    with pytest.raises(NotFound):
        services.revoke_permit(permit, actor=Actor.for_user(agent), reason="Faux.")
    supervisor = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    sign_in_staff(client, supervisor)
    assert url in client.get(f"/agents/dossiers/{dossier.reference}/").content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Give the reason for the revocation" in response.content.decode()
    response = client.post(url, {"reason": "Titre foncier falsifié."}, follow=True)
    assert response.status_code == 200
    permit.refresh_from_db()
    assert permit.revoked_at is not None
    assert permit.revoked_by == supervisor
    assert AuditEvent.objects.filter(verb="permit.revoked", target_id=str(permit.pk)).exists()
    from guichet.notifications.models import Notification

    told = Notification.objects.get(event="permit_revoked", dossier_reference=dossier.reference)
    assert "Titre foncier falsifié." in told.body
    dossier.refresh_from_db()
    assert dossier.state == DossierState.REVOKED
    assert verify_text(permit.qr_text).outcome == Outcome.REVOKED


def test_a_revoked_permit_is_in_the_next_trust_list(fence):
    dossier, permit = fence
    before = open_trust_list(trust_list_bytes())
    assert {"type": permit.permit_type, "number": permit.number} not in before["revoked"]
    assert verify_text(permit.qr_text).outcome == Outcome.VALID  # the revoked set is now cached
    supervisor = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    services.revoke_permit(permit, actor=Actor.for_user(supervisor), reason="Titre foncier falsifié.")
    after = open_trust_list(trust_list_bytes())  # the cached list was dropped at commit
    assert {"type": permit.permit_type, "number": permit.number} in after["revoked"]
    assert verify_text(permit.qr_text).outcome == Outcome.REVOKED  # and so was the cached set
    with pytest.raises(InvalidInput):
        services.revoke_permit(permit, actor=Actor.for_user(supervisor), reason=" ")


def test_the_trust_list_endpoint_serves_the_signed_list(client, fence):
    _dossier, permit = fence
    response = client.get("/verifier/trust-list")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = open_trust_list(response.content)
    assert payload["v"] == 1
    assert payload["max_offline_hours"] == 72
    (key,) = [k for k in payload["keys"] if k["type"] == permit.permit_type]
    assert b64d(key["kid"]).hex() == permit.kid
    assert key["alg"] == "ES256"
    assert key["not_after"] is None
    assert set(key["jwk"]) == {"kty", "crv", "x", "y"}


def test_a_tampered_trust_list_does_not_verify(fence):
    envelope = json.loads(build_trust_list())
    payload = json.loads(b64d(envelope["payload"]))
    payload["revoked"] = []
    payload["issued_at"] += 1
    forged = json.dumps(payload).encode()
    root = keys.root_private_key().public_key()
    assert not raw_signature_valid(root, forged, b64d(envelope["signature"]))
    assert kid_for(root) == b64d(envelope["kid"])


def test_rotation_keeps_old_permits_valid_and_signs_new_ones_with_the_new_key(issue, fence):
    _dossier, old = fence
    call_command("permit_keys", "rotate", "--type", "electrified_fence", stdout=io.StringIO())
    retired = SigningKey.objects.get(kid=old.kid)
    assert retired.retired_at is not None
    assert retired.retire_after == old.valid_until
    assert verify_text(old.qr_text).outcome == Outcome.VALID
    new = Permit.objects.get(dossier=issue("cloture-electrifiee"))
    assert new.kid != old.kid
    assert verify_text(new.qr_text).outcome == Outcome.VALID
    payload = open_trust_list(build_trust_list())
    published = {b64d(k["kid"]).hex(): k for k in payload["keys"]}
    assert published[old.kid]["not_after"] == int(old.valid_until.timestamp())
    assert published[new.kid]["not_after"] is None
    # Once the last permit the old key signed has expired, the key leaves the list.
    later = open_trust_list(build_trust_list(old.valid_until + dt.timedelta(seconds=1)))
    assert old.kid not in {b64d(k["kid"]).hex() for k in later["keys"]}


def test_expiry_is_automatic(fence):
    dossier, permit = fence
    Permit.objects.filter(pk=permit.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))
    assert services.expire_due_permits() == 1
    assert services.expire_due_permits() == 0
    dossier.refresh_from_db()
    assert dossier.state == DossierState.EXPIRED
    permit.refresh_from_db()
    assert permit.expired_at is not None
    # The signed dates decide too: the QR itself says EXPIRED after its end.
    later = int(permit.valid_from.timestamp()) + 800 * 86400
    assert verify_text(permit.qr_text, now=later).outcome == Outcome.EXPIRED


def test_keys_live_outside_the_database(settings, tmp_path, fence):
    _dossier, permit = fence
    path = keys.keys_dir() / f"{permit.kid}.pem"
    assert path.exists()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    row = SigningKey.objects.get(kid=permit.kid)
    assert "PRIVATE" not in row.public_pem


def test_without_keys_in_production_issuing_refuses(settings):
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "CREATE_MISSING_KEYS": False}
    with pytest.raises(keys.KeyMissing):
        keys.signing_key(1)


def test_the_permit_panel_speaks_french_first(client, fence, project_translations):
    dossier, permit = fence
    client.force_login(dossier.applicant)
    client.cookies["django_language"] = "fr"
    page = client.get(f"/dossiers/{dossier.reference}/").content.decode()
    assert "Votre document" in page
    assert f"Télécharger le document {permit.number} (PDF)" in page


def test_an_expired_permit_is_renewed_into_a_prefilled_request(client, issue):
    dossier = issue("vitres-teintees")
    permit = Permit.objects.get(dossier=dossier)
    client.force_login(dossier.applicant)
    url = f"/permis/{dossier.reference}/{permit.number}/renouveler/"
    assert "renouveler" not in client.get(f"/dossiers/{dossier.reference}/").content.decode()  # still valid
    assert client.post(url).status_code == 302  # refused with a message
    assert Dossier.objects.filter(applicant=dossier.applicant).count() == 1
    Permit.objects.filter(pk=permit.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))
    assert url in client.get(f"/dossiers/{dossier.reference}/").content.decode()
    response = client.post(url)
    assert response.status_code == 302
    draft = Dossier.objects.filter(applicant=dossier.applicant).exclude(pk=dossier.pk).get()
    assert draft.state == DossierState.DRAFT
    assert draft.service_id == dossier.service_id
    assert draft.answers["plate"] == "TG1234AB"
    assert draft.answers["vin"] == dossier.answers["vin"]
    client.force_login(CitizenFactory())
    assert client.post(url).status_code == 404


def test_production_refuses_to_start_without_permit_keys(settings):
    from guichet.permits.checks import check_permit_keys

    settings.PRODUCTION = True
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "CREATE_MISSING_KEYS": False}
    errors = check_permit_keys(None, databases=["default"])
    assert len(errors) == 5  # four permit types and the root key
    assert {error.id for error in errors} == {"guichet.E040"}
    assert len(check_permit_keys(None)) == 1  # without a database: the root key only
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "CREATE_MISSING_KEYS": True}
    for code in (1, 2, 3, 4):
        keys.signing_key(code)
    keys.root_private_key()
    assert check_permit_keys(None, databases=["default"]) == []
