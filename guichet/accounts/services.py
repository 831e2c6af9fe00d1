"""Accounts use cases: one-time codes, citizen sign-in, staff sign-in and its second factor."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose, Membership, OneTimeCode, Unit, User
from guichet.accounts.roles import Role
from guichet.audit import services as audit
from guichet.core import ratelimit, sessions
from guichet.core.actors import ANONYMOUS, SYSTEM, Actor
from guichet.core.errors import DomainError, RateLimited
from guichet.notifications.services import notify_contact

# Set in the session once a staff member has passed the TOTP step (defined with the other
# session keys in core; named here too, where the staff sign-in is).
STAFF_VERIFIED_SESSION_KEY = sessions.STAFF_VERIFIED_SESSION_KEY
# A guest's confirmed contact, kept in the session after the one-time code.
GUEST_CONTACT_SESSION_KEY = "guichet_guest_contact"


class CodeInvalid(DomainError):
    code = "code_invalid"
    default_message = _("This code is not right. Check the message we sent and type the 6 digits again.")


class CodeExpired(DomainError):
    code = "code_expired"
    default_message = _("This code has expired or was used too many times. Ask for a new code.")


def _config(key: str) -> int:
    return int(settings.GUICHET[key])


def _hash_code(target: str, code: str) -> str:
    key = f"guichet.accounts.otp:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{target}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def request_code(
    contact: Contact, *, purpose: CodePurpose, language: str, client_ip: str = "", scope: str = ""
) -> OneTimeCode:
    """Create a one-time code for `contact` and queue the message that carries it."""
    now = timezone.now()
    recent = OneTimeCode.objects.filter(target=contact.value, created_at__gt=now - dt.timedelta(hours=1))
    if recent.count() >= _config("OTP_MAX_PER_TARGET_PER_HOUR"):
        raise RateLimited()
    last = recent.order_by("-created_at").first()
    if last is not None and (now - last.created_at).total_seconds() < _config("OTP_RESEND_SECONDS"):
        raise RateLimited(_("We have just sent a code. Wait half a minute before asking for another one."))
    if client_ip:
        ratelimit.hit(f"otp-ip:{client_ip}", _config("OTP_MAX_PER_IP_PER_HOUR"))
    # One live code per contact and purpose: asking again retires the previous one.
    OneTimeCode.objects.filter(target=contact.value, purpose=purpose, consumed_at__isnull=True).update(
        consumed_at=now
    )
    code = "".join(secrets.choice("0123456789") for _i in range(_config("OTP_LENGTH")))
    otp = OneTimeCode.objects.create(
        purpose=purpose,
        target=contact.value,
        code_hash=_hash_code(contact.value, code),
        expires_at=now + dt.timedelta(seconds=_config("OTP_TTL_SECONDS")),
        scope=scope,
    )
    notify_contact(
        contact,
        "one_time_code",
        language=language,
        context={"code": code, "minutes": _config("OTP_TTL_SECONDS") // 60},
    )
    return otp


def verify_code(contact: Contact, *, purpose: CodePurpose, code: str, scope: str = "") -> None:
    """Consume the live code for `contact` if `code` matches; count a failed try otherwise."""
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(target=contact.value, purpose=purpose, scope=scope, consumed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        now = timezone.now()
        if otp is None or otp.expires_at <= now or otp.attempts >= _config("OTP_MAX_ATTEMPTS"):
            raise CodeExpired()
        cleaned = "".join(ch for ch in code if ch.isdigit())
        if hmac.compare_digest(otp.code_hash, _hash_code(contact.value, cleaned)):
            otp.consumed_at = now
            otp.save(update_fields=["consumed_at"])
            return
        otp.attempts += 1
        otp.save(update_fields=["attempts"])
        tries_left = _config("OTP_MAX_ATTEMPTS") - otp.attempts
    if tries_left <= 0:
        raise CodeExpired()
    raise CodeInvalid(
        _("This code is not right. Check the message and try again (%(n)s tries left).") % {"n": tries_left}
    )


@transaction.atomic
def get_or_create_citizen(contact: Contact, *, language: str) -> tuple[User, bool]:
    """The citizen account for a confirmed contact, created on first sign-in."""
    lookup = {"phone": contact.value} if contact.kind == "phone" else {"email__iexact": contact.value}
    user = User.objects.filter(**lookup, is_staff_member=False).first()
    if user is not None:
        return user, False
    if User.objects.filter(**lookup).exists():
        # A staff account uses this contact: staff sign in with their own page.
        raise DomainError(_("This contact belongs to a staff account. Use the staff sign-in page."))
    user = User(
        username=f"c-{secrets.token_hex(8)}",
        phone=contact.value if contact.kind == "phone" else None,
        email=contact.value if contact.kind == "email" else "",
        language=language,
    )
    user.set_unusable_password()
    user.save()
    audit.record(Actor.for_user(user), "account.created", user, {"contact_kind": contact.kind})
    return user, True


@transaction.atomic
def update_citizen_profile(
    user: User, *, actor: Actor, first_name: str, last_name: str, language: str, password: str = ""
) -> User:
    """Change a citizen's name, language and, optionally, set a password."""
    user.first_name, user.last_name, user.language = first_name, last_name, language
    if password:
        user.set_password(password)
    user.save()
    audit.record(actor, "account.updated", user, {"password_set": bool(password)})
    return user


class PasswordMismatch(DomainError):
    code = "password_mismatch"
    default_message = _(
        "This phone number or e-mail and this password do not match. Check them, or sign in with a code instead."
    )


def authenticate_citizen(contact: Contact, *, password: str, client_ip: str = "") -> User:
    """The citizen account holding `contact` and `password`; one answer for every failure.

    Only failures count against the limits: a person who signs in often is never locked
    out, nor are the neighbours sharing their address.
    """
    contact_key, ip_key = f"pwd:{contact.value}", f"pwd-ip:{client_ip}"
    contact_limit, ip_limit = _config("OTP_MAX_ATTEMPTS") * 2, _config("OTP_MAX_PER_IP_PER_HOUR")
    if ratelimit.exceeded(contact_key, contact_limit) or (client_ip and ratelimit.exceeded(ip_key, ip_limit)):
        raise RateLimited()
    lookup = {"phone": contact.value} if contact.kind == "phone" else {"email__iexact": contact.value}
    user = User.objects.filter(**lookup, is_staff_member=False, is_active=True).first()
    if user is None or not user.has_usable_password():
        # Hash anyway so the answer takes as long whether or not the account exists.
        User().set_password(password)
        user = None
    if user is None or not user.check_password(password):
        ratelimit.count(contact_key, window_seconds=900)
        if client_ip:
            ratelimit.count(ip_key, window_seconds=3600)
        raise PasswordMismatch()
    ratelimit.reset(contact_key)
    audit.record(Actor.for_user(user), "account.signed_in", user, {"method": "password"})
    return user


# --- staff sign-in: a password, then a TOTP code -------------------------------------------

# Failed staff passwords are counted per username and per address for this long.
STAFF_SIGN_IN_WINDOW_SECONDS = 15 * 60


class SignInRefused(DomainError):
    code = "sign_in_refused"
    default_message = _("The username or password is wrong.")


def _staff_sign_in_keys(username: str, client_ip: str) -> tuple[str, str]:
    # Hashed: what a person types must never become a raw cache key.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"staff-sign-in:user:{name}", f"staff-sign-in:ip:{client_ip}"


def _record_staff_sign_in_failure(user: User | None, *, step: str, reason: str, client_ip: str) -> None:
    """A security event: who was tried (if the account exists), at which step, from where.

    What was typed is never kept: a password typed in the username field must not land in the log.
    """
    audit.record(ANONYMOUS, "staff.sign_in_failed", user, {"step": step, "reason": reason, "ip": client_ip})


def authenticate_staff(username: str, password: str, *, client_ip: str) -> User:
    """The staff account for `username` and `password` (first step); one answer for every failure.

    Only failures count: once a username or an address has too many in the window, even
    the right password is refused until the window ends. A success clears the username's count.
    """
    user_key, ip_key = _staff_sign_in_keys(username, client_ip)
    user_limit = _config("STAFF_SIGN_IN_MAX_FAILURES")
    ip_limit = _config("STAFF_SIGN_IN_MAX_FAILURES_PER_IP")
    known = User.objects.filter(username=username, is_staff_member=True).first()
    if ratelimit.exceeded(user_key, user_limit) or ratelimit.exceeded(ip_key, ip_limit):
        _record_staff_sign_in_failure(known, step="password", reason="rate_limited", client_ip=client_ip)
        raise RateLimited(_("Too many failed attempts. Wait 15 minutes, then try again."))
    user = authenticate(None, username=username, password=password)
    # A citizen who set a password, an inactive account, a wrong password: the same answer.
    if not isinstance(user, User) or not user.is_staff_member:
        for key in (user_key, ip_key):
            ratelimit.count(key, window_seconds=STAFF_SIGN_IN_WINDOW_SECONDS)
        _record_staff_sign_in_failure(known, step="password", reason="wrong_password", client_ip=client_ip)
        raise SignInRefused()
    ratelimit.reset(user_key)
    return user


@transaction.atomic
def create_staff_member(
    *,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    email: str,
    roles: list[tuple[Unit, Role]],
    actor: Actor = SYSTEM,
    superuser: bool = False,
) -> User:
    """A staff account with its roles and a fresh TOTP secret to enrol in an authenticator app."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff_member=True,
        totp_secret=pyotp.random_base32(),
    )
    # Django admin access; a superuser holds every right there, whatever the units (platform operators only).
    user.is_staff = superuser or any(role == Role.ADMINISTRATOR for _unit, role in roles)
    user.is_superuser = superuser
    user.set_password(password)
    user.save()
    for unit, role in roles:
        Membership.objects.create(user=user, unit=unit, role=role)
    audit.record(
        actor,
        "staff.created",
        user,
        {"roles": [f"{role}@{unit.code}" for unit, role in roles], "superuser": superuser},
    )
    return user


def totp_for(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(user.totp_secret)


def totp_uri(user: User) -> str:
    return totp_for(user).provisioning_uri(name=user.username, issuer_name=settings.GUICHET["TOTP_ISSUER"])


def verify_staff_totp(user: User, code: str, *, client_ip: str = "") -> None:
    """Check a staff member's second factor; a code is accepted once (replays refused).

    Failed tries are counted and recorded in the audit log; a right code is not counted.
    """
    key = f"totp:{user.pk}"
    if ratelimit.exceeded(key, _config("OTP_MAX_ATTEMPTS")):
        _record_staff_sign_in_failure(user, step="totp", reason="rate_limited", client_ip=client_ip)
        raise RateLimited()
    cleaned = "".join(ch for ch in code if ch.isdigit())
    # pyotp refuses to build a TOTP on an empty secret: test for it first.
    if not user.totp_secret or not totp_for(user).verify(cleaned, valid_window=1):
        ratelimit.count(key, window_seconds=300)
        _record_staff_sign_in_failure(user, step="totp", reason="wrong_code", client_ip=client_ip)
        raise CodeInvalid(_("This code is not right. Type the 6 digits your authenticator app shows now."))
    if not cache.add(f"totp-used:{user.pk}:{cleaned}", 1, timeout=90):
        ratelimit.count(key, window_seconds=300)
        _record_staff_sign_in_failure(user, step="totp", reason="replayed_code", client_ip=client_ip)
        raise CodeInvalid(_("This code was already used. Wait for the next one in your authenticator app."))
    ratelimit.reset(key)
    with transaction.atomic():
        if user.totp_confirmed_at is None:
            user.totp_confirmed_at = timezone.now()
            user.save(update_fields=["totp_confirmed_at"])
        audit.record(Actor.for_user(user), "staff.signed_in", user, {"ip": client_ip})


def record_staff_sign_out(user: User, *, client_ip: str = "") -> None:
    """A staff member ended their session: a security event in the audit log."""
    audit.record(Actor.for_user(user), "staff.signed_out", user, {"ip": client_ip})
