"""How a service definition and a dossier's answers read on a page (no rules here)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from guichet.catalog.definition import (
    ITEM_KEY,
    FieldDef,
    ServiceDefinition,
    StepDef,
    document_slot,
    group_items,
    item_path,
)
from guichet.catalog.display import display_answer, file_size, item_answers, item_heading, kinds_list
from guichet.catalog.display import file_hint as catalogue_file_hint
from guichet.core.text import bilingual, current_language
from guichet.dossiers.models import Dossier, DossierDocument, DossierEvent, EventKind
from guichet.dossiers.states import DossierState as S


def is_asked(field_def: FieldDef, *, anonymous: bool = False) -> bool:
    """Whether the question is put at all: someone who chose anonymity is not asked whether they sign."""
    return not (anonymous and field_def.anonymous_answer is not None)


def step_is_visible(step: StepDef, answers: dict[str, Any], *, anonymous: bool = False) -> bool:
    """A step is shown when at least one of its questions may be asked, given earlier answers."""
    fields = [f for f in step.fields if is_asked(f, anonymous=anonymous)]
    local = {f.name for f in fields}
    return any(f.show_if is None or f.show_if.field in local or f.visible(answers) for f in fields)


def visible_steps(
    definition: ServiceDefinition, answers: dict[str, Any], *, anonymous: bool = False
) -> list[StepDef]:
    """The steps a person goes through; pass `anonymous=dossier.anonymous` to skip identity questions."""
    return [step for step in definition.steps if step_is_visible(step, answers, anonymous=anonymous)]


def value_display(field_def: FieldDef, value: Any) -> str:
    """An answer as the person would say it (see guichet.catalog.display)."""
    return display_answer(field_def, value)


def condition_hint(definition: ServiceDefinition, field_def: FieldDef) -> str:
    """Says when a conditional question applies, for pages read without JavaScript."""
    if field_def.show_if is None:
        return ""
    try:
        controller = definition.field(field_def.show_if.field)
    except KeyError:
        return ""
    if controller.type == "yes_no":
        labels = [_("Yes") if v == "yes" else _("No") for v in field_def.show_if.values]
    else:
        labels = [controller.choice_label(v) for v in field_def.show_if.values]
    return _("Only if you answered “%(answer)s” to “%(question)s”.") % {
        "answer": " / ".join(labels),
        "question": str(controller.label),
    }


def file_hint(field_def: FieldDef) -> str:
    """What a file field accepts, sizes written the reader's way ("5 MB", "5 Mo")."""
    return catalogue_file_hint(field_def) + "."


def upload_attributes(field_def: FieldDef) -> dict[str, str]:
    """What the browser checks before sending a file (guichet.js), with the messages it shows.

    The server checks again whatever the browser says; this only spares a slow network a
    file that would be refused.
    """
    return {
        "accept": accept_attribute(field_def),
        "data-max-bytes": str(int(field_def.max_size_mb * 1024 * 1024)),
        "data-too-big": _(
            "This file is larger than %(size)s. Choose a smaller file, or scan it at a lower resolution."
        )
        % {"size": file_size(field_def.max_size_mb)},
        "data-wrong-kind": _("This file is not accepted here. Choose a %(kinds)s file.")
        % {"kinds": kinds_list(field_def.accept)},
        "data-sending": _("Sending your files…"),
        "data-failed": _(
            "The connection was lost and your files were not sent. Check your connection and try again."
        ),
    }


ACCEPT_ATTRIBUTE = {"pdf": ".pdf,application/pdf", "jpeg": ".jpg,.jpeg,image/jpeg", "png": ".png,image/png"}


def accept_attribute(field_def: FieldDef) -> str:
    kinds = field_def.accept or ("pdf", "jpeg", "png")
    return ",".join(ACCEPT_ATTRIBUTE[k] for k in kinds if k in ACCEPT_ATTRIBUTE)


@dataclass
class AnswerItem:
    """One item of a repeating group on "check your answers": its title, anchor and answers."""

    title: str
    anchor: str
    rows: list[AnswerRow]


@dataclass
class AnswerRow:
    field: FieldDef
    value: str
    documents: list[DossierDocument]
    missing: bool
    items: list[AnswerItem] = dataclasses.field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.field.label)

    @property
    def is_file(self) -> bool:
        return self.field.type == "file"

    @property
    def is_long(self) -> bool:
        return self.field.type == "long_text"


@dataclass
class AnswerSection:
    step: StepDef
    rows: list[AnswerRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.step.title)

    @property
    def key(self) -> str:
        return self.step.key


def answer_sections(dossier: Dossier, *, missing: set[str] | None = None) -> list[AnswerSection]:
    """Every question the applicant was asked, step by step, with their answer or documents."""
    missing = missing or set()
    answers = dossier.answers
    documents: dict[str, list[DossierDocument]] = {}
    for document in dossier.documents.all():
        documents.setdefault(document.field_name, []).append(document)
    sections = []
    for step in visible_steps(dossier.definition, answers, anonymous=dossier.anonymous):
        section = AnswerSection(step)
        for field_def in step.fields:
            if not field_def.visible(answers) or not is_asked(field_def, anonymous=dossier.anonymous):
                continue
            if field_def.is_group:
                section.rows.append(_group_row(field_def, answers, documents, missing))
                continue
            section.rows.append(
                AnswerRow(
                    field=field_def,
                    value=""
                    if field_def.type == "file"
                    else value_display(field_def, answers.get(field_def.name)),
                    documents=documents.get(field_def.name, []),
                    missing=field_def.name in missing,
                )
            )
        sections.append(section)
    return sections


def _group_row(
    group: FieldDef, answers: dict[str, Any], documents: dict[str, list[DossierDocument]], missing: set[str]
) -> AnswerRow:
    """A repeating group: each item with its answers and documents, a missing one flagged."""
    items = []
    for position, item in enumerate(group_items(answers, group.name), start=1):
        key = str(item.get(ITEM_KEY, ""))
        rows = [
            AnswerRow(
                field=inner,
                value="" if inner.type == "file" else text,
                documents=documents.get(document_slot(inner.name, key), []),
                missing=item_path(group.name, key, inner.name) in missing,
            )
            for inner, text in item_answers(group, item, answers)
        ]
        items.append(AnswerItem(item_heading(group, position, item), f"item-{group.name}-{key}", rows))
    return AnswerRow(field=group, value="", documents=[], missing=group.name in missing, items=items)


def fee_lines_display(lines: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Stored or computed fee lines as (label in the reader's language, amount)."""
    return [(bilingual(line["label"]), int(line["amount"])) for line in lines]


# --- a dossier as the applicant reads it: the outcome first, then the story ----------------------


@dataclass(frozen=True)
class DossierStatus:
    """What the top of the dossier page says: the outcome, the ministry's words, what comes next."""

    title: str
    words_label: str = ""  # introduces the ministry's (or the applicant's) own words
    words: str = ""
    next_steps: tuple[str, ...] = ()
    answer_below: bool = False  # the page holds a form the applicant must fill now
    # Checklist points a refusal named: (point, what the applicant can do about it).
    failed_points: tuple[tuple[str, str], ...] = ()


def _last_state_change(events: list[DossierEvent], state: str) -> DossierEvent | None:
    for event in reversed(events):
        if event.kind == EventKind.STATE_CHANGED and event.to_state == state:
            return event
    return None


def _information_request(events: list[DossierEvent]) -> DossierEvent | None:
    """The ministry's message that asked for the information still awaited."""
    asked = None
    for event in events:
        if event.kind == EventKind.MESSAGE_TO_APPLICANT:
            asked = event
        if event.kind == EventKind.STATE_CHANGED and event.to_state == S.INFO_REQUESTED:
            return asked
    return asked


def _how_we_tell_you(dossier: Dossier) -> str:
    contact = dossier.contact
    if contact is None:
        return _("Come back with your reference and receipt code: the ministry cannot send you messages.")
    return _("We will send a message to %(where)s when there is news.") % {"where": contact.masked}


def _failed_points(dossier: Dossier, event: DossierEvent | None) -> tuple[tuple[str, str], ...]:
    """The checklist points a refusal named, each with the service's advice (if it gives one)."""
    keys = (event.data or {}).get("failed_points") or [] if event is not None else []
    if not keys:
        return ()
    points = {point.key: point for point in dossier.definition.checklist}
    return tuple(
        (bilingual(points[key].label), bilingual(points[key].advice) if points[key].advice else "")
        for key in keys
        if key in points
    )


def _quote_status(
    dossier: Dossier, state: str, decision: DossierEvent | None, note: str
) -> DossierStatus | None:
    """What the top of the page says at the quote's steps (None elsewhere)."""
    if state == S.QUOTE_PROPOSED:
        return DossierStatus(
            _("The ministry proposes a quote"),
            next_steps=(
                _("Read the quote below, then accept or decline it."),
                _("The time limit is paused until you answer."),
            ),
            answer_below=True,
        )
    if state == S.QUOTE_DECLINED:
        return DossierStatus(
            _("You declined the quote"),
            words_label=_("Your reason:") if note else "",
            words=note,
            next_steps=(_("This file is now closed. You may file a new request at any time."),),
        )
    if state == S.AWAITING_PAYMENT and decision is not None and decision.from_state == S.QUOTE_PROPOSED:
        return DossierStatus(
            _("You accepted the quote: it is waiting for payment"),
            next_steps=(
                _("The unit confirms the coverage once the payment of %(amount)s is received.")
                % {"amount": money(dossier.fee_total)},
                _how_we_tell_you(dossier),
            ),
        )
    return None


def dossier_status(dossier: Dossier, events: list[DossierEvent]) -> DossierStatus:  # noqa: PLR0911 - one answer per state
    """The outcome of the request in plain words, for the top of its page."""
    state = str(dossier.state)
    decision = _last_state_change(events, state)
    note = decision.text if decision is not None else ""
    if state == S.DRAFT:
        return DossierStatus(
            _("This request is a draft: the ministry has not received it yet."),
            next_steps=(_("Answer the remaining questions, check your answers, then file the request."),),
        )
    if state == S.INFO_REQUESTED:
        asked = _information_request(events)
        return DossierStatus(
            _("The ministry needs more information from you"),
            words_label=_("The ministry asks:") if asked else "",
            words=asked.text if asked else "",
            next_steps=(
                _("Answer below, with a document if one is asked for."),
                _("The time limit is paused until you answer."),
            ),
            answer_below=True,
        )
    quoted = _quote_status(dossier, state, decision, note)
    if quoted is not None:
        return quoted
    if state == S.AWAITING_PAYMENT:
        return DossierStatus(
            _("Your request is waiting for payment"),
            next_steps=(
                _("The review starts once the payment of %(amount)s is received.")
                % {"amount": money(dossier.fee_total)},
                _how_we_tell_you(dossier),
            ),
        )
    if state in {S.SUBMITTED, S.PAID, S.IN_REVIEW}:
        return DossierStatus(
            _("The ministry is reviewing your request"),
            next_steps=(_("You have nothing to do for now."), _how_we_tell_you(dossier)),
        )
    if state == S.ANSWERED:
        return DossierStatus(
            _("The ministry answered you"),
            words_label=_("The ministry’s answer:") if note else "",
            words=note,
            next_steps=(_("This file is now closed. To add something, make a new request."),),
        )
    if state == S.APPROVED:
        return DossierStatus(
            _("Your request was approved"),
            words_label=_("The ministry’s note:") if note else "",
            words=note,
            next_steps=(_("The ministry now prepares your document. We will tell you when it is issued."),),
        )
    if state == S.ISSUED:
        # Issuing follows approval at once and carries no words: the approval's note stays shown.
        approval = _last_state_change(events, S.APPROVED)
        note = note or (approval.text if approval is not None else "")
        return DossierStatus(
            _("Your request was approved and your document was issued"),
            words_label=_("The ministry’s note:") if note else "",
            words=note,
        )
    if state == S.REJECTED:
        return DossierStatus(
            _("Your request was refused"),
            words_label=_("The reason given by the ministry:") if note else "",
            words=note,
            failed_points=_failed_points(dossier, decision),
            next_steps=(
                _(
                    "If your situation changes, or if you can give what was missing, you may file a new request."
                ),
            ),
        )
    if state == S.WITHDRAWN:
        return DossierStatus(
            _("You withdrew this request"),
            words_label=_("Your reason:") if note else "",
            words=note,
            next_steps=(_("The ministry will not process it. You may file a new request at any time."),),
        )
    if state == S.REVOKED:
        return DossierStatus(
            _("Your document was revoked"),
            words_label=_("The reason given by the ministry:") if note else "",
            words=note,
            next_steps=(_("It is no longer valid. Do not use it."),),
        )
    if state == S.EXPIRED:
        return DossierStatus(
            _("Your document has expired"),
            next_steps=(_("It is no longer valid. File a new request if you still need it."),),
        )
    return DossierStatus(str(dossier.get_state_display()))


def money(amount: int) -> str:
    """A whole amount of CFA francs, grouped the way the reader's language groups digits."""
    grouped = f"{int(amount):,}"
    if current_language() != "en":
        grouped = grouped.replace(",", "\u202f")
    return f"{grouped}\u00a0FCFA"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the history: a sentence with its date, and the words written, if any."""

    kind: str
    sentence: SafeString
    text: str = ""


def _on(message: str, when: Any, **values: str) -> SafeString:
    """`message` with its %(date)s drawn as a <time> element, day first, and other values escaped."""
    local = timezone.localtime(when)
    date = format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%d/%m/%Y"))
    escaped = {key: conditional_escape(value) for key, value in values.items()}
    # The message is escaped before the values, themselves escaped, are put in.
    return mark_safe(conditional_escape(message) % {"date": date, **escaped})  # noqa: S308


STATE_SENTENCES: dict[str, Callable[[], str]] = {
    S.SUBMITTED: lambda: _("You filed your request on %(date)s."),
    S.AWAITING_PAYMENT: lambda: _("Your request has been waiting for payment since %(date)s."),
    S.PAID: lambda: _("Your payment was received on %(date)s."),
    S.IN_REVIEW: lambda: _("The ministry began reviewing your request on %(date)s."),
    S.INFO_REQUESTED: lambda: _("The ministry asked you for more information on %(date)s."),
    S.QUOTE_PROPOSED: lambda: _("The ministry proposed a quote on %(date)s."),
    S.QUOTE_DECLINED: lambda: _("You declined the quote on %(date)s."),
    S.APPROVED: lambda: _("The ministry approved your request on %(date)s."),
    S.ISSUED: lambda: _("Your document was issued on %(date)s."),
    S.REJECTED: lambda: _("The ministry refused your request on %(date)s."),
    S.ANSWERED: lambda: _("The ministry answered you on %(date)s."),
    S.REVOKED: lambda: _("Your document was revoked on %(date)s."),
    S.EXPIRED: lambda: _("Your document expired on %(date)s."),
    S.WITHDRAWN: lambda: _("You withdrew your request on %(date)s."),
}


def _state_sentence(event: DossierEvent, previous: str, said_before: str) -> SafeString | None:
    """How a change of state is told, or None when the line before already told it."""
    state = event.to_state
    if state == S.IN_REVIEW and previous == S.INFO_REQUESTED:
        if said_before == "answer":
            return None  # "You answered the ministry" already says the review resumed
        return _on(_("The review resumed on %(date)s."), event.created_at)
    if state == S.QUOTE_PROPOSED and said_before == "quote":
        return None  # the quote's own line already says it
    if state == S.AWAITING_PAYMENT and previous == S.QUOTE_PROPOSED:
        return _on(_("You accepted the quote on %(date)s; it is waiting for payment."), event.created_at)
    if state in STATE_SENTENCES:
        return _on(STATE_SENTENCES[state](), event.created_at)
    return _on(_("%(state)s on %(date)s."), event.created_at, state=event.to_state_label)


def _quote_entry(event: DossierEvent) -> TimelineEntry:
    """A quote set or revised, with its figures and the unit's reason."""
    figures = event.data or {}
    sentence = _on(
        _("The ministry set a quote on %(date)s: %(agents)s agents for %(hours)s hours, %(total)s."),
        event.created_at,
        agents=str(figures.get("agents", "")),
        hours=str(figures.get("hours", "")),
        total=money(int(figures.get("total", 0))),
    )
    return TimelineEntry("quote", sentence, event.text)


def timeline_entries(events: list[DossierEvent]) -> list[TimelineEntry]:
    """The public events as sentences a person would say ("The ministry asked you ... on 03/12/2026")."""
    entries: list[TimelineEntry] = []
    state, question = str(S.DRAFT), ""
    for index, event in enumerate(events):
        following = events[index + 1] if index + 1 < len(events) else None
        if event.kind == EventKind.STATE_CHANGED:
            previous, state = state, event.to_state
            sentence = _state_sentence(event, previous, entries[-1].kind if entries else "")
            if sentence is None:
                continue
            entries.append(TimelineEntry("state", sentence, event.text or question))
            question = ""
        elif event.kind == EventKind.MESSAGE_TO_APPLICANT:
            if (
                following is not None
                and following.kind == EventKind.STATE_CHANGED
                and following.to_state == S.INFO_REQUESTED
            ):
                question = event.text  # told with the state change that follows
                continue
            entries.append(
                TimelineEntry(
                    "ministry", _on(_("The ministry wrote to you on %(date)s."), event.created_at), event.text
                )
            )
        elif event.kind == EventKind.MESSAGE_FROM_APPLICANT:
            if state == S.INFO_REQUESTED:
                sentence = _on(_("You answered the ministry on %(date)s."), event.created_at)
                entries.append(TimelineEntry("answer", sentence, event.text))
            else:
                sentence = _on(_("You wrote to the ministry on %(date)s."), event.created_at)
                entries.append(TimelineEntry("applicant", sentence, event.text))
        elif event.kind == EventKind.QUOTE_PROPOSED:
            entries.append(_quote_entry(event))
        elif event.kind == EventKind.DOCUMENT_ADDED:
            sentence = _on(
                _("You added the document “%(name)s” on %(date)s."), event.created_at, name=event.text
            )
            entries.append(TimelineEntry("document", sentence))
    return entries
