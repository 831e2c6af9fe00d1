"""Reference data as data files: countries (Babel), Togo's places, ports of entry, ID documents,
ECOWAS, tinted-window offices; and the country drop-down that works on a phone without script."""

from __future__ import annotations

import pytest
from django.utils import translation

from guichet.catalog.definition import list_choices
from guichet.catalog.forms import country_choices, country_options
from guichet.catalog.lists import (
    LIKELY_COUNTRIES,
    countries,
    ecowas_codes,
    ecowas_countries,
    reference_lists,
)
from guichet.catalog.validation import validate_answers
from tests.catalog.test_lists import PLACE, with_fields


@pytest.mark.parametrize(
    ("code", "french", "english"),
    [
        ("TG", "Togo", "Togo"),
        ("DE", "Allemagne", "Germany"),
        ("CI", "Côte d’Ivoire", "Côte d’Ivoire"),
        ("GB", "Royaume-Uni", "United Kingdom"),
        ("BJ", "Bénin", "Benin"),
        ("NG", "Nigeria", "Nigeria"),
    ],
)
def test_countries_have_french_and_english_names(code, french, english):
    names = {item.value: item.label for item in countries()}
    assert names[code] == {"fr": french, "en": english}


def test_only_real_countries_with_iso_alpha_2_codes():
    codes = [item.value for item in countries()]
    assert len(codes) == 249  # ISO 3166-1
    assert all(len(code) == 2 and code.isupper() for code in codes)
    for not_a_country in ("EU", "UN", "ZZ", "IC", "EA", "AC", "TA", "DG", "CP", "CQ", "QO", "XK"):
        assert not_a_country not in codes


@pytest.mark.parametrize(
    ("language", "first", "before", "after"),
    [("fr", "Afghanistan", "Allemagne", "Zimbabwe"), ("en", "Afghanistan", "Germany", "Zimbabwe")],
)
def test_countries_are_sorted_in_the_readers_language(language, first, before, after):
    with translation.override(language):
        names = [name for _code, name in country_choices()[1:]]
    assert names[0] == first
    assert names[-1] == after
    assert names.index(before) < names.index(after)
    if language == "fr":
        # "Émirats arabes unis" sorts with the E's, accents aside.
        assert names.index("Égypte") < names.index("Émirats arabes unis") < names.index("Équateur")


def test_the_country_drop_down_offers_likely_countries_first():
    with translation.override("en"):
        blank, likely, everyone = country_options()
    assert blank[0] == ""
    assert [code for code, _name in likely[1]] == list(LIKELY_COUNTRIES)
    assert likely[1][0] == ("TG", "Togo")
    assert len(everyone[1]) == 249


@pytest.mark.parametrize(
    ("prefecture", "commune", "accepted"),
    [
        ("golfe", "golfe-1", True),
        ("agoe-nyive", "agoe-nyive-3", True),
        ("golfe", "agoe-nyive-3", False),
        ("tone", "golfe-1", False),
    ],
)
def test_a_commune_must_be_within_the_prefecture(prefecture, commune, accepted):
    definition = with_fields(PLACE)
    with translation.override("en"):
        _cleaned, errors = validate_answers(definition, {"prefecture": prefecture, "commune": commune})
    assert ("commune" not in errors) is accepted, errors
    if not accepted:
        assert "choose again" in errors["commune"][0]


@pytest.mark.parametrize(
    ("name", "must_have"),
    [
        (
            "togo_ports_of_entry",
            {"lfw-airport", "niamtougou-airport", "lome-port", "kodjoviakope", "sanvee-condji", "cinkasse"},
        ),
        (
            "id_document_types",
            {"national_id", "passport", "voter_card", "driving_licence", "residence_permit"},
        ),
        (
            "tinted_window_offices",
            {"government_member", "ambassador", "general_officer", "security_service_head", "other"},
        ),
        ("ecowas_countries", {"TG", "GH", "BJ", "NG", "CI", "SN"}),
    ],
)
def test_flat_lists_are_named_in_both_languages(name, must_have):
    items = reference_lists[name]()
    codes = [item.value for item in items]
    assert must_have <= set(codes)
    assert len(codes) == len(set(codes))
    assert all(item.label["fr"] and item.label["en"] for item in items)
    assert list_choices(name)  # what a field with `choices_from: <name>` offers


def test_ecowas_members_and_the_states_that_left():
    assert "TG" in ecowas_codes()
    assert "BF" not in ecowas_codes()
    assert {"BF", "ML", "NE"} <= ecowas_codes(former=True)
    assert {item.value for item in ecowas_countries()} == ecowas_codes()


def test_a_field_names_a_list_and_no_free_text_is_taken():
    definition = with_fields(
        [
            {
                "name": "port",
                "type": "choice",
                "choices_from": "togo_ports_of_entry",
                "label": {"fr": "Point d’entrée", "en": "Port of entry"},
            },
            {
                "name": "country",
                "type": "choice",
                "choices_from": "countries",
                "label": {"fr": "Pays", "en": "Country"},
            },
        ]
    )
    with translation.override("en"):
        cleaned, errors = validate_answers(definition, {"port": "Port autonome de Lomé", "country": "Ghana"})
        assert cleaned == {"port": "lome-port", "country": "GH"}
        assert errors == {}
        _cleaned, errors = validate_answers(definition, {"port": "My own beach", "country": "Atlantis"})
    assert errors == {"port": ["Choose one of the options"], "country": ["Choose a country from the list"]}


def test_the_country_drop_down_is_drawn_quickly_with_the_answer_selected():
    import time

    from guichet.catalog.forms import StepForm
    from tests.catalog.groups import group_trip_definition

    step = group_trip_definition().step("travellers")
    items = [{"_key": f"key{n:05d}", "nationality": "GH"} for n in range(20)]
    form = StepForm(step=step, answers={"travellers": items})
    started = time.perf_counter()
    with translation.override("en"):
        html = [str(form[f"travellers-key{n:05d}-nationality"]) for n in range(20)]
    assert time.perf_counter() - started < 0.5  # Django's option templates took about 2 s
    first = html[0]
    assert (
        first.startswith('<select name="travellers-key00000-nationality"')
        or 'name="travellers-key00000-nationality"' in first
    )
    assert '<optgroup label="Most often chosen">' in first
    assert '<option value="GH" selected>Ghana</option>' in first
    assert '<option value="DE">Germany</option>' in first
    assert form["travellers-key00000-nationality"].widget_type == "select"
