"""The shape of a service data file, parsed and checked before anything is stored.

A service file is YAML (see guichet/catalog/services/*.yaml and the README). Parsing
turns it into frozen dataclasses; any mistake raises DefinitionError naming the path
of the faulty key, so an administrator knows what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation


class DefinitionError(ValueError):
    """A service file is not valid; the message names the key at fault."""


@dataclass(frozen=True)
class Text:
    """A text in French (first) and English."""

    fr: str
    en: str

    def __str__(self) -> str:
        return self.en if translation.get_language() == "en" else self.fr

    def as_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text


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
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    # File fields: accepted kinds and size limit.
    accept: tuple[str, ...] = ()
    max_size_mb: int = 5

    def visible(self, answers: dict[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)

    def choice_label(self, value: Any) -> str:
        for choice in self.choices:
            if choice.value == str(value):
                return str(choice.label)
        return str(value)


@dataclass(frozen=True)
class StepDef:
    key: str
    title: Text
    fields: tuple[FieldDef, ...]
    intro: Text | None = None


@dataclass(frozen=True)
class FeeDef:
    rule: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IssueDef:
    type: str
    validity_days: int | None = None


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
    confidentiality: str  # "normal" or "restricted"
    anonymous_allowed: bool
    account_required: bool
    answer_closes: bool  # the ministry answers and closes (suggestions) rather than approve/reject

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for step in self.steps for f in step.fields)

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def step(self, key: str) -> StepDef:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    @property
    def documents(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if f.type == "file")


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


def _field(data: Any, path: str, known_types: set[str], known_validators: set[str]) -> FieldDef:
    if not isinstance(data, dict):
        raise DefinitionError(f"{path}: a field is a mapping")
    name = str(_require(data, "name", path))
    if not name.isidentifier():
        raise DefinitionError(f"{path}.name: {name!r} must be a simple identifier (letters, digits, _)")
    type_ = str(_require(data, "type", path))
    if type_ not in known_types:
        raise DefinitionError(f"{path}.type: unknown field type {type_!r} (known: {', '.join(sorted(known_types))})")
    validators = tuple(data.get("validators") or ())
    for v in validators:
        if v not in known_validators:
            raise DefinitionError(f"{path}.validators: unknown validator {v!r}")
    choices = tuple(
        Choice(value=str(_require(c, "value", f"{path}.choices[{i}]")), label=_text(c.get("label"), f"{path}.choices[{i}].label"))
        for i, c in enumerate(data.get("choices") or ())
    )
    if type_ in {"choice", "multi_choice"} and not choices:
        raise DefinitionError(f"{path}.choices: a {type_} field needs choices")
    show_if = None
    if data.get("show_if"):
        cond = data["show_if"]
        values = cond.get("in") or [cond.get("equals")]
        show_if = Condition(field=str(_require(cond, "field", f"{path}.show_if")), values=tuple(str(v) for v in values))
    return FieldDef(
        name=name,
        type=type_,
        label=_text(data.get("label"), f"{path}.label"),
        help=_optional_text(data, "help", path),
        required=bool(data.get("required", True)),
        choices=choices,
        validators=validators,
        show_if=show_if,
        max_length=data.get("max_length"),
        min_value=data.get("min_value"),
        max_value=data.get("max_value"),
        accept=tuple(data.get("accept") or ()),
        max_size_mb=int(data.get("max_size_mb", 5)),
    )


def parse_definition(data: Any) -> ServiceDefinition:  # noqa: PLR0912  (one check per key, in file order)
    """Check a service file's content and return its definition."""
    from guichet.catalog.registries import fee_rules, field_types, issued_documents, validators

    if not isinstance(data, dict):
        raise DefinitionError("service: the file must hold a mapping")
    code = str(_require(data, "code", "service"))
    path = code
    steps = []
    seen: set[str] = set()
    for i, step in enumerate(_require(data, "steps", path)):
        spath = f"{path}.steps[{i}]"
        fields = tuple(
            _field(f, f"{spath}.fields[{j}]", set(field_types), set(validators))
            for j, f in enumerate(_require(step, "fields", spath))
        )
        for f in fields:
            if f.name in seen:
                raise DefinitionError(f"{spath}: field {f.name!r} declared twice")
            seen.add(f.name)
        steps.append(StepDef(key=str(_require(step, "key", spath)), title=_text(step.get("title"), f"{spath}.title"),
                             fields=fields, intro=_optional_text(step, "intro", spath)))
    for step in steps:
        for f in step.fields:
            if f.show_if and f.show_if.field not in seen:
                raise DefinitionError(f"{path}.{f.name}.show_if: no field named {f.show_if.field!r}")
    fee_data = data.get("fee") or {"rule": "free"}
    fee = FeeDef(rule=str(_require(fee_data, "rule", f"{path}.fee")), params={k: v for k, v in fee_data.items() if k != "rule"})
    if fee.rule not in fee_rules:
        raise DefinitionError(f"{path}.fee.rule: unknown fee rule {fee.rule!r} (known: {', '.join(fee_rules)})")
    fee_rules[fee.rule].check(fee.params, seen)
    issues = None
    if data.get("issues"):
        issues = IssueDef(type=str(_require(data["issues"], "type", f"{path}.issues")),
                          validity_days=data["issues"].get("validity_days"))
        if issues.type not in issued_documents:
            raise DefinitionError(f"{path}.issues.type: unknown document type {issues.type!r}")
    confidentiality = data.get("confidentiality", "normal")
    if confidentiality not in {"normal", "restricted"}:
        raise DefinitionError(f"{path}.confidentiality: 'normal' or 'restricted'")
    prefix = str(_require(data, "prefix", path)).upper()
    if not (prefix.isalpha() and len(prefix) == 3):
        raise DefinitionError(f"{path}.prefix: three letters, e.g. SUG")
    sla_days = data.get("sla_days", 10)
    if not isinstance(sla_days, int) or sla_days < 1:
        raise DefinitionError(f"{path}.sla_days: a whole number of working days, 1 or more")
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
        steps=tuple(steps),
        fee=fee,
        issues=issues,
        confidentiality=confidentiality,
        anonymous_allowed=bool(data.get("anonymous_allowed", False)),
        account_required=bool(data.get("account_required", False)),
        answer_closes=bool(data.get("answer_closes", False)),
    )
