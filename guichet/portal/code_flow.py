"""The "type the code we sent" page, shared by sign-in, guest filing and file tracking."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose
from guichet.accounts.services import CodeInvalid, request_code, verify_code
from guichet.core.errors import DomainError
from guichet.core.http import client_ip
from guichet.portal.account_forms import CodeForm


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """`candidate` if it is a local address of this site, else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def send_code(request: HttpRequest, contact: Contact, *, purpose: CodePurpose, scope: str = "") -> None:
    """Queue a code for `contact`; raises RateLimited with a message to show."""
    request_code(
        contact, purpose=purpose, language=get_language() or "fr", client_ip=client_ip(request), scope=scope
    )


def code_page(
    request: HttpRequest,
    *,
    contact: Contact | None,
    purpose: CodePurpose,
    on_success: Callable[[], HttpResponse],
    context: dict[str, object],
    scope: str = "",
    tell_nothing: bool = False,
) -> HttpResponse:
    """Show the code form; check the code; resend on demand.

    `contact` is None when the code went nowhere (a tracking reference that does not
    exist). With `tell_nothing`, every miss, refusal and resend answers in the same words
    whether or not a code went somewhere, so the page says nothing about the reference.
    """
    form = CodeForm()
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                if contact is not None:
                    send_code(request, contact, purpose=purpose, scope=scope)
            except DomainError as exc:
                if not tell_nothing:
                    messages.error(request, str(exc))
                    return redirect(request.get_full_path())
            if tell_nothing:
                messages.success(
                    request, _("If the reference exists, we sent a new code. It replaces the previous one.")
                )
            else:
                messages.success(request, _("We sent a new code. It replaces the previous one."))
            return redirect(request.get_full_path())
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                if contact is None:
                    raise CodeInvalid()
                verify_code(contact, purpose=purpose, code=form.cleaned_data["code"], scope=scope)
            except DomainError as exc:
                form.add_error(
                    "code",
                    _(
                        "This code does not open this file. Check the code and the reference, "
                        "or ask for a new code."
                    )
                    if tell_nothing
                    else str(exc),
                )
            else:
                return on_success()
    return render(request, "portal/code.html", {"form": form, **context})
