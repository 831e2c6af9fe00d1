"""Filling in the steps, checking the answers, filing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from guichet.catalog.definition import ITEM_KEY, StepDef, group_items, split_item_path, split_slot
from guichet.catalog.forms import StepForm, typed_answers
from guichet.catalog.services import compute_fee
from guichet.catalog.validation import item_name, validate_filing
from guichet.catalog.validators import notices_for
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, TransitionNotAllowed
from guichet.dossiers.models import Dossier, DossierDocument
from guichet.dossiers.prefill import offered_answers
from guichet.dossiers.services import (
    DossierIncomplete,
    attach_document,
    remove_document,
    remove_group_item,
    save_answers,
    submit_dossier,
)
from guichet.dossiers.states import DossierState
from guichet.portal import session
from guichet.portal.display import (
    answer_sections,
    fee_lines_display,
)
from guichet.portal.forms import finish_step_form
from guichet.portal.views.common import (
    asked_step,
    first_step_url,
    language,
    step_url,
    steps_to_ask,
    with_language,
)
from guichet.portal.views.tracking import prove_ownership

S = DossierState


# --- filling in the steps ------------------------------------------------------------------


def _typed_values(data: QueryDict, step: StepDef) -> dict[str, Any]:
    """What the person typed on this step, to show it again as it was (groups as their items)."""
    return typed_answers(data, step)


def _documents_by_field(dossier: Dossier) -> dict[str, list[DossierDocument]]:
    documents: dict[str, list[DossierDocument]] = {}
    for document in dossier.documents.all():
        documents.setdefault(document.field_name, []).append(document)
    return documents


def _attach_uploads(request: HttpRequest, dossier: Dossier, actor: Actor, form: StepForm) -> None:
    """Store every chosen file at once (a file input cannot be filled again), errors on the field."""
    inputs = [(f.name, f.name) for f in form.file_fields] + form.item_uploads
    for input_name, slot in inputs:
        for upload in request.FILES.getlist(input_name):
            try:
                attach_document(dossier, actor=actor, field_name=slot, upload=upload)
            except DomainError as exc:
                form.add_error(input_name, str(exc))


def _rows(form: StepForm, documents: dict[str, list[DossierDocument]]) -> list[dict[str, Any]]:
    """What the step draws, in order: a question with its files, or a repeating group's items."""
    slots = dict(form.item_uploads)
    rows: list[dict[str, Any]] = []
    for name in form.fields:
        if name in form.groups:
            layout = form.groups[name]
            items = [
                {
                    "item": item,
                    "rows": [
                        {"field": form[path], "documents": documents.get(slots.get(path, ""), [])}
                        for path in item.names
                    ],
                }
                for item in layout.items
            ]
            rows.append({"group": layout, "field": form[name], "items": items})
        elif split_item_path(name) is None:
            rows.append({"field": form[name], "documents": documents.get(name, [])})
    return rows


def _switch_label(code: str) -> str:
    """The switch's label in the language it switches to: that is the reader who needs it."""
    with translation.override(code):
        # Translators: in each language, this names that language ("Lire cette page en français...").
        return _("Read this page in English, keeping what you typed")


def _render_step(
    request: HttpRequest, dossier: Dossier, step: StepDef, form: StepForm, *, status: int = 200
) -> HttpResponse:
    definition = dossier.definition
    steps = steps_to_ask(dossier)
    keys = [s.key for s in steps]
    position = keys.index(step.key) if step.key in keys else 0
    documents = _documents_by_field(dossier)
    back_url = (
        step_url(dossier, keys[position - 1])
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
            "rows": _rows(form, documents),
            "steps": [
                {"step": s, "url": step_url(dossier, s.key), "done": i < position}
                for i, s in enumerate(steps)
            ],
            "number": position + 1,
            "total": len(steps),
            "is_last": position == len(steps) - 1,
            "back_url": back_url,
            # Switching language from the step's own form keeps what was typed (no JavaScript needed).
            "other_languages": [
                (code, _switch_label(code)) for code, _name in settings.LANGUAGES if code != language()
            ],
        },
        status=status,
    )


def _missing_documents(dossier: Dossier, form: StepForm) -> None:
    present = set(dossier.documents.values_list("field_name", flat=True))
    message = _("Add this document: choose the file, then press Save and continue.")
    for field_def in form.file_fields:
        if field_def.name in present or field_def.name in form.errors or not field_def.required:
            continue
        if field_def.visible(dossier.answers):
            form.add_error(field_def.name, message)
    # An item's documents: the item must be stored (a blank new item is not) and ask for it.
    items = {
        item[ITEM_KEY]: item
        for group in form.groups
        for item in group_items(dossier.answers, group)
        if ITEM_KEY in item
    }
    for input_name, slot in form.item_uploads:
        field_def = dossier.definition.document_field(slot)
        item = items.get(split_slot(slot)[1])
        if item is None or slot in present or input_name in form.errors or not field_def.required:
            continue
        if field_def.visible({**dossier.answers, **item}):
            form.add_error(input_name, message)


@never_cache
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, reference: str, step_key: str) -> HttpResponse:
    """One step of the request: questions and documents; nothing typed is lost."""
    try:
        found = session.dossier_for_request(request, reference)
    except Http404:
        if request.method == "POST":
            session.stash_typed_step(request, reference, step_key)
        return prove_ownership(request, reference, session_ended=True)
    dossier = found.dossier
    if dossier.state != S.DRAFT:
        return redirect("portal:dossier", reference=dossier.reference)
    definition = dossier.definition
    try:
        current = asked_step(dossier, definition.step(step_key))
    except KeyError:
        raise Http404 from None
    if current.key not in [s.key for s in steps_to_ask(dossier)]:
        return redirect(first_step_url(dossier))

    if request.method == "GET":
        return _show_step(request, found, current)
    return _post_step(request, found, current)


def _post_step(request: HttpRequest, found: session.ApplicantDossier, current: StepDef) -> HttpResponse:
    """Save and continue; or remove a file; or switch language keeping what was typed."""
    language = request.POST.get("switch_language", "")
    if language in dict(settings.LANGUAGES):
        # Typed answers wait in the session, unjudged, while the page comes back in the other language.
        session.stash_typed_step(request, found.dossier.reference, current.key, announce=False)
        return with_language(redirect(request.get_full_path()), language)
    if "remove" in request.POST:
        return _remove_and_redisplay(request, found, current)
    if "remove_item" in request.POST:
        return _remove_item(request, found, current)
    return _save_step(request, found, current, adding=request.POST.get("add_item", ""))


def _show_step(request: HttpRequest, found: session.ApplicantDossier, current: StepDef) -> HttpResponse:
    """The step with the saved answers, what the account already knows, and what was typed there
    before a session ended or a language switch."""
    dossier = found.dossier
    offered = offered_answers(dossier.definition, found.actor)
    answers = {**{k: v for k, v in offered.items() if k not in dossier.answers}, **dossier.answers}
    kept = session.pop_typed_step(request, dossier.reference, current.key)
    if kept is not None:
        answers.update(_typed_values(kept.values, current))
    adding = request.GET.get("add", "")
    form = finish_step_form(StepForm(step=current, answers=answers, add_item=adding), dossier.definition)
    if kept is not None and kept.announce:
        messages.info(
            request, _("What you typed on this page is back. Check it, then press Save and continue.")
        )
    return _render_step(request, dossier, current, form)


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


def _remove_item(request: HttpRequest, found: session.ApplicantDossier, current: StepDef) -> HttpResponse:
    """Take an item off a group (with its files), keeping what was typed in the others."""
    dossier = found.dossier
    group, _colon, key = request.POST["remove_item"].partition(":")
    typed = {**dossier.answers, **_typed_values(request.POST, current)}
    layout_items = group_items(typed, group)
    position = next((i for i, item in enumerate(layout_items, 1) if item.get(ITEM_KEY) == key), 0)
    try:
        group_def = dossier.definition.field(group)
        remove_group_item(dossier, actor=found.actor, group=group, item=key)
    except (KeyError, DomainError):
        messages.error(request, _("This could not be removed. Reload the page and try again."))
    else:
        if group in typed:
            typed[group] = [item for item in layout_items if item.get(ITEM_KEY) != key]
        if position:
            messages.success(request, _("%(item)s was removed.") % {"item": item_name(group_def, position)})
    form = finish_step_form(StepForm(step=current, answers=typed), dossier.definition)
    return _render_step(request, dossier, current, form)


def _drop_unclaimed_files(dossier: Dossier, actor: Actor, form: StepForm) -> None:
    """Files sent with a new item that was never kept (left blank, or gone): nobody can see them."""
    for name in form.groups:
        kept = {str(item.get(ITEM_KEY)) for item in group_items(dossier.answers, name)}
        group = dossier.definition.field(name)
        slots = {f.name for f in group.fields if f.type == "file"}
        unclaimed = {
            item
            for field_name, item in map(split_slot, dossier.documents.values_list("field_name", flat=True))
            if field_name in slots and item and item not in kept
        }
        for item in sorted(unclaimed):
            remove_group_item(dossier, actor=actor, group=name, item=item)


def _save_step(
    request: HttpRequest, found: session.ApplicantDossier, current: StepDef, *, adding: str = ""
) -> HttpResponse:
    """Save and continue; or, with `adding` (a group's name), save and open one more item."""
    dossier, actor = found.dossier, found.actor
    if adding not in StepForm.group_names(current):
        adding = ""
    form = finish_step_form(
        StepForm(request.POST, request.FILES, step=current, answers=dossier.answers, add_item=adding),
        dossier.definition,
    )
    form.is_valid()
    _attach_uploads(request, dossier, actor, form)
    if not any(name not in form.upload_names for name in form.errors):
        save_answers(dossier, actor=actor, answers=form.answers_to_store())
        _missing_documents(dossier, form)
    if not form.errors:
        _drop_unclaimed_files(dossier, actor, form)
    if adding:
        group = form.groups[adding].field
        if len(group_items(dossier.answers, adding)) >= group.max_items:
            form.add_error(
                adding,
                _("You cannot add more: “%(label)s” takes at most %(max)s.")
                % {"label": str(group.label), "max": group.max_items},
            )
        elif not form.errors:
            return redirect(f"{step_url(dossier, current.key)}?add={adding}#{adding}-new")
    if form.errors:
        return _render_step(request, dossier, current, form)
    steps = [s.key for s in steps_to_ask(dossier)]
    position = steps.index(current.key) if current.key in steps else -1
    if 0 <= position < len(steps) - 1:
        return redirect(step_url(dossier, steps[position + 1]))
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
                        "url": step_url(dossier, step_def.key, f"id_{field_def.name}"),
                    }
                )
    return links


def _missing(dossier: Dossier) -> list[str]:
    """What is missing or wrong, by field name, and by item path inside a repeating group."""
    documents = {document.field_name for document in dossier.documents.all()}
    _cleaned, errors = validate_filing(dossier.definition, dossier.answers, documents=documents)
    return list(errors)


@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, reference: str) -> HttpResponse:
    """Check your answers, then file."""
    try:
        found = session.dossier_for_request(request, reference)
    except Http404:
        return prove_ownership(request, reference, session_ended=True)
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
            missing = _missing(dossier)
        else:
            return redirect("portal:confirmation", reference=dossier.reference)
    else:
        missing = _missing(dossier)
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
            "step_urls": {s.key: step_url(dossier, s.key) for s in dossier.definition.steps},
            # Said before filing, never refusing (an ECOWAS traveller needs no visa for a short stay).
            "notices": notices_for(dossier.definition.notices, dossier.answers),
        },
        status=400 if error else 200,
    )


def _receipt_text(request: HttpRequest, dossier: Dossier, receipt_code: str) -> str:
    """What the "save as a text file" link holds: enough to come back, nothing about the request."""
    return "\n".join(
        [
            _("Reference: %(reference)s") % {"reference": dossier.reference},
            _("Receipt code: %(code)s") % {"code": receipt_code},
            "",
            _("Keep both, and share them with nobody. To follow your file, go to %(url)s")
            % {"url": request.build_absolute_uri(reverse("portal:track"))},
            "",
        ]
    )


@never_cache
def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    """The reference in large type, what happens next; an anonymous filer's receipt code, once."""
    try:
        found = session.dossier_for_request(request, reference)
    except Http404:
        return prove_ownership(request, reference)
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
            "receipt_text": _receipt_text(request, dossier, receipt_code) if receipt_code else "",
            "contact": dossier.contact,
            "fee_lines": fee_lines_display(dossier.fee_lines),
        },
    )
