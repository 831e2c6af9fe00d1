from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guichet.accounts.contacts import Contact, format_phone, parse_contact, parse_phone


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted by their English msgid, whatever the .po files come to say."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("90 12 34 56", "+22890123456"),
        ("90123456", "+22890123456"),
        ("70-12-34-56", "+22870123456"),
        ("22 21 34 56", "+22822213456"),  # fixed line in Lomé
        ("+228 90 12 34 56", "+22890123456"),
        ("00228 90 12 34 56", "+22890123456"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+1 202 555 0143", "+12025550143"),
    ],
)
def test_parse_phone_gives_e164(raw, expected):
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12", "90 12 34", "90 12 34 56 78 90", "+33 12", "bonjour", "+228 10 12 34 56"]
)
def test_parse_phone_refuses_what_is_not_a_phone_number(raw):
    with pytest.raises(ValidationError) as error:
        parse_phone(raw)
    assert error.value.code == "invalid_phone"
    assert "90 12 34 56" in error.value.messages[0]


def test_parse_phone_follows_the_default_region(settings):
    settings.GUICHET = {**settings.GUICHET, "DEFAULT_PHONE_REGION": "FR"}
    assert parse_phone("06 12 34 56 78") == "+33612345678"


def test_parse_contact_recognises_a_phone():
    assert parse_contact("  90 12 34 56 ") == Contact("phone", "+22890123456")


def test_parse_contact_recognises_an_email_and_lowers_it():
    assert parse_contact(" Afi.Mensah@Exemple.TG ") == Contact("email", "afi.mensah@exemple.tg")


@pytest.mark.parametrize("raw", ["afi@", "@exemple.tg", "afi@exemple", "afi mensah@exemple.tg"])
def test_parse_contact_refuses_a_malformed_email(raw):
    with pytest.raises(ValidationError) as error:
        parse_contact(raw)
    assert error.value.code == "invalid_email"


def test_parse_contact_asks_for_something_when_empty():
    with pytest.raises(ValidationError) as error:
        parse_contact("   ")
    assert error.value.code == "required"


def test_a_masked_phone_shows_the_country_and_the_last_two_digits_only():
    masked = Contact("phone", "+22890123456").masked
    assert masked == "+228 •• •• 56"
    assert "9012" not in masked


def test_a_masked_email_shows_two_letters_and_the_domain():
    masked = Contact("email", "afi.mensah@exemple.tg").masked
    assert masked == "af•••@exemple.tg"
    assert "mensah" not in masked


def test_format_phone_is_readable():
    assert format_phone("+22890123456") == "+228 90 12 34 56"


def test_factory_phones_are_all_numbers_the_portal_accepts():
    from guichet.accounts.contacts import parse_phone
    from tests.factories import CitizenFactory

    phones = [CitizenFactory.build().phone for _ in range(40)]
    assert [parse_phone(phone) for phone in phones] == phones
