"""Checks for the authorization procedures: plates, chassis numbers, passports, dates with a lead time.

Each check is registered by name in the catalogue's registries (`registries.validators`,
`registries.field_types`), so a service file says `type: vin` or `validators: [event_lead_time]`.
Numbers the domain does not fix (lead times, how recent a criminal record must be, how long
a passport must stay valid) are read from settings when the check runs, never frozen here.

Field types normalise what is typed (upper case, no spaces or dashes) so the stored value is
the one a roadside or border check looks up; the validators of the same names only check,
for a plain text field. Rules that compare several answers (a traveller's passport expiry
against the group's arrival date, an event's end against its start) are `answer_rules`: a
function over all the answers that returns the errors by question.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.catalog.lists import ecowas_codes
from guichet.catalog.registries import (
    ENTER,
    FieldType,
    IssuedDocumentType,
    _text_value,
    field_types,
    issued_documents,
    validators,
)
from guichet.core.registry import Registry

if TYPE_CHECKING:
    from guichet.catalog.definition import FieldDef

# Defaults when the deployment's settings do not say (see settings.GUICHET and the operator guide).
DEFAULTS: dict[str, Any] = {
    "CRIMINAL_RECORD_MAX_AGE_MONTHS": 3,
    "EVENT_LEAD_DAYS": 7,
    "EVENT_SECURITY_PHONE": "117",
    "EVENT_MAX_DAYS": 7,
    "ENTRY_LEAD_DAYS": 7,
    "PASSPORT_MIN_VALIDITY_MONTHS": 6,
    "TINTED_WINDOWS_VALIDITY_DAYS": 365,
}


def setting(key: str) -> Any:
    """A procedure's number from settings.GUICHET, or its default."""
    return getattr(settings, "GUICHET", {}).get(key, DEFAULTS[key])


def show_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), on the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def as_date(value: Any) -> dt.date | None:
    """A date from a cleaned value or a stored answer (ISO text); None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def as_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            return None
    return None


# --- vehicle plate -------------------------------------------------------------------------

PLATE_MIN, PLATE_MAX = 4, 10
# What people type between the parts of a plate: spaces, dashes, dots, slashes are dropped.
PLATE_SEPARATORS = re.compile(r"[\s\-‐‑–—./]")


def normalise_plate(value: Any) -> str:
    """`tg-1234 ab` -> `TG1234AB`: the form a roadside check looks up."""
    return PLATE_SEPARATORS.sub("", str(value)).upper()


@validators.register("vehicle_plate")
def validate_vehicle_plate(value: Any) -> None:
    """A plate as seen on the road (TG 1234 AB, 1234 AB, state series, diplomatic CD 123 A)."""
    plate = normalise_plate(value)
    example = "TG 1234 AB"
    if not re.search(r"[A-Z0-9]", plate):
        raise ValidationError(
            _(
                "Enter the plate with its letters and digits, as on the registration card, for example %(example)s."
            )
            % {"example": example},
            code="plate_empty",
        )
    wrong = next((c for c in plate if not ("A" <= c <= "Z" or "0" <= c <= "9")), None)
    if wrong is not None:
        raise ValidationError(
            _("A plate has only letters and digits (spaces and dashes are fine): remove “%(char)s”.")
            % {"char": wrong},
            code="plate_character",
        )
    if len(plate) < PLATE_MIN:
        raise ValidationError(
            _(
                "This plate is too short: a plate has at least %(min)s letters and digits, "
                "for example %(example)s. Copy it from the registration card."
            )
            % {"min": PLATE_MIN, "example": example},
            code="plate_short",
        )
    if len(plate) > PLATE_MAX:
        raise ValidationError(
            _(
                "This plate is too long: a plate has at most %(max)s letters and digits, "
                "for example %(example)s. Copy it from the registration card."
            )
            % {"max": PLATE_MAX, "example": example},
            code="plate_long",
        )
    if not re.search(r"[0-9]", plate):
        raise ValidationError(
            _("A plate has digits, for example %(example)s. Copy it from the registration card.")
            % {"example": example},
            code="plate_digits",
        )


# --- chassis number (VIN) -------------------------------------------------------------------

VIN_LENGTH = 17
# The letters a VIN never has, and the digit a person most likely meant.
VIN_LOOKALIKES = {"I": "1", "O": "0", "Q": "0"}


def normalise_vin(value: Any) -> str:
    return re.sub(r"[\s\-]", "", str(value)).upper()


@validators.register("vin")
def validate_vin(value: Any) -> None:
    """17 letters and digits without I, O or Q (ISO 3779); the check digit is not required."""
    vin = normalise_vin(value)
    for position, char in enumerate(vin, start=1):
        if char in VIN_LOOKALIKES:
            raise ValidationError(
                _(
                    "A chassis number (VIN) never contains the letter %(char)s: character %(position)s "
                    "is probably the digit %(digit)s. Check it on the registration card."
                )
                % {"char": char, "position": position, "digit": VIN_LOOKALIKES[char]},
                code="vin_letter",
            )
        if not ("A" <= char <= "Z" or "0" <= char <= "9"):
            raise ValidationError(
                _(
                    "Character %(position)s, “%(char)s”, cannot be in a chassis number (VIN): "
                    "it has only letters and digits."
                )
                % {"position": position, "char": char},
                code="vin_character",
            )
    if len(vin) != VIN_LENGTH:
        raise ValidationError(
            _(
                "A chassis number (VIN) has %(expected)s letters and digits; this one has %(count)s. "
                "Copy it from the registration card."
            )
            % {"expected": VIN_LENGTH, "count": len(vin)},
            code="vin_length",
        )


# --- passport number ------------------------------------------------------------------------

PASSPORT_MIN, PASSPORT_MAX = 6, 9


def normalise_passport(value: Any) -> str:
    return re.sub(r"[\s\-]", "", str(value)).upper()


@validators.register("passport_number")
def validate_passport_number(value: Any) -> None:
    """Letters and digits as printed on the passport's photo page, 6 to 9 of them."""
    number = normalise_passport(value)
    wrong = next((c for c in number if not ("A" <= c <= "Z" or "0" <= c <= "9")), None)
    if wrong is not None:
        raise ValidationError(
            _(
                "A passport number has only letters and digits: remove “%(char)s”. "
                "Copy it from the passport's photo page."
            )
            % {"char": wrong},
            code="passport_character",
        )
    if not PASSPORT_MIN <= len(number) <= PASSPORT_MAX or not re.search(r"[0-9]", number):
        raise ValidationError(
            _(
                "A passport number has %(min)s to %(max)s letters and digits, like 12AB34567; this one has "
                "%(count)s. Copy it from the passport's photo page, top right."
            )
            % {"min": PASSPORT_MIN, "max": PASSPORT_MAX, "count": len(number)},
            code="passport_length",
        )


# --- field types that store the normalised value ---------------------------------------------


def _code_field_type(
    normalise: Callable[[Any], str], check: Callable[[Any], None], max_length: int
) -> FieldType:
    def clean(field: FieldDef, value: Any) -> str:
        normalised = normalise(_text_value(field, value, max_length))
        check(normalised)
        return normalised

    return FieldType(
        build=lambda kw: forms.CharField(
            max_length=kw.pop("max_length", None) or max_length,
            widget=forms.TextInput(
                attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
            ),
            **kw,
        ),
        clean=clean,
        required_message=ENTER,
    )


field_types.register("vehicle_plate")(_code_field_type(normalise_plate, validate_vehicle_plate, 20))
field_types.register("vin")(_code_field_type(normalise_vin, validate_vin, 30))
field_types.register("passport_number")(_code_field_type(normalise_passport, validate_passport_number, 20))


# --- dates: recent enough, far enough ahead ---------------------------------------------------


def issued_within_months(setting_key: str) -> Callable[[Any], None]:
    """A document's issue date: not in the future, and no older than N months (N from settings)."""

    def check(value: Any) -> None:
        day = as_date(value)
        if day is None:
            return
        today = timezone.localdate()
        if day > today:
            raise ValidationError(
                _("This date is in the future. Enter the issue date printed on the document."),
                code="future",
            )
        months = int(setting(setting_key))
        oldest = add_months(today, -months)
        if day < oldest:
            raise ValidationError(
                _(
                    "This document was issued on %(date)s, more than %(months)s months ago. "
                    "Ask for a new one (issued on %(oldest)s or later) and enter its date."
                )
                % {"date": show_date(day), "months": months, "oldest": show_date(oldest)},
                code="too_old",
            )

    return check


validators.register("criminal_record_recent")(issued_within_months("CRIMINAL_RECORD_MAX_AGE_MONTHS"))


def at_least_days_ahead(days_key: str, too_soon: Callable[[int, dt.date], str]) -> Callable[[Any], None]:
    """A date at least N days after today (N from settings); `too_soon` says why and what to do."""

    def check(value: Any) -> None:
        day = as_date(value)
        if day is None:
            return
        today = timezone.localdate()
        if day < today:
            raise ValidationError(
                _("This date is already past (%(date)s). Enter a date from %(first)s.")
                % {
                    "date": show_date(day),
                    "first": show_date(today + dt.timedelta(days=int(setting(days_key)))),
                },
                code="past",
            )
        days = int(setting(days_key))
        first = today + dt.timedelta(days=days)
        if day < first:
            raise ValidationError(too_soon(days, first), code="too_soon")

    return check


def _event_too_soon(days: int, first: dt.date) -> str:
    return _(
        "A request for security coverage is made at least %(days)s days before the event, so the unit "
        "has time to plan it. Choose a date from %(first)s, or for an event sooner call %(phone)s."
    ) % {"days": days, "first": show_date(first), "phone": setting("EVENT_SECURITY_PHONE")}


def _arrival_too_soon(days: int, first: dt.date) -> str:
    return _(
        "Apply at least %(days)s days before you travel: the ministry needs that time to decide. "
        "Choose an arrival date from %(first)s, and book your travel only once authorized."
    ) % {"days": days, "first": show_date(first)}


validators.register("event_lead_time")(at_least_days_ahead("EVENT_LEAD_DAYS", _event_too_soon))
validators.register("arrival_lead_time")(at_least_days_ahead("ENTRY_LEAD_DAYS", _arrival_too_soon))


# --- rules over several answers ----------------------------------------------------------------

# A rule reads all the answers of a request (stored values: dates as ISO text; a repeating group
# as a list of items, each with its `_key`) and returns the errors it finds by question:
# {"end_time": [...]}, or for a group's item its item path {"travellers-1a2b3c4d-passport_expiry": [...]}
# (decision 0018). A service file names its rules under `rules:`; `validate_answers` runs them.
AnswerRule = Callable[[Mapping[str, Any]], dict[str, list[str]]]
answer_rules: Registry[AnswerRule] = Registry("answer rules")


@answer_rules.register("event_ends_after_start")
def event_ends_after_start(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """The event ends after it starts (the end day defaults to the start day) and lasts a few days at most."""
    start_day = as_date(answers.get("event_date"))
    start, end = as_time(answers.get("start_time")), as_time(answers.get("end_time"))
    if start_day is None or start is None or end is None:
        return {}
    end_day = as_date(answers.get("end_date")) or start_day
    begins, ends = dt.datetime.combine(start_day, start), dt.datetime.combine(end_day, end)
    if ends <= begins:
        where = "end_date" if end_day < start_day else "end_time"
        return {
            where: [
                _(
                    "The event must end after it starts (%(start)s). If it goes on past midnight, "
                    "enter the next day as the end date."
                )
                % {"start": f"{show_date(start_day)} {start.strftime('%H:%M')}"}
            ]
        }
    longest = int(setting("EVENT_MAX_DAYS"))
    if ends - begins > dt.timedelta(days=longest):
        return {
            "end_date": [
                _("An event covered in one request lasts %(days)s days at most. File one request per part.")
                % {"days": longest}
            ]
        }
    return {}


def passport_valid_after(arrival_field: str, group: str, expiry_field: str) -> AnswerRule:
    """Each traveller's passport stays valid N months (settings) after the group's arrival date."""

    def rule(answers: Mapping[str, Any]) -> dict[str, list[str]]:
        arrival = as_date(answers.get(arrival_field))
        items = answers.get(group)
        if arrival is None or not isinstance(items, list):
            return {}
        months = int(setting("PASSPORT_MIN_VALIDITY_MONTHS"))
        needed = add_months(arrival, months)
        errors: dict[str, list[str]] = {}
        for item in items:
            if not isinstance(item, Mapping):
                continue
            expiry = as_date(item.get(expiry_field))
            if expiry is not None and expiry < needed:
                errors[f"{group}-{item.get('_key', '')}-{expiry_field}"] = [
                    _(
                        "This passport expires on %(expiry)s, less than %(months)s months after the arrival "
                        "on %(arrival)s. It must be valid until %(needed)s at least: renew it, then apply."
                    )
                    % {
                        "expiry": show_date(expiry),
                        "months": months,
                        "arrival": show_date(arrival),
                        "needed": show_date(needed),
                    }
                ]
        return errors

    return rule


answer_rules.register("passport_valid_after_arrival")(
    passport_valid_after("arrival_date", "travellers", "passport_expiry")
)


# --- notices: said to the applicant, never refusing anything ------------------------------------

# A notice reads all the answers and returns sentences to show before filing (check your answers).
# A service file names its notices under `notices:`.
AnswerNotice = Callable[[Mapping[str, Any]], list[str]]
answer_notices: Registry[AnswerNotice] = Registry("answer notices")


def notices_for(names: tuple[str, ...], answers: Mapping[str, Any]) -> list[str]:
    """The sentences the named notices have to say about these answers."""
    return [sentence for name in names for sentence in answer_notices[name](answers)]


@answer_notices.register("ecowas_short_visit")
def ecowas_short_visit(answers: Mapping[str, Any]) -> list[str]:
    """ECOWAS nationals need no visa for up to 90 days: tell them, refuse nothing."""
    members = ecowas_codes()
    travellers = answers.get("travellers")
    names = [
        " ".join(str(item.get(part) or "") for part in ("given_names", "surname")).strip()
        for item in travellers or ()
        if isinstance(item, Mapping) and item.get("nationality") in members
    ]
    if not names:
        return []
    return [
        ngettext(
            "%(names)s is a national of an ECOWAS country: no visa is needed for a stay of up to 90 days. "
            "This authorization is still needed to come and work; for a short visit of another kind, "
            "you may not need to file at all.",
            "%(names)s are nationals of ECOWAS countries: no visa is needed for a stay of up to 90 days. "
            "This authorization is still needed to come and work; for a short visit of another kind, "
            "you may not need to file at all.",
            len(names),
        )
        % {"names": ", ".join(names)}
    ]


# --- what the procedures issue ------------------------------------------------------------------

# The ministry has not published how long a tinted-window authorization lasts: a setting (one
# year by default), read when the catalogue is first imported.
issued_documents.register("tinted_windows_authorization")(
    IssuedDocumentType(
        title={"fr": "Autorisation de vitres teintées", "en": "Tinted-window authorization"},
        default_validity_days=int(setting("TINTED_WINDOWS_VALIDITY_DAYS")),
    )
)
