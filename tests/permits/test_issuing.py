from __future__ import annotations

import pytest

from guichet.audit.models import AuditEvent
from guichet.dossiers.models import EventKind
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from guichet.permits import keys
from guichet.permits.models import Permit
from guichet.permits.verify import Outcome, verify_text

pytestmark = pytest.mark.django_db

CODES = ["vitres-teintees", "autorisation-entree", "cloture-electrifiee", "couverture-securitaire"]


@pytest.mark.parametrize("code", CODES)
def test_approving_issues_signed_permits_and_the_file_is_issued(issue, code):
    dossier = issue(code)
    assert dossier.state == DossierState.ISSUED
    moves = list(
        dossier.events.filter(kind=EventKind.STATE_CHANGED).order_by("id").values_list("to_state", flat=True)
    )
    assert moves[-2:] == [DossierState.APPROVED, DossierState.ISSUED]
    permits = list(Permit.objects.filter(dossier=dossier))
    assert permits
    for permit in permits:
        assert permit.unit_id == dossier.unit_id
        verdict = verify_text(permit.qr_text, now=int(permit.valid_from.timestamp()) + 1)
        assert verdict.outcome == Outcome.VALID
        assert verdict.claims.number == permit.number
        assert verdict.claims.subject == permit.subject
        assert AuditEvent.objects.filter(verb="permit.issued", target_id=str(permit.pk)).exists()


def test_one_permit_per_traveller(issue):
    dossier = issue("autorisation-entree")
    permits = list(Permit.objects.filter(dossier=dossier).order_by("item"))
    travellers = dossier.answers["travellers"]
    assert len(permits) == len(travellers) == 2
    assert [p.subject for p in permits] == [t["passport_number"] for t in travellers]
    assert [p.item for p in permits] == [t["_key"] for t in travellers]
    # The permit prints answers in words: a date dd/mm/yyyy, a list's label, not its stored code.
    year, month, day = travellers[0]["birth_date"].split("-")
    assert permits[0].details["birth_date"] == f"{day}/{month}/{year}"
    port = dossier.answers["port_of_entry"]
    assert permits[0].details["port_of_entry"]
    assert port not in permits[0].details["port_of_entry"]
    assert len({p.number for p in permits}) == 2


def test_the_plate_and_vin_are_signed_for_tinted_windows(issue):
    permit = Permit.objects.get(dossier=issue("vitres-teintees"))
    claims = verify_text(permit.qr_text).claims
    assert (claims.subject, claims.subject2) == ("TG1234AB", "VF1RFB0005A123456")
    assert len(permit.number) == 10


def test_the_applicant_is_told_with_a_link(issue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = issue("cloture-electrifiee")
    permit = Permit.objects.get(dossier=dossier)
    notice = Notification.objects.filter(event="permit_issued", dossier_reference=dossier.reference).get()
    assert permit.number in notice.body
    assert f"/dossiers/{dossier.reference}/" in notice.body
    # One message for one decision: the step on the way to issued is not announced on its own.
    events = Notification.objects.filter(dossier_reference=dossier.reference).values_list("event", flat=True)
    assert "dossier_approved" not in set(events)


def test_if_issuing_fails_nothing_is_approved(settings):
    from tests.permits.conftest import FENCE_ANSWERS, approve, file_request

    dossier = file_request(
        "cloture-electrifiee",
        FENCE_ANSWERS,
        {"id_document": "cni.png", "property_title": "titre.pdf", "site_plan": "plan.pdf"},
    )
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "CREATE_MISSING_KEYS": False}
    with pytest.raises(keys.KeyMissing):
        approve(dossier)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert not Permit.objects.exists()
