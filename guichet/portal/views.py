"""Citizen portal: the catalogue, filing a request step by step, following a file.

Views parse, call a use case of `guichet.dossiers.services`, and render. Every dossier
page finds the dossier through the identities the session holds
(`guichet.portal.session.dossier_for_request`): someone else's file answers 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.contacts import Contact
from guichet.accounts.forms import ContactForm
from guichet.accounts.models import CodePurpose
from guichet.catalog.definition import ServiceDefinition, StepDef
from guichet.catalog.forms import StepForm
from guichet.catalog.models import Service
from guichet.catalog.services import compute_fee
from guichet.core.actors import Actor, ActorKind
from guichet.core.errors import DomainError, InvalidInput, NotFound, RateLimited, TransitionNotAllowed
from guichet.core.http import client_ip
from guichet.dossiers.access import find_dossier_by_reference, get_dossier_for_receipt_holder
from guichet.dossiers.models import Dossier, DossierDocument
from guichet.dossiers.services import (
    DossierIncomplete,
    answer_information_request,
    attach_document,
    is_applicant,
    missing_answers,
    remove_document,
    save_answers,
    send_message_to_ministry,
    start_anonymous_dossier,
    start_dossier,
    submit_dossier,
    withdraw_dossier,
)
from guichet.dossiers.states import WITHDRAWABLE, DossierState
from guichet.dossiers.uploads import check_upload
from guichet.portal import session
from guichet.portal.code_flow import code_page, safe_next, send_code
from guichet.portal.display import (
    answer_sections,
    fee_lines_display,
    fee_overview,
    file_hint,
    visible_steps,
)
from guichet.portal.forms import (
    AnswerForm,
    MessageForm,
    ReceiptForm,
    StartForm,
    TrackForm,
    WithdrawForm,
    finish_step_form,
)

S = DossierState


def _language() -> str:
    return get_language() or "fr"


def _published_service(code: str) -> Service:
    return get_object_or_404(
        Service.objects.published().select_related("administration", "current_version"), code=code
    )


def _definition(service: Service) -> ServiceDefinition:
    version = service.current_version
    if version is None:  # published() excludes these; kept for the type checker
        raise Http404
    return version.definition


def _staff_refused(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/citizen_only.html", status=403)


# --- the catalogue -----------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """Every published service, grouped by administration."""
    groups: dict[int, dict[str, Any]] = {}
    english = translation.get_language() == "en"
    for service in Service.objects.published().select_related("administration", "current_version"):
        administration = service.administration
        group = groups.setdefault(
            administration.pk,
            {"name": administration.name_en if english else administration.name_fr, "services": []},
        )
        group["services"].append({"service": service, "definition": _definition(service)})
    return render(request, "portal/home.html", {"groups": list(groups.values()), "track_form": TrackForm()})


@never_cache
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    """What a service is for, who may ask, what it needs and costs; the Start button."""
    service = _published_service(code)
    definition = _definition(service)
    user = session.signed_in_user(request)
    contact = session.guest_contact(request)
    return render(
        request,
        "portal/service.html",
        {
            "service": service,
            "definition": definition,
            "documents": [(d, file_hint(d)) for d in definition.documents],
            "fee": fee_overview(definition),
            "steps": definition.steps,
            # A fresh key each time the page is drawn: a double click on Start makes one draft.
            "submission_key": uuid.uuid4(),
            "anonymous_key": uuid.uuid4(),
            "filing_as": user.display_name if user else contact.masked if contact else "",
            "is_staff": user is not None and session.is_staff(user),
        },
    )


# --- starting a request ------------------------------------------------------------------


def _first_step_url(dossier: Dossier) -> str:
    steps = visible_steps(dossier.definition, dossier.answers)
    return reverse("portal:step", kwargs={"reference": dossier.reference, "step_key": steps[0].key})


def _start(request: HttpRequest, service: Service, actor: Actor, submission_key: uuid.UUID) -> HttpResponse:
    try:
        dossier = start_dossier(service, actor=actor, language=_language(), submission_key=submission_key)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal:service", code=service.code)
    session.clear_pending_start(request)
    return redirect(_first_step_url(dossier))


def _start_anonymous(request: HttpRequest, service: Service, submission_key: uuid.UUID) -> HttpResponse:
    try:
        dossier, receipt_code = start_anonymous_dossier(
            service, language=_language(), submission_key=submission_key
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
    return redirect(_first_step_url(dossier))


@require_POST
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Open a draft for whoever files from this session, or ask them who they are first."""
    service = _published_service(code)
    definition = _definition(service)
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
            "anonymous_allowed": bool(service and _definition(service).anonymous_allowed),
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


# --- filling in the steps ------------------------------------------------------------------


def _typed_values(data: QueryDict, step: StepDef) -> dict[str, Any]:
    """What the person typed on this step, to show it again as it was."""
    typed: dict[str, Any] = {}
    for field_def in step.fields:
        if field_def.type == "file" or field_def.name not in data:
            continue
        typed[field_def.name] = (
            data.getlist(field_def.name) if field_def.type == "multi_choice" else data.get(field_def.name)
        )
    return typed


def _documents_by_field(dossier: Dossier) -> dict[str, list[DossierDocument]]:
    documents: dict[str, list[DossierDocument]] = {}
    for document in dossier.documents.all():
        documents.setdefault(document.field_name, []).append(document)
    return documents


def _step_url(dossier: Dossier, step_key: str, anchor: str = "") -> str:
    url = reverse("portal:step", kwargs={"reference": dossier.reference, "step_key": step_key})
    return f"{url}#{anchor}" if anchor else url


def _attach_uploads(request: HttpRequest, dossier: Dossier, actor: Actor, form: StepForm) -> None:
    """Store every chosen file at once (a file input cannot be filled again), errors on the field."""
    for field_def in form.file_fields:
        for upload in request.FILES.getlist(field_def.name):
            try:
                attach_document(dossier, actor=actor, field_name=field_def.name, upload=upload)
            except DomainError as exc:
                form.add_error(field_def.name, str(exc))


def _render_step(
    request: HttpRequest, dossier: Dossier, step: StepDef, form: StepForm, *, status: int = 200
) -> HttpResponse:
    definition = dossier.definition
    steps = visible_steps(definition, dossier.answers)
    keys = [s.key for s in steps]
    position = keys.index(step.key) if step.key in keys else 0
    documents = _documents_by_field(dossier)
    back_url = (
        _step_url(dossier, keys[position - 1])
        if position > 0
        else reverse("portal:service", kwargs={"code": dossier.service.code})
    )
    return render(
        request,
        "portal/step.html",
        {
            "dossier": dossier,
            "definition": definition,
            "step": step,
            "form": form,
            "rows": [{"field": form[name], "documents": documents.get(name, [])} for name in form.fields],
            "steps": [
                {"step": s, "url": _step_url(dossier, s.key), "done": i < position}
                for i, s in enumerate(steps)
            ],
            "number": position + 1,
            "total": len(steps),
            "is_last": position == len(steps) - 1,
            "back_url": back_url,
        },
        status=status,
    )


def _missing_documents(dossier: Dossier, form: StepForm) -> None:
    present = set(dossier.documents.values_list("field_name", flat=True))
    for field_def in form.file_fields:
        if field_def.name in present or field_def.name in form.errors or not field_def.required:
            continue
        if field_def.visible(dossier.answers):
            form.add_error(
                field_def.name, _("Add this document: choose the file, then press Save and continue.")
            )


@never_cache
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, reference: str, step_key: str) -> HttpResponse:
    """One step of the request: questions and documents; nothing typed is lost."""
    found = session.dossier_for_request(request, reference)
    dossier = found.dossier
    if dossier.state != S.DRAFT:
        return redirect("portal:dossier", reference=dossier.reference)
    definition = dossier.definition
    try:
        current = definition.step(step_key)
    except KeyError:
        raise Http404 from None
    if current.key not in [s.key for s in visible_steps(definition, dossier.answers)]:
        return redirect(_first_step_url(dossier))

    if request.method == "GET":
        form = finish_step_form(StepForm(step=current, answers=dossier.answers), definition)
        return _render_step(request, dossier, current, form)
    if "remove" in request.POST:
        return _remove_and_redisplay(request, found, current)
    return _save_step(request, found, current)


def _remove_and_redisplay(
    request: HttpRequest, found: session.ApplicantDossier, current: StepDef
) -> HttpResponse:
    dossier = found.dossier
    try:
        remove_document(dossier, actor=found.actor, document_id=int(request.POST["remove"]))
    except (ValueError, DomainError):
        messages.error(request, _("This file could not be removed. Reload the page and try again."))
    else:
        messages.success(request, _("The file was removed."))
    # Keep what was typed on the page, without judging it yet.
    typed = {**dossier.answers, **_typed_values(request.POST, current)}
    form = finish_step_form(StepForm(step=current, answers=typed), dossier.definition)
    return _render_step(request, dossier, current, form)


def _save_step(request: HttpRequest, found: session.ApplicantDossier, current: StepDef) -> HttpResponse:
    dossier, actor = found.dossier, found.actor
    form = finish_step_form(
        StepForm(request.POST, request.FILES, step=current, answers=dossier.answers), dossier.definition
    )
    form.is_valid()
    _attach_uploads(request, dossier, actor, form)
    file_names = form.file_fields_names
    if not any(name not in file_names for name in form.errors):
        save_answers(dossier, actor=actor, answers=form.answers_to_store())
        _missing_documents(dossier, form)
    if form.errors:
        return _render_step(request, dossier, current, form)
    steps = [s.key for s in visible_steps(dossier.definition, dossier.answers)]
    position = steps.index(current.key) if current.key in steps else -1
    if 0 <= position < len(steps) - 1:
        return redirect(_step_url(dossier, steps[position + 1]))
    return redirect("portal:check", reference=dossier.reference)


def _field_links(dossier: Dossier, names: list[str]) -> list[dict[str, str]]:
    """A link to the question on its step, for each field name."""
    links = []
    for step_def in dossier.definition.steps:
        for field_def in step_def.fields:
            if field_def.name in names:
                links.append(
                    {
                        "label": str(field_def.label),
                        "url": _step_url(dossier, step_def.key, f"id_{field_def.name}"),
                    }
                )
    return links


@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, reference: str) -> HttpResponse:
    """Check your answers, then file."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    if dossier.state != S.DRAFT:
        # A second click on "File my request" lands here: the first one did the work.
        if dossier.submitted_at is not None:
            return redirect("portal:confirmation", reference=dossier.reference)
        return redirect("portal:dossier", reference=dossier.reference)
    error = ""
    if request.method == "POST":
        try:
            submit_dossier(dossier, actor=actor)
        except DossierIncomplete as exc:
            error = str(exc)
            missing = list(exc.errors)
        except TransitionNotAllowed:
            return redirect("portal:confirmation", reference=dossier.reference)
        except DomainError as exc:
            error = str(exc)
            missing = [f.name for f in missing_answers(dossier)]
        else:
            return redirect("portal:confirmation", reference=dossier.reference)
    else:
        missing = [f.name for f in missing_answers(dossier)]
    fee_lines = fee_lines_display(
        [line.as_dict() for line in compute_fee(dossier.definition, dossier.answers)]
    )
    return render(
        request,
        "portal/check.html",
        {
            "dossier": dossier,
            "definition": dossier.definition,
            "sections": answer_sections(dossier, missing=set(missing)),
            "missing": _field_links(dossier, missing),
            "error": error,
            "fee_lines": fee_lines,
            "fee_total": sum(amount for _label, amount in fee_lines),
            "step_urls": {s.key: _step_url(dossier, s.key) for s in dossier.definition.steps},
        },
        status=400 if error else 200,
    )


@never_cache
def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    """The reference in large type, what happens next; an anonymous filer's receipt code, once."""
    found = session.dossier_for_request(request, reference)
    dossier = found.dossier
    if dossier.state == S.DRAFT:
        return redirect("portal:check", reference=dossier.reference)
    receipt_code = session.pop_receipt_code(request, dossier.reference) if dossier.anonymous else None
    return render(
        request,
        "portal/confirmation.html",
        {
            "dossier": dossier,
            "definition": dossier.definition,
            "receipt_code": receipt_code,
            "contact": dossier.contact,
            "fee_lines": fee_lines_display(dossier.fee_lines),
        },
    )


# --- following a file ---------------------------------------------------------------------


def _dossier_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    message_form: MessageForm | None = None,
    answer_form: AnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    definition = dossier.definition
    events = list(dossier.events.public().select_related("actor_user"))
    information_request = None
    if dossier.state == S.INFO_REQUESTED:
        asked = [e for e in events if e.kind == "message_to_applicant"]
        information_request = asked[-1] if asked else None
    return render(
        request,
        "portal/dossier.html",
        {
            "dossier": dossier,
            "definition": definition,
            "sections": answer_sections(dossier),
            "events": events,
            "fee_lines": fee_lines_display(dossier.fee_lines),
            "days_left": dossier.working_days_left(),
            "information_request": information_request,
            "answer_form": answer_form or AnswerForm(documents=definition.documents),
            "message_form": message_form or MessageForm(),
            "can_message": dossier.is_open and dossier.state != S.INFO_REQUESTED,
            "can_withdraw": dossier.state in WITHDRAWABLE,
            "resume_url": _resume_url(dossier) if dossier.state == S.DRAFT else "",
        },
        status=status,
    )


@never_cache
def dossier_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Where a file stands: state, due date, fee, answers, documents, the public timeline."""
    found = session.dossier_for_request(request, reference)
    return _dossier_page(request, found.dossier)


@never_cache
@require_POST
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    """The applicant answers the ministry's request for information."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    documents = dossier.definition.documents
    form = AnswerForm(request.POST, request.FILES, documents=documents)
    if form.is_valid():
        uploads: list[tuple[str, UploadedFile]] = []
        for field_def in documents:
            for upload in request.FILES.getlist(field_def.name):
                try:
                    check_upload(upload, accept=field_def.accept, max_size_mb=field_def.max_size_mb)
                except InvalidInput as exc:
                    form.add_error(field_def.name, str(exc))
                else:
                    uploads.append((field_def.name, upload))
        if not form.errors:
            try:
                answer_information_request(
                    dossier, actor=actor, message=form.cleaned_data.get("message") or "", uploads=uploads
                )
            except InvalidInput as exc:
                for name, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not exc.errors:
                    form.add_error(None, str(exc))
            except DomainError as exc:
                messages.error(request, str(exc))
                return redirect("portal:dossier", reference=dossier.reference)
            else:
                messages.success(
                    request, _("Your answer was sent. The ministry resumes the review of your file.")
                )
                return redirect("portal:dossier", reference=dossier.reference)
    return _dossier_page(request, dossier, answer_form=form, status=400)


@never_cache
@require_POST
def send_message(request: HttpRequest, reference: str) -> HttpResponse:
    """A message from the applicant to the ministry about an open file."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            send_message_to_ministry(dossier, actor=actor, message=form.cleaned_data["message"])
        except InvalidInput as exc:
            form.add_error("message", str(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("portal:dossier", reference=dossier.reference)
        else:
            messages.success(request, _("Your message was sent to the ministry."))
            return redirect(f"{reverse('portal:dossier', kwargs={'reference': dossier.reference})}#timeline")
    return _dossier_page(request, dossier, message_form=form, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask for confirmation, then withdraw the request."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    if dossier.state not in WITHDRAWABLE:
        messages.error(request, _("This request can no longer be withdrawn."))
        return redirect("portal:dossier", reference=dossier.reference)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_dossier(dossier, actor=actor, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your request was withdrawn. The ministry will not process it."))
        return redirect("portal:dossier", reference=dossier.reference)
    return render(
        request, "portal/withdraw.html", {"dossier": dossier, "definition": dossier.definition, "form": form}
    )


@never_cache
def document(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """A document of the applicant's own file, always as a download."""
    found = session.dossier_for_request(request, reference)
    item = found.dossier.documents.filter(pk=pk).first()
    if item is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _resume_url(dossier: Dossier) -> str:
    """Where a draft picks up: the first step with a question left, else the check page."""
    missing = {f.name for f in missing_answers(dossier)}
    for step_def in visible_steps(dossier.definition, dossier.answers):
        if any(f.name in missing for f in step_def.fields):
            return _step_url(dossier, step_def.key)
    return reverse("portal:check", kwargs={"reference": dossier.reference})


@never_cache
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """The files of the signed-in citizen (or the confirmed guest), drafts first."""
    user = session.signed_in_user(request)
    if user is not None and session.is_staff(user):
        return _staff_refused(request)
    contact = session.guest_contact(request)
    anonymous_refs = session.anonymous_references(request)
    if user is None and contact is None and not anonymous_refs:
        return redirect_to_login(request.get_full_path())
    actors = [Actor.for_user(user)] if user else []
    if contact is not None:
        actors.append(Actor.guest(contact.value))
    queryset = Dossier.objects.select_related("service", "service_version")
    candidates: list[Dossier] = []
    if user is not None:
        candidates += list(queryset.for_applicant(user))
    if contact is not None:
        candidates += list(queryset.filter(applicant__isnull=True, contact_value=contact.value))
    candidates += list(queryset.filter(reference__in=anonymous_refs, anonymous=True))
    anonymous_actors = [Actor(kind=ActorKind.ANONYMOUS, contact=f"dossier:{ref}") for ref in anonymous_refs]
    seen: set[int] = set()
    mine = []
    for dossier in sorted(candidates, key=lambda d: d.created_at, reverse=True):
        # The domain's rule decides what is theirs; the queries above only narrow the search.
        if dossier.pk in seen or not any(is_applicant(dossier, a) for a in [*actors, *anonymous_actors]):
            continue
        seen.add(dossier.pk)
        mine.append(dossier)
    drafts = [{"dossier": d, "resume_url": _resume_url(d)} for d in mine if d.state == S.DRAFT]
    filed = [d for d in mine if d.state != S.DRAFT]
    return render(
        request,
        "portal/my_dossiers.html",
        {"drafts": drafts, "filed": filed, "guest_contact": contact if user is None else None},
    )


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
