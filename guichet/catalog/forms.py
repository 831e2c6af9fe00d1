"""Django forms built from a service definition, one per step of the filing.

The form only shows the questions and collects what was typed: the catalogue checks it
(catalog.validation), so a page, a use case and any future API say the same thing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from guichet.catalog.definition import Choice, FieldDef, StepDef, list_choices
from guichet.catalog.lists import PARENT_LISTS
from guichet.catalog.registries import field_types, fold
from guichet.catalog.validation import validate_answers
from guichet.core.text import bilingual


def _list_choices(options: tuple[Choice, ...], blank: str) -> list[tuple[str, str]]:
    # A long reference list is found by name: sorted in the reader's language.
    named = sorted(((c.value, bilingual(c.label)) for c in options), key=lambda item: fold(item[1]))
    return [("", blank), *named]


def _grouped_choices(options: tuple[Choice, ...], parent_list: str) -> list[Any]:
    """Entries under their parent's name (communes by prefecture), found without any script."""
    parents = {c.value: bilingual(c.label) for c in list_choices(parent_list)}
    groups: dict[str, list[tuple[str, str]]] = {}
    for choice in options:
        groups.setdefault(parents.get(choice.parent, choice.parent), []).append(
            (choice.value, bilingual(choice.label))
        )
    return [
        ("", _("Choose from the list")),
        *((name, sorted(groups[name], key=lambda item: fold(item[1]))) for name in sorted(groups, key=fold)),
    ]


def country_choices() -> list[tuple[str, str]]:
    """Every country by its ISO code, named and sorted in the reader's language."""
    return _list_choices(list_choices("countries"), _("Choose a country"))


def _form_field(field: FieldDef, *, conditional: bool) -> forms.Field:
    # `required` only marks the input; the catalogue says what is missing, in its own words.
    kwargs: dict[str, Any] = {
        "label": bilingual(field.label),
        "help_text": bilingual(field.help) if field.help else "",
        "required": field.required and not conditional and field.type != "file",
    }
    if field.max_length:
        kwargs["max_length"] = field.max_length
    if field.type == "number":
        kwargs["min_value"], kwargs["max_value"] = field.min_value, field.max_value
    if field.type == "country":
        kwargs["choices"] = country_choices()
    elif field.within and field.choices_from in PARENT_LISTS:
        kwargs["choices"] = _grouped_choices(field.options, PARENT_LISTS[field.choices_from])
    elif field.choices_from:
        kwargs["choices"] = _list_choices(field.options, _("Choose from the list"))
    elif field.type in {"choice", "multi_choice"}:
        kwargs["choices"] = [(c.value, bilingual(c.label)) for c in field.choices]
    return field_types[field.type].build(kwargs)


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
            if field.within:
                # For a script that narrows the list to the parent chosen above.
                widget_attrs["data-within"] = field.within
            if depends_here and field.show_if is not None:
                widget_attrs["data-show-if"] = field.show_if.field
                widget_attrs["data-show-values"] = " ".join(field.show_if.values)
            if field.name in answers and field.type != "file":
                self.initial[field.name] = answers[field.name]

    def _clean_fields(self) -> None:
        """What was typed, checked by the catalogue; files are only collected here."""
        typed: dict[str, Any] = {}
        for name in self.fields:
            bound = self[name]
            if name in self.file_fields_names:
                # Collected only: the upload checks (dossiers.uploads) judge a file, in their own words.
                self.cleaned_data[name] = bound.data or None
            else:
                typed[name] = bound.data
        cleaned, errors = validate_answers(self.step, typed, fields=typed.keys(), context=self.answers)
        self.cleaned_data.update(cleaned)
        for name, messages in errors.items():
            self.cleaned_data.pop(name, None)
            self.add_error(name, messages)

    @property
    def file_fields_names(self) -> set[str]:
        return {f.name for f in self.file_fields}

    def answers_to_store(self) -> dict[str, Any]:
        """The checked answers of this step as stored (files excluded)."""
        return {
            field.name: self.cleaned_data.get(field.name)
            for field in self.step.fields
            if field.type != "file" and field.name in self.fields
        }
