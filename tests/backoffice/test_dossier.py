"""The dossier page: what it shows, which actions it offers, and how actions answer."""

from __future__ import annotations

import re

import pytest

from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.catalog.services import publish_service, read_yaml
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import DossierEvent, EventKind
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from tests.backoffice.conftest import Snapshot, fence_dossier, sign_in_staff, staff, suggestion_dossier
from tests.factories import SUGGESTION_ANSWERS, CitizenFactory, make_dossier, restricted_service, service


def page(client, dossier):
    response = client.get(f"/agents/dossiers/{dossier.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def action_urls(html: str) -> set[str]:
    return set(re.findall(r'action="/agents/dossiers/[^/]+/actions/([a-z_]+)/"', html))


@pytest.fixture
def fence():
    return fence_dossier(CitizenFactory(first_name="Afi", last_name="Mensah", phone="+22890112233"))


def test_page_shows_answers_with_their_labels_and_documents(client, units, fence):
    html = page(sign_in_staff(client, staff(fence.unit, Role.AGENT)), fence)
    assert "Longueur de clôture à électrifier (mètres)" in html  # label from the definition
    assert "Particulier" in html  # a choice shown by its label, not its value
    assert "15/01/2031" in html  # a date as dd/mm/yyyy
    assert "+228 90 00 00 01" in html  # a phone answer, readable
    assert "Oui" in html or "Yes" in html
    for name in ("carte.png", "titre.pdf", "plan.pdf"):
        assert name in html
    document = fence.documents.get(field_name="site_plan")
    assert f'href="/agents/dossiers/{fence.reference}/documents/{document.pk}/"' in html
    assert "Attestation de conformité de l’installateur" in html
    assert "Not provided" in html


def test_page_shows_the_applicant_fees_and_deadline(client, units, fence):
    html = page(sign_in_staff(client, staff(fence.unit, Role.AGENT)), fence)
    assert "Afi Mensah" in html
    assert "+228 90 11 22 33" in html
    assert "Free of charge." in html
    assert fence.due_on.strftime("%d/%m/%Y") in html
    assert "working days" in html


def test_fee_lines_and_total_are_shown(client, units, fence):
    fence.fee_lines = [
        {"label": {"fr": "Frais d’étude", "en": "Review fee"}, "amount": 10000},
        {"label": {"fr": "Timbre fiscal", "en": "Fiscal stamp"}, "amount": 2000},
    ]
    fence.fee_total = 12000
    fence.save()
    html = page(sign_in_staff(client, staff(fence.unit, Role.AGENT)), fence)
    assert "Frais d’étude" in html
    assert "Timbre fiscal" in html
    assert "12\u202f000\u00a0FCFA" in html


def test_an_anonymous_applicant_stays_anonymous(client, units):
    citizen = CitizenFactory(first_name="Kossi", last_name="Secret", phone="+22890998877")
    actor = Actor.for_user(citizen)
    dossier = dossiers.start_dossier(service("suggestion"), actor=actor, language="fr", anonymous=True)
    dossiers.save_answers(dossier, actor=actor, answers=dict(SUGGESTION_ANSWERS))
    dossier = dossiers.submit_dossier(dossier, actor=actor)
    dossiers.send_message_to_ministry(dossier, actor=actor, message="Une précision.")
    html = page(sign_in_staff(client, staff(dossier.unit, Role.AGENT)), dossier)
    assert "Anonymous" in html
    assert "Secret" not in html
    assert "90 99 88 77" not in html
    assert "+22890998877" not in html
    assert "The applicant" in html  # the timeline names no one


def test_the_full_timeline_marks_internal_events(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    dossiers.add_internal_note(
        fence, actor=Actor.for_user(agent), text="Titre foncier à vérifier au cadastre."
    )
    dossiers.send_message_to_applicant(fence, actor=Actor.for_user(agent), message="Visite prévue mardi.")
    html = page(sign_in_staff(client, agent), fence)
    assert "Titre foncier à vérifier au cadastre." in html
    assert "Visite prévue mardi." in html
    internal = re.findall(r'<li class="timeline-item timeline-[a-z_]+ bo-internal">(.*?)</li>', html, re.S)
    assert len(internal) == 1
    assert "Titre foncier à vérifier" in internal[0]
    assert "Internal" in internal[0]
    assert "Now: In review" in html


def test_internal_notes_never_reach_the_public_timeline(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    notifications = Notification.objects.count()
    response = sign_in_staff(client, agent).post(
        f"/agents/dossiers/{fence.reference}/actions/note/", {"note-text": "Le voisin s’est plaint."}
    )
    assert response.status_code == 302
    note = fence.events.get(kind=EventKind.INTERNAL_NOTE)
    assert note.public is False
    assert not fence.events.public().filter(text__contains="voisin").exists()
    assert Notification.objects.count() == notifications  # the applicant is not told


def test_a_decision_service_offers_approve_and_reject(client, units, fence):
    html = page(sign_in_staff(client, staff(fence.unit, Role.AGENT)), fence)
    assert action_urls(html) == {
        "take",
        "request_info",
        "approve",
        "reject",
        "message",
        "note",
    }


def test_an_answered_service_offers_answer_not_approve(client, units):
    dossier = suggestion_dossier()
    html = page(sign_in_staff(client, staff(dossier.unit, Role.AGENT)), dossier)
    assert "answer" in action_urls(html)
    assert not {"approve", "reject"} & action_urls(html)


def test_a_supervisor_may_also_assign_to_colleagues_who_process(client, units, fence):
    supervisor = staff(fence.unit, Role.SUPERVISOR)
    colleague = staff(fence.unit, Role.AGENT, first_name="Yawa", last_name="Kpodar")
    cashier = staff(fence.unit, Role.CASHIER, first_name="Comlan", last_name="Caisse")
    staff(units["police"], Role.AGENT, first_name="Edem", last_name="Ailleurs")
    html = page(sign_in_staff(client, supervisor), fence)
    assert "assign" in action_urls(html)
    options = re.search(r'<select name="assign-assignee".*?</select>', html, re.S).group(0)
    assert f'value="{colleague.pk}"' in options
    assert "Yawa Kpodar" in options
    assert f'value="{supervisor.pk}"' in options
    assert str(cashier.pk) not in re.findall(r'value="(\d+)"', options)
    assert "Edem" not in options


def test_a_cashier_reads_but_is_offered_no_action(client, units, fence):
    html = page(sign_in_staff(client, staff(fence.unit, Role.CASHIER)), fence)
    assert action_urls(html) == set()
    assert "There is nothing you can do on this file in its current state." in html


def test_a_taken_file_is_not_offered_to_take_again(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    sign_in_staff(client, agent).post(f"/agents/dossiers/{fence.reference}/actions/take/")
    html = page(client, fence)
    assert "take" not in action_urls(html)
    assert f"{agent.display_name} (you)" in html


def test_a_decided_file_offers_only_messages_and_notes(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    dossiers.reject_dossier(fence, actor=Actor.for_user(agent), reason="Trop près de l’école.")
    html = page(sign_in_staff(client, agent), fence)
    assert action_urls(html) == {"message", "note"}


def test_reject_without_a_reason_shows_an_error_and_changes_nothing(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    before = Snapshot.of(fence)
    response = sign_in_staff(client, agent).post(
        f"/agents/dossiers/{fence.reference}/actions/reject/", {"reject-reason": "  "}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert (
        '<a href="#id_reject-reason">Give the reason for the refusal: the applicant will read it.</a>' in html
    )
    assert '<details class="bo-action bo-action-danger" id="action-reject" open>' in html
    assert Snapshot.of(fence) == before


def test_an_invalid_form_keeps_what_was_typed(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    typed = "Merci d’envoyer le plan. " * 200  # too long
    before = Snapshot.of(fence)
    response = sign_in_staff(client, agent).post(
        f"/agents/dossiers/{fence.reference}/actions/request_info/", {"request_info-message": typed}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#id_request_info-message"' in html
    assert "Merci d’envoyer le plan. Merci" in html
    assert Snapshot.of(fence) == before


def test_approving_an_answered_service_is_refused_with_a_clear_message(client, units):
    dossier = suggestion_dossier()
    agent = staff(dossier.unit, Role.AGENT)
    before = Snapshot.of(dossier)
    response = sign_in_staff(client, agent).post(
        f"/agents/dossiers/{dossier.reference}/actions/approve/", {"approve-note": ""}, follow=True
    )
    assert response.status_code == 200
    assert "This service is answered, not approved: write the answer instead." in response.content.decode()
    assert Snapshot.of(dossier) == before


def test_a_message_on_a_withdrawn_file_is_refused_and_sends_nothing(client, units):
    dossier = suggestion_dossier(DossierState.WITHDRAWN)
    agent = staff(dossier.unit, Role.AGENT)
    before = Snapshot.of(dossier)
    response = sign_in_staff(client, agent).post(
        f"/agents/dossiers/{dossier.reference}/actions/message/", {"message-message": "Bonjour."}, follow=True
    )
    html = response.content.decode()
    assert "This file was withdrawn by the applicant: no message can be sent." in html
    assert action_urls(html) == {"note"}
    assert Snapshot.of(dossier) == before


def test_an_answered_file_cannot_be_assigned(client, units):
    dossier = suggestion_dossier(DossierState.ANSWERED)
    supervisor = staff(dossier.unit, Role.SUPERVISOR)
    colleague = staff(dossier.unit, Role.AGENT)
    before = Snapshot.of(dossier)
    response = sign_in_staff(client, supervisor).post(
        f"/agents/dossiers/{dossier.reference}/actions/assign/",
        {"assign-assignee": colleague.pk},
        follow=True,
    )
    assert "This file is closed: it can no longer be assigned." in response.content.decode()
    assert Snapshot.of(dossier) == before


def test_an_unknown_action_is_not_found(client, units, fence):
    before = Snapshot.of(fence)
    response = sign_in_staff(client, staff(fence.unit, Role.SUPERVISOR)).post(
        f"/agents/dossiers/{fence.reference}/actions/delete/"
    )
    assert response.status_code == 404
    assert Snapshot.of(fence) == before


def test_a_second_decision_is_refused_with_a_clear_message(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    sign_in_staff(client, agent)
    client.post(f"/agents/dossiers/{fence.reference}/actions/approve/", {"approve-note": "Conforme."})
    before = Snapshot.of(fence)
    response = client.post(
        f"/agents/dossiers/{fence.reference}/actions/reject/", {"reject-reason": "Non."}, follow=True
    )
    assert "This file can no longer change" in response.content.decode()
    assert Snapshot.of(fence) == before
    assert before.state == DossierState.ISSUED  # approved, and its permit issued in the same step


def test_a_decision_tells_the_applicant_and_is_on_the_timeline(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    response = sign_in_staff(client, agent).post(
        f"/agents/dossiers/{fence.reference}/actions/reject/",
        {"reject-reason": "La clôture longe une école."},
        follow=True,
    )
    assert "The request is rejected. The applicant is told why." in response.content.decode()
    event = fence.events.get(kind=EventKind.STATE_CHANGED, to_state=DossierState.REJECTED)
    assert event.public
    assert event.text == "La clôture longe une école."
    assert event.actor_user == agent
    assert (
        Notification.objects.filter(dossier_reference=fence.reference, event="dossier_rejected").count() == 1
    )


def test_request_for_information_pauses_the_deadline(client, units, fence):
    agent = staff(fence.unit, Role.AGENT)
    sign_in_staff(client, agent).post(
        f"/agents/dossiers/{fence.reference}/actions/request_info/",
        {"request_info-message": "Le plan coté, svp."},
    )
    fence.refresh_from_db()
    assert fence.state == DossierState.INFO_REQUESTED
    assert fence.paused_on is not None
    html = page(client, fence)
    assert "The deadline has been paused since" in html
    assert "Paused: information requested" in html
    assert "Le plan coté, svp." in html


def test_a_supervisor_can_put_a_file_back_in_the_queue(client, units, fence):
    supervisor = staff(fence.unit, Role.SUPERVISOR)
    agent = staff(fence.unit, Role.AGENT)
    dossiers.assign_dossier(fence, actor=Actor.for_user(agent), assignee=agent)
    response = sign_in_staff(client, supervisor).post(
        f"/agents/dossiers/{fence.reference}/actions/assign/", {"assign-assignee": ""}
    )
    assert response.status_code == 302
    fence.refresh_from_db()
    assert fence.assigned_to is None
    assert "Put back in the queue" in page(client, fence)


# --- confidential files and downloads: every sensitive read leaves a trace ------------------------


@pytest.fixture
def report(units):
    publish_service(restricted_service("denonciation-test", "DEN"), actor=SYSTEM)
    assert read_yaml(restricted_service("denonciation-test", "DEN"))["confidentiality"] == "restricted"
    return make_dossier(
        "denonciation-test",
        answers={"narrative": "Racket au poste de contrôle."},
        state=DossierState.IN_REVIEW,
    )


def test_reading_a_confidential_file_is_recorded(client, units, report):
    inspector = staff(units["inspection"], Role.INSPECTOR)
    before = AuditEvent.objects.filter(verb="dossier.viewed").count()
    html = page(sign_in_staff(client, inspector), report)
    assert "Racket au poste de contrôle." in html
    assert "Confidential file." in html
    viewed = AuditEvent.objects.filter(verb="dossier.viewed").order_by("-id")
    assert viewed.count() == before + 1
    assert viewed[0].actor_user_id == inspector.pk
    assert viewed[0].data == {"reference": report.reference}


def test_reading_an_ordinary_file_is_not_recorded(client, units, fence):
    before = AuditEvent.objects.filter(verb="dossier.viewed").count()
    page(sign_in_staff(client, staff(fence.unit, Role.AGENT)), fence)
    assert AuditEvent.objects.filter(verb="dossier.viewed").count() == before


def test_staff_of_the_unit_without_clearance_cannot_open_a_confidential_file(client, units, report):
    supervisor = staff(units["inspection"], Role.SUPERVISOR)
    sign_in_staff(client, supervisor)
    assert client.get(f"/agents/dossiers/{report.reference}/").status_code == 404
    assert report.reference not in client.get("/agents/").content.decode()
    before = Snapshot.of(report)
    response = client.post(
        f"/agents/dossiers/{report.reference}/actions/answer/", {"answer-answer": "Classé."}
    )
    assert response.status_code == 404
    assert Snapshot.of(report) == before
    assert not AuditEvent.objects.filter(verb="dossier.viewed").exists()


def test_document_download_is_an_audited_attachment(client, units, fence):
    cashier = staff(fence.unit, Role.CASHIER)
    document = fence.documents.get(field_name="property_title")
    before = AuditEvent.objects.filter(verb="document.viewed").count()
    response = sign_in_staff(client, cashier).get(
        f"/agents/dossiers/{fence.reference}/documents/{document.pk}/"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="titre.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == document.file.open("rb").read()
    events = AuditEvent.objects.filter(verb="document.viewed").order_by("-id")
    assert events.count() == before + 1
    assert events[0].actor_user_id == cashier.pk
    assert events[0].data["reference"] == fence.reference


def test_a_document_of_another_file_is_not_found(client, units, fence):
    other = fence_dossier()
    document = other.documents.first()
    sign_in_staff(client, staff(fence.unit, Role.AGENT))
    response = client.get(f"/agents/dossiers/{fence.reference}/documents/{document.pk}/")
    assert response.status_code == 404
    assert client.get(f"/agents/dossiers/{fence.reference}/documents/999999/").status_code == 404
    assert not AuditEvent.objects.filter(verb="document.viewed").exists()


def test_a_mistyped_reference_is_not_found(client, units, fence):
    sign_in_staff(client, staff(fence.unit, Role.AGENT))
    wrong = fence.reference[:-1] + ("0" if fence.reference[-1] != "0" else "1")
    assert client.get(f"/agents/dossiers/{wrong}/").status_code == 404
    assert client.get("/agents/dossiers/nonsense/").status_code == 404


def test_events_count_is_unchanged_by_reading(client, units, fence):
    before = DossierEvent.objects.count()
    page(sign_in_staff(client, staff(fence.unit, Role.AGENT)), fence)
    assert DossierEvent.objects.count() == before
