"""What a service file may name: field types, validators, fee rules, issued documents.

A new rule is one function here (or in a later app's module) registered by name;
service files then refer to it by that name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.contacts import parse_phone
from guichet.core.registry import Registry

# --- validators ------------------------------------------------------------------------

Validator = Callable[[Any], None]
validators: Registry[Validator] = Registry("validators")


@validators.register("niu")
def validate_niu(value: Any) -> None:
    if not re.fullmatch(r"\d{12}", str(value).replace(" ", "")):
        raise ValidationError(_("The NIU has exactly 12 digits, as printed on your card."), code="niu")


@validators.register("togo_plate")
def validate_togo_plate(value: Any) -> None:
    normalised = re.sub(r"[\s\-]", "", str(value)).upper()
    if not re.fullmatch(r"[A-Z0-9]{4,12}", normalised):
        raise ValidationError(
            _("Enter the plate as written on the registration card, for example TG 1234 AB."), code="plate"
        )


@validators.register("not_in_past")
def validate_not_in_past(value: Any) -> None:
    if isinstance(value, dt.date) and value < timezone.localdate():
        raise ValidationError(_("This date is already past. Enter today's date or a later one."), code="past")


@validators.register("not_in_future")
def validate_not_in_future(value: Any) -> None:
    if isinstance(value, dt.date) and value > timezone.localdate():
        raise ValidationError(
            _("This date is in the future. Enter today's date or an earlier one."), code="future"
        )


# --- field types -----------------------------------------------------------------------


class PhoneField(forms.CharField):
    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return parse_phone(value) if value else value


@dataclass(frozen=True)
class FieldType:
    """Builds the form field for a declared field and says how an answer is shown."""

    build: Callable[[dict[str, Any]], forms.Field]
    # Turn a cleaned value into JSON and back (dates are kept as ISO strings).
    to_json: Callable[[Any], Any] = lambda v: v
    display: Callable[[Any], str] = lambda v: "" if v in (None, "") else str(v)


field_types: Registry[FieldType] = Registry("field types")


def _date_display(value: Any) -> str:
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def _iso(value: Any) -> Any:
    return value.isoformat() if value else ""


def _yes_no_display(value: Any) -> str:
    return _("Yes") if value in (True, "yes") else _("No")


field_types.register("text")(
    FieldType(build=lambda kw: forms.CharField(max_length=kw.pop("max_length", None) or 200, **kw))
)
field_types.register("long_text")(
    FieldType(
        build=lambda kw: forms.CharField(
            widget=forms.Textarea(attrs={"rows": 6}), max_length=kw.pop("max_length", None) or 5000, **kw
        )
    )
)
field_types.register("number")(
    FieldType(
        build=lambda kw: forms.IntegerField(
            min_value=kw.pop("min_value", None), max_value=kw.pop("max_value", None), **kw
        )
    )
)
field_types.register("date")(
    FieldType(
        build=lambda kw: forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kw),
        to_json=_iso,
        display=_date_display,
    )
)
field_types.register("time")(
    FieldType(
        build=lambda kw: forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), **kw),
        to_json=lambda v: v.strftime("%H:%M") if v else "",
    )
)
field_types.register("choice")(FieldType(build=lambda kw: forms.ChoiceField(widget=forms.RadioSelect, **kw)))
field_types.register("multi_choice")(
    FieldType(
        build=lambda kw: forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, **kw),
        display=lambda v: ", ".join(v or ()),
    )
)
field_types.register("yes_no")(
    FieldType(
        build=lambda kw: forms.ChoiceField(
            widget=forms.RadioSelect, choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))], **kw
        ),
        display=_yes_no_display,
    )
)
field_types.register("phone")(
    FieldType(
        build=lambda kw: PhoneField(
            max_length=30, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}), **kw
        )
    )
)
field_types.register("email")(
    FieldType(
        build=lambda kw: forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}), **kw)
    )
)
field_types.register("country")(FieldType(build=lambda kw: forms.ChoiceField(**kw)))
# Files are uploaded on their own (see dossiers.uploads); the form only collects them.
field_types.register("file")(FieldType(build=lambda kw: forms.FileField(**kw)))


# --- fee rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeLine:
    label: dict[str, str]  # {"fr": ..., "en": ...}
    amount: int  # whole XOF

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "amount": self.amount}


class FeeRule(Protocol):
    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None: ...
    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]: ...


fee_rules: Registry[FeeRule] = Registry("fee rules")


def _check_lines(lines: Any, path: str) -> None:
    from guichet.catalog.definition import DefinitionError

    if not isinstance(lines, list) or not lines:
        raise DefinitionError(f"{path}: a list of lines, each with a label (fr, en) and a whole amount")
    for line in lines:
        if not isinstance(line, dict):
            raise DefinitionError(f"{path}: every line is a mapping with a label (fr, en) and an amount")
        if not isinstance(line.get("amount"), int) or line["amount"] < 0:
            raise DefinitionError(f"{path}: every amount is a whole number of XOF, 0 or more")
        if not {"fr", "en"} <= set(line.get("label") or {}):
            raise DefinitionError(f"{path}: every line needs a label in fr and en")


class Free:
    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        pass

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        return []


class Fixed:
    """Fixed lines, e.g. a review fee and a fiscal stamp."""

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        _check_lines(params.get("lines"), "fee.lines")

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        return [FeeLine(label=line["label"], amount=line["amount"]) for line in params["lines"]]


class ByOption:
    """One amount per value of a choice field (an entry authorization by duration)."""

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        from guichet.catalog.definition import DefinitionError

        if params.get("field") not in field_names or (
            isinstance(field_names, Mapping) and field_names[params["field"]] not in {"choice", "yes_no"}
        ):
            raise DefinitionError("fee.field: the name of a choice field of this service")
        amounts = params.get("amounts")
        if not isinstance(amounts, dict) or not all(isinstance(v, int) and v >= 0 for v in amounts.values()):
            raise DefinitionError("fee.amounts: a mapping from each choice to a whole amount")

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        option = str(answers.get(params["field"], ""))
        amount = params["amounts"].get(option)
        if amount is None:
            return []
        label = params.get("label") or {"fr": "Frais", "en": "Fee"}
        return [FeeLine(label=label, amount=amount)]


class PerUnit:
    """A count read from a field times a unit price, plus fixed lines (agents × hours × rate)."""

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        from guichet.catalog.definition import DefinitionError

        factors = params.get("factors") or []
        if not isinstance(factors, list):
            raise DefinitionError("fee.factors: a list of number fields")
        for name in factors:
            if name not in field_names:
                raise DefinitionError(f"fee.factors: no field named {name!r}")
            # parse_definition passes {name: type}: a factor must be a count, not a text.
            if isinstance(field_names, Mapping) and field_names[name] != "number":
                raise DefinitionError(f"fee.factors: {name!r} is not a number field")
        if not isinstance(params.get("unit_price"), int) or params["unit_price"] < 0:
            raise DefinitionError("fee.unit_price: a whole amount of XOF, 0 or more")
        if params.get("fixed"):
            _check_lines(params["fixed"], "fee.fixed")

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        quantity = 1
        for name in params.get("factors") or []:
            quantity *= int(answers.get(name) or 0)
        label = params.get("label") or {"fr": "Prestation", "en": "Service"}
        lines = [FeeLine(label=line["label"], amount=line["amount"]) for line in params.get("fixed") or []]
        return [*lines, FeeLine(label=label, amount=quantity * params["unit_price"])]


fee_rules.register("free")(Free())
fee_rules.register("fixed")(Fixed())
fee_rules.register("by_option")(ByOption())
fee_rules.register("per_unit")(PerUnit())


# --- issued documents ----------------------------------------------------------------


@dataclass(frozen=True)
class IssuedDocumentType:
    title: dict[str, str]
    default_validity_days: int


issued_documents: Registry[IssuedDocumentType] = Registry("issued documents")
issued_documents.register("authorization")(
    IssuedDocumentType(title={"fr": "Autorisation", "en": "Authorization"}, default_validity_days=365)
)
