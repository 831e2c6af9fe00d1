from __future__ import annotations

from django.utils import translation

from guichet.catalog.definition import Choice, FieldDef, Text
from guichet.catalog.display import display_answer, file_hint, file_size


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


def test_a_file_hint_writes_sizes_and_kinds_one_way_per_language(project_translations):
    scan = _field("file", accept=("pdf", "jpeg", "png"), max_size_mb=5)
    photo = _field("file", accept=("jpeg",), max_size_mb=2)
    with translation.override("en"):
        assert file_hint(scan) == "PDF, JPEG or PNG, 5 MB at most"
        assert file_hint(photo) == "JPEG, 2 MB at most"
        assert file_size(2.5) == "2.5 MB"
    with translation.override("fr"):
        assert file_hint(scan) == "PDF, JPEG ou PNG, 5 Mo au plus"
        assert file_size(2.5) == "2,5 Mo"


def test_a_place_from_a_reference_list_reads_as_its_name():
    commune = _field("choice", choices_from="togo_communes")
    with translation.override("en"):
        assert display_answer(commune, "agoe-nyive-3") == "Agoè-Nyivé 3"
        assert display_answer(_field("country"), "DE") == "Germany"
