"""Repeating groups: the service-file syntax, the checks per item and across items, the use cases."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import translation

from guichet.audit.models import AuditEvent
from guichet.catalog.definition import DefinitionError, group_items, item_path, parse_definition
from guichet.catalog.services import read_yaml
from guichet.catalog.validation import validate_answers, validate_filing
from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput
from guichet.dossiers import services as dossiers
from tests.catalog.groups import CODE, group_trip_definition, group_trip_text, publish_group_trip
from tests.factories import CitizenFactory, load_mspc_catalog, service
from tests.portal.utils import pdf

DEFINITION = group_trip_definition()


def traveller(key: str, surname: str = "Mensah", passport: str = "G1234567", **more: Any) -> dict[str, Any]:
    return {
        "_key": key,
        "surname": surname,
        "given_names": "Kofi",
        "nationality": "GH",
        "passport_number": passport,
        "has_visa": "no",
        **more,
    }


def check(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    _cleaned, errors = validate_answers(DEFINITION, {"port_of_entry": "lome-port", "travellers": items})
    return errors


# --- the checks, per item and across items (value, accepted?, message in English and French) -----

CASES = [
    ("no traveller", [], {"travellers": "Add at least one traveller."}, "Ajoutez au moins un voyageur."),
    (
        "too many",
        [traveller(f"k{n}k{n}", passport=f"P{n}") for n in range(4)],
        {"travellers": "At most 3 travellers per request."},
        "Au plus 3 voyageurs par demande.",
    ),
    (
        "one passport for two travellers",
        [
            traveller("aaaa1111", passport="G 123-45"),
            traveller("bbbb2222", surname="Adjo", passport="g12345"),
        ],
        {
            item_path("travellers", "bbbb2222", "passport_number"): (
                "Traveller 2 has the same “Passport number” as Traveller 1: each one must have their own."
            )
        },
        "Voyageur 2 a le même « Numéro de passeport » que Voyageur 1 : chacun doit avoir le sien.",
    ),
    (
        "a wrong answer in item 2",
        [traveller("aaaa1111"), traveller("bbbb2222", passport="P2", nationality="Atlantis")],
        {item_path("travellers", "bbbb2222", "nationality"): "Choose a country from the list"},
        "Voyageur 2 : Choisissez un pays dans la liste",
    ),
    (
        "a question opened by an answer of the same item",
        [traveller("aaaa1111", has_visa="yes")],
        {item_path("travellers", "aaaa1111", "visa_number"): "Enter “Visa number”"},
        "Voyageur 1 : Renseignez « Numéro de visa »",
    ),
]


@pytest.mark.parametrize(("case", "items", "expected", "french"), CASES, ids=[c[0] for c in CASES])
def test_group_checks(case, items, expected, french, project_translations):
    with translation.override("en"):
        errors = check(items)
    for key, message in expected.items():
        assert message in errors[key], (case, errors)
    # The group's own name carries every problem, so code that knows only the steps sees it.
    assert errors["travellers"]
    with translation.override("fr"):
        french_errors = check(items)
    assert any(
        french.replace(" ", "\u00a0") in m.replace(" ", "\u00a0") for m in french_errors["travellers"]
    ), french_errors


@pytest.mark.parametrize("count", [1, 2, 3])
def test_between_min_and_max_items_is_accepted_and_keys_are_kept(count):
    items = [traveller(f"key{n}abc", passport=f"P{n}") for n in range(count)]
    cleaned, errors = validate_answers(DEFINITION, {"port_of_entry": "lome-port", "travellers": items})
    assert errors == {}
    assert [item["_key"] for item in cleaned["travellers"]] == [f"key{n}abc" for n in range(count)]
    assert cleaned["travellers"][0]["visa_number"] is None  # not asked: has_visa is no


def test_an_item_without_a_key_gets_one():
    cleaned, _errors = validate_answers(DEFINITION, {"travellers": [{"surname": "Mensah"}]})
    assert len(cleaned["travellers"][0]["_key"]) == 8


def test_an_items_required_document_is_asked_for_that_item_only():
    items = [traveller("aaaa1111"), traveller("bbbb2222", passport="P2")]
    answers = {"port_of_entry": "lome-port", "travellers": items}
    _cleaned, errors = validate_filing(DEFINITION, answers, documents={"passport_scan@aaaa1111"})
    assert list(errors) == [item_path("travellers", "bbbb2222", "passport_scan"), "travellers"]
    assert errors["travellers"] == ["Traveller 2: Add “Passport scan”"]


def test_group_items_counts_for_fee_rules():
    assert (
        group_items({"travellers": [traveller("a1b2c3d4"), traveller("e5f6a7b8")]}, "travellers")[1]["_key"]
        == "e5f6a7b8"
    )
    assert group_items({}, "travellers") == []
    assert group_items({"travellers": None}, "travellers") == []
    assert len(DEFINITION.group_items({"travellers": [traveller("a1b2c3d4")]}, "travellers")) == 1


# --- the service file's syntax ---------------------------------------------------------------


def _data() -> dict[str, Any]:
    return copy.deepcopy(read_yaml(group_trip_text()))


def _group(data: dict[str, Any]) -> dict[str, Any]:
    group: dict[str, Any] = data["steps"][1]["fields"][0]
    return group


def test_the_group_is_parsed():
    group = DEFINITION.field("travellers")
    assert group.is_group
    assert (group.min_items, group.max_items) == (1, 3)
    assert group.unique == ("passport_number",)
    assert [f.name for f in group.fields][:2] == ["surname", "given_names"]
    assert DEFINITION.field("passport_scan").type == "file"
    assert DEFINITION.group_of("passport_scan") is group
    assert DEFINITION.group_of("port_of_entry") is None
    assert DEFINITION.document_field("passport_scan@aaaa1111").name == "passport_scan@aaaa1111"
    with pytest.raises(KeyError):
        DEFINITION.document_field("passport_scan")  # an item's document names its item
    with pytest.raises(KeyError):
        DEFINITION.document_field("surname@aaaa1111")  # not a document


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g.update(max_items=0), r"max_items: a whole number, 1 or more"),
        (lambda g: g.update(min_items=5), r"max_items: at least min_items \(5\)"),
        (lambda g: g.update(unique=["nope"]), r"unique: 'nope' is not a question of this group"),
        (lambda g: g.update(unique=["passport_scan"]), r"unique: 'passport_scan' is not a question"),
        (lambda g: g.pop("item_label"), r"item_label: a text needs both 'fr' and 'en'"),
        (lambda g: g["fields"].append({"name": "inner", "type": "group"}), r"cannot hold another group"),
        (lambda g: g["fields"].append(dict(g["fields"][0])), r"field 'surname' declared twice"),
        (lambda g: g["fields"][0].update(name="_key"), r"not starting with _"),
        (lambda g: g["messages"].update(oops={"fr": "a", "en": "b"}), r"messages.oops: unknown error"),
        (
            lambda g: g["fields"][5].update(show_if={"field": "port_of_entry", "equals": "x"}),
            r"show_if: no field named 'port_of_entry'",
        ),
    ],
)
def test_a_faulty_group_is_refused_naming_the_key(change, message):
    data = _data()
    change(_group(data))
    with pytest.raises(DefinitionError, match=message):
        parse_definition(data)


def test_an_inner_name_is_unique_in_the_whole_file():
    data = _data()
    data["steps"][0]["fields"].append({"name": "surname", "type": "text", "label": {"fr": "a", "en": "b"}})
    with pytest.raises(DefinitionError, match="'surname' declared twice"):
        parse_definition(data)


def test_no_question_depends_on_a_group():
    data = _data()
    data["steps"][1]["fields"].append(
        {
            "name": "note",
            "type": "text",
            "label": {"fr": "a", "en": "b"},
            "show_if": {"field": "travellers", "equals": "x"},
        }
    )
    with pytest.raises(DefinitionError, match="cannot depend on a repeating group"):
        parse_definition(data)


# --- the use cases: save, attach to an item, remove an item, file ---------------------------------


@pytest.fixture
def draft(db):
    load_mspc_catalog()
    publish_group_trip()
    applicant = CitizenFactory()
    actor = Actor.for_user(applicant)
    dossier = dossiers.start_dossier(service(CODE), actor=actor, language="en")
    dossiers.save_answers(dossier, actor=actor, answers={"port_of_entry": "lome-port"})
    return dossier, actor


def test_a_draft_keeps_items_and_their_documents_then_files(draft):
    dossier, actor = draft
    items = [traveller("aaaa1111"), traveller("bbbb2222", surname="Adjo", passport="P2")]
    dossiers.save_answers(dossier, actor=actor, answers={"travellers": items})
    for key in ("aaaa1111", "bbbb2222"):
        dossiers.attach_document(dossier, actor=actor, field_name=f"passport_scan@{key}", upload=pdf())
    dossiers.attach_document(dossier, actor=actor, field_name="passport_scan@aaaa1111", upload=pdf())
    with pytest.raises(InvalidInput, match="at most 2 files"):
        dossiers.attach_document(dossier, actor=actor, field_name="passport_scan@aaaa1111", upload=pdf())
    with pytest.raises(InvalidInput, match="not part of this request"):
        dossiers.attach_document(dossier, actor=actor, field_name="passport_scan", upload=pdf())
    dossiers.submit_dossier(dossier, actor=actor)
    dossier.refresh_from_db()
    assert dossier.state != "draft"
    assert [item["surname"] for item in group_items(dossier.answers, "travellers")] == ["Mensah", "Adjo"]


def test_save_answers_refuses_a_duplicate_passport_and_stores_nothing(draft):
    dossier, actor = draft
    items = [traveller("aaaa1111"), traveller("bbbb2222")]
    with pytest.raises(InvalidInput) as refused:
        dossiers.save_answers(dossier, actor=actor, answers={"travellers": items})
    assert item_path("travellers", "bbbb2222", "passport_number") in refused.value.errors
    dossier.refresh_from_db()
    assert "travellers" not in dossier.answers


def test_removing_an_item_takes_its_documents_and_leaves_the_others(draft):
    dossier, actor = draft
    items = [traveller("aaaa1111"), traveller("bbbb2222", passport="P2")]
    dossiers.save_answers(dossier, actor=actor, answers={"travellers": items})
    for key in ("aaaa1111", "bbbb2222"):
        dossiers.attach_document(dossier, actor=actor, field_name=f"passport_scan@{key}", upload=pdf())
    dossiers.remove_group_item(dossier, actor=actor, group="travellers", item="aaaa1111")
    dossier.refresh_from_db()
    assert [item["_key"] for item in group_items(dossier.answers, "travellers")] == ["bbbb2222"]
    assert list(dossier.documents.values_list("field_name", flat=True)) == ["passport_scan@bbbb2222"]
    assert AuditEvent.objects.filter(verb="dossier.group_item_removed").count() == 1
    with pytest.raises(InvalidInput):
        dossiers.remove_group_item(dossier, actor=actor, group="port_of_entry", item="bbbb2222")


def test_someone_else_cannot_remove_an_item(draft):
    dossier, actor = draft
    dossiers.save_answers(dossier, actor=actor, answers={"travellers": [traveller("aaaa1111")]})
    stranger = Actor.for_user(CitizenFactory())
    with pytest.raises(Exception):  # noqa: B017, PT011 - whichever refusal the action gate raises
        dossiers.remove_group_item(dossier, actor=stranger, group="travellers", item="aaaa1111")
    dossier.refresh_from_db()
    assert len(group_items(dossier.answers, "travellers")) == 1


def test_the_back_office_shows_each_item_and_its_documents(draft):
    from guichet.backoffice.display import answer_sections, document_sections

    dossier, actor = draft
    items = [traveller("aaaa1111"), traveller("bbbb2222", surname="Adjo", passport="P2")]
    dossiers.save_answers(dossier, actor=actor, answers={"travellers": items})
    dossiers.attach_document(dossier, actor=actor, field_name="passport_scan@bbbb2222", upload=pdf("b.pdf"))
    with translation.override("en"):
        rows = [row for section in answer_sections(dossier) for row in section.rows]
        group_row = next(row for row in rows if row.label == "Travellers")
        assert group_row.long
        assert "Traveller 2 — Adjo Kofi" in group_row.value
        assert "Passport number: P2" in group_row.value
        documents = {section.label: section.documents for section in document_sections(dossier)}
    assert [d.original_name for d in documents["Traveller 2 — Adjo Kofi — Passport scan"]] == ["b.pdf"]
    assert documents["Traveller 1 — Mensah Kofi — Passport scan"] == []


def test_a_group_shown_only_under_an_answer_is_not_asked_otherwise():
    data = _data()
    data["steps"][0]["fields"].append(
        {"name": "with_others", "type": "yes_no", "label": {"fr": "En groupe ?", "en": "In a group?"}}
    )
    _group(data)["show_if"] = {"field": "with_others", "equals": "yes"}
    definition = parse_definition(data)
    cleaned, errors = validate_answers(definition, {"port_of_entry": "lome-port", "with_others": "no"})
    assert cleaned["travellers"] is None
    assert errors == {}
    _cleaned, errors = validate_answers(definition, {"port_of_entry": "lome-port", "with_others": "yes"})
    assert errors == {"travellers": ["Add at least one traveller."]}


def test_document_slots_name_each_items_documents():
    from guichet.catalog.display import document_slots

    answers = {"travellers": [traveller("aaaa1111"), traveller("bbbb2222", surname="Adjo")]}
    with translation.override("en"):
        slots = document_slots(DEFINITION, answers)
    assert [(slot, label) for slot, label, _field in slots] == [
        ("passport_scan@aaaa1111", "Traveller 1 — Mensah Kofi — Passport scan"),
        ("passport_scan@bbbb2222", "Traveller 2 — Adjo Kofi — Passport scan"),
    ]


def test_ten_thousand_items_are_refused_at_once():
    import time

    items = [traveller(f"k{n:07d}", passport=f"P{n}") for n in range(10_000)]
    started = time.perf_counter()
    errors = check(items)
    assert time.perf_counter() - started < 1
    assert errors["travellers"] == ["At most 3 travellers per request."]
