"""Following a file: its page, answers and messages, withdrawal, documents, my files."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from guichet.catalog.display import document_fields
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput
from guichet.core.text import bilingual
from guichet.dossiers.access import dossiers_for_applicant
from guichet.dossiers.actions import ActionName, available_actions
from guichet.dossiers.models import Dossier, DossierDocument, Quote
from guichet.dossiers.quotes import accept_quote, decline_quote, live_quote
from guichet.dossiers.services import (
    answer_information_request,
    send_message_to_ministry,
    withdraw_dossier,
)
from guichet.dossiers.states import DossierState
from guichet.portal import session
from guichet.portal.display import (
    answer_sections,
    fee_lines_display,
)
from guichet.portal.forms import (
    AnswerForm,
    MessageForm,
    WithdrawForm,
)
from guichet.portal.views.common import (
    resume_url,
    staff_refused,
)
from guichet.portal.views.tracking import prove_ownership

S = DossierState


# --- following a file ---------------------------------------------------------------------


def _dossier_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    actor: Actor,
    message_form: MessageForm | None = None,
    answer_form: AnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    definition = dossier.definition
    events = list(dossier.events.public().select_related("actor_user"))
    # The domain says what the applicant may do now; the page only shows it.
    available = available_actions(dossier, actor)
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
            "answer_form": answer_form or AnswerForm(documents=document_fields(definition, dossier.answers)),
            "message_form": message_form or MessageForm(),
            "can_answer": ActionName.PROVIDE_INFORMATION in available,
            "can_message": ActionName.WRITE_TO_MINISTRY in available
            and ActionName.PROVIDE_INFORMATION not in available,
            "can_withdraw": ActionName.WITHDRAW in available,
            "quote": _quote_shown(dossier),
            "can_answer_quote": ActionName.ACCEPT_QUOTE in available,
            "resume_url": resume_url(dossier) if dossier.state == S.DRAFT else "",
        },
        status=status,
    )


def _quote_shown(dossier: Dossier) -> dict[str, object] | None:
    """The quote the applicant is asked to answer (or has accepted), with its lines and the unit's reason."""
    quote: Quote | None = live_quote(dossier)
    if quote is None:
        return None
    differs = quote.requested_agents is not None and quote.requested_agents != quote.agents
    return {
        "quote": quote,
        "lines": [(bilingual(line["label"]), int(line["amount"])) for line in quote.lines],
        "differs": differs,
        "accepted": quote.status == "accepted",
    }


class QuoteAnswerForm(forms.Form):
    """Which quote the applicant read: a revision in between must not be accepted unseen."""

    number = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32767)
    reason = forms.CharField(
        label=gettext_lazy("Why you decline (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The unit reads it. It helps them, for your next request."),
    )


@never_cache
@require_POST
def quote_accept(request: HttpRequest, reference: str) -> HttpResponse:
    """The applicant accepts the quote they read: it becomes what they pay now."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    form = QuoteAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This quote could not be read. Reload the page and try again."))
        return redirect("portal:dossier", reference=dossier.reference)
    try:
        accept_quote(dossier, actor=actor, number=form.cleaned_data["number"])
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You accepted the quote. Pay it to have the coverage confirmed."))
    return redirect("portal:dossier", reference=dossier.reference)


@never_cache
@require_http_methods(["GET", "POST"])
def quote_decline(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask for confirmation, then decline the quote (which closes the request)."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    quote = live_quote(dossier)
    if ActionName.DECLINE_QUOTE not in available_actions(dossier, actor) or quote is None:
        messages.error(request, _("There is no quote to answer on this file."))
        return redirect("portal:dossier", reference=dossier.reference)
    form = QuoteAnswerForm(request.POST or None, initial={"number": quote.number})
    if request.method == "POST" and form.is_valid():
        try:
            decline_quote(
                dossier, actor=actor, number=form.cleaned_data["number"], reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("You declined the quote. Your request is closed."))
        return redirect("portal:dossier", reference=dossier.reference)
    return render(
        request,
        "portal/decline_quote.html",
        {"dossier": dossier, "definition": dossier.definition, "form": form, "quote": quote},
    )


@never_cache
def dossier_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Where a file stands: state, due date, fee, answers, documents, the public timeline."""
    try:
        found = session.dossier_for_request(request, reference)
    except Http404:
        # A link from a message, opened on any phone: the way to prove it is theirs, then back here.
        return prove_ownership(request, reference)
    return _dossier_page(request, found.dossier, actor=found.actor)


@never_cache
@require_POST
def answer(request: HttpRequest, reference: str) -> HttpResponse:
    """The applicant answers the ministry's request for information."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    # A repeating group's item has its own documents ("passport_scan@<key>", decision 0018).
    documents = document_fields(dossier.definition, dossier.answers)
    form = AnswerForm(request.POST, request.FILES, documents=documents)
    if form.is_valid():
        # The domain checks each file (type, size, count, re-encoding) and says which field is wrong.
        uploads: list[tuple[str, UploadedFile]] = [
            (field_def.name, upload)
            for field_def in documents
            for upload in request.FILES.getlist(field_def.name)
        ]
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
    return _dossier_page(request, dossier, actor=actor, answer_form=form, status=400)


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
    return _dossier_page(request, dossier, actor=actor, message_form=form, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask for confirmation, then withdraw the request."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    if ActionName.WITHDRAW not in available_actions(dossier, actor):
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


@never_cache
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """The files of the signed-in citizen (or the confirmed guest), drafts first."""
    user = session.signed_in_user(request)
    if user is not None and session.is_staff(user):
        return staff_refused(request)
    contact = session.guest_contact(request)
    anonymous_refs = session.anonymous_references(request)
    if user is None and contact is None and not anonymous_refs:
        return redirect_to_login(request.get_full_path())
    actors = [Actor.for_user(user)] if user else []
    if contact is not None:
        actors.append(Actor.guest(contact.value))
    actors += [Actor.receipt_holder(ref) for ref in anonymous_refs]
    mine = list(dossiers_for_applicant(*actors))
    draft_dossiers = [d for d in mine if d.state == S.DRAFT]
    # Where each draft resumes depends on its documents: one query for all of them.
    prefetch_related_objects(
        draft_dossiers,
        Prefetch("documents", queryset=DossierDocument.objects.only("dossier_id", "field_name")),
    )
    drafts = [{"dossier": d, "resume_url": resume_url(d)} for d in draft_dossiers]
    filed = [d for d in mine if d.state != S.DRAFT]
    return render(
        request,
        "portal/my_dossiers.html",
        {"drafts": drafts, "filed": filed, "guest_contact": contact if user is None else None},
    )
