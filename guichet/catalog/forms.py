"""Django forms built from a service definition, one per step of the filing."""

from __future__ import annotations

from typing import Any

from babel import Locale
from django import forms
from django.utils import translation
from django.utils.translation import gettext as _

from guichet.catalog.definition import FieldDef, StepDef
from guichet.catalog.registries import field_types, validators


def country_choices() -> list[tuple[str, str]]:
    language = translation.get_language() or "fr"
    territories = Locale.parse(language.split("-")[0]).territories
    names = sorted(
        (
            (code, name)
            for code, name in territories.items()
            if len(code) == 2
            and code.isalpha()
            and code not in {"ZZ", "EU", "UN", "EZ", "QO", "XA", "XB", "XK"}
        ),
        key=lambda item: item[1],
    )
    return [("", _("Choose a country")), *names]


def _form_field(field: FieldDef, *, conditional: bool) -> forms.Field:
    kwargs: dict[str, Any] = {
        "label": str(field.label),
        "help_text": str(field.help) if field.help else "",
        # A field shown only under a condition from the same step is checked in clean().
        "required": field.required and not conditional and field.type != "file",
    }
    if field.max_length:
        kwargs["max_length"] = field.max_length
    if field.type == "number":
        kwargs["min_value"], kwargs["max_value"] = field.min_value, field.max_value
    if field.type in {"choice", "multi_choice"}:
        kwargs["choices"] = [(c.value, str(c.label)) for c in field.choices]
    if field.type == "country":
        kwargs["choices"] = country_choices()
    form_field = field_types[field.type].build(kwargs)
    form_field.validators.extend(validators[name] for name in field.validators)
    return form_field


class StepForm(forms.Form):
    """The questions of one step; fields hidden by an earlier answer are left out."""

    def __init__(self, *args: Any, step: StepDef, answers: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.answers = answers
        local_names = {f.name for f in step.fields}
        self.conditional: dict[str, FieldDef] = {}
        self.file_fields: list[FieldDef] = []
        for field in step.fields:
            depends_here = field.show_if is not None and field.show_if.field in local_names
            if field.show_if is not None and not depends_here and not field.visible(answers):
                continue
            if depends_here:
                self.conditional[field.name] = field
            if field.type == "file":
                self.file_fields.append(field)
            self.fields[field.name] = _form_field(field, conditional=depends_here)
            widget_attrs = self.fields[field.name].widget.attrs
            if depends_here and field.show_if is not None:
                widget_attrs["data-show-if"] = field.show_if.field
                widget_attrs["data-show-values"] = " ".join(field.show_if.values)
            if field.name in answers and field.type != "file":
                self.initial[field.name] = answers[field.name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        merged = {**self.answers, **{k: v for k, v in cleaned.items() if k not in self.file_fields_names}}
        for name, field in self.conditional.items():
            if field.visible(merged):
                if field.required and field.type != "file" and cleaned.get(name) in (None, "", []):
                    self.add_error(name, _("Answer this question."))
            else:
                # Hidden by the answer above it: neither its value nor its errors count.
                cleaned.pop(name, None)
                self.errors.pop(name, None)
        return cleaned

    @property
    def file_fields_names(self) -> set[str]:
        return {f.name for f in self.file_fields}

    def answers_to_store(self) -> dict[str, Any]:
        """The cleaned answers of this step as JSON values (files excluded)."""
        result: dict[str, Any] = {}
        for field in self.step.fields:
            if field.type == "file" or field.name not in self.fields:
                continue
            if field.name in self.cleaned_data:
                result[field.name] = field_types[field.type].to_json(self.cleaned_data[field.name])
            else:
                result[field.name] = None
        return result
