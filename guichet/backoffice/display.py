"""How the back office shows a dossier: answers by step, documents by field, timeline authors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from guichet.accounts.contacts import format_phone
from guichet.catalog.definition import ITEM_KEY, document_slot, group_items
from guichet.catalog.display import display_answer, item_answers, item_heading
from guichet.core.actors import ActorKind
from guichet.core.text import bilingual
from guichet.dossiers.models import Dossier, DossierDocument, DossierEvent, EventKind, Quote
from guichet.dossiers.services import checklist_ticks
from guichet.portal.templatetags.guichet_ui import xof


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: str
    long: bool


@dataclass(frozen=True)
class AnswerSection:
    title: str
    rows: list[AnswerRow]


def answer_sections(dossier: Dossier) -> list[AnswerSection]:
    """The answers grouped by the steps of the form, questions that did not apply left out."""
    answers = dossier.answers
    sections = []
    for step in dossier.definition.steps:
        rows = [
            AnswerRow(
                str(field.label),
                display_answer(field, answers.get(field.name)),
                # A repeating group reads one item a line (catalog decision 0018).
                field.type in {"long_text", "group"},
            )
            for field in step.fields
            if field.type != "file" and field.visible(answers)
        ]
        if rows:
            sections.append(AnswerSection(str(step.title), rows))
    return sections


@dataclass(frozen=True)
class DocumentSection:
    label: str
    required: bool
    documents: list[DossierDocument]


def document_sections(dossier: Dossier) -> list[DocumentSection]:
    """Every declared document of the service with what was uploaded for it."""
    by_field: dict[str, list[DossierDocument]] = defaultdict(list)
    for document in dossier.documents.all():
        by_field[document.field_name].append(document)
    sections = [
        DocumentSection(
            str(field.label), field.required and field.visible(dossier.answers), by_field.pop(field.name, [])
        )
        for field in dossier.definition.documents
        if field.visible(dossier.answers) or field.name in by_field
    ]
    # Each item of a repeating group has its own documents ("Traveller 2 — DOE Ama — Passport scan").
    for group in dossier.definition.fields:
        if not group.is_group or not group.visible(dossier.answers):
            continue
        for position, item in enumerate(group_items(dossier.answers, group.name), start=1):
            heading = item_heading(group, position, item)
            for inner, _text in item_answers(group, item, dossier.answers):
                if inner.type == "file":
                    slot = document_slot(inner.name, str(item.get(ITEM_KEY, "")))
                    sections.append(
                        DocumentSection(f"{heading} — {inner.label}", inner.required, by_field.pop(slot, []))
                    )
    leftovers = [document for documents in by_field.values() for document in documents]
    if leftovers:
        sections.append(DocumentSection(_("Other documents"), False, leftovers))
    return sections


@dataclass(frozen=True)
class Applicant:
    anonymous: bool
    name: str = ""
    account: str = ""
    contact: str = ""
    contact_kind: str = ""


def applicant_of(dossier: Dossier) -> Applicant:
    """Who filed, unless they chose to stay anonymous."""
    if dossier.anonymous:
        return Applicant(anonymous=True)
    user = dossier.applicant
    name = user.get_full_name() if user is not None else ""
    account = _("Citizen account") if user is not None else _("No account (contact confirmed by a code)")
    contact = ""
    if dossier.contact_kind == "phone" and dossier.contact_value:
        contact = format_phone(dossier.contact_value)
    elif dossier.contact_value:
        contact = dossier.contact_value
    return Applicant(
        anonymous=False, name=name, account=account, contact=contact, contact_kind=dossier.contact_kind
    )


APPLICANT_KINDS = frozenset(
    {ActorKind.CITIZEN, ActorKind.GUEST, ActorKind.ANONYMOUS, ActorKind.RECEIPT_HOLDER}
)


def event_author(event: DossierEvent, dossier: Dossier) -> str:
    """Staff are named; the applicant is 'the applicant' (so an anonymous one stays unnamed)."""
    if event.actor_kind == ActorKind.STAFF and event.actor_user is not None:
        return event.actor_user.display_name
    if event.actor_kind in APPLICANT_KINDS:
        return _("The applicant")
    return _("Guichet (automatic)")


@dataclass(frozen=True)
class TimelineEntry:
    event: DossierEvent
    title: str
    author: str
    internal: bool
    body: str


def _failed_points(dossier: Dossier, event: DossierEvent) -> list[str]:
    """Labels of the checklist points a refusal named."""
    keys = (event.data or {}).get("failed_points") or []
    labels = {point.key: bilingual(point.label) for point in dossier.definition.checklist}
    return [labels.get(key, key) for key in keys]


def timeline(dossier: Dossier) -> list[TimelineEntry]:
    """The whole timeline, public events and internal notes alike, oldest first."""
    entries = []
    for event in dossier.events.select_related("actor_user"):
        if event.kind == EventKind.STATE_CHANGED:
            title = _("Now: %(state)s") % {"state": event.to_state_label}
        elif event.kind == EventKind.ASSIGNED:
            title = (
                _("Assigned to %(name)s") % {"name": event.text} if event.text else _("Put back in the queue")
            )
        elif event.kind == EventKind.QUOTE_PROPOSED and event.data:
            title = _("Quote %(number)s: %(agents)s agents × %(hours)s h = %(total)s") % {
                **event.data,
                "total": xof(event.data.get("total", 0)),
            }
        else:
            title = str(EventKind(event.kind).label)
        body = "" if event.kind == EventKind.ASSIGNED else event.text
        failed = _failed_points(dossier, event)
        if failed:
            said = _("Points that failed: %(points)s") % {"points": "; ".join(failed)}
            body = f"{body}\n{said}" if body else said
        entries.append(TimelineEntry(event, title, event_author(event, dossier), not event.public, body))
    return entries


@dataclass(frozen=True)
class ChecklistRow:
    key: str
    label: str
    ticked: bool
    by: str = ""
    at: dt.datetime | None = None


def checklist(dossier: Dossier) -> list[ChecklistRow]:
    """The service's review checklist with where each point stands (who ticked it, when)."""
    ticks = checklist_ticks(dossier)
    rows = []
    for point in dossier.definition.checklist:
        tick = ticks.get(point.key)
        rows.append(
            ChecklistRow(
                key=point.key,
                label=bilingual(point.label),
                ticked=bool(tick and tick.ticked),
                by=tick.by.display_name if tick else "",
                at=tick.at if tick else None,
            )
        )
    return rows


def quotes(dossier: Dossier) -> list[Quote]:
    """Every quote of the dossier, newest first (revisions kept)."""
    return list(dossier.quotes.select_related("proposed_by").order_by("-number"))
