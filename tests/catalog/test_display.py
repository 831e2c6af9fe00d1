from __future__ import annotations

from django.utils import translation

from guichet.catalog.definition import Choice, FieldDef, Text
from guichet.catalog.display import display_answer


def _field(type_: str, **kwargs) -> FieldDef:
    return FieldDef(name="f", type=type_, label=Text(fr="Champ", en="Field"), **kwargs)


def test_answers_read_as_a_person_says_them():
    colour = _field("choice", choices=(Choice("red", Text(fr="Rouge", en="Red")),))
    with translation.override("fr"):
        assert display_answer(colour, "red") == "Rouge"
        assert display_answer(_field("country"), "CI") == "Côte d’Ivoire"
        assert display_answer(_field("date"), "2026-12-01") == "01/12/2026"
        assert display_answer(_field("yes_no"), "yes") == "Oui"
    with translation.override("en"):
        assert display_answer(colour, "red") == "Red"
        assert display_answer(_field("country"), "CI") == "Côte d’Ivoire"
        assert display_answer(_field("country"), "DE") == "Germany"
    assert display_answer(_field("phone"), "+22890123456") == "+228 90 12 34 56"
    assert display_answer(_field("text"), "") == ""
