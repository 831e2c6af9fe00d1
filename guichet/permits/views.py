"""Permit pages: the PDF for the applicant and for the unit's staff, revocation, the signed trust list."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.roles import Permission
from guichet.backoffice.decorators import StaffRequest, not_found, staff_required
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput, NotFound
from guichet.dossiers import services as dossiers
from guichet.dossiers.access import get_dossier_for_staff
from guichet.dossiers.models import Dossier
from guichet.permits import services
from guichet.permits.documents import permit_pdf
from guichet.permits.models import Permit
from guichet.permits.trust import trust_list_bytes
from guichet.portal import session
from guichet.portal.views.common import resume_url


def _pdf_response(permit: Permit) -> HttpResponse:
    response = HttpResponse(permit_pdf(permit), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="permis-{permit.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _permit_of(dossier: Dossier, number: str) -> Permit | None:
    return (
        Permit.objects.select_related("dossier", "unit")
        .filter(dossier=dossier, number=number.upper())
        .first()
    )


def _applicant_permit(
    request: HttpRequest, reference: str, number: str
) -> tuple[session.ApplicantDossier, Permit]:
    """The applicant's file (as the portal finds it) and its permit `number`; 404 for anyone else."""
    found = session.dossier_for_request(request, reference)
    permit = _permit_of(found.dossier, number)
    if permit is None:
        raise Http404
    return found, permit


@never_cache
@require_GET
def applicant_pdf(request: HttpRequest, reference: str, number: str) -> HttpResponse:
    """The permit's PDF, for the applicant of its file only (404 for anyone else)."""
    _found, permit = _applicant_permit(request, reference, number)
    return _pdf_response(permit)


@never_cache
@require_GET
@staff_required(Permission.VIEW)
def staff_pdf(request: StaffRequest, reference: str, number: str) -> HttpResponseBase:
    """The permit's PDF for the staff of the unit in charge (every download recorded)."""
    try:
        dossier = get_dossier_for_staff(request.staff, reference)
    except NotFound:
        return not_found(request)
    permit = _permit_of(dossier, number)
    if permit is None:
        return not_found(request)
    dossiers.record_staff_read(dossier, actor=Actor.for_user(request.staff), what="permit")
    return _pdf_response(permit)


@never_cache
@require_POST
def renew(request: HttpRequest, reference: str, number: str) -> HttpResponse:
    """The applicant renews an expired permit: a new request, prefilled, to check and file."""
    found, permit = _applicant_permit(request, reference, number)
    try:
        draft = services.renew_permit(permit, actor=found.actor, language=get_language() or "fr")
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal:dossier", reference=found.dossier.reference)
    messages.success(
        request,
        _(
            "A new request is ready with the answers of your permit. Check them, add the documents, then file it."
        ),
    )
    return redirect(resume_url(draft))


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the revocation"),
        help_text=gettext_lazy(
            "The holder reads it. Say what was found, e.g. a forged vehicle registration."
        ),
        max_length=services.MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": gettext_lazy("Give the reason for the revocation: the holder will read it."),
            "max_length": gettext_lazy("Write the reason in at most %(limit_value)d characters."),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(Permission.VIEW)
def revoke(request: StaffRequest, reference: str, number: str) -> HttpResponseBase:
    """A supervisor of the issuing unit revokes a permit, with a reason; anyone else gets 404."""
    try:
        dossier = get_dossier_for_staff(request.staff, reference)
    except NotFound:
        return not_found(request)
    permit = _permit_of(dossier, number)
    if permit is None or not services.is_supervisor_of(request.staff, permit):
        return not_found(request)
    form = RevokeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_permit(
                permit, actor=Actor.for_user(request.staff), reason=form.cleaned_data["reason"]
            )
        except InvalidInput as exc:
            form.add_error("reason", str(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("backoffice:dossier", reference=dossier.reference)
        else:
            messages.success(
                request,
                _("Permit %(number)s is revoked. Verifiers show it as revoked from their next trust list.")
                % {"number": permit.number},
            )
            return redirect("backoffice:dossier", reference=dossier.reference)
    if form.errors:
        status = 400
    return render(
        request, "permits/revoke.html", {"dossier": dossier, "permit": permit, "form": form}, status=status
    )


@require_GET
def trust_list(request: HttpRequest) -> HttpResponse:
    """The signed trust list (decision 0027): public keys, revoked permits, signed by the root key."""
    response = HttpResponse(trust_list_bytes(), content_type="application/json")
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"  # public data, signed: any checker's tool may fetch it
    return response
