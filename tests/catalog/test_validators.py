"""The procedures' checks, table by table: the value, whether it passes, and what a person reads (fr, en)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guichet.catalog import validators as procedure_checks
from guichet.catalog.definition import FieldDef, Text
from guichet.catalog.registries import field_types, validators
from guichet.catalog.validators import add_months, answer_rules

TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch, project_translations: None) -> None:
    """The checks read today's date in Lomé; the tables are written for 10 March 2026 (and read in fr and en)."""
    monkeypatch.setattr(procedure_checks.timezone, "localdate", lambda: TODAY)


def messages_of(check: Any, value: Any) -> tuple[str, str] | None:
    """None if `check` accepts `value`, else its message in French and in English."""
    said = []
    for language in ("fr", "en"):
        with translation.override(language):
            try:
                check(value)
            except ValidationError as error:
                said.append(" ".join(error.messages))
            else:
                return None
    return said[0], said[1]


def assert_table_row(check: Any, value: Any, accepted: bool, fr: str, en: str) -> None:
    said = messages_of(check, value)
    if accepted:
        assert said is None, f"{value!r} refused: {said}"
        return
    assert said is not None, f"{value!r} accepted"
    assert fr in said[0], said[0]
    assert en in said[1], said[1]


# --- vehicle plate ------------------------------------------------------------------------------

PLATES = [
    ("TG 1234 AB", True, "", ""),
    ("1234 AB", True, "", ""),
    ("1234AB", True, "", ""),
    ("tg-1234-ab", True, "", ""),
    ("CD 123 A", True, "", ""),  # diplomatic series
    ("AT 0123", True, "", ""),  # a state series
    (
        "--- ...",
        False,
        "Saisissez la plaque avec ses lettres et ses chiffres",
        "Enter the plate with its letters",
    ),
    ("", False, "Saisissez la plaque avec ses lettres et ses chiffres", "Enter the plate with its letters"),
    ("TG 1234 AB !", False, "retirez « ! »", "remove “!”"),
    ("TG*1234", False, "retirez « * »", "remove “*”"),
    ("A1", False, "trop courte : une plaque compte au moins 4", "too short: a plate has at least 4"),
    (
        "TG 1234 ABCDEFG",
        False,
        "trop longue : une plaque compte au plus 10",
        "too long: a plate has at most 10",
    ),
    ("ABCD EF", False, "Une plaque comporte des chiffres", "A plate has digits"),
]


@pytest.mark.parametrize(("value", "accepted", "fr", "en"), PLATES)
def test_vehicle_plate(value, accepted, fr, en):
    assert_table_row(validators["vehicle_plate"], value, accepted, fr, en)


def _field(type_: str) -> FieldDef:
    return FieldDef(name="x", type=type_, label=Text(fr="X", en="X"))


@pytest.mark.parametrize(
    ("type_", "typed", "stored"),
    [
        ("vehicle_plate", " tg-1234 ab ", "TG1234AB"),
        ("vehicle_plate", "cd 123.a", "CD123A"),
        ("vin", "vf1 rfb00-0 5a 123456", "VF1RFB0005A123456"),
        ("passport_number", "12ab 34567", "12AB34567"),
    ],
)
def test_code_fields_store_the_normalised_form(type_, typed, stored):
    assert field_types[type_].clean(_field(type_), typed) == stored


def test_a_code_field_refuses_with_the_validator_message():
    with pytest.raises(ValidationError) as error:
        field_types["vin"].clean(_field("vin"), "VF1RFB00O5A123456")
    assert error.value.code == "vin_letter"


# --- chassis number (VIN) -------------------------------------------------------------------------

VINS = [
    ("VF1RFB0005A123456", True, "", ""),
    ("vf1rfb0005a123456", True, "", ""),
    ("VF1 RFB00-05A123456", True, "", ""),
    ("1HGCM82633A004352", True, "", ""),  # check digit right, but not required:
    ("1HGCM82699A004352", True, "", ""),  # a wrong one passes too
    (
        "VF1RFB00O5A123456",
        False,
        "ne contient jamais la lettre O : le caractère n° 9 est sans doute le chiffre 0",
        "never contains the letter O: character 9 is probably the digit 0",
    ),
    ("VF1RFB0005A12345I", False, "la lettre I : le caractère n° 17", "the letter I: character 17"),
    ("QF1RFB0005A123456", False, "la lettre Q : le caractère n° 1", "the letter Q: character 1"),
    ("VF1RFB0005A12345#", False, "Le caractère n° 17, « # »", "Character 17, “#”"),
    ("VF1RFB0005A12345", False, "celui-ci en a 16", "this one has 16"),
    ("VF1RFB0005A1234567", False, "celui-ci en a 18", "this one has 18"),
    ("", False, "celui-ci en a 0", "this one has 0"),
]


@pytest.mark.parametrize(("value", "accepted", "fr", "en"), VINS)
def test_vin(value, accepted, fr, en):
    assert_table_row(validators["vin"], value, accepted, fr, en)


# --- passport number ------------------------------------------------------------------------------

PASSPORTS = [
    ("12AB34567", True, "", ""),
    ("C01X00T47", True, "", ""),
    ("e1234567", True, "", ""),
    ("G 123 456", True, "", ""),
    ("AB-12/345", False, "retirez « / »", "remove “/”"),
    ("A123", False, "celui-ci en a 4", "this one has 4"),
    ("A1234567890", False, "celui-ci en a 11", "this one has 11"),
    ("ABCDEFGH", False, "de 6 à 9 lettres et chiffres", "6 to 9 letters and digits"),
]


@pytest.mark.parametrize(("value", "accepted", "fr", "en"), PASSPORTS)
def test_passport_number(value, accepted, fr, en):
    assert_table_row(validators["passport_number"], value, accepted, fr, en)


# --- a criminal record under 3 months ----------------------------------------------------------------

RECORDS = [
    (TODAY, True, "", ""),
    (dt.date(2025, 12, 10), True, "", ""),  # exactly 3 months: still valid
    (dt.date(2026, 2, 1), True, "", ""),
    (
        dt.date(2025, 11, 10),  # 4 months
        False,
        "délivré le 10/11/2025, il y a plus de 3 mois. Demandez-en un nouveau (délivré le 10/12/2025 ou après)",
        "issued on 10/11/2025, more than 3 months ago. Ask for a new one (issued on 10/12/2025 or later)",
    ),
    (dt.date(2025, 12, 9), False, "il y a plus de 3 mois", "more than 3 months ago"),
    (TODAY + dt.timedelta(days=1), False, "Cette date est dans le futur", "This date is in the future"),
]


@pytest.mark.parametrize(("value", "accepted", "fr", "en"), RECORDS)
def test_criminal_record_recent(value, accepted, fr, en):
    assert_table_row(validators["criminal_record_recent"], value, accepted, fr, en)


def test_criminal_record_age_is_a_setting(settings):
    settings.GUICHET = {**settings.GUICHET, "CRIMINAL_RECORD_MAX_AGE_MONTHS": 6}
    assert messages_of(validators["criminal_record_recent"], dt.date(2025, 11, 10)) is None
    assert "more than 6 months" in messages_of(validators["criminal_record_recent"], dt.date(2025, 9, 1))[1]


def test_stored_answers_are_read_as_dates():
    assert messages_of(validators["criminal_record_recent"], "2025-11-10") is not None
    assert messages_of(validators["criminal_record_recent"], "2026-03-01") is None


# --- lead times: an event 7 days ahead, an arrival 7 days ahead ---------------------------------------

EVENT_DATES = [
    (TODAY + dt.timedelta(days=7), True, "", ""),
    (TODAY + dt.timedelta(days=60), True, "", ""),
    (
        TODAY - dt.timedelta(days=1),  # yesterday
        False,
        "Cette date est déjà passée (09/03/2026). Saisissez une date à partir du 17/03/2026.",
        "This date is already past (09/03/2026). Enter a date from 17/03/2026.",
    ),
    (
        TODAY + dt.timedelta(days=3),
        False,
        "au moins 7 jours avant l’événement",
        "at least 7 days before the event",
    ),
    (TODAY, False, "appelez le 117", "call 117"),
]


@pytest.mark.parametrize(("value", "accepted", "fr", "en"), EVENT_DATES)
def test_event_lead_time(value, accepted, fr, en):
    assert_table_row(validators["event_lead_time"], value, accepted, fr, en)


def test_event_lead_time_and_phone_are_settings(settings):
    settings.GUICHET = {**settings.GUICHET, "EVENT_LEAD_DAYS": 2, "EVENT_SECURITY_PHONE": "+228 22 21 00 00"}
    assert messages_of(validators["event_lead_time"], TODAY + dt.timedelta(days=2)) is None
    fr, en = messages_of(validators["event_lead_time"], TODAY + dt.timedelta(days=1))
    assert "appelez le +228 22 21 00 00" in fr
    assert "at least 2 days" in en
    assert "from 12/03/2026" in en


ARRIVALS = [
    (TODAY + dt.timedelta(days=7), True, "", ""),
    (
        TODAY + dt.timedelta(days=3),  # arrival in 3 days
        False,
        "au moins 7 jours avant le voyage",
        "Apply at least 7 days before you travel",
    ),
    (TODAY + dt.timedelta(days=3), False, "à partir du 17/03/2026", "from 17/03/2026"),
    (TODAY - dt.timedelta(days=1), False, "déjà passée", "already past"),
]


@pytest.mark.parametrize(("value", "accepted", "fr", "en"), ARRIVALS)
def test_arrival_lead_time(value, accepted, fr, en):
    assert_table_row(validators["arrival_lead_time"], value, accepted, fr, en)


# --- rules over several answers -------------------------------------------------------------------------


def rule_messages(name: str, answers: dict[str, Any]) -> dict[str, tuple[str, str]]:
    said: dict[str, dict[str, str]] = {}
    for language in ("fr", "en"):
        with translation.override(language):
            for key, messages in answer_rules[name](answers).items():
                said.setdefault(key, {})[language] = " ".join(messages)
    return {key: (text["fr"], text["en"]) for key, text in said.items()}


def traveller(expiry: dt.date | str, key: str = "aaaa0000") -> dict[str, Any]:
    day = expiry.isoformat() if isinstance(expiry, dt.date) else expiry
    return {"_key": key, "surname": "Mensah", "passport_expiry": day}


ARRIVAL = dt.date(2026, 4, 1)
PASSPORT_VALIDITY = [
    ([traveller(dt.date(2026, 10, 1))], {}),  # exactly 6 months after arrival
    ([traveller(dt.date(2030, 1, 1)), traveller(dt.date(2027, 1, 1))], {}),
    (
        [traveller(dt.date(2030, 1, 1)), traveller(dt.date(2026, 9, 1), "bbbb1111")],  # 5 months after
        {
            "travellers-bbbb1111-passport_expiry": (
                "Ce passeport expire le 01/09/2026, moins de 6 mois après l’arrivée du 01/04/2026. "
                "Il doit être valable au moins jusqu’au 01/10/2026",
                "This passport expires on 01/09/2026, less than 6 months after the arrival on 01/04/2026. "
                "It must be valid until 01/10/2026 at least",
            )
        },
    ),
    (
        [traveller(dt.date(2026, 9, 30))],
        {"travellers-aaaa0000-passport_expiry": ("moins de 6 mois", "less than 6 months")},
    ),
    ([traveller("")], {}),  # not answered yet: the question's own check says so
    ([], {}),
]


@pytest.mark.parametrize(("travellers", "expected"), PASSPORT_VALIDITY)
def test_passport_valid_six_months_after_arrival(travellers, expected):
    said = rule_messages(
        "passport_valid_after_arrival", {"arrival_date": ARRIVAL.isoformat(), "travellers": travellers}
    )
    assert set(said) == set(expected)
    for key, (fr, en) in expected.items():
        assert fr in said[key][0]
        assert en in said[key][1]


def test_passport_validity_waits_for_the_arrival_date():
    assert answer_rules["passport_valid_after_arrival"]({"travellers": [traveller(TODAY)]}) == {}


def test_passport_validity_is_a_setting(settings):
    settings.GUICHET = {**settings.GUICHET, "PASSPORT_MIN_VALIDITY_MONTHS": 3}
    answers = {"arrival_date": ARRIVAL.isoformat(), "travellers": [traveller(dt.date(2026, 9, 1))]}
    assert answer_rules["passport_valid_after_arrival"](answers) == {}


def event(start_day: str, start: str, end: str, end_day: str | None = None) -> dict[str, Any]:
    return {"event_date": start_day, "start_time": start, "end_time": end, "end_date": end_day}


EVENT_TIMES = [
    (event("2026-04-01", "14:00", "18:00"), {}),
    (event("2026-04-01", "20:00", "02:00", "2026-04-02"), {}),  # past midnight, the next day said
    (
        event("2026-04-01", "20:00", "02:00"),
        {
            "end_time": (
                "L’événement doit finir après son début (01/04/2026 20:00)",
                "must end after it starts (01/04/2026 20:00)",
            )
        },
    ),
    (
        event("2026-04-01", "14:00", "14:00"),
        {"end_time": ("doit finir après son début", "must end after it starts")},
    ),
    (
        event("2026-04-01", "14:00", "18:00", "2026-03-31"),
        {"end_date": ("doit finir après", "must end after")},
    ),
    (
        event("2026-04-01", "14:00", "18:00", "2026-04-20"),
        {"end_date": ("7 jours au plus", "7 days at most")},
    ),
    (event("2026-04-01", "", "18:00"), {}),  # a missing answer is the question's own error
]


@pytest.mark.parametrize(("answers", "expected"), EVENT_TIMES)
def test_event_ends_after_start(answers, expected):
    said = rule_messages("event_ends_after_start", answers)
    assert set(said) == set(expected)
    for key, (fr, en) in expected.items():
        assert fr in said[key][0]
        assert en in said[key][1]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 3, 10), -3, dt.date(2025, 12, 10)),
        (dt.date(2026, 5, 31), -3, dt.date(2026, 2, 28)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2024, 8, 29), 6, dt.date(2025, 2, 28)),
    ],
)
def test_add_months_stays_in_the_month(day, months, expected):
    assert add_months(day, months) == expected
