"""Template helpers shared by every page: form widgets with their ARIA links, money, states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms import BoundField
from django.template.base import FilterExpression, Node, NodeList, Parser, TextNode, Token, Variable
from django.template.defaulttags import CommentNode, LoadNode, URLNode
from django.template.loader import render_to_string
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

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
    "quote_proposed": "warning",
    "quote_declined": "neutral",
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


# --- parts of a page that are the same for every reader -----------------------------------

# Bumped whenever a setting changes (tests switch catalogues and URLs): kept parts are redrawn.
_settings_generation = 0


@receiver(setting_changed)
def _forget_constant_parts(**kwargs: Any) -> None:
    global _settings_generation  # noqa: PLW0603 - one counter for the whole process
    _settings_generation += 1
    _blank_fields.clear()
    _links_drawn.clear()


def _is_literal(expression: FilterExpression | None) -> bool:
    if expression is None:
        return True
    if expression.filters:
        return False
    if not expression.is_var:
        return True
    return isinstance(expression.var, Variable) and expression.var.literal is not None


def _is_constant(node: Node) -> bool:
    """Whether `node` draws the same thing for every reader in a given language."""
    if isinstance(node, TextNode | CommentNode | LoadNode):
        return True
    if isinstance(node, TranslateNode):
        return (
            node.asvar is None and _is_literal(node.filter_expression) and _is_literal(node.message_context)
        )
    if isinstance(node, URLNode):
        return (
            node.asvar is None
            and _is_literal(node.view_name)
            and all(_is_literal(arg) for arg in node.args)
            and all(_is_literal(arg) for arg in node.kwargs.values())
        )
    if isinstance(node, StaticNode):
        return node.varname is None and _is_literal(node.path)
    return False


class ConstantNode(Node):
    """Drawn once per process and language, then reused: see `constant`."""

    # Holds no block (only the nodes `_is_constant` accepts): page inheritance need not look inside.
    child_nodelists = ()

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.drawn: dict[tuple[int, str, str], SafeString] = {}

    def render(self, context: template.Context) -> SafeString:
        key = (_settings_generation, translation.get_language() or "", get_script_prefix())
        html = self.drawn.get(key)
        if html is None and any(kept[0] != _settings_generation for kept in self.drawn):
            self.drawn = {}  # drawn under other settings: never read again
        if html is None:
            html = mark_safe(self.nodelist.render(context))  # noqa: S308 - text, translations, URLs only
            self.drawn[key] = html
        return html


@register.tag
def constant(parser: Parser, token: Token) -> ConstantNode:
    """`{% constant %}…{% endconstant %}`: text, `translate`, `url` and `static` with literal
    arguments only, drawn once per process and language (a page's header and footer are most
    of its template work). Anything that could differ between readers (a variable, a CSRF
    token, a tag of another kind) is refused when the template is compiled.
    """
    nodelist = parser.parse(("endconstant",))
    parser.delete_first_token()
    for node in nodelist:
        if not _is_constant(node):
            raise template.TemplateSyntaxError(
                f"{{% constant %}} takes only text and literal translate/url/static tags, not {node!r}"
            )
    return ConstantNode(nodelist)


_blank_fields: dict[tuple[Any, ...], SafeString] = {}


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    """The field as `portal/includes/field.html` draws it.

    An empty field of an unbound form that declares `same_for_everyone = True` (its fields
    owe nothing to the reader or the data) is drawn once per process and language: the
    tracking form is on the busiest pages.
    """
    form = field.form
    if not (getattr(form, "same_for_everyone", False) and not form.is_bound and field.value() in (None, "")):
        return render_to_string("portal/includes/field.html", {"field": field})
    key = (
        _settings_generation,
        translation.get_language(),
        type(form),
        form.prefix,
        field.name,
        field.auto_id,
    )
    html = _blank_fields.get(key)
    if html is None:
        html = render_to_string("portal/includes/field.html", {"field": field})
        _blank_fields[key] = html
    return html


_links_drawn: dict[tuple[int, str | None, Visitor], SafeString] = {}


@register.simple_tag
def visitor_links(reader: Visitor) -> SafeString:
    """The header's links for this kind of reader (a handful of booleans, nothing personal),
    drawn once per process and language."""
    key = (_settings_generation, translation.get_language(), reader)
    html = _links_drawn.get(key)
    if html is None:
        html = render_to_string("includes/visitor_links.html", {"reader": reader})
        _links_drawn[key] = html
    return html
