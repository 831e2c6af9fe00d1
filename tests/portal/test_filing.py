"""Filing a request through the portal, as a citizen, a guest with a code, or anonymously."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import OneTimeCode
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import receipts
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier, DossierEvent
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from tests.factories import CitizenFactory, StaffFactory, service
from tests.portal.utils import (
    SUGGESTION,
    confirm_guest,
    file_suggestion,
    last_code_sent_to,
    newest_dossier,
    pdf,
    png,
    start,
    step_url,
    submission_key,
)

pytestmark = pytest.mark.django_db

SITE = {
    "prefecture": "golfe",
    "commune": "golfe-1",
    "address": "Rue 12, près du marché",
    "fence_length_m": "120",
    "public_way": "yes",
    "installer": "Élec Services SARL",
    "work_start": "2099-01-15",
}


@pytest.fixture
def citizen_client(client):
    citizen = CitizenFactory()
    client.force_login(citizen)
    client.citizen = citizen
    return client


# --- a citizen files a suggestion ------------------------------------------------------------


def test_citizen_files_a_suggestion_from_start_to_confirmation(citizen_client):
    client = citizen_client
    response = start(client, "suggestion")
    dossier = newest_dossier()
    assert dossier.applicant == client.citizen
    assert response["Location"] == step_url(dossier, "suggestion")

    page = client.get(step_url(dossier, "suggestion")).content.decode()
    assert "Step 1 of 3" in page  # the check page is the last step
    assert "Votre suggestion" in page
    assert "Qui êtes-vous ?" in page

    response = client.post(step_url(dossier, "suggestion"), SUGGESTION)
    assert response["Location"] == step_url(dossier, "identity")
    response = client.post(step_url(dossier, "identity"), {"signed": "yes", "full_name": "Afi Mensah"})
    check_url = reverse("portal:check", kwargs={"reference": dossier.reference})
    assert response["Location"] == check_url

    page = client.get(check_url).content.decode()
    assert "Horaires du commissariat" in page
    assert "Services en ligne" in page  # the choice label, not its value
    assert "Afi Mensah" in page
    assert f'href="{step_url(dossier, "suggestion")}#id_subject"' in page  # Change link
    assert "Free" in page

    response = client.post(check_url)
    assert response["Location"] == reverse("portal:confirmation", kwargs={"reference": dossier.reference})
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert Notification.objects.filter(recipient=client.citizen.phone, event="dossier_submitted").count() == 1

    page = client.get(response["Location"]).content.decode()
    assert dossier.reference in page
    assert 'class="reference-big"' in page
    assert dossier.due_on.strftime("%d/%m/%Y") in page

    page = client.get(reverse("portal:dossier", kwargs={"reference": dossier.reference})).content.decode()
    assert "In review" in page
    assert "Horaires du commissariat" in page


def test_double_click_on_start_makes_one_draft(citizen_client):
    key = submission_key(citizen_client, "suggestion")
    first = start(citizen_client, "suggestion", key=key)
    second = start(citizen_client, "suggestion", key=key)
    assert Dossier.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_double_click_on_file_my_request_files_once(citizen_client):
    dossier = file_suggestion(citizen_client)
    check_url = reverse("portal:check", kwargs={"reference": dossier.reference})
    events_before = DossierEvent.objects.filter(dossier=dossier).count()
    notifications_before = Notification.objects.count()

    again = citizen_client.post(check_url)

    assert again.status_code == 302
    assert again["Location"] == reverse("portal:confirmation", kwargs={"reference": dossier.reference})
    assert DossierEvent.objects.filter(dossier=dossier).count() == events_before
    assert Notification.objects.count() == notifications_before
    assert Dossier.objects.count() == 1


def test_a_refused_answer_is_shown_again_with_everything_typed_and_a_summary_linking_to_the_field(
    citizen_client,
):
    start(citizen_client, "suggestion")
    dossier = newest_dossier()
    response = citizen_client.post(
        step_url(dossier, "suggestion"),
        {"category": "road_safety", "subject": "", "message": "Des feux rouges à Agoè, s'il vous plaît."},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary" role="alert"' in page
    assert 'href="#id_subject"' in page
    assert 'aria-invalid="true"' in page
    assert "id_subject_error" in page
    assert "Des feux rouges à Agoè, s&#x27;il vous plaît." in page
    assert 'value="road_safety" id="id_category_1" required checked' in page
    dossier.refresh_from_db()
    assert dossier.answers == {}  # nothing stored until the step is right


def test_filing_with_an_answer_missing_points_to_the_question(citizen_client):
    start(citizen_client, "suggestion")
    dossier = newest_dossier()
    citizen_client.post(step_url(dossier, "suggestion"), SUGGESTION)
    check_url = reverse("portal:check", kwargs={"reference": dossier.reference})

    response = citizen_client.post(check_url)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Some answers are missing" in page
    assert f'href="{step_url(dossier, "identity")}#id_signed"' in page
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT


def test_a_draft_can_be_resumed_from_my_files(citizen_client):
    start(citizen_client, "suggestion")
    dossier = newest_dossier()
    citizen_client.post(step_url(dossier, "suggestion"), SUGGESTION)

    page = citizen_client.get(reverse("portal:my_dossiers")).content.decode()

    assert dossier.reference in page
    assert f'href="{step_url(dossier, "identity")}"' in page  # picks up at the first unanswered step
    assert "Continue" in page


def test_staff_cannot_start_a_request(client):
    staff = StaffFactory(roles=[])
    client.force_login(staff)
    page = client.get(reverse("portal:service", kwargs={"code": "suggestion"})).content.decode()
    assert "staff cannot file requests" in page
    response = start(client, "suggestion", key=str(uuid.uuid4()))
    assert response.status_code == 302
    assert Dossier.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "Staff accounts cannot file requests" in page


# --- an authorization with documents ---------------------------------------------------------


def test_citizen_files_the_fence_authorization_with_real_uploads(citizen_client):
    client = citizen_client
    start(client, "cloture-electrifiee")
    dossier = newest_dossier()

    # The company branch shows two more questions; leaving them empty is refused.
    response = client.post(
        step_url(dossier, "applicant"),
        {"applicant_type": "company", "full_name": "Kodjo Agbeko", "niu": "", "phone": "90 12 34 56"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#id_company_name"' in page
    # Without JavaScript every question shows, each saying when it applies.
    assert (
        "Only if you answered “Entreprise ou organisation” to “Vous faites la demande en tant que”." in page
    )
    assert 'data-show-if="applicant_type" data-show-values="company"' in page
    response = client.post(
        step_url(dossier, "applicant"),
        {
            "applicant_type": "company",
            "full_name": "Kodjo Agbeko",
            "company_name": "Agbeko & Fils",
            "rccm": "TG-LOM-2020-B-1234",
            "phone": "90 12 34 56",
        },
    )
    assert response["Location"] == step_url(dossier, "site")
    response = client.post(step_url(dossier, "site"), SITE)
    assert response["Location"] == step_url(dossier, "documents")

    # A file that is not what it claims is refused on its field; good files are kept.
    response = client.post(
        step_url(dossier, "documents"),
        {
            "id_document": pdf("cni.pdf"),
            "property_title": png("titre.png"),
            "site_plan": SimpleUploadedFile("plan.pdf", b"just text", content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#id_site_plan"' in page
    assert "not of an accepted kind" in page
    assert "cni.pdf" in page
    assert "titre.png" in page
    assert set(dossier.documents.values_list("field_name", flat=True)) == {"id_document", "property_title"}

    # Remove one, then finish.
    title = dossier.documents.get(field_name="property_title")
    response = client.post(step_url(dossier, "documents"), {"remove": str(title.pk)})
    assert response.status_code == 200
    assert not dossier.documents.filter(pk=title.pk).exists()
    response = client.post(
        step_url(dossier, "documents"), {"property_title": pdf("titre.pdf"), "site_plan": png("plan.png")}
    )
    assert response["Location"] == reverse("portal:check", kwargs={"reference": dossier.reference})

    page = client.get(response["Location"]).content.decode()
    assert "Agbeko &amp; Fils" in page
    assert "+228 90 12 34 56" in page  # a phone as people write it
    assert "15/01/2099" in page  # dates as dd/mm/yyyy
    assert "titre.pdf" in page
    assert "plan.png" in page
    response = client.post(reverse("portal:check", kwargs={"reference": dossier.reference}))
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW

    document = dossier.documents.get(field_name="id_document")
    download = client.get(
        reverse("portal:document", kwargs={"reference": dossier.reference, "pk": document.pk})
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "cni.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.4")


def test_a_required_document_cannot_be_skipped(citizen_client):
    start(citizen_client, "cloture-electrifiee")
    dossier = newest_dossier()
    dossiers.save_answers(
        dossier,
        actor=Actor.for_user(citizen_client.citizen),
        answers={"applicant_type": "person", "full_name": "A", "phone": "+22890123456", **SITE},
    )
    response = citizen_client.post(step_url(dossier, "documents"), {"id_document": pdf()})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#id_property_title"' in page
    assert 'href="#id_site_plan"' in page
    assert 'href="#id_installer_certificate"' not in page  # optional


# --- a guest with a code ---------------------------------------------------------------------------


def test_guest_confirms_a_phone_by_code_and_files(client):
    response = start(client, "suggestion")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:identify"))
    assert Dossier.objects.count() == 0

    page = client.get(response["Location"]).content.decode()
    assert "Sign in to your account instead" in page
    assert "Continue without giving my contact" in page  # suggestions may be anonymous

    response = client.post(reverse("portal:identify"), {"contact": "90 11 22 33"})
    assert response["Location"] == reverse("portal:identify_code")
    page = client.get(response["Location"]).content.decode()
    assert "+228 •• •• 33" in page

    response = client.post(reverse("portal:identify_code"), {"code": last_code_sent_to("+22890112233")})
    dossier = newest_dossier()
    assert response["Location"] == step_url(dossier, "suggestion")  # the request they started opens
    assert dossier.applicant is None
    assert dossier.contact_value == "+22890112233"

    client.post(step_url(dossier, "suggestion"), SUGGESTION)
    client.post(step_url(dossier, "identity"), {"signed": "no"})
    client.post(reverse("portal:check", kwargs={"reference": dossier.reference}))
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert Notification.objects.filter(recipient="+22890112233", event="dossier_submitted").exists()


def test_guest_wrong_code_says_how_many_tries_are_left(client):
    start(client, "suggestion")
    client.post(reverse("portal:identify"), {"contact": "afi@exemple.tg"})
    code = last_code_sent_to("afi@exemple.tg")
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("portal:identify_code"), {"code": wrong})

    assert response.status_code == 200
    page = response.content.decode()
    assert "4 tries left" in page
    assert 'href="#id_code"' in page
    assert Dossier.objects.count() == 0


def test_guest_asking_for_a_new_code_too_soon_is_told_to_wait(client):
    client.post(reverse("portal:identify"), {"contact": "afi@exemple.tg"})
    response = client.post(reverse("portal:identify_code"), {"action": "resend"}, follow=True)
    assert "Wait half a minute" in response.content.decode()
    assert OneTimeCode.objects.filter(target="afi@exemple.tg").count() == 1


@pytest.mark.usefixtures("quick_resend")
def test_guest_can_ask_for_a_new_code(client):
    client.post(reverse("portal:identify"), {"contact": "afi@exemple.tg"})
    first = last_code_sent_to("afi@exemple.tg")
    response = client.post(reverse("portal:identify_code"), {"action": "resend"}, follow=True)
    assert "We sent a new code" in response.content.decode()
    assert OneTimeCode.objects.filter(target="afi@exemple.tg").count() == 2
    second = last_code_sent_to("afi@exemple.tg")
    if first != second:
        response = client.post(reverse("portal:identify_code"), {"code": first})
        assert response.status_code == 200  # the old code was retired
    response = client.post(reverse("portal:identify_code"), {"code": second})
    assert response.status_code == 302


def test_a_mistyped_contact_is_refused_with_an_example(client):
    response = client.post(reverse("portal:identify"), {"contact": "12"})
    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    assert Notification.objects.count() == 0


def test_guest_access_ends_after_the_configured_hours(client, settings):
    start(client, "suggestion")
    confirm_guest(client, "90 11 22 33", "+22890112233")
    dossier = newest_dossier()
    assert client.get(step_url(dossier, "suggestion")).status_code == 200
    settings.GUICHET = {**settings.GUICHET, "DOSSIER_ACCESS_HOURS": 0}
    assert client.get(step_url(dossier, "suggestion")).status_code == 404


def test_a_service_that_needs_an_account_sends_guests_to_sign_in(client):
    # No catalogue service needs an account yet: flip the flag on a copy of the suggestion's data.
    from guichet.catalog.services import publish_service

    version = service("suggestion").current_version
    publish_service(version.source + "\naccount_required: true\n", actor=SYSTEM)
    response = start(client, "suggestion")
    assert response["Location"].startswith(reverse("accounts:sign_in"))


# --- anonymous -----------------------------------------------------------------------------------------


def test_anonymous_filer_sees_the_receipt_code_once_and_can_come_back_with_it(client):
    start(client, "suggestion")  # not identified: the identify page offers to stay anonymous
    dossier = file_suggestion(client, anonymous=True)
    assert dossier.anonymous
    assert dossier.applicant is None
    assert dossier.contact_value == ""
    assert dossier.state == DossierState.IN_REVIEW

    confirmation_url = reverse("portal:confirmation", kwargs={"reference": dossier.reference})
    page = client.get(confirmation_url).content.decode()
    assert "We show this code only once." in page
    code = page.split('class="receipt-code">')[1].split("<")[0].strip()
    assert receipts.receipt_matches(dossier, code)
    assert code not in client.get(confirmation_url).content.decode()  # shown once

    other = Client()
    response = other.post(reverse("portal:track"), {"reference": dossier.reference.lower().replace("-", " ")})
    assert response["Location"] == reverse("portal:track_code")  # as for any reference
    response = other.post(reverse("portal:track_receipt"), {"receipt_code": "0000-0000-0000-0000"})
    assert response.status_code == 400
    assert "does not match" in response.content.decode()
    response = other.post(reverse("portal:track_receipt"), {"receipt_code": code.lower()})
    assert response["Location"] == reverse("portal:dossier", kwargs={"reference": dossier.reference})
    assert "Horaires du commissariat" in other.get(response["Location"]).content.decode()


def test_anonymous_double_click_on_start_makes_one_draft(client):
    key = submission_key(client, "suggestion")
    start(client, "suggestion", anonymous=True, key=key)
    start(client, "suggestion", anonymous=True, key=key)
    assert Dossier.objects.count() == 1


def test_a_replayed_anonymous_key_from_another_session_opens_nothing(client):
    key = submission_key(client, "suggestion")
    start(client, "suggestion", anonymous=True, key=key)
    response = start(Client(), "suggestion", anonymous=True, key=key)
    assert response.status_code == 404


def test_a_service_without_anonymity_ignores_the_anonymous_choice(client):
    response = start(client, "cloture-electrifiee", anonymous=True)
    assert response["Location"].startswith(reverse("portal:identify"))
    assert Dossier.objects.count() == 0


def test_signed_in_citizen_may_still_file_a_suggestion_anonymously(citizen_client):
    page = citizen_client.get(reverse("portal:service", kwargs={"code": "suggestion"})).content.decode()
    assert "File anonymously instead" in page
    dossier = file_suggestion(citizen_client, anonymous=True)
    assert dossier.anonymous
    assert dossier.applicant is None
    assert Notification.objects.filter(event="dossier_submitted").count() == 0
