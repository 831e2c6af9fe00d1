"""Reference lists: Togo's regions, prefectures and communes, and the countries, named by a field."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from guichet.catalog.definition import DefinitionError, parse_definition
from guichet.catalog.forms import StepForm
from guichet.catalog.lists import countries, togo_communes, togo_prefectures, togo_regions
from guichet.catalog.validation import validate_answers
from tests.catalog.test_definition import base

PLACE = [
    {
        "name": "prefecture",
        "type": "choice",
        "choices_from": "togo_prefectures",
        "label": {"fr": "Préfecture", "en": "Prefecture"},
    },
    {
        "name": "commune",
        "type": "choice",
        "choices_from": "togo_communes",
        "within": "prefecture",
        "label": {"fr": "Commune", "en": "Commune"},
    },
]


def with_fields(fields: list[dict[str, Any]]) -> Any:
    data = base()
    data["steps"][0]["fields"] = fields
    return parse_definition(data)


def test_togo_has_5_regions_39_prefectures_and_117_communes():
    assert len(togo_regions()) == 5
    assert len(togo_prefectures()) == 39
    assert len(togo_communes()) == 117
    prefectures = {item.value for item in togo_prefectures()}
    # Since 2016 the Golfe is split in two, and each commune belongs to a known prefecture.
    assert {"golfe", "agoe-nyive", "mo", "oti-sud", "kpendjal-ouest"} <= prefectures
    assert {item.parent for item in togo_communes()} == prefectures
    assert {item.parent for item in togo_prefectures()} == {item.value for item in togo_regions()}
    codes = [item.value for item in (*togo_regions(), *togo_prefectures(), *togo_communes())]
    assert len(codes) == len(set(codes))


def test_countries_have_french_and_english_names():
    by_code = {item.value: item.label for item in countries()}
    assert by_code["TG"] == {"fr": "Togo", "en": "Togo"}
    assert by_code["CI"]["fr"] == "Côte d’Ivoire"
    assert by_code["DE"] == {"fr": "Allemagne", "en": "Germany"}
    assert "EU" not in by_code


def test_the_loader_refuses_an_unknown_list_naming_the_key():
    with pytest.raises(
        DefinitionError, match=r"fields\[0\] \(prefecture\)\.choices_from: unknown list 'togo_cantons'"
    ):
        with_fields([{**PLACE[0], "choices_from": "togo_cantons"}])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "text"}, r"choices_from: only a choice or multi_choice field names a list"),
        ({"choices": [{"value": "a", "label": {"fr": "A", "en": "A"}}]}, r"either choices or choices_from"),
    ],
)
def test_the_loader_refuses_a_list_where_it_cannot_go(change, message):
    with pytest.raises(DefinitionError, match=message):
        with_fields([{**PLACE[0], **change}])


def test_within_must_name_a_field_offering_a_list():
    with pytest.raises(
        DefinitionError, match=r"commune\.within: 'region' is not a field offering a reference list"
    ):
        with_fields([PLACE[0], {**PLACE[1], "within": "region"}])


def test_an_answer_is_checked_against_the_list():
    definition = with_fields(PLACE)
    with translation.override("en"):
        cleaned, errors = validate_answers(
            definition, {"prefecture": "Agoè-Nyivé", "commune": "agoe-nyive-2"}
        )
        assert (cleaned, errors) == ({"prefecture": "agoe-nyive", "commune": "agoe-nyive-2"}, {})
        _cleaned, errors = validate_answers(definition, {"prefecture": "Lomé", "commune": "Bè"})
        assert errors == {
            "prefecture": ["Choose one of the options"],
            "commune": ["Choose one of the options"],
        }
        _cleaned, errors = validate_answers(definition, {"prefecture": "", "commune": ""})
        assert errors == {
            "prefecture": ["Choose “Prefecture” from the list"],
            "commune": ["Choose “Commune” from the list"],
        }


def test_a_commune_must_be_in_the_prefecture_chosen():
    definition = with_fields(PLACE)
    with translation.override("en"):
        _cleaned, errors = validate_answers(definition, {"prefecture": "lacs", "commune": "golfe-1"})
    assert errors == {"commune": ["Golfe 1 is not in Lacs: choose again"]}


def test_a_long_list_is_a_drop_down_sorted_by_name():
    form = StepForm(step=with_fields(PLACE).step("one"), answers={})
    widget = form.fields["prefecture"].widget
    assert type(widget).__name__ == "Select"
    names = [label for value, label in form.fields["prefecture"].choices if value]
    assert len(names) == 39
    assert names[:3] == ["Agoè-Nyivé", "Agou", "Akébou"]  # accents do not push a name to the end
