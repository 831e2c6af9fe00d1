"""How an answer, or a question's file limits, read on a page (portal or back office)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from phonenumbers import NumberParseException

from guichet.accounts.contacts import format_phone
from guichet.catalog.definition import (
    ITEM_KEY,
    FieldDef,
    ServiceDefinition,
    document_slot,
    group_items,
    list_choices,
)
from guichet.catalog.registries import field_types
from guichet.core.text import bilingual, current_language


def country_name(code: str) -> str:
    """A country's name in the reader's language, from its ISO code."""
    for choice in list_choices("countries"):
        if choice.value == code:
            return bilingual(choice.label)
    return code


def _phone(value: Any) -> str:
    try:
        return format_phone(str(value))
    except NumberParseException:
        return str(value)


# Answers whose stored value is not what a person reads; they need the field's choices.
_READABLE: dict[str, Callable[[FieldDef, Any], str]] = {
    "choice": lambda field, value: field.choice_label(value),
    "multi_choice": lambda field, value: ", ".join(field.choice_label(item) for item in value),
    "country": lambda field, value: field.choice_label(value),
    "phone": lambda _field, value: _phone(value),
}


def item_heading(group: FieldDef, position: int, item: dict[str, Any]) -> str:
    """An item named for a reader: "Traveller 2 — DOE John" (its `item_summary` answers)."""
    from guichet.catalog.validation import item_name  # deferred: validation imports the definition

    names = [
        display_answer(inner, item.get(inner.name))
        for inner in group.fields
        if inner.name in group.item_summary and item.get(inner.name) not in (None, "", [])
    ]
    title = item_name(group, position)
    return f"{title} — {' '.join(names)}" if names else title


def item_answers(group: FieldDef, item: dict[str, Any], known: dict[str, Any]) -> list[tuple[FieldDef, str]]:
    """An item's questions that apply, with their answers as read (documents left to the caller)."""
    item_known = {**known, **item}
    return [
        (inner, display_answer(inner, item.get(inner.name)))
        for inner in group.fields
        if inner.visible(item_known)
    ]


def _group_text(field: FieldDef, value: Any) -> str:
    """A repeating group in one text: each item on its own line with its answers."""
    lines = []
    for position, item in enumerate(group_items({"items": value}, "items"), start=1):
        answers = [
            f"{bilingual(inner.label)}: {text}"
            for inner, text in item_answers(field, item, {})
            if inner.type != "file" and text
        ]
        lines.append(f"{item_heading(field, position, item)}: " + "; ".join(answers))
    return "\n".join(lines)


def display_answer(field: FieldDef, value: Any) -> str:
    """An answer as a person says it: choice labels, dates dd/mm/yyyy, Yes/No, country names, phones."""
    if value in (None, "", []):
        return ""
    if field.is_group:
        return _group_text(field, value)
    readable = _READABLE.get(field.type)
    return readable(field, value) if readable is not None else field_types[field.type].display(value)


# --- file limits -------------------------------------------------------------------------

# How the kinds a file field accepts are called; the keys are dossiers.uploads.KINDS.
KIND_NAMES = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}
DEFAULT_KINDS = ("pdf", "jpeg", "png")


def file_size(megabytes: float) -> str:
    """A size written the way the reader's language writes it: "5 MB", "5 Mo", "2,5 Mo"."""
    number = f"{megabytes:g}"
    if current_language() == "fr":
        number = number.replace(".", ",")
    # Translators: a file size in megabytes; French writes "Mo".
    return _("%(size)s MB") % {"size": number}


def kinds_list(accept: tuple[str, ...]) -> str:
    """The kinds of file accepted, as a sentence says them: "PDF, JPEG or PNG"."""
    names = [KIND_NAMES.get(kind, kind.upper()) for kind in (accept or DEFAULT_KINDS)]
    if len(names) == 1:
        return names[0]
    return _("%(kinds)s or %(last)s") % {"kinds": ", ".join(names[:-1]), "last": names[-1]}


def file_hint(field: FieldDef) -> str:
    """What a file field accepts: "PDF, JPEG or PNG, 5 MB at most" / "PDF, JPEG ou PNG, 5 Mo au plus"."""
    return _("%(kinds)s, %(size)s at most") % {
        "kinds": kinds_list(field.accept),
        "size": file_size(field.max_size_mb),
    }


def document_slots(definition: ServiceDefinition, answers: dict[str, Any]) -> list[tuple[str, str, FieldDef]]:
    """Every document a dossier may hold now: (slot, how it is named, file field).

    A step's document fields, then each repeating-group item's ("Traveller 2 — DOE Ama —
    Passport scan", slot "passport_scan@<key>"), so a page asking for a document can offer an
    item's too and attach it with `attach_document(field_name=slot)`.
    """
    slots = [(f.name, bilingual(f.label), f) for f in definition.documents]
    for group in definition.fields:
        if not group.is_group or not group.visible(answers):
            continue
        for position, item in enumerate(group_items(answers, group.name), start=1):
            heading = item_heading(group, position, item)
            for inner, _text in item_answers(group, item, answers):
                if inner.type == "file":
                    slot = document_slot(inner.name, str(item.get(ITEM_KEY, "")))
                    slots.append((slot, f"{heading} — {bilingual(inner.label)}", inner))
    return slots


def document_fields(definition: ServiceDefinition, answers: dict[str, Any]) -> tuple[FieldDef, ...]:
    """The file fields of `document_slots` as fields named by their slot, labelled in both languages.

    For a form that offers every document at once (answering a request for information): an
    item's document is asked as "Traveller 2 — DOE Ama — Passport scan".
    """
    from django.utils import translation

    from guichet.catalog.definition import Text

    labels: dict[str, dict[str, str]] = {}
    fields: dict[str, FieldDef] = {}
    for language in ("fr", "en"):
        with translation.override(language):
            for slot, label, field in document_slots(definition, answers):
                labels.setdefault(slot, {})[language] = label
                fields[slot] = field
    return tuple(
        dataclasses.replace(field, name=slot, label=Text(**labels[slot])) for slot, field in fields.items()
    )
