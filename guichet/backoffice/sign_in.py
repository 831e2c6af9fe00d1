"""Staff sign-in: a password, then the code of an authenticator app (TOTP).

Between the two steps the session holds only the id of the pending staff member, for
five minutes; the person is signed in (and the session key rotated) only once the
code is right.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.models import Membership, User
from guichet.accounts.roles import Role
from guichet.accounts.services import (
    STAFF_VERIFIED_SESSION_KEY,
    authenticate_staff,
    record_staff_sign_out,
    totp_uri,
    verify_staff_totp,
)
from guichet.backoffice.sign_in_forms import StaffSignInForm, TotpForm
from guichet.core.errors import DomainError
from guichet.core.http import client_ip

PENDING_SESSION_KEY = "guichet_staff_pending"
PENDING_SECONDS = 5 * 60


def verified_staff(request: HttpRequest) -> User | None:
    """The active staff member who passed both steps in this session, if any."""
    user = request.user
    if (
        isinstance(user, User)
        and user.is_active
        and user.is_staff_member
        and request.session.get(STAFF_VERIFIED_SESSION_KEY) is True
    ):
        return user
    return None


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("backoffice:queue")


def _home_for(user: User) -> str:
    """Where a staff member lands when no page was asked: inspectors who only inspect have no
    dossier queue to work in, so they start in the inspection unit's inbox."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if roles == {Role.INSPECTOR}:
        return reverse("denunciations:inspection")
    return reverse("backoffice:queue")


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url != reverse("backoffice:queue") else url


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("since", 0)) > PENDING_SECONDS:
        del request.session[PENDING_SESSION_KEY]
        return None
    user_id = pending.get("user_id")
    if not isinstance(user_id, int):
        return None
    return User.objects.filter(pk=user_id, is_active=True, is_staff_member=True).first()


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """First step: username and password of a staff account."""
    next_url = _next_url(request)
    if verified_staff(request) is not None:
        return redirect(next_url)
    form = StaffSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate_staff(
                form.cleaned_data["username"], form.cleaned_data["password"], client_ip=client_ip(request)
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            # A fresh session key for the half-signed-in state, so a planted session id is worth nothing.
            request.session.cycle_key()
            request.session[PENDING_SESSION_KEY] = {"user_id": user.pk, "since": time.time()}
            return redirect(_with_next(reverse("backoffice:totp"), next_url))
    return render(request, "backoffice/sign_in.html", {"form": form, "next": next_url})


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def totp(request: HttpRequest) -> HttpResponse:
    """Second step: the 6-digit code of the authenticator app; only then is the person signed in."""
    next_url = _next_url(request)
    user = _pending_user(request)
    if user is None:
        messages.info(
            request, _("Enter your username and password again: the code must be typed within 5 minutes.")
        )
        return redirect(_with_next(reverse("backoffice:sign_in"), next_url))
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verify_staff_totp(user, form.cleaned_data["code"], client_ip=client_ip(request))
        except DomainError as exc:
            form.add_error("code", str(exc))
        else:
            del request.session[PENDING_SESSION_KEY]
            login(
                request, user, backend="django.contrib.auth.backends.ModelBackend"
            )  # rotates the session key
            request.session[STAFF_VERIFIED_SESSION_KEY] = True
            return redirect(_home_for(user) if next_url == reverse("backoffice:queue") else next_url)
    context: dict[str, object] = {"form": form, "next": next_url, "staff_name": user.display_name}
    if user.totp_confirmed_at is None and user.totp_secret:
        # First sign-in: the account is not in an authenticator app yet, so show how to add it.
        context["enrol_qr"] = segno.make(totp_uri(user), error="m").svg_data_uri(scale=5, border=2)
        secret = user.totp_secret
        context["enrol_secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "backoffice/totp.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the staff session (and forget any half-finished sign-in)."""
    staff = verified_staff(request)
    if staff is not None:
        record_staff_sign_out(staff, client_ip=client_ip(request))
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("backoffice:sign_in")
