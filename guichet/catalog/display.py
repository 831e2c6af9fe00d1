"""How an answer reads on a page, whichever side shows it (portal or back office)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale
from django.utils import translation
from phonenumbers import NumberParseException

from guichet.accounts.contacts import format_phone
from guichet.catalog.definition import FieldDef
from guichet.catalog.registries import field_types


def country_name(code: str) -> str:
    language = "en" if translation.get_language() == "en" else "fr"
    return str(Locale.parse(language).territories.get(code, code))


def _phone(value: Any) -> str:
    try:
        return format_phone(str(value))
    except NumberParseException:
        return str(value)


# Answers whose stored value is not what a person reads; they need the field's choices.
_READABLE: dict[str, Callable[[FieldDef, Any], str]] = {
    "choice": lambda field, value: field.choice_label(value),
    "multi_choice": lambda field, value: ", ".join(field.choice_label(item) for item in value),
    "country": lambda _field, value: country_name(str(value)),
    "phone": lambda _field, value: _phone(value),
}


def display_answer(field: FieldDef, value: Any) -> str:
    """An answer as a person says it: choice labels, dates dd/mm/yyyy, Yes/No, country names, phones."""
    if value in (None, "", []):
        return ""
    readable = _READABLE.get(field.type)
    return readable(field, value) if readable is not None else field_types[field.type].display(value)
