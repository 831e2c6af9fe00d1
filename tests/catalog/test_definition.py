"""Parsing service files: every mistake an administrator can make is named by its key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import translation

from guichet.catalog.definition import Condition, DefinitionError, Text, parse_definition


def base() -> dict[str, Any]:
    """A small valid service file, as parsed YAML."""
    return copy.deepcopy(
        {
            "code": "essai",
            "prefix": "ESS",
            "administration": "mspc",
            "unit": "police",
            "title": {"fr": "Essai", "en": "Trial"},
            "summary": {"fr": "Un essai.", "en": "A trial."},
            "who_may_apply": {"fr": "Tout le monde.", "en": "Anyone."},
            "sla_days": 5,
            "fee": {"rule": "free"},
            "steps": [
                {
                    "key": "one",
                    "title": {"fr": "Étape", "en": "Step"},
                    "fields": [
                        {
                            "name": "kind",
                            "type": "choice",
                            "label": {"fr": "Genre", "en": "Kind"},
                            "choices": [
                                {"value": "a", "label": {"fr": "A", "en": "A"}},
                                {"value": "b", "label": {"fr": "B", "en": "B"}},
                            ],
                        },
                        {
                            "name": "detail",
                            "type": "text",
                            "label": {"fr": "Détail", "en": "Detail"},
                            "show_if": {"field": "kind", "equals": "b"},
                        },
                        {"name": "count", "type": "number", "label": {"fr": "Nombre", "en": "Count"}},
                    ],
                }
            ],
        }
    )


def fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["steps"][0]["fields"]


def test_a_valid_file_parses_with_defaults():
    definition = parse_definition(base())

    assert definition.code == "essai"
    assert definition.prefix == "ESS"
    assert definition.confidentiality == "normal"
    assert definition.anonymous_allowed is False
    assert definition.issues is None
    assert [f.name for f in definition.fields] == ["kind", "detail", "count"]
    assert definition.field("detail").show_if == Condition(field="kind", values=("b",))
    assert definition.field("count").required is True


def test_a_text_speaks_the_active_language():
    text = Text(fr="Bonjour", en="Hello")
    with translation.override("fr"):
        assert str(text) == "Bonjour"
    with translation.override("en"):
        assert str(text) == "Hello"


def test_a_condition_holds_for_listed_values_only():
    condition = Condition(field="signed", values=("yes",))
    assert condition.holds({"signed": "yes"})
    assert condition.holds({"signed": True})
    assert not condition.holds({"signed": "no"})
    assert not condition.holds({"signed": False})
    assert not condition.holds({})


def mutate(change) -> dict[str, Any]:
    data = base()
    change(data)
    return data


CASES = [
    ("not a mapping", lambda d: d.clear() or d.update({"x": 1}), "service.code: required"),
    (
        "unknown field type",
        lambda d: fields(d)[2].update(type="colour"),
        "essai.steps[0].fields[2] (count).type: unknown field type 'colour'",
    ),
    (
        "unknown validator",
        lambda d: fields(d)[2].update(validators=["prime"]),
        "essai.steps[0].fields[2] (count).validators: unknown validator 'prime'",
    ),
    (
        "missing en in a label",
        lambda d: fields(d)[2].update(label={"fr": "Nombre"}),
        "essai.steps[0].fields[2] (count).label: a text needs both 'fr' and 'en'",
    ),
    (
        "missing fr in a title",
        lambda d: d.update(title={"en": "Trial"}),
        "essai.title: a text needs both 'fr' and 'en'",
    ),
    (
        "missing label of a choice",
        lambda d: fields(d)[0]["choices"][1].pop("label"),
        "essai.steps[0].fields[0] (kind).choices[1].label",
    ),
    (
        "choice without choices",
        lambda d: fields(d)[0].pop("choices"),
        "essai.steps[0].fields[0] (kind).choices: a choice field needs choices",
    ),
    (
        "field name not an identifier",
        lambda d: fields(d)[2].update(name="how many"),
        "essai.steps[0].fields[2].name",
    ),
    (
        "field without a type",
        lambda d: fields(d)[2].pop("type"),
        "essai.steps[0].fields[2] (count).type: required",
    ),
    (
        "unknown fee rule",
        lambda d: d.update(fee={"rule": "lottery"}),
        "essai.fee.rule: unknown fee rule 'lottery'",
    ),
    ("fixed fee without lines", lambda d: d.update(fee={"rule": "fixed"}), "essai.fee.lines"),
    (
        "fixed fee with a decimal amount",
        lambda d: d.update(
            fee={"rule": "fixed", "lines": [{"label": {"fr": "F", "en": "F"}, "amount": 10.5}]}
        ),
        "essai.fee.lines",
    ),
    (
        "fixed fee line without English",
        lambda d: d.update(fee={"rule": "fixed", "lines": [{"label": {"fr": "F"}, "amount": 10}]}),
        "essai.fee.lines",
    ),
    (
        "by_option on an unknown field",
        lambda d: d.update(fee={"rule": "by_option", "field": "duration", "amounts": {"a": 1}}),
        "essai.fee.field",
    ),
    (
        "by_option without amounts",
        lambda d: d.update(fee={"rule": "by_option", "field": "kind"}),
        "essai.fee.amounts",
    ),
    (
        "per_unit on an unknown factor",
        lambda d: d.update(fee={"rule": "per_unit", "factors": ["agents"], "unit_price": 5}),
        "essai.fee.factors: no field named 'agents'",
    ),
    (
        "per_unit without a price",
        lambda d: d.update(fee={"rule": "per_unit", "factors": ["count"]}),
        "essai.fee.unit_price",
    ),
    (
        "show_if on an unknown field",
        lambda d: fields(d)[1].update(show_if={"field": "sort", "equals": "b"}),
        "essai.detail.show_if: no field named 'sort'",
    ),
    (
        "duplicate field",
        lambda d: fields(d).append({"name": "count", "type": "text", "label": {"fr": "X", "en": "X"}}),
        "essai.steps[0]: field 'count' declared twice",
    ),
    (
        "duplicate field across steps",
        lambda d: d["steps"].append(
            {
                "key": "two",
                "title": {"fr": "2", "en": "2"},
                "fields": [{"name": "kind", "type": "text", "label": {"fr": "X", "en": "X"}}],
            }
        ),
        "essai.steps[1]: field 'kind' declared twice",
    ),
    ("step without fields", lambda d: d["steps"][0].pop("fields"), "essai.steps[0].fields: required"),
    ("no steps", lambda d: d.pop("steps"), "essai.steps: required"),
    (
        "unknown issued document",
        lambda d: d.update(issues={"type": "medal"}),
        "essai.issues.type: unknown document type 'medal'",
    ),
    ("bad confidentiality", lambda d: d.update(confidentiality="secret"), "essai.confidentiality"),
    ("bad prefix", lambda d: d.update(prefix="E1"), "essai.prefix"),
    ("no prefix", lambda d: d.pop("prefix"), "essai.prefix: required"),
    ("sla in hours", lambda d: d.update(sla_days="3h"), "essai.sla_days"),
    ("sla zero", lambda d: d.update(sla_days=0), "essai.sla_days"),
    ("no unit", lambda d: d.pop("unit"), "essai.unit: required"),
    ("no administration", lambda d: d.pop("administration"), "essai.administration: required"),
    # What YAML lets through but would break later, at filing or upload time.
    ("code that is not a slug", lambda d: d.update(code="Essai 2!"), "service.code: 'Essai 2!'"),
    ("steps not a list", lambda d: d.update(steps=3), "essai.steps: a list"),
    ("step not a mapping", lambda d: d.update(steps=[["kind"]]), "essai.steps[0]: a step is a mapping"),
    (
        "fields not a list",
        lambda d: d["steps"][0].update(fields={"kind": 1}),
        "essai.steps[0].fields: a list",
    ),
    (
        "two steps with one key",
        lambda d: d["steps"].append({"key": "one", "title": {"fr": "2", "en": "2"}, "fields": []}),
        "essai.steps[1].key: another step is already called 'one'",
    ),
    (
        "show_if not a mapping",
        lambda d: fields(d)[1].update(show_if="kind"),
        "essai.steps[0].fields[1] (detail).show_if: a mapping",
    ),
    (
        "show_if without values",
        lambda d: fields(d)[1].update(show_if={"field": "kind"}),
        "essai.steps[0].fields[1] (detail).show_if: say which answers",
    ),
    (
        "show_if on itself",
        lambda d: fields(d)[1].update(show_if={"field": "detail", "equals": "x"}),
        "essai.detail.show_if: no field named 'detail'",
    ),
    (
        "show_if on an answer the question cannot have",
        lambda d: fields(d)[1].update(show_if={"field": "kind", "in": ["b", "c"]}),
        "essai.detail.show_if: kind has no answer 'c'",
    ),
    (
        "size limit in words",
        lambda d: fields(d)[2].update(max_size_mb="big"),
        "essai.steps[0].fields[2] (count).max_size_mb: a whole number",
    ),
    (
        "max_length in words",
        lambda d: fields(d)[2].update(max_length="long"),
        "essai.steps[0].fields[2] (count).max_length: a whole number",
    ),
    (
        "min_value in words",
        lambda d: fields(d)[2].update(min_value="one"),
        "essai.steps[0].fields[2] (count).min_value: a whole number",
    ),
    (
        "validators not a list",
        lambda d: fields(d)[2].update(validators="niu"),
        "essai.steps[0].fields[2] (count).validators: a list",
    ),
    (
        "choice not a mapping",
        lambda d: fields(d)[0].update(choices=["a", "b"]),
        "essai.steps[0].fields[0] (kind).choices[0]: a mapping",
    ),
    (
        "required as a quoted word",
        lambda d: fields(d)[2].update(required="no"),
        "essai.steps[0].fields[2] (count).required: true or false",
    ),
    (
        "anonymous as a quoted word",
        lambda d: d.update(anonymous_allowed="no"),
        "essai.anonymous_allowed: true or false",
    ),
    (
        "file kind unknown",
        lambda d: fields(d).append(
            {"name": "doc", "type": "file", "accept": ["exe"], "label": {"fr": "D", "en": "D"}}
        ),
        "essai.steps[0].fields[3] (doc).accept: unknown kind 'exe'",
    ),
    ("fee not a mapping", lambda d: d.update(fee="free"), "essai.fee: a mapping"),
    (
        "fixed fee line not a mapping",
        lambda d: d.update(fee={"rule": "fixed", "lines": ["10000"]}),
        "essai.fee.lines: every line is a mapping",
    ),
    (
        "by_option with a negative amount",
        lambda d: d.update(fee={"rule": "by_option", "field": "kind", "amounts": {"a": -1}}),
        "essai.fee.amounts",
    ),
    (
        "by_option on a text field",
        lambda d: d.update(fee={"rule": "by_option", "field": "detail", "amounts": {"a": 1}}),
        "essai.fee.field",
    ),
    (
        "per_unit on a text field",
        lambda d: d.update(fee={"rule": "per_unit", "factors": ["detail"], "unit_price": 5}),
        "essai.fee.factors: 'detail' is not a number field",
    ),
    (
        "per_unit with a negative price",
        lambda d: d.update(fee={"rule": "per_unit", "factors": ["count"], "unit_price": -5}),
        "essai.fee.unit_price",
    ),
    ("issues not a mapping", lambda d: d.update(issues="authorization"), "essai.issues: a mapping"),
    (
        "validity in words",
        lambda d: d.update(issues={"type": "authorization", "validity_days": "a year"}),
        "essai.issues.validity_days: a whole number",
    ),
    ("sla as a boolean", lambda d: d.update(sla_days=True), "essai.sla_days"),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_mistake_is_refused_with_its_key_named(change, message):
    with pytest.raises(DefinitionError) as error:
        parse_definition(mutate(change))
    assert message in str(error.value)


def test_a_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(DefinitionError, match="the file must hold a mapping"):
        parse_definition(["code", "essai"])


def test_an_unquoted_yes_in_a_condition_means_the_answer_yes():
    data = base()
    fields(data).append({"name": "signed", "type": "yes_no", "label": {"fr": "Signé", "en": "Signed"}})
    fields(data).append(
        {
            "name": "signature",
            "type": "text",
            "label": {"fr": "Nom", "en": "Name"},
            "show_if": {"field": "signed", "equals": True},
        }
    )

    definition = parse_definition(data)

    assert definition.field("signature").show_if == Condition(field="signed", values=("yes",))
    assert definition.field("signature").visible({"signed": "yes"})
    assert not definition.field("signature").visible({"signed": "no"})


def test_the_workflow_says_whether_the_ministry_decides_or_answers():
    from django.conf import settings

    from guichet.catalog.definition import DefinitionError, parse_definition
    from guichet.catalog.services import read_yaml

    source = (settings.GUICHET["CATALOG_DIR"] / "suggestion.yaml").read_text(encoding="utf-8")
    assert parse_definition(read_yaml(source)).is_answered
    decided = read_yaml(source.replace("workflow: answer", "workflow: decision"))
    assert not parse_definition(decided).is_answered
    with pytest.raises(DefinitionError, match=r"suggestion\.workflow: one of answer, decision, quote"):
        parse_definition(read_yaml(source.replace("workflow: answer", "workflow: vote")))
