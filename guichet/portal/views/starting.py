"""Starting a request: a draft for the filer, or first the guest's code."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose
from guichet.catalog.models import Service
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, RateLimited
from guichet.dossiers.services import (
    start_anonymous_dossier,
    start_dossier,
)
from guichet.dossiers.states import DossierState
from guichet.portal import session
from guichet.portal.account_forms import ContactForm
from guichet.portal.code_flow import code_page, safe_next, send_code
from guichet.portal.forms import StartForm
from guichet.portal.views.common import (
    definition_of,
    first_step_url,
    language,
    published_service,
)

S = DossierState


# --- starting a request ------------------------------------------------------------------


def _start(request: HttpRequest, service: Service, actor: Actor, submission_key: uuid.UUID) -> HttpResponse:
    try:
        dossier = start_dossier(service, actor=actor, language=language(), submission_key=submission_key)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal:service", code=service.code)
    session.clear_pending_start(request)
    return redirect(first_step_url(dossier))


def _start_anonymous(request: HttpRequest, service: Service, submission_key: uuid.UUID) -> HttpResponse:
    try:
        dossier, receipt_code = start_anonymous_dossier(
            service, language=language(), submission_key=submission_key
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal:service", code=service.code)
    if receipt_code is not None:
        session.grant_anonymous_dossier(request, dossier.reference)
        session.keep_receipt_code(request, dossier.reference, receipt_code)
    elif dossier.reference not in session.anonymous_references(request):
        raise Http404  # a replayed key from another session
    session.clear_pending_start(request)
    return redirect(first_step_url(dossier))


@require_POST
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Open a draft for whoever files from this session, or ask them who they are first."""
    service = published_service(code)
    definition = definition_of(service)
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong with this page. Press “Start now” again."))
        return redirect("portal:service", code=code)
    submission_key = form.cleaned_data["submission_key"]
    if form.cleaned_data["anonymous"] and definition.anonymous_allowed:
        return _start_anonymous(request, service, submission_key)
    actor = session.filer(request)
    if actor is not None:
        return _start(request, service, actor, submission_key)
    session.remember_pending_start(request, code, submission_key)
    service_url = reverse("portal:service", kwargs={"code": code})
    if definition.account_required:
        return redirect_to_login(service_url)
    return redirect(f"{reverse('portal:identify')}?{urlencode({'next': service_url})}")


@never_cache
@require_http_methods(["GET", "POST"])
def identify(request: HttpRequest) -> HttpResponse:
    """A guest gives a phone number or an e-mail address to receive a code."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("portal:home"))
    if session.filer(request) is not None:
        return redirect(next_url)
    pending = session.pending_start(request)
    service = Service.objects.published().filter(code=pending[0]).first() if pending else None
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.cleaned_data["contact"]
        try:
            send_code(request, contact, purpose=CodePurpose.GUEST)
        except RateLimited as exc:
            form.add_error("contact", str(exc))
        else:
            request.session[session.PENDING_CONTACT_SESSION_KEY] = {
                "kind": contact.kind,
                "value": contact.value,
                "next": next_url,
            }
            return redirect("portal:identify_code")
    return render(
        request,
        "portal/identify.html",
        {
            "form": form,
            "next": next_url,
            "service": service,
            "anonymous_allowed": bool(service and definition_of(service).anonymous_allowed),
            "submission_key": pending[1] if pending else None,
            "sign_in_url": f"{reverse('accounts:sign_in')}?{urlencode({'next': next_url})}",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def identify_code(request: HttpRequest) -> HttpResponse:
    """The guest types the code; then the request they started opens."""
    pending = request.session.get(session.PENDING_CONTACT_SESSION_KEY)
    if not isinstance(pending, dict):
        return redirect("portal:identify")
    contact = Contact(str(pending["kind"]), str(pending["value"]))
    next_url = safe_next(request, str(pending.get("next") or ""), reverse("portal:home"))

    def confirmed() -> HttpResponse:
        request.session.pop(session.PENDING_CONTACT_SESSION_KEY, None)
        session.remember_guest_contact(request, contact)
        waiting = session.pending_start(request)
        if waiting is not None:
            service = Service.objects.published().filter(code=waiting[0]).first()
            if service is not None:
                return _start(request, service, Actor.guest(contact.value), waiting[1])
        return redirect(next_url)

    return code_page(
        request,
        contact=contact,
        purpose=CodePurpose.GUEST,
        on_success=confirmed,
        context={
            "title": _("Type the code we sent you"),
            "sent_to": contact.masked,
            "change_url": f"{reverse('portal:identify')}?{urlencode({'next': next_url})}",
        },
    )
