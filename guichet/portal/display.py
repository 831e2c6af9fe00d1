"""How a service definition and a dossier's answers read on a page (no rules here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from guichet.catalog.definition import FieldDef, ServiceDefinition, StepDef
from guichet.catalog.display import display_answer
from guichet.dossiers.models import Dossier, DossierDocument
from guichet.dossiers.uploads import accepted_labels


def _language() -> str:
    return "en" if translation.get_language() == "en" else "fr"


def step_is_visible(step: StepDef, answers: dict[str, Any]) -> bool:
    """A step is shown when at least one of its questions may be asked, given earlier answers."""
    local = {f.name for f in step.fields}
    return any(f.show_if is None or f.show_if.field in local or f.visible(answers) for f in step.fields)


def visible_steps(definition: ServiceDefinition, answers: dict[str, Any]) -> list[StepDef]:
    return [step for step in definition.steps if step_is_visible(step, answers)]


def value_display(field_def: FieldDef, value: Any) -> str:
    """An answer as the person would say it (see guichet.catalog.display)."""
    return display_answer(field_def, value)


def condition_hint(definition: ServiceDefinition, field_def: FieldDef) -> str:
    """Says when a conditional question applies, for pages read without JavaScript."""
    if field_def.show_if is None:
        return ""
    try:
        controller = definition.field(field_def.show_if.field)
    except KeyError:
        return ""
    if controller.type == "yes_no":
        labels = [_("Yes") if v == "yes" else _("No") for v in field_def.show_if.values]
    else:
        labels = [controller.choice_label(v) for v in field_def.show_if.values]
    return _("Only if you answered “%(answer)s” to “%(question)s”.") % {
        "answer": " / ".join(labels),
        "question": str(controller.label),
    }


def file_hint(field_def: FieldDef) -> str:
    return _("%(kinds)s, %(size)s MB at most.") % {
        "kinds": accepted_labels(field_def.accept),
        "size": field_def.max_size_mb,
    }


ACCEPT_ATTRIBUTE = {"pdf": ".pdf,application/pdf", "jpeg": ".jpg,.jpeg,image/jpeg", "png": ".png,image/png"}


def accept_attribute(field_def: FieldDef) -> str:
    kinds = field_def.accept or ("pdf", "jpeg", "png")
    return ",".join(ACCEPT_ATTRIBUTE[k] for k in kinds if k in ACCEPT_ATTRIBUTE)


@dataclass
class AnswerRow:
    field: FieldDef
    value: str
    documents: list[DossierDocument]
    missing: bool

    @property
    def label(self) -> str:
        return str(self.field.label)

    @property
    def is_file(self) -> bool:
        return self.field.type == "file"

    @property
    def is_long(self) -> bool:
        return self.field.type == "long_text"


@dataclass
class AnswerSection:
    step: StepDef
    rows: list[AnswerRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.step.title)

    @property
    def key(self) -> str:
        return self.step.key


def answer_sections(dossier: Dossier, *, missing: set[str] | None = None) -> list[AnswerSection]:
    """Every question the applicant was asked, step by step, with their answer or documents."""
    missing = missing or set()
    answers = dossier.answers
    documents: dict[str, list[DossierDocument]] = {}
    for document in dossier.documents.all():
        documents.setdefault(document.field_name, []).append(document)
    sections = []
    for step in visible_steps(dossier.definition, answers):
        section = AnswerSection(step)
        for field_def in step.fields:
            if not field_def.visible(answers):
                continue
            section.rows.append(
                AnswerRow(
                    field=field_def,
                    value=""
                    if field_def.type == "file"
                    else value_display(field_def, answers.get(field_def.name)),
                    documents=documents.get(field_def.name, []),
                    missing=field_def.name in missing,
                )
            )
        sections.append(section)
    return sections


@dataclass(frozen=True)
class FeeOverview:
    """What a service costs, as said before anyone answers: free, fixed lines, or it depends."""

    kind: str  # "free", "fixed" or "depends"
    lines: list[tuple[str, int]]
    explanation: str = ""

    @property
    def total(self) -> int:
        return sum(amount for _label, amount in self.lines)


def fee_overview(definition: ServiceDefinition) -> FeeOverview:
    rule, params = definition.fee.rule, definition.fee.params
    language = _language()
    if rule == "free":
        return FeeOverview("free", [])
    if rule == "fixed":
        return FeeOverview("fixed", [(line["label"][language], line["amount"]) for line in params["lines"]])
    if rule == "by_option":
        try:
            option_field = definition.field(params["field"])
        except KeyError:
            return FeeOverview(
                "depends", [], _("The fee depends on your answers; you will see it before you file.")
            )
        lines = [(option_field.choice_label(value), amount) for value, amount in params["amounts"].items()]
        return FeeOverview(
            "depends",
            lines,
            _("The fee depends on your answer to “%(question)s”:") % {"question": str(option_field.label)},
        )
    fixed = [(line["label"][language], line["amount"]) for line in params.get("fixed") or []]
    return FeeOverview(
        "depends",
        fixed,
        _("The fee depends on your answers; you will see the exact amount before you file."),
    )


def fee_lines_display(lines: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Stored or computed fee lines as (label in the reader's language, amount)."""
    language = _language()
    return [
        (str(line["label"].get(language) or line["label"].get("fr")), int(line["amount"])) for line in lines
    ]
