"""The shape of a service data file, parsed and checked before anything is stored.

A service file is YAML (see guichet/catalog/services/*.yaml and the README). Parsing
turns it into frozen dataclasses; any mistake raises DefinitionError naming the path
of the faulty key, so an administrator knows what to fix.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from django.db import models

from guichet.catalog.errors import DefinitionError
from guichet.catalog.fees import FeeOverview, fee_rules
from guichet.catalog.lists import reference_lists
from guichet.catalog.registries import (
    MESSAGE_KEYS,
    field_types,
    issued_documents,
    validators,
)
from guichet.catalog.validators import answer_notices, answer_rules
from guichet.core.text import bilingual

__all__ = [
    "DefinitionError",
    "FieldDef",
    "ServiceDefinition",
    "StepDef",
    "Text",
    "document_slot",
    "group_items",
    "item_path",
    "parse_definition",
]


@dataclass(frozen=True)
class Text:
    """A text in French (first) and English."""

    fr: str
    en: str

    def __str__(self) -> str:
        return bilingual(self)

    def as_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text
    parent: str = ""  # for a reference list: the code of the entry it belongs to


@cache
def list_choices(name: str) -> tuple[Choice, ...]:
    """The choices of a reference list (see catalog.lists), e.g. "togo_prefectures"."""
    return tuple(
        Choice(value=item.value, label=Text(**item.label), parent=item.parent)
        for item in reference_lists[name]()
    )


@dataclass(frozen=True)
class Condition:
    """Show a field only when another field has one of some values."""

    field: str
    values: tuple[str, ...]

    def holds(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.field)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        return str(value) in self.values if value is not None else False


# What a field may be prefilled with (the `prefill` key): known about the filer before they type.
PREFILL_SOURCES = ("full_name", "phone", "email")


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: Text
    help: Text | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    validators: tuple[str, ...] = ()
    show_if: Condition | None = None
    # A reference list instead of `choices`; `within` names the field holding its parent
    # (a commune within the prefecture answered above).
    choices_from: str | None = None
    within: str | None = None
    # The service file's own words for some errors (keys: registries.MESSAGE_KEYS).
    messages: Mapping[str, Text] = field(default_factory=dict)
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    # File fields: accepted kinds and size limit.
    accept: tuple[str, ...] = ()
    max_size_mb: int = 5
    max_files: int = 5
    # An image (a traveller's photo) must be at least this many pixels on its shorter side.
    min_image_side: int | None = None
    # What the filer's account (or confirmed contact) already knows, offered as the answer.
    prefill: str | None = None
    # The answer an anonymous filer gives without being asked ("Do you sign?" -> "no").
    anonymous_answer: str | None = None
    # A repeating group (type `group`): its own fields, filled once per item (see group_items).
    fields: tuple[FieldDef, ...] = ()
    item_label: Text | None = None
    min_items: int = 0
    max_items: int = 20
    # Inner fields whose answer must differ from one item to the next (a passport number).
    unique: tuple[str, ...] = ()
    # Inner fields whose answers name an item on "check your answers" (surname, given names).
    item_summary: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.type == GROUP

    def visible(self, answers: dict[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)

    @property
    def options(self) -> tuple[Choice, ...]:
        """The choices offered: the file's own, or those of the reference list it names."""
        name = self.choices_from or ("countries" if self.type == "country" else None)
        return list_choices(name) if name else self.choices

    def option(self, value: Any) -> Choice | None:
        return next((choice for choice in self.options if choice.value == str(value)), None)

    def choice_label(self, value: Any) -> str:
        choice = self.option(value)
        return bilingual(choice.label) if choice is not None else str(value)


# --- repeating groups --------------------------------------------------------------------

GROUP = "group"
# Each stored item carries its own key: documents name the item they belong to by it, so
# removing the second of three travellers never moves the third one's passport scan.
ITEM_KEY = "_key"
ITEM_KEY_PATTERN = re.compile(r"[a-z0-9]{4,16}")
# Keys a group's `messages` may give in its own words ({min}, {max}, {first}, {second}, {label}).
GROUP_MESSAGE_KEYS = ("too_few", "too_many", "duplicate")


def new_item_key() -> str:
    """A fresh key for a new item of a repeating group."""
    return secrets.token_hex(4)


def item_path(group: str, key: str, field_name: str) -> str:
    """How one item's field is named in forms and errors: "travellers-1a2b3c4d-passport_number"."""
    return f"{group}-{key}-{field_name}"


def split_item_path(path: str) -> tuple[str, str, str] | None:
    """(group, key, field) of an item path, or None for a plain field name."""
    parts = path.split("-", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def document_slot(field_name: str, item: str = "") -> str:
    """What a document's `field_name` holds: its field, and for a group item's document "@" and its key.

    "passport_scan@1a2b3c4d" is traveller 1a2b3c4d's passport scan; "cover_letter" a step's own.
    """
    return f"{field_name}@{item}" if item else field_name


def split_slot(slot: str) -> tuple[str, str]:
    """(field name, item key or "") of a document slot."""
    name, _at, item = slot.partition("@")
    return name, item


def group_items(answers: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The items of repeating group `name` in stored answers (a list of dicts; [] if none).

    Fee rules count travellers with `len(group_items(answers, "travellers"))` and read each
    item's answers by field name (each item also holds its `_key`).
    """
    value = answers.get(name)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


@dataclass(frozen=True)
class StepDef:
    key: str
    title: Text
    fields: tuple[FieldDef, ...]
    intro: Text | None = None
    # The service's rules over several answers, so a step's form applies them too (catalog.validators).
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeeDef:
    rule: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IssueDef:
    type: str
    validity_days: int | None = None


class Confidentiality(models.TextChoices):
    """Who may see a service's files: the unit's staff, or only those cleared for confidential files."""

    NORMAL = "normal", "normal"
    RESTRICTED = "restricted", "restricted"


class Workflow(models.TextChoices):
    """Names of the workflows in `guichet.dossiers.states.workflows` (the registry is the authority).

    decision: approve or reject; answer: the ministry replies (suggestions); quote: the unit
    sets a quote that the applicant accepts and pays, or declines (event security).
    """

    DECISION = "decision", "decision"
    ANSWER = "answer", "answer"
    QUOTE = "quote", "quote"


@dataclass(frozen=True)
class ChecklistPoint:
    """A point the agent ticks before approving; a refusal names the points that failed."""

    key: str
    label: Text
    advice: Text | None = None  # what the applicant can do when this point fails


@dataclass(frozen=True)
class ServiceDefinition:
    code: str
    prefix: str
    administration: str
    unit: str
    title: Text
    summary: Text
    who_may_apply: Text
    processing: Text | None
    sla_days: int
    steps: tuple[StepDef, ...]
    fee: FeeDef
    issues: IssueDef | None
    confidentiality: Confidentiality
    anonymous_allowed: bool
    account_required: bool
    workflow: str  # a name in guichet.dossiers.states.workflows
    checklist: tuple[ChecklistPoint, ...] = ()
    rules: tuple[str, ...] = ()  # rules over several answers (catalog.validators.answer_rules)
    notices: tuple[str, ...] = ()  # said before filing, never refusing (catalog.validators.answer_notices)

    @property
    def is_answered(self) -> bool:
        """Whether the ministry answers its files (the file is then answered) rather than decides."""
        return self.workflow == Workflow.ANSWER

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for step in self.steps for f in step.fields)

    def field(self, name: str) -> FieldDef:
        """A field by name: a step's field, a repeating group's inner field, or an item path."""
        split = split_item_path(name)
        if split is not None:
            name = split[2]
        name = split_slot(name)[0]
        for f in self.fields:
            if f.name == name:
                return f
            for inner in f.fields:
                if inner.name == name:
                    return inner
        raise KeyError(name)

    def document_field(self, slot: str) -> FieldDef:
        """The file field a document slot names, its `name` set to the slot (KeyError if none).

        A step's document field takes a plain name; a group's takes "name@<item key>".
        """
        name, item = split_slot(slot)
        field = self.field(name)
        in_group = self.group_of(name) is not None
        if field.type != "file" or in_group != bool(item) or (item and not ITEM_KEY_PATTERN.fullmatch(item)):
            raise KeyError(slot)
        return dataclasses.replace(field, name=slot)

    def group_of(self, name: str) -> FieldDef | None:
        """The repeating group holding inner field `name`, or None for a step's own field."""
        for f in self.fields:
            if any(inner.name == name for inner in f.fields):
                return f
        return None

    def group_items(self, answers: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
        """The items of repeating group `name` (see the module function `group_items`)."""
        return group_items(answers, name)

    def step(self, key: str) -> StepDef:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    @property
    def documents(self) -> tuple[FieldDef, ...]:
        """The document fields of the steps (a repeating group's own documents are in its `fields`)."""
        return tuple(f for f in self.fields if f.type == "file")

    def fee_overview(self) -> FeeOverview:
        """What this service costs, as its fee rule says it, in the reader's language."""
        return fee_rules[self.fee.rule].overview(self.fee.params, self)


# --- parsing -------------------------------------------------------------------------


def _require(data: dict[str, Any], key: str, path: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise DefinitionError(f"{path}.{key}: required")
    return data[key]


def _text(value: Any, path: str) -> Text:
    if isinstance(value, dict) and isinstance(value.get("fr"), str) and isinstance(value.get("en"), str):
        return Text(fr=value["fr"].strip(), en=value["en"].strip())
    raise DefinitionError(f"{path}: a text needs both 'fr' and 'en'")


def _optional_text(data: dict[str, Any], key: str, path: str) -> Text | None:
    return _text(data[key], f"{path}.{key}") if data.get(key) is not None else None


def _list(data: dict[str, Any], key: str, path: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise DefinitionError(f"{path}.{key}: a list")
    return value


def _bool(data: dict[str, Any], key: str, path: str, default: bool) -> bool:
    # A quoted "no" would otherwise be true: only YAML's true/false are accepted.
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise DefinitionError(f"{path}.{key}: true or false")
    return value


def _workflow(data: dict[str, Any], path: str) -> str:
    """The workflow a service's files follow: a name in the registry of state tables."""
    # Deferred like the upload kinds: the tables live with the dossiers.
    from guichet.dossiers.states import workflows

    if "workflow" in data:
        if data["workflow"] not in workflows:
            raise DefinitionError(f"{path}.workflow: one of {', '.join(workflows)}")
        return str(data["workflow"])
    # Older files said `answer_closes: true`.
    return Workflow.ANSWER if _bool(data, "answer_closes", path, default=False) else Workflow.DECISION


def _workflow_for_fee(data: dict[str, Any], path: str, fee: FeeDef) -> str:
    """The workflow, which has a quote step exactly when the fee rule is one staff set (a quote)."""
    from guichet.dossiers.states import DossierState, workflows

    workflow = _workflow(data, path)
    quoted = DossierState.QUOTE_PROPOSED in workflows[workflow].states
    if getattr(fee_rules[fee.rule], "staff_set", False) and not quoted:
        raise DefinitionError(
            f"{path}.workflow: the fee rule {fee.rule!r} needs a workflow with a quote step"
        )
    if quoted and not getattr(fee_rules[fee.rule], "staff_set", False):
        raise DefinitionError(
            f"{path}.fee.rule: the workflow {workflow!r} needs a fee rule staff set (quote)"
        )
    return workflow


def _checklist(data: dict[str, Any], path: str) -> tuple[ChecklistPoint, ...]:
    """The review checklist: `checklist: [{key, label: {fr, en}, advice: {fr, en}}]` (advice optional)."""
    points: list[ChecklistPoint] = []
    for i, raw in enumerate(_list(data, "checklist", path)):
        ppath = f"{path}.checklist[{i}]"
        if not isinstance(raw, dict):
            raise DefinitionError(f"{ppath}: a mapping with 'key' and 'label' (fr, en)")
        key = str(_require(raw, "key", ppath))
        if not key.isidentifier():
            raise DefinitionError(f"{ppath}.key: {key!r} must be a simple identifier (letters, digits, _)")
        if any(point.key == key for point in points):
            raise DefinitionError(f"{ppath}.key: another point is already called {key!r}")
        points.append(
            ChecklistPoint(
                key=key,
                label=_text(raw.get("label"), f"{ppath}.label"),
                advice=_optional_text(raw, "advice", ppath),
            )
        )
    return tuple(points)


def _optional_int(data: dict[str, Any], key: str, path: str, minimum: int | None = None) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or (minimum is not None and value < minimum):
        more = f", {minimum} or more" if minimum is not None else ""
        raise DefinitionError(f"{path}.{key}: a whole number{more}")
    return value


def _condition(data: Any, path: str) -> Condition:
    if not isinstance(data, dict):
        raise DefinitionError(f"{path}: a mapping with 'field' and 'equals' (or 'in')")
    values = data.get("in") if data.get("in") is not None else [data["equals"]] if "equals" in data else None
    if not isinstance(values, list) or not values:
        raise DefinitionError(f"{path}: say which answers show the field, with 'equals' or 'in'")
    # YAML reads an unquoted yes/no as a boolean; a yes_no answer is stored as the word.
    words = tuple(("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values)
    return Condition(field=str(_require(data, "field", path)), values=words)


def _field_name(data: Any, path: str) -> str:
    if not isinstance(data, dict):
        raise DefinitionError(f"{path}: a field is a mapping")
    name = str(_require(data, "name", path))
    if not name.isidentifier() or name.startswith("_"):
        raise DefinitionError(
            f"{path}.name: {name!r} must be a simple identifier (letters, digits, _), not starting with _"
        )
    return name


def _field(
    data: Any, path: str, known_types: set[str], known_validators: set[str], *, in_group: bool = False
) -> FieldDef:
    # Deferred: the kinds the upload checks recognise live with the uploads (a dossiers module).
    from guichet.dossiers.uploads import KINDS

    name = _field_name(data, path)
    path = f"{path} ({name})"
    type_ = str(_require(data, "type", path))
    if type_ == GROUP:
        if in_group:
            raise DefinitionError(f"{path}.type: a repeating group cannot hold another group")
        return _group(data, name, path, known_types, known_validators)
    if type_ not in known_types:
        raise DefinitionError(
            f"{path}.type: unknown field type {type_!r} (known: {', '.join(sorted({*known_types, GROUP}))})"
        )
    validators = tuple(_list(data, "validators", path))
    for v in validators:
        if v not in known_validators:
            raise DefinitionError(f"{path}.validators: unknown validator {v!r}")
    choices = []
    for i, c in enumerate(_list(data, "choices", path)):
        if not isinstance(c, dict):
            raise DefinitionError(f"{path}.choices[{i}]: a mapping with 'value' and 'label'")
        label = _text(c.get("label"), f"{path}.choices[{i}].label")
        choices.append(Choice(value=str(_require(c, "value", f"{path}.choices[{i}]")), label=label))
    choices_from = _choices_from(data, type_, path)
    if choices_from and choices:
        raise DefinitionError(f"{path}.choices_from: give either choices or choices_from, not both")
    if type_ in {"choice", "multi_choice"} and not choices and not choices_from:
        raise DefinitionError(f"{path}.choices: a {type_} field needs choices (or choices_from)")
    accept = tuple(str(kind) for kind in _list(data, "accept", path))
    for kind in accept:
        if kind not in KINDS:
            raise DefinitionError(f"{path}.accept: unknown kind {kind!r} (known: {', '.join(KINDS)})")
    prefill, anonymous_answer = _filer_answers(data, type_, choices, path)
    return FieldDef(
        name=name,
        type=type_,
        label=_text(data.get("label"), f"{path}.label"),
        help=_optional_text(data, "help", path),
        required=_bool(data, "required", path, default=True),
        choices=tuple(choices),
        validators=validators,
        show_if=_condition(data["show_if"], f"{path}.show_if") if data.get("show_if") is not None else None,
        max_length=_optional_int(data, "max_length", path, minimum=1),
        min_value=_optional_int(data, "min_value", path),
        max_value=_optional_int(data, "max_value", path),
        accept=accept,
        max_size_mb=_optional_int(data, "max_size_mb", path, minimum=1) or 5,
        max_files=_optional_int(data, "max_files", path, minimum=1) or 5,
        min_image_side=_optional_int(data, "min_image_side", path, minimum=1),
        choices_from=choices_from,
        within=str(data["within"]) if data.get("within") is not None else None,
        messages=_messages(data, path),
        prefill=prefill,
        anonymous_answer=anonymous_answer,
    )


def _inner_names(data: dict[str, Any], key: str, path: str, names: dict[str, FieldDef]) -> tuple[str, ...]:
    """A list of inner field names (`unique`, `item_summary`), each an answer rather than a document."""
    listed = tuple(str(n) for n in _list(data, key, path))
    for n in listed:
        if n not in names or names[n].type == "file":
            raise DefinitionError(f"{path}.{key}: {n!r} is not a question of this group")
    return listed


def _group(
    data: dict[str, Any], name: str, path: str, known_types: set[str], known_validators: set[str]
) -> FieldDef:
    """A repeating group: its own fields, filled once per item, between min_items and max_items."""
    raw_fields = _require(data, "fields", path)
    if not isinstance(raw_fields, list):
        raise DefinitionError(f"{path}.fields: a list of fields")
    inner = tuple(
        _field(f, f"{path}.fields[{j}]", known_types, known_validators, in_group=True)
        for j, f in enumerate(raw_fields)
    )
    names: dict[str, FieldDef] = {}
    for f in inner:
        # A document's slot ("passport_scan@<key>") must fit DossierDocument.field_name (60).
        if f.type == "file" and len(f.name) > 60 - 17:
            raise DefinitionError(f"{path}.fields: {f.name!r} is too long for a document (43 at most)")
        if f.name in names:
            raise DefinitionError(f"{path}.fields: field {f.name!r} declared twice")
        names[f.name] = f
    for f in inner:
        # An item's questions depend on the same item's answers only.
        _check_condition(f, names, f"{path}.fields")
    min_items = _optional_int(data, "min_items", path, minimum=0) or 0
    max_items = _optional_int(data, "max_items", path, minimum=1) or 20
    if max_items < min_items:
        raise DefinitionError(f"{path}.max_items: at least min_items ({min_items})")
    raw_messages = data.get("messages") or {}
    if not isinstance(raw_messages, dict):
        raise DefinitionError(f"{path}.messages: a mapping from an error to its text (fr, en)")
    for key in raw_messages:
        if key not in GROUP_MESSAGE_KEYS:
            raise DefinitionError(
                f"{path}.messages.{key}: unknown error (known: {', '.join(GROUP_MESSAGE_KEYS)})"
            )
    first_answer = next((f.name for f in inner if f.type != "file"), None)
    summary = _inner_names(data, "item_summary", path, names) or ((first_answer,) if first_answer else ())
    return FieldDef(
        name=name,
        type=GROUP,
        label=_text(data.get("label"), f"{path}.label"),
        help=_optional_text(data, "help", path),
        required=min_items > 0,
        show_if=_condition(data["show_if"], f"{path}.show_if") if data.get("show_if") is not None else None,
        messages={str(k): _text(t, f"{path}.messages.{k}") for k, t in raw_messages.items()},
        fields=inner,
        item_label=_text(data.get("item_label"), f"{path}.item_label"),
        min_items=min_items,
        max_items=max_items,
        unique=_inner_names(data, "unique", path, names),
        item_summary=summary,
    )


def _filer_answers(
    data: dict[str, Any], type_: str, choices: list[Choice], path: str
) -> tuple[str | None, str | None]:
    """The `prefill` source and the `anonymous_answer` of a field, checked."""
    prefill = data.get("prefill")
    if prefill is not None and prefill not in PREFILL_SOURCES:
        raise DefinitionError(
            f"{path}.prefill: unknown source {prefill!r} (known: {', '.join(PREFILL_SOURCES)})"
        )
    anonymous_answer = str(data["anonymous_answer"]) if data.get("anonymous_answer") is not None else None
    allowed = {"yes", "no"} if type_ == "yes_no" else {c.value for c in choices}
    if anonymous_answer is not None and allowed and anonymous_answer not in allowed:
        raise DefinitionError(f"{path}.anonymous_answer: one of {', '.join(sorted(allowed))}")
    return prefill, anonymous_answer


def _choices_from(data: dict[str, Any], type_: str, path: str) -> str | None:
    """The reference list a field offers; a country field offers the countries."""
    if type_ == "country":
        return "countries"
    name = data.get("choices_from")
    if name is None:
        return None
    if type_ not in {"choice", "multi_choice"}:
        raise DefinitionError(f"{path}.choices_from: only a choice or multi_choice field names a list")
    if name not in reference_lists:
        raise DefinitionError(
            f"{path}.choices_from: unknown list {name!r} (known: {', '.join(reference_lists)})"
        )
    return str(name)


def _messages(data: dict[str, Any], path: str) -> dict[str, Text]:
    raw = data.get("messages") or {}
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}.messages: a mapping from an error to its text (fr, en)")
    for key in raw:
        if key not in MESSAGE_KEYS:
            raise DefinitionError(f"{path}.messages.{key}: unknown error (known: {', '.join(MESSAGE_KEYS)})")
    return {str(key): _text(text, f"{path}.messages.{key}") for key, text in raw.items()}


def _check_condition(field: FieldDef, fields: dict[str, FieldDef], path: str) -> None:
    """A condition names another field, and (for closed questions) answers it can have."""
    if field.within is not None:
        parent = fields.get(field.within)
        if parent is None or parent.choices_from is None or field.choices_from is None:
            raise DefinitionError(
                f"{path}.{field.name}.within: {field.within!r} is not a field offering a reference list"
            )
    condition = field.show_if
    if condition is None:
        return
    target = fields.get(condition.field)
    if target is None or target.name == field.name:
        raise DefinitionError(f"{path}.{field.name}.show_if: no field named {condition.field!r}")
    if target.is_group:
        raise DefinitionError(f"{path}.{field.name}.show_if: a question cannot depend on a repeating group")
    allowed = {"yes", "no"} if target.type == "yes_no" else {c.value for c in target.choices}
    if allowed and not set(condition.values) <= allowed:
        unknown = ", ".join(sorted(set(condition.values) - allowed))
        raise DefinitionError(f"{path}.{field.name}.show_if: {target.name} has no answer {unknown!r}")


def _steps(data: dict[str, Any], path: str) -> tuple[list[StepDef], dict[str, FieldDef]]:
    """The steps in order, and every field by name (a name is used once in the whole file)."""
    steps: list[StepDef] = []
    by_name: dict[str, FieldDef] = {}
    inner_names: set[str] = set()
    raw_steps = _require(data, "steps", path)
    if not isinstance(raw_steps, list):
        raise DefinitionError(f"{path}.steps: a list of steps")
    for i, step in enumerate(raw_steps):
        spath = f"{path}.steps[{i}]"
        if not isinstance(step, dict):
            raise DefinitionError(f"{spath}: a step is a mapping with 'key', 'title' and 'fields'")
        raw_fields = _require(step, "fields", spath)
        if not isinstance(raw_fields, list):
            raise DefinitionError(f"{spath}.fields: a list of fields")
        fields = tuple(
            _field(f, f"{spath}.fields[{j}]", set(field_types), set(validators))
            for j, f in enumerate(raw_fields)
        )
        for f in fields:
            # A group's inner fields share the file's names: a document names its field alone.
            for named in (f, *f.fields):
                if named.name in by_name or named.name in inner_names:
                    raise DefinitionError(f"{spath}: field {named.name!r} declared twice")
            by_name[f.name] = f
            inner_names.update(inner.name for inner in f.fields)
        key = str(_require(step, "key", spath))
        if any(s.key == key for s in steps):
            raise DefinitionError(f"{spath}.key: another step is already called {key!r}")
        steps.append(
            StepDef(
                key=key,
                title=_text(step.get("title"), f"{spath}.title"),
                fields=fields,
                intro=_optional_text(step, "intro", spath),
            )
        )
    return steps, by_name


def _rules(data: dict[str, Any], path: str) -> tuple[str, ...]:
    """Rules over several answers the service names (`rules: [passport_valid_after_arrival]`)."""
    names = tuple(str(name) for name in _list(data, "rules", path))
    for name in names:
        if name not in answer_rules:
            raise DefinitionError(f"{path}.rules: unknown rule {name!r} (known: {', '.join(answer_rules)})")
    return names


def _notices(data: dict[str, Any], path: str) -> tuple[str, ...]:
    """Notices the service names (`notices: [ecowas_short_visit]`): said before filing, never refusing."""
    names = tuple(str(name) for name in _list(data, "notices", path))
    for name in names:
        if name not in answer_notices:
            raise DefinitionError(
                f"{path}.notices: unknown notice {name!r} (known: {', '.join(answer_notices)})"
            )
    return names


def parse_definition(data: Any) -> ServiceDefinition:
    """Check a service file's content and return its definition."""
    if not isinstance(data, dict):
        raise DefinitionError("service: the file must hold a mapping")
    code = str(_require(data, "code", "service"))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", code):
        raise DefinitionError(
            f"service.code: {code!r} must be lower-case letters, digits and dashes (60 at most)"
        )
    path = code
    steps, by_name = _steps(data, path)
    for f in by_name.values():
        _check_condition(f, by_name, path)
    fee_data = data.get("fee") or {"rule": "free"}
    if not isinstance(fee_data, dict):
        raise DefinitionError(f"{path}.fee: a mapping with a 'rule'")
    fee = FeeDef(
        rule=str(_require(fee_data, "rule", f"{path}.fee")),
        params={k: v for k, v in fee_data.items() if k != "rule"},
    )
    if fee.rule not in fee_rules:
        raise DefinitionError(
            f"{path}.fee.rule: unknown fee rule {fee.rule!r} (known: {', '.join(fee_rules)})"
        )
    try:
        # The rule sees each field's type (a mapping is a collection of the names).
        fee_rules[fee.rule].check(fee.params, {name: f.type for name, f in by_name.items()})
    except DefinitionError as exc:
        raise DefinitionError(f"{path}.{exc}") from None
    issues = None
    if data.get("issues"):
        if not isinstance(data["issues"], dict):
            raise DefinitionError(f"{path}.issues: a mapping with a 'type'")
        issues = IssueDef(
            type=str(_require(data["issues"], "type", f"{path}.issues")),
            validity_days=_optional_int(data["issues"], "validity_days", f"{path}.issues", minimum=1),
        )
        if issues.type not in issued_documents:
            raise DefinitionError(f"{path}.issues.type: unknown document type {issues.type!r}")
    confidentiality = data.get("confidentiality", Confidentiality.NORMAL)
    if confidentiality not in Confidentiality.values:
        raise DefinitionError(f"{path}.confidentiality: 'normal' or 'restricted'")
    prefix = str(_require(data, "prefix", path)).upper()
    if not (prefix.isalpha() and len(prefix) == 3):
        raise DefinitionError(f"{path}.prefix: three letters, e.g. SUG")
    sla_days = data.get("sla_days", 10)
    if not isinstance(sla_days, int) or isinstance(sla_days, bool) or sla_days < 1:
        raise DefinitionError(f"{path}.sla_days: a whole number of working days, 1 or more")
    rules = _rules(data, path)
    return ServiceDefinition(
        code=code,
        prefix=prefix,
        administration=str(_require(data, "administration", path)),
        unit=str(_require(data, "unit", path)),
        title=_text(data.get("title"), f"{path}.title"),
        summary=_text(data.get("summary"), f"{path}.summary"),
        who_may_apply=_text(data.get("who_may_apply"), f"{path}.who_may_apply"),
        processing=_optional_text(data, "processing", path),
        sla_days=sla_days,
        steps=tuple(replace(step, rules=rules) for step in steps),
        fee=fee,
        issues=issues,
        confidentiality=Confidentiality(confidentiality),
        anonymous_allowed=_bool(data, "anonymous_allowed", path, default=False),
        account_required=_bool(data, "account_required", path, default=False),
        workflow=_workflow_for_fee(data, path, fee),
        checklist=_checklist(data, path),
        rules=rules,
        notices=_notices(data, path),
    )
