"""Template helpers shared by every page: form widgets with their ARIA links, money, states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from guichet.catalog.definition import StepDef
from guichet.dossiers.models import Dossier, DossierEvent
from guichet.portal import session
from guichet.portal.display import (
    DossierStatus,
    TimelineEntry,
    dossier_status,
    money,
    step_is_visible,
    timeline_entries,
)

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
    "answered": "success",
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
    return money(value)


@register.filter
def step_is_conditional(step: StepDef) -> bool:
    """Whether a step is asked only after some answers (it is shown to nobody who has answered nothing)."""
    return not step_is_visible(step, {})


@register.simple_tag
def status_of(dossier: Dossier, events: list[DossierEvent]) -> DossierStatus:
    """The outcome of a dossier in plain words, for the top of its page."""
    return dossier_status(dossier, list(events))


@register.simple_tag
def timeline_of(events: list[DossierEvent]) -> list[TimelineEntry]:
    """The public history of a dossier as sentences."""
    return timeline_entries(list(events))


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


@dataclass(frozen=True)
class Visitor:
    """Who reads the page, for the header: only the links that work for them are shown."""

    staff: bool = False
    citizen: bool = False
    guest_contact: bool = False  # a guest who proved a phone or e-mail, still valid
    anonymous_files: bool = False  # a guest holding anonymous files in this session

    @property
    def has_files(self) -> bool:
        return self.citizen or self.guest_contact or self.anonymous_files

    @property
    def may_end_session(self) -> bool:
        return self.staff or self.has_files

    @property
    def invited_to_sign_in(self) -> bool:
        # Someone who chose to stay anonymous is not asked who they are.
        return not (self.staff or self.citizen) and (self.guest_contact or not self.anonymous_files)


@register.simple_tag(takes_context=True)
def visitor(context: template.Context) -> Visitor:
    """What the session proves about the reader (grants that expired count for nothing)."""
    request = context.get("request")
    if request is None:
        return Visitor()
    user = session.signed_in_user(request)
    if user is not None:
        staff = session.is_staff(user)
        return Visitor(staff=staff, citizen=not staff)
    return Visitor(
        guest_contact=session.guest_contact(request) is not None,
        anonymous_files=bool(session.anonymous_references(request)),
    )
