"""Tracking a file by its reference, then proving a right to it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from guichet.accounts.models import CodePurpose
from guichet.core.errors import NotFound, RateLimited
from guichet.core.http import client_ip
from guichet.dossiers.access import find_dossier_by_reference, get_dossier_for_receipt_holder
from guichet.dossiers.states import DossierState
from guichet.portal import session
from guichet.portal.code_flow import code_page, send_code
from guichet.portal.forms import (
    ReceiptForm,
    TrackForm,
)

S = DossierState


# --- tracking a file by its reference -----------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Type a reference; prove a right to it the way it was filed (account, code, receipt)."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        try:
            session.dossier_for_request(request, reference)
        except Http404:
            pass
        else:
            return redirect("portal:dossier", reference=reference)
        dossier = find_dossier_by_reference(reference)
        dossier_url = reverse("portal:dossier", kwargs={"reference": reference})
        if dossier is not None and dossier.applicant_id is not None:
            return render(
                request,
                "portal/track.html",
                {
                    "form": form,
                    "account_holder": True,
                    "sign_in_url": f"{reverse('accounts:sign_in')}?{urlencode({'next': dossier_url})}",
                },
            )
        request.session[session.TRACK_SESSION_KEY] = {"reference": reference}
        if dossier is not None and dossier.anonymous:
            return redirect("portal:track_receipt")
        if dossier is not None and dossier.contact is not None:
            try:
                send_code(request, dossier.contact, purpose=CodePurpose.DOSSIER_ACCESS, scope=reference)
            except RateLimited as exc:
                form.add_error("reference", str(exc))
                return render(request, "portal/track.html", {"form": form}, status=429)
        # Unknown references get the same answer as real ones: nothing is learnt by guessing.
        return redirect("portal:track_code")
    return render(request, "portal/track.html", {"form": form}, status=400 if form.errors else 200)


def _tracked_reference(request: HttpRequest) -> str | None:
    data = request.session.get(session.TRACK_SESSION_KEY)
    return str(data["reference"]) if isinstance(data, dict) and data.get("reference") else None


@never_cache
@require_http_methods(["GET", "POST"])
def track_code(request: HttpRequest) -> HttpResponse:
    """The code sent to the contact given when filing opens the file for a while."""
    reference = _tracked_reference(request)
    if reference is None:
        return redirect("portal:track")
    dossier = find_dossier_by_reference(reference)
    guest_filed = dossier is not None and dossier.applicant_id is None and not dossier.anonymous
    contact = dossier.contact if dossier is not None and guest_filed else None

    def confirmed() -> HttpResponse:
        if contact is None:  # code_page never calls back without a contact
            raise Http404
        request.session.pop(session.TRACK_SESSION_KEY, None)
        session.remember_guest_contact(request, contact)
        return redirect("portal:dossier", reference=reference)

    return code_page(
        request,
        contact=contact,
        purpose=CodePurpose.DOSSIER_ACCESS,
        scope=reference,
        on_success=confirmed,
        context={
            "title": _("Type the code we sent"),
            "lead": _(
                "If the reference %(reference)s exists, we sent a code to the phone number or e-mail address "
                "given when the request was filed."
            )
            % {"reference": reference},
            "change_url": reverse("portal:track"),
            "change_label": _("Type another reference"),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def track_receipt(request: HttpRequest) -> HttpResponse:
    """An anonymous filer comes back with the receipt code shown when they filed."""
    reference = _tracked_reference(request)
    if reference is None:
        return redirect("portal:track")
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
            return redirect("portal:dossier", reference=reference)
    return render(
        request,
        "portal/track_receipt.html",
        {"form": form, "reference": reference},
        status=400 if form.errors else 200,
    )
