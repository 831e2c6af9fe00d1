"""Answers checked by the catalogue: one function for the portal, the use cases and any API.

`validate_answers` runs, for each question, its field type, the validators the service file
names, whether it is required, and whether it is asked at all (`show_if`). What a form
refuses, `save_answers` and `submit_dossier` refuse too, with the same messages.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from guichet.catalog.definition import (
    ITEM_KEY,
    ITEM_KEY_PATTERN,
    FieldDef,
    document_slot,
    item_path,
    new_item_key,
    split_item_path,
)
from guichet.catalog.registries import field_error, field_types, fold, required_error, validators
from guichet.catalog.validators import answer_rules
from guichet.core.text import bilingual

__all__ = ["document_slot", "is_empty", "item_name", "validate_answers", "validate_filing"]


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


def _clean_value(field: FieldDef, value: Any) -> Any:
    """One answer checked by its field type and validators (raises ValidationError), as stored."""
    field_type = field_types[field.type]
    if is_empty(value):
        if field.required:
            raise required_error(field)
        return field_type.empty
    python_value = field_type.clean(field, value)
    for name in field.validators:
        validators[name](python_value)
    return python_value


def validate_answers(
    definition: HasFields,
    answers: Mapping[str, Any],
    *,
    fields: Collection[str] | None = None,
    context: Mapping[str, Any] | None = None,
    summarise_items: bool = True,
    check_counts: bool = True,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check answers against a service definition (or one step): (stored values, errors by field).

    `fields` limits the check to some questions (a step being saved); the others' answers, and
    `context` (answers stored earlier), still decide which questions are asked. A question not
    asked stores None and cannot be wrong; documents are checked on upload, not here.

    A repeating group's answer is a list of items (dicts); each stored item keeps its `_key`.
    An item's wrong answer is reported under its item path ("travellers-<key>-surname", see
    definition.item_path) and, unless `summarise_items` is false, also under the group's name
    ("Traveller 2: Enter “Surname”"), so code that knows only the steps' fields sees it too.
    `check_counts=False` leaves out min_items / max_items (while a person is still adding items).
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
        if field.is_group:
            cleaned[field.name], group_errors = _validate_group(
                field, value, known, summarise_items=summarise_items, check_counts=check_counts
            )
            errors.update(group_errors)
            continue
        try:
            python_value = _clean_value(field, value)
            if field.within is not None and not is_empty(value):
                parent = by_name.get(field.within)
                _check_within(field, python_value, parent, cleaned.get(field.within, known.get(field.within)))
        except ValidationError as exc:
            errors[field.name] = _messages(exc)
            # A wrong answer does not open or close the questions that depend on it.
            cleaned[field.name] = None
            continue
        cleaned[field.name] = field_types[field.type].to_json(python_value)
    rules = getattr(definition, "rules", ())
    if rules:
        known = {**(context or {}), **answers, **cleaned}
        _check_rules(definition, rules, known, fields, errors, summarise_items=summarise_items)
    ordered = {f.name: cleaned[f.name] for f in chosen if f.name in cleaned}
    return ordered, errors


def _check_rules(
    definition: HasFields,
    rules: tuple[str, ...],
    known: Mapping[str, Any],
    fields: Collection[str] | None,
    errors: dict[str, list[str]],
    *,
    summarise_items: bool,
) -> None:
    """The service's rules over several answers (catalog.validators.answer_rules).

    A rule's error is kept for the questions being checked (a step saves its own) and only where
    the question has no error of its own; an item's error is also said under its group (unless
    `summarise_items` is false, as for a step's form, which shows it beside the item's field).
    """
    by_name = {f.name: f for f in definition.fields}
    for name in rules:
        for path, messages in answer_rules[name](known).items():
            split = split_item_path(path)
            top = split[0] if split else path
            if (fields is not None and top not in fields) or path in errors or top not in by_name:
                continue
            errors[path] = list(messages)
            if split and summarise_items:
                keys = [item.get(ITEM_KEY) for item in known.get(top) or () if isinstance(item, Mapping)]
                position = keys.index(split[1]) + 1 if split[1] in keys else len(keys)
                group = by_name[top]
                errors.setdefault(top, []).extend(_about_item(group, position, m) for m in messages)


# --- repeating groups ------------------------------------------------------------------------


@dataclass(frozen=True)
class _ItemFields:
    fields: tuple[FieldDef, ...]


def item_name(group: FieldDef, position: int) -> str:
    """How an item is called on a page: "Traveller 2" / "Voyageur 2" (position counts from 1)."""
    label = bilingual(group.item_label) if group.item_label is not None else bilingual(group.label)
    return f"{label} {position}"


def _about_item(group: FieldDef, position: int, message: str) -> str:
    """A message about one item, said with the item: "Traveller 2: Enter “Surname”"."""
    # Translators: French puts a non-breaking space before the colon.
    return gettext("%(item)s: %(message)s") % {"item": item_name(group, position), "message": message}


def _item_key(raw: Mapping[str, Any]) -> str:
    key = raw.get(ITEM_KEY)
    return key if isinstance(key, str) and ITEM_KEY_PATTERN.fullmatch(key) else new_item_key()


def _same(value: Any) -> str:
    """How two answers are compared for `unique`: case, accents, spaces and dashes aside."""
    return re.sub(r"[\s\-./]", "", fold(str(value)))


def _validate_group(
    group: FieldDef, value: Any, context: Mapping[str, Any], *, summarise_items: bool, check_counts: bool
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """A repeating group's items checked one by one, then together (count, unique answers)."""
    errors: dict[str, list[str]] = {}
    summary: list[str] = []
    raw_items = value if isinstance(value, list | tuple) else []
    items: list[dict[str, Any]] = []
    # Items beyond the maximum and one are not checked one by one: "too many" is said anyway,
    # and a forged list of 10,000 items would otherwise take minutes.
    for position, raw in enumerate(raw_items[: group.max_items + 1], start=1):
        raw_item = raw if isinstance(raw, Mapping) else {}
        key = _item_key(raw_item)
        item_answers = {k: v for k, v in raw_item.items() if k != ITEM_KEY}
        cleaned, item_errors = validate_answers(_ItemFields(group.fields), item_answers, context=context)
        for name, messages in item_errors.items():
            errors[item_path(group.name, key, name)] = messages
            summary.extend(_about_item(group, position, message) for message in messages)
        items.append({ITEM_KEY: key, **cleaned})
    group_messages = _count_errors(group, len(raw_items)) if check_counts else []
    for name in group.unique:
        for path, message in _duplicates(group, items, name):
            errors.setdefault(path, []).append(message)
            group_messages.append(message)
    if group_messages or (summary and summarise_items):
        errors[group.name] = group_messages + (summary if summarise_items else [])
    return items, errors


def _count_errors(group: FieldDef, count: int) -> list[str]:
    if count < group.min_items:
        return _messages(
            field_error(
                group,
                "too_few",
                gettext_lazy("Add at least %(min)s to “%(label)s”."),
                min=group.min_items,
                max=group.max_items,
            )
        )
    if count > group.max_items:
        return _messages(
            field_error(
                group,
                "too_many",
                gettext_lazy("“%(label)s” takes at most %(max)s. Remove the extra ones."),
                min=group.min_items,
                max=group.max_items,
            )
        )
    return []


def _duplicates(group: FieldDef, items: list[dict[str, Any]], name: str) -> list[tuple[str, str]]:
    """(item path, message) for each item whose `name` answer repeats an earlier item's."""
    inner = next(f for f in group.fields if f.name == name)
    seen: dict[str, int] = {}
    found = []
    for position, item in enumerate(items, start=1):
        if is_empty(item.get(name)):
            continue
        same = _same(item[name])
        if same in seen:
            error = field_error(
                group,
                "duplicate",
                gettext_lazy(
                    "%(second)s has the same “%(question)s” as %(first)s: each one must have their own."
                ),
                first=item_name(group, seen[same]),
                second=item_name(group, position),
                question=bilingual(inner.label),
            )
            found.append((item_path(group.name, item[ITEM_KEY], name), _messages(error)[0]))
        else:
            seen[same] = position
    return found


def validate_filing(
    definition: HasFields, answers: Mapping[str, Any], *, documents: Collection[str]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a whole request before it is filed: every answer, and every required document.

    `documents` names the file fields that have a file (`document_slot(field, item)` for a
    repeating group's item). Returns the answers as they are to be stored and the errors by
    field, missing documents included.
    """
    cleaned, errors = validate_answers(definition, answers)
    known = {**answers, **cleaned}
    for field in definition.fields:
        if field.type == "file" and field.required and field.visible(known) and field.name not in documents:
            errors[field.name] = _messages(required_error(field))
        if field.is_group and field.visible(known):
            _missing_item_documents(field, cleaned.get(field.name) or [], known, documents, errors)
    return cleaned, errors


def _missing_item_documents(
    group: FieldDef,
    items: list[dict[str, Any]],
    known: Mapping[str, Any],
    documents: Collection[str],
    errors: dict[str, list[str]],
) -> None:
    for position, item in enumerate(items, start=1):
        item_known = {**known, **item}
        for field in group.fields:
            if field.type != "file" or not field.required or not field.visible(item_known):
                continue
            if document_slot(field.name, item[ITEM_KEY]) in documents:
                continue
            message = _messages(required_error(field))[0]
            errors[item_path(group.name, item[ITEM_KEY], field.name)] = [message]
            errors.setdefault(group.name, []).append(_about_item(group, position, message))
