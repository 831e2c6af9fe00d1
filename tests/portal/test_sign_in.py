"""Citizen sign-in by code or password, profile, sign-out."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.audit.models import AuditEvent
from guichet.notifications.models import Notification
from tests.factories import CitizenFactory, StaffFactory
from tests.portal.utils import last_code_sent_to

pytestmark = pytest.mark.django_db


def sign_in_with_code(client: Client, contact: str, recipient: str, *, next_url: str = "") -> object:
    data = {"contact": contact, **({"next": next_url} if next_url else {})}
    response = client.post(reverse("accounts:sign_in"), data)
    assert response.status_code == 302, response.content.decode()[:1500]
    return client.post(reverse("accounts:sign_in_code"), {"code": last_code_sent_to(recipient)})


def test_a_first_sign_in_by_code_creates_the_account_and_signs_in(client):
    response = client.post(reverse("accounts:sign_in"), {"contact": "90 12 34 56"})
    assert response["Location"] == reverse("accounts:sign_in_code")
    page = client.get(response["Location"]).content.decode()
    assert "+228 •• •• 56" in page
    assert 'autocomplete="one-time-code"' in page
    session_key_before = client.session.session_key

    response = client.post(reverse("accounts:sign_in_code"), {"code": last_code_sent_to("+22890123456")})

    assert response["Location"] == reverse("portal:my_dossiers")
    user = User.objects.get(phone="+22890123456")
    assert not user.is_staff_member
    assert int(client.session[SESSION_KEY]) == user.pk
    assert client.session.session_key != session_key_before  # a new session key after sign-in
    assert client.get(reverse("portal:my_dossiers")).status_code == 200


def test_signing_in_again_finds_the_same_account(client):
    citizen = CitizenFactory(email="afi@exemple.tg", phone=None)
    sign_in_with_code(client, "Afi@Exemple.tg", "afi@exemple.tg")
    assert int(client.session[SESSION_KEY]) == citizen.pk
    assert User.objects.count() == 1


def test_sign_in_goes_back_to_a_local_next_address_only(client):
    response = sign_in_with_code(client, "90 12 34 56", "+22890123456", next_url="/suivi/")
    assert response["Location"] == "/suivi/"
    other = Client()
    response = sign_in_with_code(other, "91 12 34 56", "+22891123456", next_url="https://evil.example/x")
    assert response["Location"] == reverse("portal:my_dossiers")


def test_a_wrong_code_does_not_sign_in(client):
    client.post(reverse("accounts:sign_in"), {"contact": "90 12 34 56"})
    code = last_code_sent_to("+22890123456")
    response = client.post(
        reverse("accounts:sign_in_code"), {"code": "000000" if code != "000000" else "111111"}
    )
    assert response.status_code == 200
    assert "tries left" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert not User.objects.exists()


def test_a_code_of_the_wrong_length_is_refused_before_checking(client):
    client.post(reverse("accounts:sign_in"), {"contact": "90 12 34 56"})
    response = client.post(reverse("accounts:sign_in_code"), {"code": "12345"})
    assert "The code has 6 digits" in response.content.decode()


def test_a_staff_members_contact_cannot_sign_in_on_the_citizen_pages(client):
    staff = StaffFactory(roles=[], email="agent@mspc.tg")
    response = sign_in_with_code(client, "agent@mspc.tg", "agent@mspc.tg")
    assert response["Location"] == reverse("accounts:sign_in")
    assert SESSION_KEY not in client.session
    assert "staff account" in client.get(response["Location"]).content.decode()
    assert User.objects.filter(email__iexact="agent@mspc.tg").get() == staff


def test_the_code_page_without_a_pending_sign_in_goes_back_to_step_one(client):
    assert client.get(reverse("accounts:sign_in_code"))["Location"] == reverse("accounts:sign_in")


def test_sign_in_page_has_labels_help_and_autocomplete(client):
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert '<label class="label" for="id_contact">' in page
    assert 'aria-describedby="id_contact_hint"' in page
    assert 'autocomplete="username"' in page
    assert "/agents/connexion/" in page


def test_a_mistyped_contact_shows_an_error_summary(client):
    response = client.post(reverse("accounts:sign_in"), {"contact": "abc"})
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'href="#id_contact"' in page
    assert 'aria-describedby="id_contact_hint id_contact_error"' in page
    assert 'value="abc"' in page
    assert Notification.objects.count() == 0


# --- profile and password -------------------------------------------------------------------------


def test_profile_saves_names_and_language_and_switches_the_pages(client):
    citizen = CitizenFactory()
    client.force_login(citizen)
    response = client.post(
        reverse("accounts:profile"), {"first_name": "Ama", "last_name": "Kossi", "language": "en"}
    )
    assert response["Location"] == reverse("accounts:profile")
    citizen.refresh_from_db()
    assert (citizen.first_name, citizen.last_name, citizen.language) == ("Ama", "Kossi", "en")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Your profile was saved." in client.get(reverse("accounts:profile")).content.decode()
    assert AuditEvent.objects.filter(verb="account.updated").count() == 1


def test_setting_a_password_keeps_the_session_and_allows_password_sign_in(client):
    citizen = CitizenFactory(email="afi@exemple.tg")
    client.force_login(citizen)
    password = "Lomé-marché-2025!"
    client.post(
        reverse("accounts:profile"),
        {"first_name": "", "last_name": "", "language": "fr", "password1": password, "password2": password},
    )
    assert client.get(reverse("accounts:profile")).status_code == 200  # still signed in

    other = Client()
    response = other.post(
        reverse("accounts:password_sign_in"), {"contact": "afi@exemple.tg", "password": password}
    )
    assert response.status_code == 302
    assert int(other.session[SESSION_KEY]) == citizen.pk


def test_a_weak_or_mismatched_password_is_refused(client):
    citizen = CitizenFactory()
    client.force_login(citizen)
    weak = client.post(
        reverse("accounts:profile"), {"language": "fr", "password1": "123", "password2": "123"}
    )
    assert 'href="#id_password1"' in weak.content.decode()
    mismatch = client.post(
        reverse("accounts:profile"),
        {"language": "fr", "password1": "Lomé-marché-2025!", "password2": "Lomé-marché-2026!"},
    )
    assert 'href="#id_password2"' in mismatch.content.decode()
    citizen.refresh_from_db()
    assert not citizen.has_usable_password()


def test_a_wrong_password_gets_one_answer_whatever_the_reason(client):
    citizen = CitizenFactory(email="afi@exemple.tg")
    citizen.set_password("Lomé-marché-2025!")
    citizen.save()
    wrong = client.post(
        reverse("accounts:password_sign_in"), {"contact": "afi@exemple.tg", "password": "nope-nope-1"}
    )
    unknown = client.post(
        reverse("accounts:password_sign_in"), {"contact": "nobody@exemple.tg", "password": "nope-nope-1"}
    )
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "do not match" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_password_tries_are_limited(client):
    citizen = CitizenFactory(email="afi@exemple.tg")
    citizen.set_password("Lomé-marché-2025!")
    citizen.save()
    for _i in range(10):
        client.post(
            reverse("accounts:password_sign_in"), {"contact": "afi@exemple.tg", "password": "wrong-wrong"}
        )
    response = client.post(
        reverse("accounts:password_sign_in"), {"contact": "afi@exemple.tg", "password": "Lomé-marché-2025!"}
    )
    assert "Too many attempts" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_staff_cannot_sign_in_with_a_password_on_the_citizen_page(client):
    StaffFactory(roles=[], email="agent@mspc.tg")
    response = client.post(
        reverse("accounts:password_sign_in"),
        {"contact": "agent@mspc.tg", "password": "correct horse battery staple"},
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_profile_needs_a_signed_in_citizen(client):
    assert client.get(reverse("accounts:profile"))["Location"].startswith(reverse("accounts:sign_in"))
    client.force_login(StaffFactory(roles=[]))
    assert client.get(reverse("accounts:profile")).status_code == 403


# --- sign-out -----------------------------------------------------------------------------------------


def test_sign_out_is_a_post_and_ends_the_session(client):
    client.force_login(CitizenFactory())
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    assert SESSION_KEY in client.session
    response = client.post(reverse("accounts:sign_out"))
    assert response["Location"] == reverse("portal:home")
    assert SESSION_KEY not in client.session


def test_header_offers_my_files_and_sign_out_once_signed_in(client):
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("accounts:sign_in") in page
    assert reverse("accounts:sign_out") not in page
    client.force_login(CitizenFactory())
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:my_dossiers") in page
    assert reverse("accounts:sign_out") in page


def test_a_guest_can_end_their_session_on_a_shared_phone(client):
    from tests.factories import load_mspc_catalog
    from tests.portal.utils import confirm_guest

    load_mspc_catalog()
    confirm_guest(client, "90 11 22 33", "+22890112233")
    page = client.get(reverse("portal:home")).content.decode()
    assert "End session" in page
    client.post(reverse("accounts:sign_out"))
    assert client.get(reverse("portal:my_dossiers"))["Location"].startswith(reverse("accounts:sign_in"))
