"""Finding a file by its reference: the check character first, then a proof fitting how it was filed."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from guichet.dossiers.models import Dossier
from guichet.dossiers.references import new_reference
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from guichet.portal.session import ANONYMOUS_DOSSIERS_SESSION_KEY
from tests.factories import CitizenFactory, make_dossier
from tests.portal.utils import confirm_guest, file_suggestion, last_code_sent_to, start

pytestmark = pytest.mark.django_db


def _comparable(page: str, reference: str) -> str:
    """The page without what differs by nature between two sessions: CSRF tokens and the reference."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", page).replace(reference, "REF")


def _mistype(reference: str) -> str:
    """Change one character of the body: the check character must notice."""
    body_index = 5
    char = reference[body_index]
    replacement = "2" if char != "2" else "3"
    return reference[:body_index] + replacement + reference[body_index + 1 :]


@pytest.fixture
def guest_dossier(settings) -> Dossier:
    settings.GUICHET = {**settings.GUICHET, "OTP_RESEND_SECONDS": 0}
    filer = Client()
    start(filer, "suggestion")
    confirm_guest(filer, "afi@exemple.tg", "afi@exemple.tg")
    return file_suggestion(filer)


def test_a_mistyped_reference_is_caught_before_any_lookup(client, django_assert_max_num_queries):
    dossier = make_dossier(state=DossierState.IN_REVIEW)
    with django_assert_max_num_queries(3):  # session and nothing else: no dossier is looked up
        response = client.post(reverse("portal:track"), {"reference": _mistype(dossier.reference)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "a character is probably mistyped" in page
    assert 'href="#id_reference"' in page


def test_an_account_file_opens_with_a_code_sent_to_the_account(client):
    citizen = CitizenFactory()
    dossier = make_dossier(applicant=citizen, state=DossierState.IN_REVIEW)
    response = client.post(reverse("portal:track"), {"reference": dossier.reference})
    assert response["Location"] == reverse("portal:track_code")
    response = client.post(reverse("portal:track_code"), {"code": last_code_sent_to(citizen.phone)})
    # The code reached the account's own phone: that signs the account in, and the file opens.
    assert response["Location"] == reverse("portal:dossier", kwargs={"reference": dossier.reference})
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("portal:my_dossiers")).status_code == 200


def test_the_account_holder_goes_straight_to_the_file(client):
    citizen = CitizenFactory()
    dossier = make_dossier(applicant=citizen, state=DossierState.IN_REVIEW)
    client.force_login(citizen)
    response = client.post(reverse("portal:track"), {"reference": dossier.reference})
    assert response["Location"] == reverse("portal:dossier", kwargs={"reference": dossier.reference})


def test_a_guest_file_opens_with_a_code_sent_to_the_contact_given_when_filing(client, guest_dossier):
    response = client.post(reverse("portal:track"), {"reference": guest_dossier.reference})
    assert response["Location"] == reverse("portal:track_code")
    page = client.get(response["Location"]).content.decode()
    assert "If the reference" in page
    assert "exists, we sent a code" in page
    assert "afi" not in page  # not even a masked contact: the page tells nothing about the file

    code = last_code_sent_to("afi@exemple.tg")
    response = client.post(reverse("portal:track_code"), {"code": code})
    dossier_url = reverse("portal:dossier", kwargs={"reference": guest_dossier.reference})
    assert response["Location"] == dossier_url
    assert client.get(dossier_url).status_code == 200


def test_an_unknown_reference_gets_the_same_answer_and_sends_nothing(client, guest_dossier):
    known = client.post(reverse("portal:track"), {"reference": guest_dossier.reference})
    notifications = Notification.objects.count()
    stranger = Client()
    unknown_reference = new_reference("SUG")  # well formed, with a right check character, but no file
    unknown = stranger.post(reverse("portal:track"), {"reference": unknown_reference})

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert Notification.objects.count() == notifications
    known_page = client.get(reverse("portal:track_code")).content.decode()
    unknown_page = stranger.get(reverse("portal:track_code")).content.decode()
    assert _comparable(known_page, guest_dossier.reference) == _comparable(unknown_page, unknown_reference)
    response = stranger.post(reverse("portal:track_code"), {"code": "123456"})
    assert response.status_code == 200
    assert "This code does not open this file" in response.content.decode()


def test_a_code_for_one_file_does_not_open_another(client, guest_dossier):
    other = make_dossier(state=DossierState.IN_REVIEW)
    client.post(reverse("portal:track"), {"reference": guest_dossier.reference})
    code = last_code_sent_to("afi@exemple.tg")
    client.post(reverse("portal:track"), {"reference": other.reference})  # an account holder's file
    response = client.post(reverse("portal:track_code"), {"code": code})
    assert response.status_code == 200
    assert "This code does not open this file" in response.content.decode()
    for dossier in (other, guest_dossier):
        page = client.get(reverse("portal:dossier", kwargs={"reference": dossier.reference})).content.decode()
        assert "Show that this file is yours" in page  # the way to prove it, not the file
        assert "Horaires du commissariat" not in page


def test_an_anonymous_file_opens_with_the_receipt_code_the_filer_chooses_to_type(client):
    filer = Client()
    dossier = file_suggestion(filer, anonymous=True)
    response = client.post(reverse("portal:track"), {"reference": dossier.reference})
    assert response["Location"] == reverse("portal:track_code")  # the site does not say it is anonymous
    page = client.get(response["Location"]).content.decode()
    assert reverse("portal:track_receipt") in page
    assert "anonymously" in client.get(reverse("portal:track_receipt")).content.decode()
    assert Notification.objects.count() == 0


def test_wrong_receipt_codes_slow_the_address_and_never_lock_the_file(settings):
    settings.GUICHET = {**settings.GUICHET, "RECEIPT_MAX_ATTEMPTS": 2}
    filer = Client()
    dossier = file_suggestion(filer, anonymous=True)
    receipt_code = re.search(
        r'class="receipt-code"[^>]*>([^<]+)<',
        filer.get(reverse("portal:confirmation", kwargs={"reference": dossier.reference})).content.decode(),
    )
    assert receipt_code
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    guesser.post(reverse("portal:track"), {"reference": dossier.reference})
    for _attempt in range(3):
        page = guesser.post(reverse("portal:track_receipt"), {"receipt_code": "0000-0000-0000-0000"})
        assert "does not match" in page.content.decode()
    page = guesser.post(reverse("portal:track_receipt"), {"receipt_code": receipt_code.group(1)})
    # Slowed down with a plain message, and not a 429 that would say more than a wrong code does.
    assert page.status_code == 400
    assert "Wait 2 seconds, then try again." in page.content.decode()
    assert dossier.reference not in (guesser.session.get(ANONYMOUS_DOSSIERS_SESSION_KEY) or {})

    owner = Client(REMOTE_ADDR="198.51.100.20")
    owner.post(reverse("portal:track"), {"reference": dossier.reference})
    response = owner.post(reverse("portal:track_receipt"), {"receipt_code": receipt_code.group(1).lower()})
    assert response["Location"] == reverse("portal:dossier", kwargs={"reference": dossier.reference})


def test_a_guest_reopens_a_draft_after_the_session_ended(client, settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_RESEND_SECONDS": 0}
    filer = Client()
    start(filer, "suggestion")
    confirm_guest(filer, "kofi@exemple.tg", "kofi@exemple.tg")
    draft = Dossier.objects.get(contact_value="kofi@exemple.tg")
    assert draft.state == DossierState.DRAFT

    # Another day, another browser: the reference shown on every step and a fresh code.
    client.post(reverse("portal:track"), {"reference": draft.reference})
    response = client.post(reverse("portal:track_code"), {"code": last_code_sent_to("kofi@exemple.tg")})
    assert response["Location"] == reverse("portal:dossier", kwargs={"reference": draft.reference})
    assert client.get(response["Location"]).status_code == 200
