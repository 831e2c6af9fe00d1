"""Staff sign-in: a password, then the code of an authenticator app; nothing before both."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.urls import reverse

from guichet.accounts.roles import Role
from guichet.accounts.services import STAFF_VERIFIED_SESSION_KEY
from guichet.audit.models import AuditEvent
from guichet.backoffice.sign_in import PENDING_SESSION_KEY
from tests.backoffice.conftest import staff
from tests.factories import CitizenFactory

PASSWORD = "correct horse battery staple"
SIGN_IN = "/agents/connexion/"
TOTP = "/agents/connexion/code/"


@pytest.fixture
def agent(units):
    return staff(units["cabinet"], Role.AGENT, username="kodjo")


def password_step(client, username="kodjo", password=PASSWORD, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def code_for(user) -> str:
    return pyotp.TOTP(user.totp_secret).now()


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_urls_are_where_the_brief_puts_them():
    assert reverse("backoffice:sign_in") == SIGN_IN
    assert reverse("backoffice:totp") == TOTP
    assert reverse("backoffice:sign_out") == "/agents/deconnexion/"


def test_sign_in_page_shows_the_form(client, db):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    assert b'autocomplete="current-password"' in response.content
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_wrong_password_gives_the_generic_error_and_no_pending_step(client, agent):
    response = password_step(client, password="not the password")
    assert response.status_code == 200
    assert "The username or password is wrong." in response.content.decode()
    assert 'href="#id_username"' in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session
    assert not is_signed_in(client)


def test_unknown_username_gives_the_same_error(client, agent):
    response = password_step(client, username="nobody")
    assert "The username or password is wrong." in response.content.decode()


def test_a_citizen_with_a_password_cannot_use_the_staff_sign_in(client, units):
    citizen = CitizenFactory(username="afi", password=PASSWORD)
    response = password_step(client, username="afi")
    assert "The username or password is wrong." in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session
    assert not is_signed_in(client)
    assert citizen.is_staff_member is False


def test_an_inactive_staff_member_cannot_sign_in(client, agent):
    agent.is_active = False
    agent.save()
    response = password_step(client)
    assert "The username or password is wrong." in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session


def test_right_password_asks_for_the_code_without_signing_in(client, agent):
    planted = client.session
    planted["visited"] = True
    planted.save()
    session_before = planted.session_key
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == TOTP
    assert client.session[PENDING_SESSION_KEY]["user_id"] == agent.pk
    assert not is_signed_in(client)
    assert STAFF_VERIFIED_SESSION_KEY not in client.session
    assert client.session.session_key != session_before  # a planted session id is worth nothing


def test_the_django_admin_sends_staff_through_both_steps(client, agent):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302
    assert login["Location"] == f"{SIGN_IN}?next=%2Fadmin%2F"
    password_step(client, next="/admin/")
    response = client.post(TOTP, {"code": code_for(agent), "next": "/admin/"})
    assert response["Location"] == "/admin/"


def test_skipping_the_code_step_gives_no_access(client, agent):
    password_step(client)
    response = client.get("/agents/")
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def test_wrong_code_is_refused(client, agent):
    password_step(client)
    right = code_for(agent)
    wrong = f"{(int(right) + 500000) % 1000000:06d}"
    response = client.post(TOTP, {"code": wrong})
    assert response.status_code == 200
    assert "This code is not right." in response.content.decode()
    assert not is_signed_in(client)
    assert client.get("/agents/").status_code == 302


def test_a_code_that_is_not_six_digits_is_refused_before_checking(client, agent):
    password_step(client)
    response = client.post(TOTP, {"code": "12345"})
    assert "The code has exactly 6 digits." in response.content.decode()
    assert not is_signed_in(client)


def test_right_code_signs_in_and_opens_the_queue(client, agent):
    password_step(client)
    session_before = client.session.session_key
    response = client.post(TOTP, {"code": code_for(agent)})
    assert response.status_code == 302
    assert response["Location"] == "/agents/"
    assert is_signed_in(client)
    assert client.session[STAFF_VERIFIED_SESSION_KEY] is True
    assert PENDING_SESSION_KEY not in client.session
    assert client.session.session_key != session_before  # rotated at sign-in
    assert client.get("/agents/").status_code == 200
    assert AuditEvent.objects.filter(verb="staff.signed_in", actor_user_id=agent.pk).count() == 1


def test_a_replayed_code_is_refused(client, agent):
    code = code_for(agent)
    password_step(client)
    assert client.post(TOTP, {"code": code}).status_code == 302
    client.post("/agents/deconnexion/")
    password_step(client)
    response = client.post(TOTP, {"code": code})
    assert response.status_code == 200
    assert "This code was already used." in response.content.decode()
    assert not is_signed_in(client)


def test_the_code_step_expires_after_five_minutes(client, agent):
    password_step(client)
    session = client.session
    session[PENDING_SESSION_KEY] = {**session[PENDING_SESSION_KEY], "since": time.time() - 301}
    session.save()
    response = client.post(TOTP, {"code": code_for(agent)})
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert not is_signed_in(client)
    assert PENDING_SESSION_KEY not in client.session


def test_the_code_step_without_a_password_step_sends_back_to_the_start(client, agent):
    response = client.post(TOTP, {"code": code_for(agent)})
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert not is_signed_in(client)


def test_repeated_failures_lock_the_username_even_for_the_right_password(client, agent, settings):
    settings.GUICHET = {**settings.GUICHET, "STAFF_SIGN_IN_MAX_FAILURES": 3}
    for _attempt in range(3):
        password_step(client, password="wrong password")
    response = password_step(client)
    assert response.status_code == 200
    assert "Too many failed attempts." in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session


def test_repeated_failures_from_one_address_lock_every_username(client, agent, units, settings):
    settings.GUICHET = {**settings.GUICHET, "STAFF_SIGN_IN_MAX_FAILURES_PER_IP": 3}
    for number in range(3):
        password_step(client, username=f"guess{number}", password="wrong password")
    response = password_step(client)
    assert "Too many failed attempts." in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session


def test_next_brings_the_person_back_after_both_steps(client, agent):
    response = password_step(client, next="/agents/messages/")
    assert response["Location"] == f"{TOTP}?next=%2Fagents%2Fmessages%2F"
    response = client.post(response["Location"], {"code": code_for(agent), "next": "/agents/messages/"})
    assert response["Location"] == "/agents/messages/"


def test_next_to_another_site_is_ignored(client, agent):
    password_step(client, next="https://evil.example/")
    response = client.post(TOTP, {"code": code_for(agent), "next": "https://evil.example/"})
    assert response["Location"] == "/agents/"


def test_first_sign_in_shows_how_to_enrol_the_authenticator_app(client, agent):
    password_step(client)
    first = client.get(TOTP).content.decode()
    assert "data:image/svg+xml" in first
    assert agent.totp_secret[:4] in first
    client.post(TOTP, {"code": code_for(agent)})
    client.post("/agents/deconnexion/")
    password_step(client)
    later = client.get(TOTP).content.decode()
    assert "data:image/svg+xml" not in later
    assert agent.totp_secret[:4] not in later


def test_sign_out_needs_a_post_and_ends_the_session(client, agent):
    password_step(client)
    client.post(TOTP, {"code": code_for(agent)})
    assert client.get("/agents/deconnexion/").status_code == 405
    response = client.post("/agents/deconnexion/")
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert client.get("/agents/").status_code == 302


def test_a_signed_in_staff_member_visiting_the_sign_in_page_goes_to_the_queue(client, agent):
    password_step(client)
    client.post(TOTP, {"code": code_for(agent)})
    response = client.get(SIGN_IN)
    assert response.status_code == 302
    assert response["Location"] == "/agents/"


# --- security events: failures, sign-out; successes never count against the limit -----------


def failures() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb="staff.sign_in_failed").order_by("id"))


def test_a_wrong_password_is_a_security_event_naming_the_account_but_not_what_was_typed(client, agent):
    password_step(client, password="not the password")

    (event,) = failures()
    assert (event.actor_kind, event.target_id) == ("anonymous", str(agent.pk))
    assert event.data == {"step": "password", "reason": "wrong_password", "ip": "127.0.0.1"}
    assert "not the password" not in str(AuditEvent.objects.values().get(pk=event.pk))


def test_an_unknown_username_is_a_security_event_without_a_target(client, agent):
    password_step(client, username="nobody-here", password="whatever it is")

    (event,) = failures()
    assert event.target_id == ""
    assert "nobody-here" not in str(AuditEvent.objects.values().get(pk=event.pk))


def test_a_refused_sign_in_past_the_limit_is_a_security_event(client, agent, settings):
    settings.GUICHET = {**settings.GUICHET, "STAFF_SIGN_IN_MAX_FAILURES": 1}
    password_step(client, password="wrong password")
    password_step(client)

    assert [event.data["reason"] for event in failures()] == ["wrong_password", "rate_limited"]


def test_a_wrong_code_is_a_security_event(client, agent):
    password_step(client)
    right = code_for(agent)
    client.post(TOTP, {"code": "000000" if right != "000000" else "111111"})

    (event,) = failures()
    assert event.target_id == str(agent.pk)
    assert (event.data["step"], event.data["reason"]) == ("totp", "wrong_code")
    assert not is_signed_in(client)


def test_signing_out_is_a_security_event(client, agent):
    password_step(client)
    client.post(TOTP, {"code": code_for(agent)})

    client.post("/agents/deconnexion/")

    (event,) = AuditEvent.objects.filter(verb="staff.signed_out")
    assert (event.actor_user_id, event.target_id) == (agent.pk, str(agent.pk))


def test_successful_sign_ins_never_count_against_the_limit(client, agent, settings):
    settings.GUICHET = {
        **settings.GUICHET,
        "STAFF_SIGN_IN_MAX_FAILURES": 2,
        "STAFF_SIGN_IN_MAX_FAILURES_PER_IP": 2,
    }
    for _attempt in range(5):
        response = password_step(client)
        assert response.status_code == 302, response.content.decode()[:500]
        client.session.flush()
        client.cookies.clear()
    # One wrong password after all those successes is still only one.
    password_step(client, password="wrong password")
    assert password_step(client).status_code == 302


@pytest.mark.parametrize(
    ("roles", "lands_on"),
    [
        ([("inspection", Role.INSPECTOR)], "/inspection/"),
        ([("inspection", Role.INSPECTOR), ("police", Role.AGENT)], "/agents/"),
        ([("cabinet", Role.AGENT)], "/agents/"),
    ],
)
def test_staff_land_where_their_work_is(client, units, roles, lands_on):
    from tests.factories import StaffFactory

    user = StaffFactory(
        roles=[(units[code], role) for code, role in roles], username="ama", password=PASSWORD
    )
    password_step(client, username="ama")
    response = client.post(TOTP, {"code": code_for(user)})
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_an_inspector_asked_for_a_page_goes_to_that_page(client, units):
    from tests.factories import StaffFactory

    user = StaffFactory(roles=[(units["inspection"], Role.INSPECTOR)], username="ama", password=PASSWORD)
    password_step(client, username="ama", next="/agents/messages/")
    response = client.post(f"{TOTP}?next=/agents/messages/", {"code": code_for(user)})
    assert response["Location"] == "/agents/messages/"
