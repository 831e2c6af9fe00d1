"""Bilingual texts: the one way to read a French-and-English text in a given language.

Everything a person reads exists in French (first) and English. Catalogue texts are
`catalog.definition.Text`, stored JSON is `{"fr": ..., "en": ...}`, units have
`name_fr`/`name_en`. `bilingual()` reads any of them; nothing else should switch on the
language to pick a text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.utils import translation

LANGUAGES: Final = ("fr", "en")
DEFAULT_LANGUAGE: Final = "fr"


def current_language() -> str:
    """The active language, reduced to one the product speaks ("fr" unless English is chosen)."""
    language = (translation.get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def bilingual(value: Any, language: str | None = None) -> str:
    """`value` in `language` (the active one by default), falling back to French.

    Accepts a mapping `{"fr": ..., "en": ...}`, an object with `fr`/`en` attributes (a
    catalogue `Text`), an object with `name_fr`/`name_en` (a unit), or anything else,
    which is turned into a string as it is. `None` reads as an empty string.
    """
    language = language if language in LANGUAGES else current_language()
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return str(value.get(language) or value.get(DEFAULT_LANGUAGE) or "")
    for attribute in (language, f"name_{language}"):
        text = getattr(value, attribute, None)
        if isinstance(text, str):
            fallback = getattr(value, attribute.replace(language, DEFAULT_LANGUAGE), "")
            return text or str(fallback or "")
    return str(value)
