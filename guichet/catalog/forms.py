"""Django forms built from a service definition, one per step of the filing.

The form only shows the questions and collects what was typed: the catalogue checks it
(catalog.validation), so a page, a use case and any future API say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from guichet.catalog.definition import (
    ITEM_KEY,
    ITEM_KEY_PATTERN,
    Choice,
    FieldDef,
    StepDef,
    document_slot,
    group_items,
    item_path,
    list_choices,
    new_item_key,
    split_item_path,
)
from guichet.catalog.lists import LIKELY_COUNTRIES, PARENT_LISTS
from guichet.catalog.registries import field_types, fold
from guichet.catalog.validation import item_name, validate_answers
from guichet.core.text import bilingual

# A reference list this long or shorter is offered as radio buttons (see registries._choice_widget).
SHORT_LIST = 12


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


def country_options() -> list[Any]:
    """The country drop-down: likely countries first, then every country from A to Z.

    A native drop-down (no script, fine on a phone): the countries most applicants name come
    first in their own group, then every country sorted in the reader's language (those again,
    in their place, for whoever looks there).
    """
    names = dict(country_choices()[1:])
    likely = [(code, names[code]) for code in LIKELY_COUNTRIES if code in names]
    return [
        ("", _("Choose a country")),
        (_("Most often chosen"), likely),
        (_("All countries, A to Z"), list(names.items())),
    ]


class SelectWidget(forms.Select):
    """A native drop-down drawn in Python rather than one template per option (pages still see a "select").

    The country list has 258 options: drawn by Django's option templates, a group of 20
    travellers took seconds to render; the markup is the same.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in self.format_value(value)}

        def options(choices: Any) -> SafeString:
            return format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((v, mark_safe(" selected") if str(v) in chosen else "", label) for v, label in choices),
            )

        parts = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', option_value, options(label)))
            else:
                parts.append(options([(option_value, label)]))
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(parts)))  # noqa: S308


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
    if field.type == "country" or field.choices_from == "countries":
        kwargs["choices"] = country_options()
    elif field.within and field.choices_from in PARENT_LISTS:
        kwargs["choices"] = _grouped_choices(field.options, PARENT_LISTS[field.choices_from])
    elif field.choices_from and len(field.options) > SHORT_LIST:
        kwargs["choices"] = _list_choices(field.options, _("Choose from the list"))
    elif field.choices_from:
        # A short list (ports of entry, ID documents) reads as radio buttons, in the file's order.
        kwargs["choices"] = [(c.value, bilingual(c.label)) for c in field.options]
    elif field.type in {"choice", "multi_choice"}:
        kwargs["choices"] = [(c.value, bilingual(c.label)) for c in field.choices]
    form_field = field_types[field.type].build(kwargs)
    if field.type == "country" or field.choices_from == "countries":
        form_field.widget = SelectWidget(attrs=form_field.widget.attrs, choices=kwargs["choices"])
    return form_field


@dataclass
class ItemLayout:
    """One item of a repeating group as a step draws it: its key, its number, its form fields."""

    key: str
    position: int
    title: str
    names: list[str] = dataclass_field(default_factory=list)
    is_new: bool = False


@dataclass
class GroupLayout:
    """A repeating group on a step: the group, its items in order, and whether one more fits."""

    field: FieldDef
    items: list[ItemLayout] = dataclass_field(default_factory=list)

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def can_add(self) -> bool:
        return len(self.items) < self.field.max_items

    @property
    def next_title(self) -> str:
        return item_name(self.field, len(self.items) + 1)


def _item_keys(raw: Any, limit: int) -> list[str]:
    """The item keys a form sent back (a hidden input, space separated), checked and once each.

    At most `limit` (a group's maximum and one, so "too many" can still be said): a forged list
    of 10,000 keys would otherwise draw and check 10,000 items for minutes.
    """
    keys: list[str] = []
    seen: set[str] = set()
    for key in str(raw or "").split():
        if len(keys) >= limit:
            break
        if ITEM_KEY_PATTERN.fullmatch(key) and key not in seen:
            seen.add(key)
            keys.append(key)
    return keys


def typed_answers(data: Mapping[str, Any], step: StepDef) -> dict[str, Any]:
    """What the person typed on a step (a QueryDict), groups as lists of items, unjudged."""
    getlist = getattr(data, "getlist", None)
    typed: dict[str, Any] = {}
    for field_def in step.fields:
        if field_def.is_group:
            if field_def.name in data:
                typed[field_def.name] = [
                    _typed_item(data, field_def, key, getlist)
                    for key in _item_keys(data.get(field_def.name), field_def.max_items + 1)
                ]
            continue
        if field_def.type == "file" or field_def.name not in data:
            continue
        typed[field_def.name] = (
            getlist(field_def.name)
            if field_def.type == "multi_choice" and getlist
            else data.get(field_def.name)
        )
    return typed


def _typed_item(data: Mapping[str, Any], group: FieldDef, key: str, getlist: Any) -> dict[str, Any]:
    item: dict[str, Any] = {ITEM_KEY: key}
    for inner in group.fields:
        path = item_path(group.name, key, inner.name)
        if inner.type == "file" or path not in data:
            continue
        item[inner.name] = getlist(path) if inner.type == "multi_choice" and getlist else data.get(path)
    return item


class ItemKeysInput(forms.HiddenInput):
    """The hidden list of a group's item keys: always the items drawn, even on a form sent back
    (a new blank item drawn after an error must come back with the rest)."""

    def __init__(self, keys: list[str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.keys = keys

    def format_value(self, value: Any) -> str:
        return " ".join(self.keys)


class StepForm(forms.Form):
    """The questions of one step; fields hidden by an earlier answer are left out.

    A repeating group is drawn as its items, each with its own form fields named by item path
    ("travellers-<key>-surname"), plus one hidden input (named after the group) listing the
    items' keys in order: the page sends its whole structure back, no script needed.
    `add_item` names a group that gets one more, empty, item.
    """

    def __init__(
        self, *args: Any, step: StepDef, answers: dict[str, Any], add_item: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.answers = answers
        local_names = {f.name for f in step.fields}
        self.conditional: dict[str, FieldDef] = {}
        self.file_fields: list[FieldDef] = []
        # (form field name, document slot) of each item's file input.
        self.item_uploads: list[tuple[str, str]] = []
        self.groups: dict[str, GroupLayout] = {}
        self.untouched_groups: set[str] = set()
        self.adding = add_item
        for field in step.fields:
            depends_here = field.show_if is not None and field.show_if.field in local_names
            if field.show_if is not None and not depends_here and not field.visible(answers):
                continue
            if field.is_group:
                self._add_group(field, add=add_item == field.name)
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

    @staticmethod
    def group_names(step: StepDef) -> set[str]:
        return {f.name for f in step.fields if f.is_group}

    def _add_group(self, group: FieldDef, *, add: bool) -> None:
        if self.is_bound:
            keys = _item_keys(self.data.get(group.name), group.max_items + 1)
            values = {
                item[ITEM_KEY]: item for item in typed_answers(self.data, self.step).get(group.name, [])
            }
        else:
            items = [item for item in group_items(self.answers, group.name) if ITEM_KEY in item]
            keys = [str(item[ITEM_KEY]) for item in items]
            values = {str(item[ITEM_KEY]): item for item in items}
        new_keys: set[str] = set()
        # "Add" opens its new item on the page that follows (a GET), never on a form sent back.
        if (not keys and group.min_items > 0) or (add and not self.is_bound and len(keys) < group.max_items):
            keys.append(new_item_key())
            new_keys.add(keys[-1])
        layout = GroupLayout(group)
        hidden = forms.CharField(
            required=False, widget=ItemKeysInput(keys, attrs={"id": f"{group.name}_keys"})
        )
        hidden.label = bilingual(group.label)
        self.fields[group.name] = hidden
        self.initial[group.name] = " ".join(keys)
        for position, key in enumerate(keys, start=1):
            item = ItemLayout(key, position, item_name(group, position), is_new=key in new_keys)
            for inner in group.fields:
                path = item_path(group.name, key, inner.name)
                conditional = inner.show_if is not None
                form_field = _form_field(inner, conditional=conditional)
                # The error summary says which item a question belongs to.
                form_field.summary_label = f"{item.title} — {bilingual(inner.label)}"  # type: ignore[attr-defined]
                if conditional and inner.show_if is not None:
                    self.conditional[path] = inner
                    form_field.widget.attrs["data-show-if"] = item_path(group.name, key, inner.show_if.field)
                    form_field.widget.attrs["data-show-values"] = " ".join(inner.show_if.values)
                if inner.within:
                    form_field.widget.attrs["data-within"] = item_path(group.name, key, inner.within)
                if inner.type == "file":
                    self.item_uploads.append((path, document_slot(inner.name, key)))
                elif inner.name in values.get(key, {}):
                    self.initial[path] = values[key][inner.name]
                self.fields[path] = form_field
                item.names.append(path)
            layout.items.append(item)
        self.groups[group.name] = layout

    def _clean_fields(self) -> None:
        """What was typed, checked by the catalogue; files are only collected here."""
        typed: dict[str, Any] = {}
        uploads = {path for path, _slot in self.item_uploads}
        for name in self.fields:
            bound = self[name]
            if name in self.file_fields_names or name in uploads:
                # Collected only: the upload checks (dossiers.uploads) judge a file, in their own words.
                self.cleaned_data[name] = bound.data or None
            elif name in self.groups or split_item_path(name) is None:
                typed[name] = bound.data
        for name in self.groups:
            if self.is_bound and name not in self.data:
                # A page that did not send the group (an older page) changes nothing in it.
                typed.pop(name, None)
                self.untouched_groups.add(name)
                continue
            typed[name] = self._typed_items(name)
        cleaned, errors = validate_answers(
            self.step,
            typed,
            fields=typed.keys(),
            context=self.answers,
            summarise_items=False,
            check_counts=not self.adding,
        )
        self.cleaned_data.update(cleaned)
        for name, messages in errors.items():
            self.cleaned_data.pop(name, None)
            self.add_error(name if name in self.fields else split_item_path(name)[0], messages)  # type: ignore[index]

    def _typed_items(self, name: str) -> list[dict[str, Any]]:
        """The group's items as typed; a new item left wholly blank is not an item yet."""
        layout = self.groups[name]
        stored = {item.get(ITEM_KEY) for item in group_items(self.answers, name)}
        items = []
        for item in layout.items:
            values = {ITEM_KEY: item.key}
            for path in item.names:
                inner_name = path.split("-", 2)[2]
                if path not in {p for p, _s in self.item_uploads}:
                    values[inner_name] = self[path].data
            blank = all(value in (None, "", []) for key, value in values.items() if key != ITEM_KEY)
            sent_file = any(self.files.get(p) for p in item.names if p in dict(self.item_uploads))
            if blank and not sent_file and item.key not in stored:
                continue
            items.append(values)
        return items

    @property
    def file_fields_names(self) -> set[str]:
        return {f.name for f in self.file_fields}

    @property
    def upload_names(self) -> set[str]:
        """Every file input's name: a step's own, and each item's."""
        return self.file_fields_names | {path for path, _slot in self.item_uploads}

    def answers_to_store(self) -> dict[str, Any]:
        """The checked answers of this step as stored (files excluded)."""
        return {
            field.name: self.cleaned_data.get(field.name)
            for field in self.step.fields
            if field.type != "file" and field.name in self.fields and field.name not in self.untouched_groups
        }
