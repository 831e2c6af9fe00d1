"""What a service file may name: field types, validators, issued documents (fee rules: `fees.py`).

A new rule is one function here (or in a later app's module) registered by name;
service files then refer to it by that name. Every message a person reads is specific to
the question (GOV.UK style: "Enter a number, like 12"), never Django's generic text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.contacts import parse_phone
from guichet.core.registry import Registry
from guichet.core.text import bilingual

if TYPE_CHECKING:
    # Only for type checking: at run time the definition imports this module, not the reverse.
    from guichet.catalog.definition import FieldDef

# --- validators ------------------------------------------------------------------------

# A validator receives the value its field type has cleaned (a date for a date field).
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

# Keys a service file may use under a field's `messages` to say an error its own way.
MESSAGE_KEYS = ("required", "invalid", "too_small", "too_large", "too_long")


def field_error(field: FieldDef, key: str, default: str | Promise, **params: Any) -> ValidationError:
    """The error `key` for this field: the service file's own words if it has them, else `default`.

    `default` is a translated text with %(label)s and the given params; a service file's text
    may say {min}, {max} where the limit goes.
    """
    own = field.messages.get(key)
    if own is not None:
        text = bilingual(own)
        for name, value in params.items():
            text = text.replace("{" + name + "}", str(value))
        return ValidationError(text, code=key)
    return ValidationError(str(default) % {"label": bilingual(field.label), **params}, code=key)


@dataclass(frozen=True)
class FieldType:
    """How a declared field is asked (the form widget), checked, stored and shown.

    `clean` turns what was typed, or what was stored, into a Python value, or raises a
    ValidationError a person can act on; `to_json` stores that value (dates as ISO text).
    Cleaning a stored value gives it back unchanged, so answers can be checked again at filing.
    """

    build: Callable[[dict[str, Any]], forms.Field]
    clean: Callable[[FieldDef, Any], Any]
    required_message: str | Promise
    to_json: Callable[[Any], Any] = lambda v: v
    display: Callable[[Any], str] = lambda v: "" if v in (None, "") else str(v)
    empty: Any = ""  # what an unanswered optional question stores


field_types: Registry[FieldType] = Registry("field types")


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: "Agoè-Nyivé " matches "agoe-nyive"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _text_value(field: FieldDef, value: Any, limit: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise field_error(field, "invalid", gettext_lazy("Enter “%(label)s” as text"))
    text = str(value).strip()
    if "\x00" in text:
        raise field_error(field, "invalid", gettext_lazy("Enter “%(label)s” as text"))
    limit = field.max_length or limit
    if len(text) > limit:
        raise field_error(
            field, "too_long", gettext_lazy("“%(label)s” must be %(max)s characters or fewer"), max=limit
        )
    return text


def _clean_number(field: FieldDef, value: Any) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        # People group digits with spaces ("1 000"); only whole numbers are asked.
        digits = re.sub(r"[\s\u00a0\u202f]", "", value)
        if re.fullmatch(r"[+-]?\d{1,15}", digits):
            number = int(digits)
    if number is None:
        raise field_error(field, "invalid", gettext_lazy("Enter a number, like 12"))
    if field.min_value is not None and number < field.min_value:
        raise field_error(
            field, "too_small", gettext_lazy("“%(label)s” must be at least %(min)s"), min=field.min_value
        )
    if field.max_value is not None and number > field.max_value:
        raise field_error(
            field, "too_large", gettext_lazy("“%(label)s” must be %(max)s or less"), max=field.max_value
        )
    return number


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _clean_date(field: FieldDef, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for pattern in DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a date, no time)
            except ValueError:
                continue
            if 1900 <= parsed.year <= 2200:
                return parsed
    raise field_error(field, "invalid", gettext_lazy("Enter a real date, like 31/12/2025"))


def _clean_time(field: FieldDef, value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2})\s*[:hH.]\s*(\d{2})(?::\d{2})?", value.strip())
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return dt.time(int(match[1]), int(match[2]))
    raise field_error(field, "invalid", gettext_lazy("Enter a time, like 14:30"))


def _find_option(field: FieldDef, value: Any) -> str | None:
    """The stored code of a choice: the code itself, or a choice's name in either language."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    options = field.options
    text = str(value).strip()
    if any(choice.value == text for choice in options):
        return text
    folded = fold(text)
    for choice in options:
        if folded in (fold(choice.value), fold(choice.label.fr), fold(choice.label.en)):
            return choice.value
    return None


def _clean_choice(field: FieldDef, value: Any) -> str:
    option = _find_option(field, value)
    if option is None:
        if field.choices_from == "countries":
            raise field_error(field, "invalid", gettext_lazy("Choose a country from the list"))
        raise field_error(field, "invalid", gettext_lazy("Choose one of the options"))
    return option


def _clean_multi_choice(field: FieldDef, value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise field_error(field, "invalid", gettext_lazy("Choose one of the options"))
    chosen: list[str] = []
    for item in items:
        option = _find_option(field, item)
        if option is None:
            raise field_error(field, "invalid", gettext_lazy("Choose one of the options"))
        if option not in chosen:
            chosen.append(option)
    return chosen


def _clean_yes_no(field: FieldDef, value: Any) -> str:
    if value is True or (isinstance(value, str) and fold(value) in {"yes", "oui"}):
        return "yes"
    if value is False or (isinstance(value, str) and fold(value) in {"no", "non"}):
        return "no"
    raise field_error(field, "invalid", gettext_lazy("Answer yes or no"))


def _clean_phone(field: FieldDef, value: Any) -> str:
    return parse_phone(_text_value(field, value, 30))


def _clean_email(field: FieldDef, value: Any) -> str:
    address = _text_value(field, value, 254)
    try:
        validate_email(address)
    except ValidationError:
        raise field_error(
            field, "invalid", gettext_lazy("Enter a valid e-mail address, for example nom@exemple.tg.")
        ) from None
    return address


def _refuse_file(field: FieldDef, value: Any) -> Any:
    # Documents are uploaded and checked on their own (dossiers.uploads); no answer holds one.
    raise field_error(field, "invalid", gettext_lazy("Add “%(label)s” as a document"))


def _date_display(value: Any) -> str:
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def _iso(value: Any) -> Any:
    return value.isoformat() if value else ""


def _yes_no_display(value: Any) -> str:
    return _("Yes") if value in (True, "yes") else _("No")


ENTER = gettext_lazy("Enter “%(label)s”")
ANSWER = gettext_lazy("Answer “%(label)s”")
FROM_LIST = gettext_lazy("Choose “%(label)s” from the list")

field_types.register("text")(
    FieldType(
        build=lambda kw: forms.CharField(max_length=kw.pop("max_length", None) or 200, **kw),
        clean=lambda f, v: _text_value(f, v, 200),
        required_message=ENTER,
    )
)
field_types.register("long_text")(
    FieldType(
        build=lambda kw: forms.CharField(
            widget=forms.Textarea(attrs={"rows": 6}), max_length=kw.pop("max_length", None) or 5000, **kw
        ),
        clean=lambda f, v: _text_value(f, v, 5000),
        required_message=ENTER,
    )
)
field_types.register("number")(
    FieldType(
        build=lambda kw: forms.IntegerField(
            min_value=kw.pop("min_value", None), max_value=kw.pop("max_value", None), **kw
        ),
        clean=_clean_number,
        required_message=ENTER,
        empty=None,
    )
)
field_types.register("date")(
    FieldType(
        build=lambda kw: forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kw),
        clean=_clean_date,
        required_message=ENTER,
        to_json=_iso,
        display=_date_display,
    )
)
field_types.register("time")(
    FieldType(
        build=lambda kw: forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), **kw),
        clean=_clean_time,
        required_message=ENTER,
        to_json=lambda v: v.strftime("%H:%M") if v else "",
    )
)


def _choice_widget(kw: dict[str, Any]) -> forms.Field:
    # A long list (prefectures, communes) reads better as a drop-down than as radio buttons.
    widget = forms.Select if len(kw.get("choices") or ()) > 12 else forms.RadioSelect
    return forms.ChoiceField(widget=widget, **kw)


field_types.register("choice")(FieldType(build=_choice_widget, clean=_clean_choice, required_message=ANSWER))
field_types.register("multi_choice")(
    FieldType(
        build=lambda kw: forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, **kw),
        clean=_clean_multi_choice,
        required_message=gettext_lazy("Choose at least one answer to “%(label)s”"),
        display=lambda v: ", ".join(v or ()),
        empty=[],
    )
)
field_types.register("yes_no")(
    FieldType(
        build=lambda kw: forms.ChoiceField(
            widget=forms.RadioSelect, choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))], **kw
        ),
        clean=_clean_yes_no,
        required_message=ANSWER,
        display=_yes_no_display,
    )
)
field_types.register("phone")(
    FieldType(
        build=lambda kw: forms.CharField(
            max_length=30, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}), **kw
        ),
        clean=_clean_phone,
        required_message=ENTER,
    )
)
field_types.register("email")(
    FieldType(
        build=lambda kw: forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}), **kw),
        clean=_clean_email,
        required_message=ENTER,
    )
)
# A country is a choice from the `countries` list (see catalog.lists).
field_types.register("country")(
    FieldType(build=lambda kw: forms.ChoiceField(**kw), clean=_clean_choice, required_message=FROM_LIST)
)
# Files are uploaded on their own (see dossiers.uploads); the form only collects them.
field_types.register("file")(
    FieldType(
        build=lambda kw: forms.FileField(**kw),
        clean=_refuse_file,
        required_message=gettext_lazy("Add “%(label)s”"),
        empty=None,
    )
)


def required_error(field: FieldDef) -> ValidationError:
    """The error for a required question left unanswered, named after its label."""
    default = FROM_LIST if field.choices_from else field_types[field.type].required_message
    return field_error(field, "required", default)


# --- issued documents ----------------------------------------------------------------


@dataclass(frozen=True)
class IssuedDocumentType:
    title: dict[str, str]
    default_validity_days: int


issued_documents: Registry[IssuedDocumentType] = Registry("issued documents")
issued_documents.register("authorization")(
    IssuedDocumentType(title={"fr": "Autorisation", "en": "Authorization"}, default_validity_days=365)
)
issued_documents.register("event_security_coverage")(
    IssuedDocumentType(
        title={"fr": "Couverture sécuritaire", "en": "Security coverage"}, default_validity_days=1
    )
)
# Who makes a document when a file that issues it is approved (`dossiers.approve_dossier` calls
# `document_issuers[type](dossier, actor)` in its transaction). The issuing app registers itself
# (guichet.permits), so the dossiers app imports none of them.
document_issuers: Registry[Callable[[Any, Any], object]] = Registry("document issuers")


# The procedures' own checks (plates, VINs, passports, lead times) register themselves here too.
import guichet.catalog.validators  # noqa: E402, F401
