from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from django.utils import timezone, translation

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose, OneTimeCode, User
from guichet.accounts.roles import Role
from guichet.accounts.services import (
    CodeExpired,
    CodeInvalid,
    PasswordMismatch,
    SignInRefused,
    authenticate_citizen,
    authenticate_staff,
    create_staff_member,
    get_or_create_citizen,
    request_code,
    verify_code,
    verify_staff_totp,
)
from guichet.audit.models import AuditEvent
from guichet.core.errors import DomainError, RateLimited
from guichet.notifications.models import Channel, DeliveryState, Notification
from tests.factories import CitizenFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted by their English msgid, whatever the .po files come to say."""
    with translation.override("en"):
        yield


PHONE = Contact("phone", "+22890123456")
EMAIL = Contact("email", "afi@exemple.tg")


def ask(contact: Contact = PHONE, *, client_ip: str = "", scope: str = "") -> tuple[OneTimeCode, str]:
    """Request a code and read it from the message sent (as the person would)."""
    otp = request_code(contact, purpose=CodePurpose.SIGN_IN, language="fr", client_ip=client_ip, scope=scope)
    message = Notification.objects.filter(recipient=contact.value, event="one_time_code").first()
    assert message is not None
    code = re.search(r"\b(\d{6})\b", message.body)
    assert code is not None
    return otp, code.group(1)


def age(otp: OneTimeCode, seconds: int) -> None:
    """Pretend the code was asked for `seconds` ago."""
    OneTimeCode.objects.filter(pk=otp.pk).update(created_at=otp.created_at - dt.timedelta(seconds=seconds))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- one-time codes -------------------------------------------------------------------


def test_a_code_has_six_digits_and_only_its_hash_is_stored(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        otp, code = ask()

    assert len(callbacks) == 1  # the message leaves after commit
    assert re.fullmatch(r"\d{6}", code)
    row = OneTimeCode.objects.values().get(pk=otp.pk)
    assert all(code not in str(value) for value in row.values())
    assert len(row["code_hash"]) == 64
    message = Notification.objects.get(event="one_time_code")
    assert (message.channel, message.recipient, message.secret) == (Channel.SMS, PHONE.value, True)
    assert message.state == DeliveryState.SENT


def test_an_email_contact_gets_the_code_by_email():
    ask(EMAIL)
    message = Notification.objects.get(event="one_time_code")
    assert (message.channel, message.recipient) == (Channel.EMAIL, "afi@exemple.tg")
    assert message.subject


def test_a_code_expires_after_ten_minutes():
    otp, code = ask()

    assert otp.expires_at - otp.created_at == pytest.approx(
        dt.timedelta(minutes=10), abs=dt.timedelta(seconds=1)
    )
    OneTimeCode.objects.filter(pk=otp.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(CodeExpired):
        verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=code)


def test_the_right_code_is_consumed_once():
    otp, code = ask()

    verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=code)

    otp.refresh_from_db()
    assert otp.consumed_at is not None
    with pytest.raises(CodeExpired):
        verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=code)


def test_spaces_typed_in_the_code_are_ignored():
    _otp, code = ask()
    verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=f" {code[:3]} {code[3:]} ")


def test_a_wrong_code_counts_a_try_and_says_how_many_are_left():
    otp, code = ask()

    with pytest.raises(CodeInvalid, match="4"):
        verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=wrong(code))

    otp.refresh_from_db()
    assert otp.attempts == 1
    assert otp.consumed_at is None
    verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=code)


def test_five_wrong_tries_expire_the_code():
    _otp, code = ask()
    for _ in range(4):
        with pytest.raises(CodeInvalid):
            verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=wrong(code))
    with pytest.raises(CodeExpired):
        verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=wrong(code))

    with pytest.raises(CodeExpired):
        verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=code)


def test_a_code_only_works_for_its_contact_purpose_and_scope():
    _otp, code = ask(scope="dossier:SUG-0000-0000")

    with pytest.raises(CodeExpired):
        verify_code(EMAIL, purpose=CodePurpose.SIGN_IN, code=code, scope="dossier:SUG-0000-0000")
    with pytest.raises(CodeExpired):
        verify_code(PHONE, purpose=CodePurpose.GUEST, code=code, scope="dossier:SUG-0000-0000")
    with pytest.raises(CodeExpired):
        verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=code)
    verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=code, scope="dossier:SUG-0000-0000")


def test_a_new_code_retires_the_previous_one():
    first, first_code = ask()
    age(first, 60)
    Notification.objects.all().delete()
    _second, second_code = ask()

    first.refresh_from_db()
    assert first.consumed_at is not None
    if first_code != second_code:
        with pytest.raises((CodeInvalid, CodeExpired)):
            verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=first_code)
    verify_code(PHONE, purpose=CodePurpose.SIGN_IN, code=second_code)


def test_asking_again_within_the_resend_delay_is_refused():
    ask()

    with pytest.raises(RateLimited, match="half a minute"):
        request_code(PHONE, purpose=CodePurpose.SIGN_IN, language="fr")

    assert OneTimeCode.objects.count() == 1
    assert Notification.objects.count() == 1


def test_after_the_resend_delay_a_new_code_may_be_asked():
    first, _code = ask()
    age(first, 31)
    request_code(PHONE, purpose=CodePurpose.SIGN_IN, language="fr")
    assert OneTimeCode.objects.count() == 2


def test_codes_per_contact_are_limited_per_hour():
    for _ in range(5):
        otp = request_code(PHONE, purpose=CodePurpose.SIGN_IN, language="fr")
        age(otp, 60)

    with pytest.raises(RateLimited):
        request_code(PHONE, purpose=CodePurpose.SIGN_IN, language="fr")
    assert OneTimeCode.objects.filter(target=PHONE.value).count() == 5
    assert Notification.objects.count() == 5

    # Codes older than an hour no longer count.
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    request_code(PHONE, purpose=CodePurpose.SIGN_IN, language="fr")


def test_codes_per_ip_address_are_limited_per_hour(settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_MAX_PER_IP_PER_HOUR": 3}
    for n in range(3):
        request_code(
            Contact("phone", f"+2289012345{n}"),
            purpose=CodePurpose.SIGN_IN,
            language="fr",
            client_ip="10.0.0.7",
        )

    with pytest.raises(RateLimited):
        request_code(
            Contact("phone", "+22890123459"), purpose=CodePurpose.SIGN_IN, language="fr", client_ip="10.0.0.7"
        )

    assert not OneTimeCode.objects.filter(target="+22890123459").exists()
    assert not Notification.objects.filter(recipient="+22890123459").exists()
    # Another address is not held back.
    request_code(
        Contact("phone", "+22890123459"), purpose=CodePurpose.SIGN_IN, language="fr", client_ip="10.0.0.8"
    )


def test_the_code_message_is_in_the_persons_language():
    request_code(EMAIL, purpose=CodePurpose.SIGN_IN, language="en")
    message = Notification.objects.get()
    assert message.language == "en"
    assert "code" in message.body.lower()
    assert "Ne le communiquez" not in message.body


# --- citizens -------------------------------------------------------------------------


def test_get_or_create_citizen_creates_an_account_for_a_new_phone():
    user, created = get_or_create_citizen(PHONE, language="en")

    assert created is True
    assert (user.phone, user.email, user.language, user.is_staff_member) == (PHONE.value, "", "en", False)
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(verb="account.created", target_id=str(user.pk)).count() == 1


def test_get_or_create_citizen_finds_the_same_account_again():
    user, _created = get_or_create_citizen(PHONE, language="fr")

    again, created = get_or_create_citizen(PHONE, language="fr")

    assert (again.pk, created) == (user.pk, False)
    assert User.objects.count() == 1
    assert AuditEvent.objects.filter(verb="account.created").count() == 1


def test_get_or_create_citizen_matches_an_email_whatever_its_case():
    existing = CitizenFactory(phone=None, email="Afi@Exemple.tg")

    user, created = get_or_create_citizen(EMAIL, language="fr")

    assert (user.pk, created) == (existing.pk, False)


def test_get_or_create_citizen_creates_an_account_for_a_new_email():
    user, created = get_or_create_citizen(EMAIL, language="fr")
    assert created is True
    assert (user.phone, user.email) == (None, "afi@exemple.tg")


def test_get_or_create_citizen_refuses_a_staff_members_contact():
    StaffFactory(phone=PHONE.value)
    StaffFactory(email="afi@exemple.tg")

    with pytest.raises(DomainError, match="staff"):
        get_or_create_citizen(PHONE, language="fr")
    with pytest.raises(DomainError, match="staff"):
        get_or_create_citizen(EMAIL, language="fr")
    assert User.objects.filter(is_staff_member=False).count() == 0


# --- staff ----------------------------------------------------------------------------


def test_create_staff_member_gives_roles_and_a_totp_secret():
    police = UnitFactory(code="police")
    admin_unit = UnitFactory(code="cabinet")

    agent = create_staff_member(
        username="k.agbeko",
        password="correct horse battery staple",
        first_name="Kodjo",
        last_name="Agbeko",
        email="k.agbeko@mspc.tg",
        roles=[(police, Role.AGENT)],
    )
    administrator = create_staff_member(
        username="a.admin",
        password="correct horse battery staple",
        first_name="Ama",
        last_name="Admin",
        email="a.admin@mspc.tg",
        roles=[(admin_unit, Role.ADMINISTRATOR)],
    )

    assert agent.is_staff_member
    assert agent.totp_secret
    assert not agent.is_staff  # only administrators reach the Django admin
    assert administrator.is_staff
    assert [(m.unit.code, m.role) for m in agent.memberships.all()] == [("police", Role.AGENT)]
    assert agent.check_password("correct horse battery staple")
    assert AuditEvent.objects.filter(verb="staff.created").count() == 2


def test_the_current_totp_code_signs_a_staff_member_in():
    staff = StaffFactory()

    verify_staff_totp(staff, pyotp.TOTP(staff.totp_secret).now())

    staff.refresh_from_db()
    assert staff.totp_confirmed_at is not None
    assert AuditEvent.objects.filter(verb="staff.signed_in", actor_user_id=staff.pk).count() == 1


def test_a_wrong_totp_code_is_refused():
    staff = StaffFactory()
    right = pyotp.TOTP(staff.totp_secret).now()

    with pytest.raises(CodeInvalid):
        verify_staff_totp(staff, wrong(right))

    staff.refresh_from_db()
    assert staff.totp_confirmed_at is None
    assert not AuditEvent.objects.filter(verb="staff.signed_in").exists()


def test_a_totp_code_cannot_be_replayed():
    staff = StaffFactory()
    code = pyotp.TOTP(staff.totp_secret).now()
    verify_staff_totp(staff, code)

    with pytest.raises(CodeInvalid, match="already used"):
        verify_staff_totp(staff, code)
    assert AuditEvent.objects.filter(verb="staff.signed_in").count() == 1


def test_a_staff_member_without_a_totp_secret_cannot_pass():
    staff = StaffFactory(totp_secret="")
    with pytest.raises(CodeInvalid):
        verify_staff_totp(staff, "123456")


def test_totp_tries_are_limited():
    staff = StaffFactory()
    right = pyotp.TOTP(staff.totp_secret).now()
    for _ in range(5):
        with pytest.raises(CodeInvalid):
            verify_staff_totp(staff, wrong(right))

    with pytest.raises(RateLimited):
        verify_staff_totp(staff, right)


# --- sign-in limits count failures only; failures are security events -----------------------

CITIZEN_PASSWORD = "un mot de passe solide"


def citizen_with_password() -> User:
    citizen = CitizenFactory(phone=PHONE.value)
    citizen.set_password(CITIZEN_PASSWORD)
    citizen.save()
    return citizen


def test_successful_citizen_sign_ins_never_count_against_the_limits(settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_MAX_ATTEMPTS": 1, "OTP_MAX_PER_IP_PER_HOUR": 2}
    citizen = citizen_with_password()

    for _attempt in range(6):  # a busy shared address: every one of them succeeds
        assert authenticate_citizen(PHONE, password=CITIZEN_PASSWORD, client_ip="10.0.0.1") == citizen


def test_failed_citizen_sign_ins_are_limited_even_for_the_right_password(settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_MAX_ATTEMPTS": 1}
    citizen_with_password()
    for _attempt in range(2):
        with pytest.raises(PasswordMismatch):
            authenticate_citizen(PHONE, password="wrong password", client_ip="10.0.0.1")

    with pytest.raises(RateLimited):
        authenticate_citizen(PHONE, password=CITIZEN_PASSWORD, client_ip="10.0.0.1")


def test_a_successful_citizen_sign_in_clears_the_failures_of_its_contact(settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_MAX_ATTEMPTS": 1}
    citizen = citizen_with_password()
    with pytest.raises(PasswordMismatch):
        authenticate_citizen(PHONE, password="wrong password")
    authenticate_citizen(PHONE, password=CITIZEN_PASSWORD)
    with pytest.raises(PasswordMismatch):
        authenticate_citizen(PHONE, password="wrong password")

    assert authenticate_citizen(PHONE, password=CITIZEN_PASSWORD) == citizen


def test_authenticate_staff_gives_one_answer_and_records_each_failure():
    agent = StaffFactory(username="kodjo")
    agent.set_password(CITIZEN_PASSWORD)
    agent.save()

    with pytest.raises(SignInRefused):
        authenticate_staff("kodjo", "wrong password", client_ip="10.0.0.2")
    with pytest.raises(SignInRefused):
        authenticate_staff("nobody", "wrong password", client_ip="10.0.0.2")
    assert authenticate_staff("kodjo", CITIZEN_PASSWORD, client_ip="10.0.0.2") == agent

    events = AuditEvent.objects.filter(verb="staff.sign_in_failed").order_by("id")
    assert [(e.target_id, e.data["reason"]) for e in events] == [
        (str(agent.pk), "wrong_password"),
        ("", "wrong_password"),
    ]


def test_right_totp_codes_never_count_against_the_limit(settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_MAX_ATTEMPTS": 2}
    staff = StaffFactory()
    totp = pyotp.TOTP(staff.totp_secret)
    now = timezone.now()
    # Three distinct codes all accepted (previous, current and next window).
    for offset in (-30, 0, 30):
        verify_staff_totp(staff, totp.at(now + dt.timedelta(seconds=offset)))

    assert AuditEvent.objects.filter(verb="staff.signed_in").count() == 3


def test_a_wrong_or_replayed_totp_code_is_a_security_event():
    staff = StaffFactory()
    right = pyotp.TOTP(staff.totp_secret).now()
    with pytest.raises(CodeInvalid):
        verify_staff_totp(staff, wrong(right), client_ip="10.0.0.3")
    verify_staff_totp(staff, right)
    with pytest.raises(CodeInvalid):
        verify_staff_totp(staff, right)

    events = AuditEvent.objects.filter(verb="staff.sign_in_failed").order_by("id")
    assert [(e.target_id, e.data["step"], e.data["reason"]) for e in events] == [
        (str(staff.pk), "totp", "wrong_code"),
        (str(staff.pk), "totp", "replayed_code"),
    ]
    assert events[0].data["ip"] == "10.0.0.3"
