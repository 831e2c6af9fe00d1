"""Dossier use cases: each test asserts the state, the audit row and the work queued after commit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.core.actors import SYSTEM, Actor, ActorKind
from guichet.core.errors import DomainError, InvalidInput, PermissionRefused, TransitionNotAllowed
from guichet.core.workdays import add_working_days, is_working_day, working_days_between
from guichet.demo.files import demo_pdf, demo_png
from guichet.dossiers import deadlines
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier, DossierDocument, DossierEvent, EventKind
from guichet.dossiers.references import normalise
from guichet.dossiers.services import DossierIncomplete
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Channel, DeliveryState, Notification
from tests.dossiers.conftest import CONFIDENTIAL_ANSWERS, PAID_ANSWERS
from tests.factories import (
    SUGGESTION_ANSWERS,
    CitizenFactory,
    StaffFactory,
    UnitFactory,
    make_dossier,
    service,
)

pytestmark = pytest.mark.django_db
S = DossierState


# --- helpers ---------------------------------------------------------------------------


def pdf(name: str = "lettre.pdf", size: int = 2_000) -> SimpleUploadedFile:
    """A real one-page PDF (uploads are parsed), padded to `size` bytes."""
    return SimpleUploadedFile(name, demo_pdf("Lettre", size=size), content_type="application/pdf")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    """A real small PNG (images are decoded and re-encoded)."""
    return SimpleUploadedFile(name, demo_png(), content_type="image/png")


def actor(user) -> Actor:
    return Actor.for_user(user)


def snapshot(dossier: Dossier) -> tuple:
    """What a refused action must leave as it was."""
    stored = Dossier.objects.get(pk=dossier.pk)
    return (
        stored.state,
        stored.assigned_to_id,
        stored.due_on,
        stored.paused_on,
        stored.answers,
        stored.updated_at,
        DossierEvent.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        DossierDocument.objects.count(),
    )


def paid_draft(paid_service, applicant=None, answers=None) -> Dossier:
    applicant = applicant or CitizenFactory()
    dossier = dossiers.start_dossier(paid_service, actor=actor(applicant), language="fr")
    dossiers.save_answers(dossier, actor=actor(applicant), answers=answers or dict(PAID_ANSWERS))
    return dossier


def paid_in_review(paid_service) -> Dossier:
    """Filed, paid (as the payments app will record it), and in review."""
    dossier = paid_draft(paid_service)
    dossiers.attach_document(dossier, actor=actor(dossier.applicant), field_name="letter", upload=pdf())
    dossiers.submit_dossier(dossier, actor=actor(dossier.applicant))
    dossiers.transition_dossier(dossier, to=S.PAID, actor=SYSTEM)
    dossiers.transition_dossier(dossier, to=S.IN_REVIEW, actor=SYSTEM)
    dossier.refresh_from_db()
    return dossier


def confidential_in_review(confidential_service) -> Dossier:
    applicant = CitizenFactory()
    dossier = dossiers.start_dossier(confidential_service, actor=actor(applicant), language="fr")
    dossiers.save_answers(dossier, actor=actor(applicant), answers=dict(CONFIDENTIAL_ANSWERS))
    dossiers.submit_dossier(dossier, actor=actor(applicant))
    dossier.refresh_from_db()
    return dossier


def working_days_before(day: dt.date, days: int) -> dt.date:
    while days:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


# --- starting a draft -------------------------------------------------------------------


def test_start_opens_a_draft_under_the_current_version():
    citizen = CitizenFactory(phone="+22890123456")

    dossier = dossiers.start_dossier(service("suggestion"), actor=actor(citizen), language="en")

    assert dossier.state == S.DRAFT
    assert normalise(dossier.reference) == dossier.reference
    assert dossier.reference.startswith("SUG-")
    assert dossier.service_version == service("suggestion").current_version
    assert dossier.unit.code == "cabinet"
    assert (dossier.applicant, dossier.contact_kind, dossier.contact_value, dossier.language) == (
        citizen,
        "phone",
        "+22890123456",
        "en",
    )
    audit = AuditEvent.objects.get(verb="dossier.started")
    assert (audit.target_id, audit.actor_user_id, audit.data["version"]) == (str(dossier.pk), citizen.pk, 1)


def test_the_same_submission_key_returns_the_same_draft():
    citizen = CitizenFactory()
    key = uuid.uuid4()

    first = dossiers.start_dossier(
        service("suggestion"), actor=actor(citizen), language="fr", submission_key=key
    )
    second = dossiers.start_dossier(
        service("suggestion"), actor=actor(citizen), language="fr", submission_key=key
    )

    assert first.pk == second.pk
    assert Dossier.objects.count() == 1
    assert AuditEvent.objects.filter(verb="dossier.started").count() == 1


def test_another_person_cannot_reuse_a_submission_key():
    key = uuid.uuid4()
    dossiers.start_dossier(
        service("suggestion"), actor=actor(CitizenFactory()), language="fr", submission_key=key
    )

    with pytest.raises(PermissionRefused):
        dossiers.start_dossier(
            service("suggestion"), actor=actor(CitizenFactory()), language="fr", submission_key=key
        )
    assert Dossier.objects.count() == 1


def test_staff_cannot_file_a_request():
    staff = StaffFactory()
    with pytest.raises(PermissionRefused, match="Staff accounts"):
        dossiers.start_dossier(service("suggestion"), actor=actor(staff), language="fr")
    assert not Dossier.objects.exists()


def test_an_inactive_service_takes_no_request():
    suggestion = service("suggestion")
    suggestion.is_active = False
    suggestion.save()

    with pytest.raises(DomainError, match="not open"):
        dossiers.start_dossier(suggestion, actor=actor(CitizenFactory()), language="fr")
    assert not Dossier.objects.exists()


def test_a_guest_files_under_the_contact_confirmed_by_code():
    dossier = dossiers.start_dossier(
        service("suggestion"), actor=Actor.guest("afi@exemple.tg"), language="fr"
    )

    assert (dossier.applicant, dossier.contact_kind, dossier.contact_value) == (
        None,
        "email",
        "afi@exemple.tg",
    )


def test_anonymous_filing_only_where_the_service_allows_it():
    anonymous = Actor(kind=ActorKind.ANONYMOUS)
    with pytest.raises(PermissionRefused, match="anonymously"):
        dossiers.start_dossier(service("cloture-electrifiee"), actor=anonymous, language="fr", anonymous=True)

    dossier = dossiers.start_dossier(service("suggestion"), actor=anonymous, language="fr", anonymous=True)
    assert dossier.anonymous is True
    assert (dossier.applicant, dossier.contact_value) == (None, "")


# --- answers ----------------------------------------------------------------------------


def test_save_answers_keeps_known_answers_and_drops_unknown_keys():
    citizen = CitizenFactory()
    dossier = dossiers.start_dossier(service("suggestion"), actor=actor(citizen), language="fr")

    dossiers.save_answers(dossier, actor=actor(citizen), answers={"subject": "Horaires", "is_admin": True})
    dossiers.save_answers(dossier, actor=actor(citizen), answers={"signed": "no"})

    assert Dossier.objects.get(pk=dossier.pk).answers == {"subject": "Horaires", "signed": "no"}
    assert dossier.answers == {"subject": "Horaires", "signed": "no"}


def test_save_answers_only_on_a_draft():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    before = snapshot(dossier)

    with pytest.raises(TransitionNotAllowed):
        dossiers.save_answers(dossier, actor=actor(dossier.applicant), answers={"subject": "Autre chose"})
    assert snapshot(dossier) == before


def test_save_answers_by_someone_else_is_refused():
    dossier = make_dossier("suggestion")
    before = snapshot(dossier)

    for intruder in [
        actor(CitizenFactory()),
        Actor.guest(dossier.contact_value),
        actor(StaffFactory()),
        SYSTEM,
    ]:
        with pytest.raises(PermissionRefused):
            dossiers.save_answers(dossier, actor=intruder, answers={"subject": "Piraté"})
    assert snapshot(dossier) == before


# --- documents --------------------------------------------------------------------------


def test_attach_document_stores_the_checked_file(paid_service):
    dossier = paid_draft(paid_service)

    document = dossiers.attach_document(
        dossier, actor=actor(dossier.applicant), field_name="letter", upload=pdf("Ma lettre.pdf")
    )

    assert (document.field_name, document.content_type, document.size, document.original_name) == (
        "letter",
        "application/pdf",
        2_000,
        "Ma lettre.pdf",
    )
    assert len(document.sha256) == 64
    assert document.during_state == S.DRAFT
    assert "lettre" not in document.file.name
    assert default_storage.exists(document.file.name)
    assert not dossier.events.exists()  # a draft's documents are not timeline news
    audit = AuditEvent.objects.get(verb="dossier.document_added")
    assert (audit.data["field"], audit.data["sha256"]) == ("letter", document.sha256)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (png("lettre.pdf"), "Send a PDF file"),  # a PNG renamed .pdf, for a PDF-only field
        (SimpleUploadedFile("lettre.pdf", b"<html><script>alert(1)</script></html>"), "Send a PDF file"),
        (pdf(size=1024 * 1024 + 1), "the limit is 1 MB"),
        (SimpleUploadedFile("lettre.pdf", b""), "This file is empty"),
    ],
    ids=["png-renamed-pdf", "html", "over-the-limit", "empty"],
)
def test_a_file_that_fails_the_checks_is_refused(paid_service, upload, message):
    dossier = paid_draft(paid_service)
    before = snapshot(dossier)

    with pytest.raises(InvalidInput, match=message):
        dossiers.attach_document(dossier, actor=actor(dossier.applicant), field_name="letter", upload=upload)
    assert snapshot(dossier) == before


def test_an_image_field_takes_a_png_but_not_a_pdf(paid_service):
    dossier = paid_draft(paid_service)
    applicant = actor(dossier.applicant)

    dossiers.attach_document(dossier, actor=applicant, field_name="photo", upload=png())
    with pytest.raises(InvalidInput, match="JPEG, PNG"):
        dossiers.attach_document(dossier, actor=applicant, field_name="photo", upload=pdf("photo.png"))


def test_a_document_for_an_unknown_or_non_file_field_is_refused(paid_service):
    dossier = paid_draft(paid_service)
    for field_name in ["passport", "plate"]:
        with pytest.raises(InvalidInput, match="not part of this request"):
            dossiers.attach_document(
                dossier, actor=actor(dossier.applicant), field_name=field_name, upload=pdf()
            )
    assert not DossierDocument.objects.exists()


def test_someone_else_cannot_attach_a_document(paid_service):
    dossier = paid_draft(paid_service)
    with pytest.raises(PermissionRefused):
        dossiers.attach_document(dossier, actor=actor(CitizenFactory()), field_name="letter", upload=pdf())
    assert not DossierDocument.objects.exists()


def test_documents_cannot_be_added_during_review(paid_service):
    dossier = paid_in_review(paid_service)
    before = snapshot(dossier)

    with pytest.raises(DomainError, match="draft"):
        dossiers.attach_document(dossier, actor=actor(dossier.applicant), field_name="photo", upload=png())
    assert snapshot(dossier) == before


def test_remove_document_from_a_draft_deletes_the_file_after_commit(
    paid_service, django_capture_on_commit_callbacks
):
    dossier = paid_draft(paid_service)
    document = dossiers.attach_document(
        dossier, actor=actor(dossier.applicant), field_name="letter", upload=pdf()
    )
    name = document.file.name

    with django_capture_on_commit_callbacks() as callbacks:
        dossiers.remove_document(dossier, actor=actor(dossier.applicant), document_id=document.pk)
        assert default_storage.exists(name)  # the transaction may still roll back
    for callback in callbacks:
        callback()

    assert not DossierDocument.objects.exists()
    assert not default_storage.exists(name)
    assert AuditEvent.objects.filter(verb="dossier.document_removed").count() == 1


def test_documents_of_a_filed_dossier_stay(paid_service):
    dossier = paid_in_review(paid_service)
    document = dossier.documents.get()
    before = snapshot(dossier)

    with pytest.raises(DomainError, match="can no longer change"):
        dossiers.remove_document(dossier, actor=actor(dossier.applicant), document_id=document.pk)
    assert snapshot(dossier) == before
    assert default_storage.exists(document.file.name)


def test_someone_else_cannot_remove_a_document(paid_service):
    dossier = paid_draft(paid_service)
    document = dossiers.attach_document(
        dossier, actor=actor(dossier.applicant), field_name="letter", upload=pdf()
    )

    with pytest.raises(PermissionRefused):
        dossiers.remove_document(dossier, actor=actor(CitizenFactory()), document_id=document.pk)
    assert DossierDocument.objects.filter(pk=document.pk).exists()


# --- what is missing --------------------------------------------------------------------


def test_missing_answers_follow_conditions_and_documents(paid_service):
    dossier = paid_draft(paid_service, answers={"plate": "TG 1234 AB", "ground": "office"})
    applicant = actor(dossier.applicant)
    assert [f.name for f in dossiers.missing_answers(dossier)] == ["letter"]

    dossiers.save_answers(dossier, actor=applicant, answers={"ground": "threat"})
    assert [f.name for f in dossiers.missing_answers(dossier)] == ["evidence", "letter"]

    dossiers.save_answers(dossier, actor=applicant, answers={"evidence": "Menaces reçues."})
    dossiers.attach_document(dossier, actor=applicant, field_name="letter", upload=pdf())
    assert dossiers.missing_answers(dossier) == []


def test_missing_answers_of_the_fence_service_depend_on_who_applies():
    dossier = make_dossier(
        "cloture-electrifiee", answers={"applicant_type": "company", "full_name": "Afi Mensah"}
    )
    missing = {f.name for f in dossiers.missing_answers(dossier)}
    assert {"company_name", "rccm", "phone", "id_document"} <= missing
    assert "niu" not in missing  # optional
    assert "installer_certificate" not in missing  # optional document

    dossiers.save_answers(dossier, actor=actor(dossier.applicant), answers={"applicant_type": "person"})
    assert not {"company_name", "rccm"} & {f.name for f in dossiers.missing_answers(dossier)}


# --- filing -----------------------------------------------------------------------------


def test_filing_a_free_service_starts_the_clock_and_puts_it_in_review(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion")

    with django_capture_on_commit_callbacks() as callbacks:
        result = dossiers.submit_dossier(dossier, actor=actor(dossier.applicant))
        queued = Notification.objects.get()
        assert queued.state == DeliveryState.QUEUED  # written with the change, not sent yet
    assert len(callbacks) == 1
    callbacks[0]()

    stored = Dossier.objects.get(pk=dossier.pk)
    assert result.state == stored.state == S.IN_REVIEW
    assert (stored.fee_lines, stored.fee_total) == ([], 0)
    assert stored.submitted_at is not None
    assert stored.due_on == add_working_days(timezone.localdate(), 10)
    assert stored.working_days_left() == 10
    assert [(e.from_state, e.to_state, e.public) for e in stored.events.all()] == [
        ("draft", "submitted", True),
        ("submitted", "in_review", True),
    ]
    assert [a.data["to"] for a in AuditEvent.objects.filter(verb="dossier.state_changed")] == [
        "submitted",
        "in_review",
    ]
    sent = Notification.objects.get()
    assert (sent.event, sent.recipient, sent.dossier_reference, sent.state) == (
        "dossier_submitted",
        dossier.applicant.phone,
        dossier.reference,
        DeliveryState.SENT,
    )
    assert dossier.reference in sent.body


def test_filing_a_paid_service_fixes_the_fee_and_awaits_payment(paid_service):
    dossier = paid_draft(paid_service)
    dossiers.attach_document(dossier, actor=actor(dossier.applicant), field_name="letter", upload=pdf())

    dossiers.submit_dossier(dossier, actor=actor(dossier.applicant))

    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.state == S.AWAITING_PAYMENT
    assert stored.fee_total == 12_000
    assert stored.fee_lines == [
        {"label": {"fr": "Frais d'étude", "en": "Review fee"}, "amount": 10_000},
        {"label": {"fr": "Timbre fiscal", "en": "Fiscal stamp"}, "amount": 2_000},
    ]
    assert stored.due_on == add_working_days(timezone.localdate(), 5)
    assert [e.to_state for e in stored.events.all()] == ["submitted", "awaiting_payment"]


def test_an_incomplete_draft_is_not_filed(paid_service, django_capture_on_commit_callbacks):
    dossier = paid_draft(paid_service, answers={"ground": "threat"})
    before = snapshot(dossier)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DossierIncomplete) as error:
        dossiers.submit_dossier(dossier, actor=actor(dossier.applicant))

    assert set(error.value.errors) == {"plate", "evidence", "letter"}
    assert callbacks == []
    assert snapshot(dossier) == before
    assert Dossier.objects.get(pk=dossier.pk).submitted_at is None


def test_filing_twice_is_refused():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    before = snapshot(dossier)

    with pytest.raises(TransitionNotAllowed):
        dossiers.submit_dossier(dossier, actor=actor(dossier.applicant))
    assert snapshot(dossier) == before


def test_only_the_applicant_files():
    dossier = make_dossier("suggestion")
    with pytest.raises(PermissionRefused):
        dossiers.submit_dossier(dossier, actor=actor(CitizenFactory()))
    assert Dossier.objects.get(pk=dossier.pk).state == S.DRAFT


def test_a_guest_is_told_by_email(django_capture_on_commit_callbacks):
    guest = Actor.guest("afi@exemple.tg")
    dossier = dossiers.start_dossier(service("suggestion"), actor=guest, language="en")
    dossiers.save_answers(dossier, actor=guest, answers=dict(SUGGESTION_ANSWERS))

    with django_capture_on_commit_callbacks(execute=True):
        dossiers.submit_dossier(dossier, actor=guest)

    message = Notification.objects.get()
    assert (message.channel, message.recipient, message.language) == (Channel.EMAIL, "afi@exemple.tg", "en")
    assert dossier.reference in message.subject


def test_an_anonymous_applicant_without_contact_gets_no_message(django_capture_on_commit_callbacks):
    dossier, code = dossiers.start_anonymous_dossier(
        service("suggestion"), language="fr", submission_key=uuid.uuid4()
    )
    assert code
    holder = Actor.receipt_holder(dossier.reference)
    dossiers.save_answers(dossier, actor=holder, answers=dict(SUGGESTION_ANSWERS))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossiers.submit_dossier(dossier, actor=holder)

    assert callbacks == []
    assert not Notification.objects.exists()
    assert Dossier.objects.get(pk=dossier.pk).state == S.IN_REVIEW


# --- information requested --------------------------------------------------------------


def test_request_information_pauses_the_clock_and_tells_the_applicant(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossiers.request_information(dossier, actor=actor(agent), message="Quel commissariat ?")

    assert len(callbacks) == 1
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.state, stored.paused_on) == (S.INFO_REQUESTED, timezone.localdate())
    question = stored.events.get(kind=EventKind.MESSAGE_TO_APPLICANT)
    assert (question.text, question.public, question.actor_user) == ("Quel commissariat ?", True, agent)
    assert AuditEvent.objects.filter(verb="dossier.state_changed", data__to="info_requested").count() == 1
    notice = Notification.objects.get()
    assert (notice.event, notice.state) == ("dossier_info_requested", DeliveryState.SENT)


def test_request_information_needs_a_question():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    before = snapshot(dossier)

    with pytest.raises(InvalidInput, match="Say what"):
        dossiers.request_information(dossier, actor=actor(agent), message="   ")
    assert snapshot(dossier) == before


def test_the_clock_stands_still_while_the_applicant_is_asked():
    dossier = make_dossier("suggestion", state=S.INFO_REQUESTED)
    paused_on = working_days_before(timezone.localdate(), 3)
    Dossier.objects.filter(pk=dossier.pk).update(paused_on=paused_on)
    dossier.refresh_from_db()

    assert dossier.working_days_left() == working_days_between(paused_on, dossier.due_on)
    assert not Dossier.objects.overdue(dossier.due_on + dt.timedelta(days=30)).filter(pk=dossier.pk).exists()


def test_answering_resumes_review_and_pushes_the_due_date(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.INFO_REQUESTED)
    # Asked a week ago: whatever today is, that week held five working days.
    Dossier.objects.filter(pk=dossier.pk).update(paused_on=timezone.localdate() - dt.timedelta(days=7))
    due_on = dossier.due_on
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossiers.answer_information_request(dossier, actor=actor(dossier.applicant), message="Celui de Bè.")

    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.state, stored.paused_on) == (S.IN_REVIEW, None)
    assert stored.due_on == add_working_days(due_on, 5)
    answer = stored.events.get(kind=EventKind.MESSAGE_FROM_APPLICANT)
    assert (answer.text, answer.public) == ("Celui de Bè.", True)
    assert AuditEvent.objects.filter(verb="dossier.state_changed", data__to="in_review").count() == 2
    assert callbacks == []  # resuming review is news for the unit, not a message to the applicant
    assert not Notification.objects.exists()


def test_an_answer_may_bring_documents(paid_service):
    dossier = paid_in_review(paid_service)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    dossiers.request_information(dossier, actor=actor(agent), message="Ajoutez une photo du véhicule.")

    dossiers.answer_information_request(
        dossier, actor=actor(dossier.applicant), message="", uploads=[("photo", png())]
    )

    dossier.refresh_from_db()
    assert dossier.state == S.IN_REVIEW
    added = dossier.events.get(kind=EventKind.DOCUMENT_ADDED)
    assert (added.text, added.public) == ("photo.png", True)
    assert dossier.documents.get(field_name="photo").during_state == S.INFO_REQUESTED


def test_an_empty_answer_is_refused():
    dossier = make_dossier("suggestion", state=S.INFO_REQUESTED)
    before = snapshot(dossier)

    with pytest.raises(InvalidInput, match="Write your answer"):
        dossiers.answer_information_request(dossier, actor=actor(dossier.applicant), message="  ")
    assert snapshot(dossier) == before


def test_only_the_applicant_answers():
    dossier = make_dossier("suggestion", state=S.INFO_REQUESTED)
    before = snapshot(dossier)
    with pytest.raises(PermissionRefused):
        dossiers.answer_information_request(dossier, actor=actor(CitizenFactory()), message="Moi aussi.")
    assert snapshot(dossier) == before


# --- decisions --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_staff_of_the_unit_who_decide_may_approve(paid_service, role, django_capture_on_commit_callbacks):
    dossier = paid_in_review(paid_service)
    staff = StaffFactory(roles=[(dossier.unit, role)])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossiers.approve_dossier(dossier, actor=actor(staff), note="Conforme.")

    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.state == S.APPROVED
    assert stored.decided_at is not None
    assert stored.events.latest("id").text == "Conforme."
    assert AuditEvent.objects.filter(
        verb="dossier.state_changed", data__to="approved", actor_user_id=staff.pk
    ).exists()
    assert len(callbacks) == 1
    assert Notification.objects.get().event == "dossier_approved"


def refused_matrix(unit, other_unit):
    """Who must not decide: (label, user)."""
    inactive = StaffFactory(roles=[(unit, Role.AGENT)], is_active=False)
    return [
        ("agent of another unit", StaffFactory(roles=[(other_unit, Role.AGENT)])),
        ("cashier of the unit", StaffFactory(roles=[(unit, Role.CASHIER)])),
        ("administrator of the unit", StaffFactory(roles=[(unit, Role.ADMINISTRATOR)])),
        ("staff without a role", StaffFactory()),
        ("inactive agent", inactive),
        ("a citizen", CitizenFactory()),
    ]


DECISIONS = {
    "approve": lambda dossier, who: dossiers.approve_dossier(dossier, actor=who, note=""),
    "reject": lambda dossier, who: dossiers.reject_dossier(dossier, actor=who, reason="Non."),
    "answer": lambda dossier, who: dossiers.answer_dossier(dossier, actor=who, answer="Merci."),
}


def test_those_without_the_right_cannot_approve_reject_or_answer(
    paid_service, django_capture_on_commit_callbacks
):
    dossier = paid_in_review(paid_service)
    suggestion = make_dossier("suggestion", state=S.IN_REVIEW)
    other_unit = UnitFactory(code="gendarmerie")
    cases = [
        *(("approve", label, user, dossier) for label, user in refused_matrix(dossier.unit, other_unit)),
        *(("reject", label, user, dossier) for label, user in refused_matrix(dossier.unit, other_unit)),
        *(("answer", label, user, suggestion) for label, user in refused_matrix(suggestion.unit, other_unit)),
        ("approve", "the applicant", dossier.applicant, dossier),
    ]
    for action, label, user, target in cases:
        before = snapshot(target)
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionRefused):
            DECISIONS[action](target, actor(user))
        assert callbacks == [], label
        assert snapshot(target) == before, label


def test_reject_needs_a_reason_the_applicant_reads(paid_service, django_capture_on_commit_callbacks):
    dossier = paid_in_review(paid_service)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    before = snapshot(dossier)
    with pytest.raises(InvalidInput, match="reason"):
        dossiers.reject_dossier(dossier, actor=actor(agent), reason=" ")
    assert snapshot(dossier) == before
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        dossiers.reject_dossier(dossier, actor=actor(agent), reason="La carte grise est illisible.")

    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.state == S.REJECTED
    assert stored.events.public().latest("id").text == "La carte grise est illisible."
    assert Notification.objects.get().event == "dossier_rejected"


def test_a_service_that_is_answered_is_not_approved():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    before = snapshot(dossier)

    with pytest.raises(DomainError, match="answered, not approved"):
        dossiers.approve_dossier(dossier, actor=actor(agent))
    assert snapshot(dossier) == before


def test_a_service_that_is_decided_is_not_answered(paid_service):
    dossier = paid_in_review(paid_service)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    before = snapshot(dossier)

    with pytest.raises(DomainError, match="approve or reject"):
        dossiers.answer_dossier(dossier, actor=actor(agent), answer="Merci.")
    assert snapshot(dossier) == before


def test_answering_a_suggestion_tells_the_applicant(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        dossiers.answer_dossier(dossier, actor=actor(agent), answer="Merci, c'est noté.")

    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.state, stored.working_days_left()) == (S.ANSWERED, None)
    assert stored.decided_at is not None
    assert stored.events.public().latest("id").text == "Merci, c'est noté."
    assert Notification.objects.get().event == "dossier_answered"


def test_a_decision_on_a_decided_dossier_is_refused(paid_service):
    dossier = paid_in_review(paid_service)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    dossiers.approve_dossier(dossier, actor=actor(agent))
    before = snapshot(dossier)

    with pytest.raises(TransitionNotAllowed):
        dossiers.reject_dossier(dossier, actor=actor(agent), reason="Finalement non.")
    assert snapshot(dossier) == before


def test_confidential_files_are_for_inspectors_only(confidential_service):
    dossier = confidential_in_review(confidential_service)
    unit = dossier.unit
    for role in [Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR]:
        user = StaffFactory(roles=[(unit, role)])
        before = snapshot(dossier)
        with pytest.raises(PermissionRefused):
            dossiers.answer_dossier(dossier, actor=actor(user), answer="Vu.")
        with pytest.raises(PermissionRefused):
            dossiers.add_internal_note(dossier, actor=actor(user), text="Vu.")
        assert snapshot(dossier) == before, role
    outsider = StaffFactory(roles=[(UnitFactory(code="police"), Role.INSPECTOR)])
    with pytest.raises(PermissionRefused):
        dossiers.answer_dossier(dossier, actor=actor(outsider), answer="Vu.")

    inspector = StaffFactory(roles=[(unit, Role.INSPECTOR)])
    dossiers.answer_dossier(dossier, actor=actor(inspector), answer="Les faits ont été transmis.")
    assert Dossier.objects.get(pk=dossier.pk).state == S.ANSWERED


# --- withdrawal -------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, S.IN_REVIEW, S.INFO_REQUESTED])
def test_the_applicant_withdraws_an_undecided_request(state, django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=state)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        dossiers.withdraw_dossier(dossier, actor=actor(dossier.applicant), reason="Plus utile.")

    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.state == S.WITHDRAWN
    assert stored.events.latest("id").text == "Plus utile."
    assert AuditEvent.objects.filter(verb="dossier.state_changed", data__to="withdrawn").count() == 1
    assert Notification.objects.get().event == "dossier_withdrawn"


def test_nobody_else_withdraws(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    before = snapshot(dossier)
    for intruder in [actor(CitizenFactory()), actor(agent), Actor.guest(dossier.contact_value), SYSTEM]:
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionRefused):
            dossiers.withdraw_dossier(dossier, actor=intruder)
        assert callbacks == []
    assert snapshot(dossier) == before


def test_an_answered_dossier_cannot_be_withdrawn():
    dossier = make_dossier("suggestion", state=S.ANSWERED)
    before = snapshot(dossier)
    with pytest.raises(TransitionNotAllowed):
        dossiers.withdraw_dossier(dossier, actor=actor(dossier.applicant))
    assert snapshot(dossier) == before


# --- assignment -------------------------------------------------------------------------


def test_an_agent_takes_a_dossier():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])

    dossiers.assign_dossier(dossier, actor=actor(agent), assignee=agent)

    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.assigned_to == agent
    event = stored.events.get(kind=EventKind.ASSIGNED)
    assert (event.public, event.text) == (False, agent.display_name)
    assert AuditEvent.objects.get(verb="dossier.assigned").data["to"] == agent.username


def test_an_agent_cannot_give_a_dossier_to_a_colleague():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent, colleague = (StaffFactory(roles=[(dossier.unit, Role.AGENT)]) for _ in range(2))
    before = snapshot(dossier)

    with pytest.raises(PermissionRefused):
        dossiers.assign_dossier(dossier, actor=actor(agent), assignee=colleague)
    assert snapshot(dossier) == before


def test_a_supervisor_assigns_within_the_unit_and_unassigns():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    supervisor = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    elsewhere = StaffFactory(roles=[(UnitFactory(code="police"), Role.AGENT)])
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])

    dossiers.assign_dossier(dossier, actor=actor(supervisor), assignee=agent)
    assert Dossier.objects.get(pk=dossier.pk).assigned_to == agent

    for wrong in [elsewhere, cashier, CitizenFactory()]:
        before = snapshot(dossier)
        with pytest.raises(InvalidInput, match="cannot process"):
            dossiers.assign_dossier(dossier, actor=actor(supervisor), assignee=wrong)
        assert snapshot(dossier) == before

    dossiers.assign_dossier(dossier, actor=actor(supervisor), assignee=None)
    assert Dossier.objects.get(pk=dossier.pk).assigned_to is None
    assert AuditEvent.objects.filter(verb="dossier.assigned").count() == 2


def test_a_cashier_cannot_take_a_dossier():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])
    with pytest.raises(PermissionRefused):
        dossiers.assign_dossier(dossier, actor=actor(cashier), assignee=cashier)
    assert Dossier.objects.get(pk=dossier.pk).assigned_to is None


# --- messages and notes -----------------------------------------------------------------


def test_an_internal_note_is_never_public_and_sends_nothing(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = dossiers.add_internal_note(dossier, actor=actor(agent), text="Requérant connu du service.")

    assert note.public is False
    assert note not in dossier.events.public()
    assert "Requérant connu" not in " ".join(dossier.events.public().values_list("text", flat=True))
    assert callbacks == []
    assert not Notification.objects.exists()
    assert AuditEvent.objects.filter(verb="dossier.note_added").count() == 1


def test_an_empty_note_is_refused():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    with pytest.raises(InvalidInput):
        dossiers.add_internal_note(dossier, actor=actor(agent), text="")
    assert not dossier.events.filter(kind=EventKind.INTERNAL_NOTE).exists()


def test_a_message_to_the_applicant_is_public_and_sent_after_commit(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks() as callbacks:
        event = dossiers.send_message_to_applicant(
            dossier, actor=actor(agent), message="Nous étudions votre idée."
        )
        assert Notification.objects.get().state == DeliveryState.QUEUED
    for callback in callbacks:
        callback()

    assert (event.public, event.kind) == (True, EventKind.MESSAGE_TO_APPLICANT)
    assert Dossier.objects.get(pk=dossier.pk).state == S.IN_REVIEW
    message = Notification.objects.get()
    assert (message.event, message.state) == ("dossier_message", DeliveryState.SENT)


def test_a_cashier_cannot_write_to_the_applicant(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])
    before = snapshot(dossier)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionRefused):
        dossiers.send_message_to_applicant(dossier, actor=actor(cashier), message="Bonjour.")
    assert callbacks == []
    assert snapshot(dossier) == before


def test_the_applicant_writes_to_the_ministry_while_the_dossier_is_open():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)

    event = dossiers.send_message_to_ministry(
        dossier, actor=actor(dossier.applicant), message="Une précision."
    )

    assert (event.kind, event.public) == (EventKind.MESSAGE_FROM_APPLICANT, True)
    assert AuditEvent.objects.filter(verb="dossier.message_sent").count() == 1
    with pytest.raises(PermissionRefused):
        dossiers.send_message_to_ministry(dossier, actor=actor(CitizenFactory()), message="Intrus.")


def test_no_message_on_an_answered_dossier():
    dossier = make_dossier("suggestion", state=S.ANSWERED)
    before = snapshot(dossier)
    with pytest.raises(DomainError, match="closed"):
        dossiers.send_message_to_ministry(
            dossier, actor=actor(dossier.applicant), message="Encore une chose."
        )
    assert snapshot(dossier) == before


# --- deadlines and reads ----------------------------------------------------------------


def test_an_overdue_dossier_is_flagged_once():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    Dossier.objects.filter(pk=dossier.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    on_time = make_dossier("suggestion", state=S.IN_REVIEW)

    assert deadlines.flag_overdue_dossiers(actor=SYSTEM) == 1
    assert deadlines.flag_overdue_dossiers(actor=SYSTEM) == 0

    flagged = Dossier.objects.get(pk=dossier.pk)
    assert flagged.overdue_noted_on == timezone.localdate()
    assert flagged.events.get(kind=EventKind.DEADLINE_PASSED).public is False
    assert AuditEvent.objects.filter(verb="dossier.deadline_passed", target_id=str(dossier.pk)).count() == 1
    assert Dossier.objects.get(pk=on_time.pk).overdue_noted_on is None


def test_a_pushed_deadline_is_watched_afresh():
    dossier = make_dossier("suggestion", state=S.INFO_REQUESTED)
    Dossier.objects.filter(pk=dossier.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1),
        paused_on=working_days_before(timezone.localdate(), 5),
        overdue_noted_on=timezone.localdate(),
    )

    dossiers.answer_information_request(dossier, actor=actor(dossier.applicant), message="Voici.")

    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.due_on >= timezone.localdate()
    assert stored.overdue_noted_on is None


def test_reading_a_confidential_dossier_is_recorded_and_an_ordinary_one_is_not(confidential_service):
    ordinary = make_dossier("suggestion", state=S.IN_REVIEW)
    confidential = confidential_in_review(confidential_service)
    inspector = StaffFactory(roles=[(confidential.unit, Role.INSPECTOR)])

    dossiers.record_staff_read(ordinary, actor=actor(inspector))
    assert not AuditEvent.objects.filter(verb="dossier.viewed").exists()
    dossiers.record_staff_read(confidential, actor=actor(inspector))
    dossiers.record_staff_read(ordinary, actor=actor(inspector), what="document")

    assert list(AuditEvent.objects.filter(verb__endswith=".viewed").values_list("verb", "target_id")) == [
        ("dossier.viewed", str(confidential.pk)),
        ("document.viewed", str(ordinary.pk)),
    ]


# --- news from the applicant ------------------------------------------------------------


def test_what_the_applicant_says_is_news_until_a_staff_member_acts():
    dossier = make_dossier("suggestion", state=S.INFO_REQUESTED)
    stale = Dossier.objects.get(pk=dossier.pk)  # read before the applicant answered
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    assert not Dossier.objects.with_applicant_news().exists()

    dossiers.answer_information_request(
        dossier, actor=actor(dossier.applicant), message="Le commissariat de Bè."
    )
    assert list(Dossier.objects.with_applicant_news()) == [dossier]
    # Taking the file is not an answer: the news stays.
    dossiers.assign_dossier(stale, actor=actor(agent), assignee=agent)
    assert Dossier.objects.get(pk=dossier.pk).has_applicant_news

    dossiers.add_internal_note(stale, actor=actor(agent), text="Vu.")
    assert not Dossier.objects.get(pk=dossier.pk).has_applicant_news
    dossiers.send_message_to_ministry(dossier, actor=actor(dossier.applicant), message="Autre chose.")
    assert Dossier.objects.get(pk=dossier.pk).has_applicant_news
    dossiers.answer_dossier(stale, actor=actor(agent), answer="Merci.")
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.applicant_news_at, stored.has_applicant_news) == (None, False)
