"""StepForm: the questions of one step, with fields shown under a condition."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from guichet.catalog.definition import parse_definition
from guichet.catalog.forms import StepForm, country_choices
from tests.catalog.test_definition import base
from tests.factories import service

pytestmark = pytest.mark.django_db


def step(code: str, key: str):
    return service(code).current_version.definition.step(key)


def test_a_conditional_field_is_not_required_while_hidden_and_its_answer_is_dropped():
    form = StepForm(
        {"signed": "no", "full_name": "Afi Mensah"}, step=step("suggestion", "identity"), answers={}
    )

    assert form.is_valid(), form.errors
    assert form.answers_to_store() == {"signed": "no", "full_name": None}


def test_a_conditional_field_is_required_once_shown():
    form = StepForm({"signed": "yes", "full_name": ""}, step=step("suggestion", "identity"), answers={})

    assert not form.is_valid()
    assert list(form.errors) == ["full_name"]


def test_a_shown_conditional_field_is_stored():
    form = StepForm(
        {"signed": "yes", "full_name": "Afi Mensah"}, step=step("suggestion", "identity"), answers={}
    )

    assert form.is_valid(), form.errors
    assert form.answers_to_store() == {"signed": "yes", "full_name": "Afi Mensah"}


def test_a_hidden_field_with_a_wrong_value_does_not_block_the_step():
    definition = step("cloture-electrifiee", "applicant")
    data = {
        "applicant_type": "person",
        "full_name": "Afi Mensah",
        "phone": "90 12 34 56",
        "company_name": "x" * 300,  # too long, but the question is hidden for a private person
    }

    form = StepForm(data, step=definition, answers={})

    assert form.is_valid(), form.errors
    stored = form.answers_to_store()
    assert stored["company_name"] is None
    assert stored["rccm"] is None
    assert stored["phone"] == "+22890123456"
    assert stored["niu"] == ""


def test_conditional_fields_carry_their_condition_for_the_optional_script():
    form = StepForm(step=step("suggestion", "identity"), answers={})
    attrs = form.fields["full_name"].widget.attrs
    assert (attrs["data-show-if"], attrs["data-show-values"]) == ("signed", "yes")


def test_validators_named_in_the_file_run():
    form = StepForm(
        {"applicant_type": "person", "full_name": "Afi", "phone": "90 12 34 56", "niu": "12345"},
        step=step("cloture-electrifiee", "applicant"),
        answers={},
    )
    assert not form.is_valid()
    assert list(form.errors) == ["niu"]


def test_a_date_in_the_past_is_refused_and_a_future_one_stored_as_iso():
    definition = step("cloture-electrifiee", "site")
    answers = {
        "prefecture": "golfe",
        "commune": "golfe-1",
        "address": "Rue 12",
        "fence_length_m": "120",
        "public_way": "no",
        "installer": "Elec Sarl",
    }
    past = StepForm({**answers, "work_start": "2020-01-01"}, step=definition, answers={})
    assert not past.is_valid()
    assert list(past.errors) == ["work_start"]

    start = timezone.localdate() + dt.timedelta(days=10)
    future = StepForm({**answers, "work_start": start.isoformat()}, step=definition, answers={})
    assert future.is_valid(), future.errors
    stored = future.answers_to_store()
    assert stored["work_start"] == start.isoformat()
    assert stored["fence_length_m"] == 120


def two_steps():
    data = base()
    data["steps"].append(
        {
            "key": "two",
            "title": {"fr": "Suite", "en": "More"},
            "fields": [
                {
                    "name": "why_b",
                    "type": "long_text",
                    "label": {"fr": "Pourquoi", "en": "Why"},
                    "show_if": {"field": "kind", "equals": "b"},
                },
                {"name": "note", "type": "text", "required": False, "label": {"fr": "Note", "en": "Note"}},
            ],
        }
    )
    return parse_definition(data).step("two")


def test_a_field_hidden_by_an_earlier_step_is_left_out_of_the_form():
    form = StepForm({"note": ""}, step=two_steps(), answers={"kind": "a"})

    assert "why_b" not in form.fields
    assert form.is_valid(), form.errors
    assert form.answers_to_store() == {"note": ""}


def test_a_field_shown_by_an_earlier_step_is_an_ordinary_required_question():
    form = StepForm({"note": ""}, step=two_steps(), answers={"kind": "b"})

    assert form.fields["why_b"].required is True
    assert not form.is_valid()
    assert list(form.errors) == ["why_b"]


def test_earlier_answers_prefill_the_form():
    form = StepForm(step=step("suggestion", "suggestion"), answers={"subject": "Horaires"})
    assert form.initial["subject"] == "Horaires"


def test_country_choices_are_named_in_the_active_language():
    from django.utils import translation

    with translation.override("fr"):
        french = dict(country_choices())
    with translation.override("en"):
        english = dict(country_choices())
    assert french["TG"] == "Togo"
    assert french["DE"] == "Allemagne"
    assert english["DE"] == "Germany"
    assert french[""]


def test_the_fence_site_is_chosen_from_togo_s_prefectures_and_communes():
    site = step("cloture-electrifiee", "site")
    answers = {
        "address": "Rue 12",
        "fence_length_m": "120",
        "public_way": "no",
        "installer": "Elec Sarl",
        "work_start": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    }

    free_text = StepForm({**answers, "prefecture": "Golfe", "commune": "Bè"}, step=site, answers={})
    wrong_place = StepForm({**answers, "prefecture": "lacs", "commune": "golfe-1"}, step=site, answers={})
    right = StepForm(
        {**answers, "prefecture": "agoe-nyive", "commune": "agoe-nyive-2"}, step=site, answers={}
    )

    assert free_text.errors == {"commune": ["Choose one of the options"]}
    assert wrong_place.errors == {"commune": ["Golfe 1 is not in Lacs: choose again"]}
    assert right.is_valid(), right.errors
    # The 117 communes under their prefecture's name, for a list one can read without a script.
    groups = right.fields["commune"].choices[1:]
    assert len(groups) == 39
    assert sum(len(communes) for _prefecture, communes in groups) == 117
    assert groups[0] == ("Agoè-Nyivé", [(f"agoe-nyive-{n}", f"Agoè-Nyivé {n}") for n in range(1, 7)])
    assert right.fields["commune"].widget.attrs["data-within"] == "prefecture"
    assert 'optgroup label="Golfe"' in str(right["commune"])


def test_the_fence_file_says_its_errors_in_its_own_words(project_translations):
    site = step("cloture-electrifiee", "site")
    with translation.override("fr"):
        form = StepForm({"fence_length_m": "0"}, step=site, answers={})
        assert form.errors["fence_length_m"] == ["La longueur doit être d’au moins 1 mètre"]
    with translation.override("en"):
        form = StepForm({"fence_length_m": "0"}, step=site, answers={})
        assert form.errors["fence_length_m"] == ["The length must be at least 1 metre"]
        applicant = StepForm(
            {"applicant_type": "company"}, step=step("cloture-electrifiee", "applicant"), answers={}
        )
        assert applicant.errors["full_name"] == ["Enter your full name"]
        assert applicant.errors["company_name"] == ["Enter the company name"]


def test_the_suggestion_file_says_what_is_missing_in_its_own_words():
    with translation.override("en"):
        what = StepForm({"subject": "x" * 121}, step=step("suggestion", "suggestion"), answers={})
        who = StepForm({"signed": "yes"}, step=step("suggestion", "identity"), answers={})
        assert what.errors == {
            "category": ["Choose what your suggestion is about"],
            "subject": ["The subject must be 120 characters or fewer"],
            "message": ["Write your suggestion"],
        }
        assert who.errors == {"full_name": ["Enter your full name"]}


def test_an_empty_file_is_left_to_the_upload_checks_not_refused_in_django_words():
    from django.core.files.uploadedfile import SimpleUploadedFile

    documents = step("cloture-electrifiee", "documents")
    empty = SimpleUploadedFile("vide.pdf", b"", "application/pdf")
    form = StepForm({}, {"id_document": empty}, step=documents, answers={})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_document"] is empty
