"""Citizen sign-in (a code sent by SMS or e-mail, or a password), profile and sign-out.

Staff accounts never sign in here: they have their own page with a second factor.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose, User
from guichet.accounts.services import authenticate_citizen, get_or_create_citizen, update_citizen_profile
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, RateLimited
from guichet.core.http import client_ip
from guichet.portal.account_forms import ContactForm, PasswordSignInForm, ProfileForm
from guichet.portal.code_flow import code_page, safe_next, send_code
from guichet.portal.session import is_staff, signed_in_user
from guichet.portal.views.common import staff_refused, with_language

SIGN_IN_PENDING_SESSION_KEY = "guichet_sign_in_pending"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next(request: HttpRequest) -> str:
    return safe_next(
        request, request.POST.get("next") or request.GET.get("next"), reverse("portal:my_dossiers")
    )


def complete_sign_in(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Sign `user` in and go on to `next_url`, in the language the person chose on this visit.

    A language switched to before signing in stays: the account's language applies only
    to someone who never chose one here.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    # login() gives the session a new key: a key known before sign-in is worth nothing after.
    login(request, user, backend=MODEL_BACKEND)
    if chosen in dict(settings.LANGUAGES):
        translation.activate(chosen)
        messages.success(request, _("You are signed in."))
        return redirect(next_url)
    response = with_language(redirect(next_url), user.language)
    messages.success(request, _("You are signed in."))
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: the phone number or e-mail address that receives a code."""
    next_url = _next(request)
    user = signed_in_user(request)
    if user is not None and not is_staff(user):
        return redirect(next_url)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact: Contact = form.cleaned_data["contact"]
        try:
            send_code(request, contact, purpose=CodePurpose.SIGN_IN)
        except RateLimited as exc:
            form.add_error("contact", str(exc))
        else:
            request.session[SIGN_IN_PENDING_SESSION_KEY] = {
                "kind": contact.kind,
                "value": contact.value,
                "next": next_url,
            }
            return redirect("accounts:sign_in_code")
    return render(
        request,
        "portal/sign_in.html",
        {
            "form": form,
            "next": next_url,
            "password_url": f"{reverse('accounts:password_sign_in')}?{urlencode({'next': next_url})}",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code; the account is created on first sign-in."""
    pending = request.session.get(SIGN_IN_PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return redirect("accounts:sign_in")
    contact = Contact(str(pending["kind"]), str(pending["value"]))
    next_url = safe_next(request, str(pending.get("next") or ""), reverse("portal:my_dossiers"))

    def confirmed() -> HttpResponse:
        request.session.pop(SIGN_IN_PENDING_SESSION_KEY, None)
        try:
            user, _created = get_or_create_citizen(contact, language=get_language() or "fr")
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("accounts:sign_in")
        return complete_sign_in(request, user, next_url)

    return code_page(
        request,
        contact=contact,
        purpose=CodePurpose.SIGN_IN,
        on_success=confirmed,
        context={
            "title": _("Type the code we sent you"),
            "sent_to": contact.masked,
            "change_url": f"{reverse('accounts:sign_in')}?{urlencode({'next': next_url})}",
        },
    )


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def password_sign_in(request: HttpRequest) -> HttpResponse:
    """For citizens who set a password in their profile."""
    next_url = _next(request)
    form = PasswordSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate_citizen(
                form.cleaned_data["contact"],
                password=form.cleaned_data["password"],
                client_ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return complete_sign_in(request, user, next_url)
    return render(
        request,
        "portal/password_sign_in.html",
        {
            "form": form,
            "next": next_url,
            "code_url": f"{reverse('accounts:sign_in')}?{urlencode({'next': next_url})}",
        },
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Names, language, and an optional password."""
    user = signed_in_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    if is_staff(user):
        return staff_refused(request)
    initial = {"first_name": user.first_name, "last_name": user.last_name, "language": user.language}
    form = ProfileForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password1"]
        update_citizen_profile(
            user,
            actor=Actor.for_user(user),
            first_name=form.cleaned_data["first_name"].strip(),
            last_name=form.cleaned_data["last_name"].strip(),
            language=form.cleaned_data["language"],
            password=password,
        )
        if password:
            # A new password changes the session's hash: keep this session signed in.
            update_session_auth_hash(request, user)
        response = with_language(redirect("accounts:profile"), user.language)
        messages.success(request, _("Your profile was saved."))
        return response
    return render(request, "portal/profile.html", {"form": form, "account": user})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session (and with it any file opened with a code)."""
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("portal:home")
