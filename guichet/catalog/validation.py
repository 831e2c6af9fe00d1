"""Answers checked by the catalogue: one function for the portal, the use cases and any API.

`validate_answers` runs, for each question, its field type, the validators the service file
names, whether it is required, and whether it is asked at all (`show_if`). What a form
refuses, `save_answers` and `submit_dossier` refuse too, with the same messages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from guichet.catalog.definition import FieldDef
from guichet.catalog.registries import field_error, field_types, required_error, validators
from guichet.core.text import bilingual


class HasFields(Protocol):
    @property
    def fields(self) -> tuple[FieldDef, ...]: ...


def is_empty(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _check_within(field: FieldDef, value: Any, parent: FieldDef | None, parent_value: Any) -> None:
    """A commune must belong to the prefecture answered (when that one is answered)."""
    choice = field.option(value)
    if choice is None or is_empty(parent_value) or choice.parent == str(parent_value):
        return
    parent_name = parent.choice_label(parent_value) if parent is not None else str(parent_value)
    raise field_error(
        field,
        "invalid",
        gettext_lazy("%(choice)s is not in %(parent)s: choose again"),
        choice=bilingual(choice.label),
        parent=parent_name,
    )


def validate_answers(
    definition: HasFields,
    answers: Mapping[str, Any],
    *,
    fields: Collection[str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check answers against a service definition (or one step): (stored values, errors by field).

    `fields` limits the check to some questions (a step being saved); the others' answers, and
    `context` (answers stored earlier), still decide which questions are asked. A question not
    asked stores None and cannot be wrong; documents are checked on upload, not here.
    """
    chosen = [f for f in definition.fields if f.type != "file" and (fields is None or f.name in fields)]
    by_name = {f.name: f for f in definition.fields}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    # Unconditional questions first: the conditions of the others are read on their clean answers.
    for field in sorted(chosen, key=lambda f: (f.show_if is not None, f.within is not None)):
        known = {**(context or {}), **answers, **cleaned}
        if not field.visible(known):
            cleaned[field.name] = None
            continue
        value = answers.get(field.name)
        field_type = field_types[field.type]
        try:
            if is_empty(value):
                if field.required:
                    raise required_error(field)
                cleaned[field.name] = field_type.empty
                continue
            python_value = field_type.clean(field, value)
            for name in field.validators:
                validators[name](python_value)
            if field.within is not None:
                parent = by_name.get(field.within)
                _check_within(field, python_value, parent, cleaned.get(field.within, known.get(field.within)))
        except ValidationError as exc:
            errors[field.name] = _messages(exc)
            # A wrong answer does not open or close the questions that depend on it.
            cleaned[field.name] = None
            continue
        cleaned[field.name] = field_type.to_json(python_value)
    ordered = {f.name: cleaned[f.name] for f in chosen if f.name in cleaned}
    return ordered, errors


def validate_filing(
    definition: HasFields, answers: Mapping[str, Any], *, documents: Collection[str]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a whole request before it is filed: every answer, and every required document.

    `documents` names the file fields that have a file. Returns the answers as they are to be
    stored and the errors by field, missing documents included.
    """
    cleaned, errors = validate_answers(definition, answers)
    known = {**answers, **cleaned}
    for field in definition.fields:
        if field.type == "file" and field.required and field.visible(known) and field.name not in documents:
            errors[field.name] = _messages(required_error(field))
    return cleaned, errors
