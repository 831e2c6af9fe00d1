"""Template helpers shared by every page: form widgets with their ARIA links, money, states."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils import translation
from django.utils.safestring import SafeString

register = template.Library()

# One colour family per kind of state, so a badge reads the same everywhere.
STATE_TONES = {
    "draft": "neutral",
    "submitted": "info",
    "awaiting_payment": "warning",
    "paid": "info",
    "in_review": "info",
    "info_requested": "warning",
    "approved": "success",
    "issued": "success",
    "closed": "success",
    "rejected": "danger",
    "revoked": "danger",
    "expired": "neutral",
    "withdrawn": "neutral",
}


@register.simple_tag
def field_widget(field: BoundField, **attrs: Any) -> SafeString:
    """The field's widget, pointing at its hint and error with aria-describedby."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_hint")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    widget_attrs = {key.replace("_", "-"): value for key, value in attrs.items()}
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=widget_attrs)


@register.filter
def describedby(field: BoundField) -> str:
    """The ids of a field's hint and error, for a fieldset that groups radios or checkboxes."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_hint")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def is_group(field: BoundField) -> bool:
    """Whether the widget is a set of radios or checkboxes (drawn as a fieldset)."""
    return field.widget_type in {"radioselect", "checkboxselectmultiple"}


@register.filter
def xof(amount: Any) -> str:
    """A whole amount of CFA francs, grouped the way the reader's language groups digits."""
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return ""
    grouped = f"{value:,}"
    if translation.get_language() != "en":
        grouped = grouped.replace(",", "\u202f")
    return f"{grouped}\u00a0FCFA"


@register.filter
def localized(value: Any) -> str:
    """The text in the reader's language from a {"fr": ..., "en": ...} mapping (fee labels)."""
    if isinstance(value, dict):
        language = "en" if translation.get_language() == "en" else "fr"
        return str(value.get(language) or value.get("fr") or "")
    return "" if value is None else str(value)


@register.filter
def state_tone(state: Any) -> str:
    """The badge colour family of a dossier state."""
    return STATE_TONES.get(str(state), "neutral")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`mapping[key]` in a template, or an empty string."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return ""
