"""Tracking a file by its reference, then proving a right to it.

Until the person proves the file is theirs, every reference (missing, filed by a guest,
held by an account, anonymous) gets the same pages, words, status codes and limits: the
denunciation module relies on it. A code goes to the contact the file is reachable at, if
any; the receipt code is the anonymous filer's own choice of path, never the site's.
"""

from __future__ import annotations

import contextlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose
from guichet.core import ratelimit
from guichet.core.actors import Actor, ActorKind
from guichet.core.errors import DomainError, NotFound, RateLimited
from guichet.core.http import client_ip
from guichet.dossiers.access import find_dossier_by_reference, get_dossier_for_receipt_holder
from guichet.dossiers.models import Dossier
from guichet.portal import session
from guichet.portal.code_flow import code_page, safe_next, send_code
from guichet.portal.forms import ReceiptForm, TrackForm
from guichet.portal.views.sign_in import complete_sign_in

# Tracking tries per address and hour, counted alike for every reference.
TRACK_ATTEMPTS_PER_HOUR = 30


def _dossier_url(reference: str) -> str:
    return reverse("portal:dossier", kwargs={"reference": reference})


def _next(request: HttpRequest, reference: str) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), _dossier_url(reference))


def proof_contact(dossier: Dossier | None) -> Contact | None:
    """Where a code proving a right to `dossier` goes: the account's contact, or the guest's."""
    if dossier is None or dossier.anonymous:
        return None
    user = dossier.applicant
    if user is not None:
        if not user.is_active or Actor.for_user(user).kind != ActorKind.CITIZEN:
            return None  # a closed account, or staff (who never sign in here)
        return (
            Contact("phone", user.phone)
            if user.phone
            else Contact("email", user.email)
            if user.email
            else None
        )
    return dossier.contact


def _tracked(request: HttpRequest) -> tuple[str, str] | None:
    data = request.session.get(session.TRACK_SESSION_KEY)
    if not isinstance(data, dict) or not data.get("reference"):
        return None
    reference = str(data["reference"])
    return reference, safe_next(request, str(data.get("next") or ""), _dossier_url(reference))


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Type a reference; prove a right to it with a code sent to its contact, or a receipt code."""
    form = TrackForm(request.POST or None, initial={"reference": request.GET.get("reference", "")})
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        next_url = _next(request, reference)
        try:
            session.dossier_for_request(request, reference)
        except Http404:
            pass
        else:
            return redirect(next_url)
        try:
            ratelimit.hit(
                f"track-ip:{client_ip(request) or 'unknown'}",
                TRACK_ATTEMPTS_PER_HOUR,
                message=_(
                    "Too many references were typed from this connection. Wait an hour, then try again."
                ),
            )
        except RateLimited as exc:
            form.add_error("reference", str(exc))
            return render(request, "portal/track.html", {"form": form, "next": next_url}, status=400)
        contact = proof_contact(find_dossier_by_reference(reference))
        if contact is not None:
            # The next page says "if the reference exists": a limit reached here must not say more.
            with contextlib.suppress(DomainError):
                send_code(request, contact, purpose=CodePurpose.DOSSIER_ACCESS, scope=reference)
        request.session[session.TRACK_SESSION_KEY] = {"reference": reference, "next": next_url}
        return redirect("portal:track_code")
    return render(
        request,
        "portal/track.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def track_code(request: HttpRequest) -> HttpResponse:
    """The code sent to the file's contact opens it (and signs in the account that holds it)."""
    tracked = _tracked(request)
    if tracked is None:
        return redirect("portal:track")
    reference, next_url = tracked
    dossier = find_dossier_by_reference(reference)
    contact = proof_contact(dossier)

    def confirmed() -> HttpResponse:
        if dossier is None or contact is None:  # code_page never calls back without a contact
            raise Http404
        request.session.pop(session.TRACK_SESSION_KEY, None)
        if dossier.applicant is not None:
            # The code reached the account's own phone or address: that is a sign-in.
            return complete_sign_in(request, dossier.applicant, next_url)
        session.remember_guest_contact(request, contact)
        return redirect(next_url)

    return code_page(
        request,
        contact=contact,
        purpose=CodePurpose.DOSSIER_ACCESS,
        scope=reference,
        on_success=confirmed,
        tell_nothing=True,
        context={
            "title": _("Type the code we sent"),
            "lead": _(
                "If the reference %(reference)s exists, we sent a code to the phone number or e-mail "
                "address it was filed with (for a file held by an account: the account's)."
            )
            % {"reference": reference},
            "change_url": reverse("portal:track"),
            "change_label": _("Type another reference"),
            "receipt_url": reverse("portal:track_receipt"),
            "sign_in_url": f"{reverse('accounts:sign_in')}?{urlencode({'next': next_url})}",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def track_receipt(request: HttpRequest) -> HttpResponse:
    """An anonymous filer comes back with the receipt code shown when they filed."""
    tracked = _tracked(request)
    if tracked is None:
        return redirect("portal:track")
    reference, next_url = tracked
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            get_dossier_for_receipt_holder(
                reference, form.cleaned_data["receipt_code"], client_ip=client_ip(request)
            )
        except RateLimited as exc:
            form.add_error("receipt_code", str(exc))
        except NotFound:
            form.add_error(
                "receipt_code",
                _(
                    "This receipt code does not match this reference. Check both, character by character, and try again."
                ),
            )
        else:
            request.session.pop(session.TRACK_SESSION_KEY, None)
            request.session.cycle_key()
            session.grant_anonymous_dossier(request, reference)
            return redirect(next_url)
    return render(
        request,
        "portal/track_receipt.html",
        {"form": form, "reference": reference},
        status=400 if form.errors else 200,
    )


def prove_ownership(request: HttpRequest, reference: str, *, session_ended: bool = False) -> HttpResponse:
    """What a link to a file this session cannot open answers, for any reference: how to prove it is theirs."""
    return render(
        request,
        "portal/prove_ownership.html",
        {
            "form": TrackForm(initial={"reference": reference}),
            "next": request.get_full_path(),
            "session_ended": session_ended,
            "kept_typing": session_ended and request.method == "POST",
        },
        # Not found, as for anyone else's file; the page still says how to open it if it is theirs.
        status=404,
    )
