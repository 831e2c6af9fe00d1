"""validate_answers: one check of answers for the portal form, the use cases and any API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from guichet.catalog.definition import parse_definition
from guichet.catalog.forms import StepForm
from guichet.catalog.validation import validate_answers
from tests.catalog.test_definition import base

# One question of each type, and each validator, with its limits.
EVERY_TYPE: list[dict[str, Any]] = [
    {"name": "full_name", "type": "text", "max_length": 10, "label": {"fr": "Nom", "en": "Name"}},
    {"name": "story", "type": "long_text", "label": {"fr": "Récit", "en": "Story"}},
    {
        "name": "length_m",
        "type": "number",
        "min_value": 1,
        "max_value": 500,
        "label": {"fr": "Longueur (mètres)", "en": "Length (metres)"},
        "messages": {
            "too_small": {
                "fr": "La longueur doit être d’au moins {min} mètre",
                "en": "The length must be at least {min} metre",
            }
        },
    },
    {"name": "count", "type": "number", "label": {"fr": "Nombre", "en": "Count"}},
    {"name": "day", "type": "date", "label": {"fr": "Jour", "en": "Day"}},
    {"name": "hour", "type": "time", "label": {"fr": "Heure", "en": "Time"}},
    {
        "name": "colour",
        "type": "choice",
        "label": {"fr": "Couleur", "en": "Colour"},
        "choices": [
            {"value": "red", "label": {"fr": "Rouge", "en": "Red"}},
            {"value": "blue", "label": {"fr": "Bleu", "en": "Blue"}},
        ],
    },
    {
        "name": "windows",
        "type": "multi_choice",
        "label": {"fr": "Vitres", "en": "Windows"},
        "choices": [
            {"value": "front", "label": {"fr": "Avant", "en": "Front"}},
            {"value": "rear", "label": {"fr": "Arrière", "en": "Rear"}},
        ],
    },
    {"name": "armed", "type": "yes_no", "label": {"fr": "Armé", "en": "Armed"}},
    {"name": "phone", "type": "phone", "label": {"fr": "Téléphone", "en": "Phone"}},
    {"name": "email", "type": "email", "label": {"fr": "Courriel", "en": "E-mail"}},
    {"name": "nationality", "type": "country", "label": {"fr": "Nationalité", "en": "Nationality"}},
    {
        "name": "plate",
        "type": "text",
        "validators": ["togo_plate"],
        "label": {"fr": "Immatriculation", "en": "Plate number"},
    },
    {"name": "niu", "type": "text", "validators": ["niu"], "label": {"fr": "NIU", "en": "NIU"}},
    {"name": "start", "type": "date", "validators": ["not_in_past"], "label": {"fr": "Début", "en": "Start"}},
    {
        "name": "born",
        "type": "date",
        "validators": ["not_in_future"],
        "label": {"fr": "Naissance", "en": "Birth"},
    },
]

GOOD: dict[str, Any] = {
    "full_name": " Afi ",
    "story": "Il était une fois.",
    "length_m": "120",
    "count": 3,
    "day": "31/12/2025",
    "hour": "14h30",
    "colour": "red",
    "windows": ["front", "rear"],
    "armed": "no",
    "phone": "90 12 34 56",
    "email": "afi@exemple.tg",
    "nationality": "TG",
    "plate": "TG 1234 AB",
    "niu": "123456789012",
    "start": "",  # filled in by the test: today
    "born": "2000-01-31",
}


def every_type() -> Any:
    data = base()
    data["steps"][0]["fields"] = EVERY_TYPE
    return parse_definition(data)


def good() -> dict[str, Any]:
    return {**GOOD, "start": timezone.localdate().isoformat()}


def test_good_answers_are_stored_in_one_form():
    cleaned, errors = validate_answers(every_type(), good())

    assert errors == {}
    assert cleaned == {
        "full_name": "Afi",
        "story": "Il était une fois.",
        "length_m": 120,
        "count": 3,
        "day": "2025-12-31",
        "hour": "14:30",
        "colour": "red",
        "windows": ["front", "rear"],
        "armed": "no",
        "phone": "+22890123456",
        "email": "afi@exemple.tg",
        "nationality": "TG",
        "plate": "TG 1234 AB",
        "niu": "123456789012",
        "start": timezone.localdate().isoformat(),
        "born": "2000-01-31",
    }


def test_stored_answers_check_again_unchanged():
    definition = every_type()
    cleaned, _errors = validate_answers(definition, good())

    assert validate_answers(definition, cleaned) == (cleaned, {})


ENGLISH = {
    "full_name": ("x" * 11, "“Name” must be 10 characters or fewer"),
    "length_m": ("0", "The length must be at least 1 metre"),
    "count": ("douze", "Enter a number, like 12"),
    "day": ("31/02/2025", "Enter a real date, like 31/12/2025"),
    "hour": ("25:00", "Enter a time, like 14:30"),
    "colour": ("green", "Choose one of the options"),
    "windows": (["front", "roof"], "Choose one of the options"),
    "armed": ("maybe", "Answer yes or no"),
    "phone": (
        "12",
        "Enter a valid phone number, for example 90 12 34 56, or +33 6 12 34 56 78 for a foreign number.",
    ),
    "email": ("afi@", "Enter a valid e-mail address, for example nom@exemple.tg."),
    "nationality": ("XX", "Choose a country from the list"),
    "plate": ("?", "Enter the plate as written on the registration card, for example TG 1234 AB."),
    "niu": ("12345", "The NIU has exactly 12 digits, as printed on your card."),
    "start": ("2000-01-01", "This date is already past. Enter today's date or a later one."),
    "born": ("2199-01-01", "This date is in the future. Enter today's date or an earlier one."),
}


@pytest.mark.parametrize("name", list(ENGLISH))
def test_each_wrong_answer_gets_its_own_message(name):
    wrong, message = ENGLISH[name]
    with translation.override("en"):
        cleaned, errors = validate_answers(every_type(), {**good(), name: wrong})

    assert errors == {name: [message]}
    assert cleaned[name] is None


def test_a_number_out_of_range_and_a_string_for_a_number_are_refused():
    definition = every_type()
    with translation.override("en"):
        _cleaned, errors = validate_answers(definition, {**good(), "length_m": 501, "count": [1]})
    assert errors == {
        "length_m": ["“Length (metres)” must be 500 or less"],
        "count": ["Enter a number, like 12"],
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("full_name", "Enter “Name”"),
        ("count", "Enter “Count”"),
        ("day", "Enter “Day”"),
        ("colour", "Answer “Colour”"),
        ("windows", "Choose at least one answer to “Windows”"),
        ("armed", "Answer “Armed”"),
        ("nationality", "Choose “Nationality” from the list"),
    ],
)
def test_a_missing_answer_is_named_after_its_question(name, message):
    with translation.override("en"):
        _cleaned, errors = validate_answers(every_type(), {**good(), name: [] if name == "windows" else " "})
    assert errors == {name: [message]}


FRENCH = {
    "length_m": ("0", "La longueur doit être d’au moins 1 mètre"),
    "count": ("douze", "Saisissez un nombre, par exemple 12"),
    "day": ("31/02/2025", "Saisissez une date réelle, par exemple 31/12/2025"),
    "hour": ("25:00", "Saisissez une heure, par exemple 14:30"),
    "colour": ("green", "Choisissez l’une des réponses proposées"),
    "armed": ("maybe", "Répondez par oui ou par non"),
    "nationality": ("XX", "Choisissez un pays dans la liste"),
    "full_name": ("x" * 11, "« Nom » doit compter 10 caractères au plus"),
}


@pytest.mark.parametrize("name", list(FRENCH))
def test_messages_are_in_french_too(project_translations, name):
    wrong, message = FRENCH[name]
    with translation.override("fr"):
        _cleaned, errors = validate_answers(every_type(), {**good(), name: wrong})
    assert errors == {name: [message]}


def test_missing_answers_are_named_in_french(project_translations):
    with translation.override("fr"):
        _cleaned, errors = validate_answers(every_type(), {**good(), "full_name": "", "colour": ""})
    assert errors == {"full_name": ["Renseignez « Nom »"], "colour": ["Répondez à « Couleur »"]}


def test_a_question_not_asked_stores_nothing_and_cannot_be_wrong():
    definition = parse_definition(base())
    cleaned, errors = validate_answers(definition, {"kind": "a", "detail": 42, "count": "2"})
    assert errors == {}
    assert cleaned == {"kind": "a", "detail": None, "count": 2}


def test_a_shown_conditional_question_is_required():
    definition = parse_definition(base())
    with translation.override("en"):
        _cleaned, errors = validate_answers(definition, {"kind": "b", "count": "2"})
    assert errors == {"detail": ["Enter “Detail”"]}


def test_only_the_named_fields_are_checked_with_earlier_answers_as_context():
    definition = parse_definition(base())
    cleaned, errors = validate_answers(definition, {"detail": "x"}, fields={"detail"}, context={"kind": "b"})
    assert (cleaned, errors) == ({"detail": "x"}, {})


def test_the_step_form_gives_the_catalogue_messages():
    data = base()
    data["steps"][0]["fields"] = EVERY_TYPE
    step = parse_definition(data).step("one")
    with translation.override("en"):
        form = StepForm(
            {**good(), "windows": ["front"], "count": "douze", "day": "2025-02-31"}, step=step, answers={}
        )
        assert not form.is_valid()
        assert form.errors == {
            "count": ["Enter a number, like 12"],
            "day": ["Enter a real date, like 31/12/2025"],
        }


def test_a_date_is_read_day_first_or_as_iso():
    definition = every_type()
    for typed in ("05/03/2026", "2026-03-05", "05-03-2026", "05.03.2026", dt.date(2026, 3, 5)):
        cleaned, errors = validate_answers(definition, {**good(), "day": typed})
        assert (cleaned["day"], errors) == ("2026-03-05", {})
