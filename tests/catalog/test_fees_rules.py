"""The fee rules of issue 7: amounts from settings, per item by bracket, and quotes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from guichet.catalog.definition import DefinitionError
from guichet.catalog.fees import FeeLine, OverviewLine, QuoteRule, fee_rules
from tests.catalog.test_fees import FEES, definition_with

TINTED = {
    "rule": "fixed",
    "note": {
        "fr": "Ces frais ne sont pas remboursés si la demande est refusée.",
        "en": "These fees are not refunded if the request is refused.",
    },
    "lines": [
        {"label": {"fr": "Frais d’étude", "en": "Review fee"}, "setting": "tinted_windows_review"},
        {"label": {"fr": "Timbre fiscal", "en": "Fiscal stamp"}, "setting": "tinted_windows_stamp"},
    ],
}


def guichet_fees(**amounts: int) -> override_settings:
    return override_settings(GUICHET={**settings.GUICHET, "FEES": {**settings.GUICHET["FEES"], **amounts}})


def travellers(*stays: int | None, shared: int | None = None) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "travellers": [
            {"_key": f"k{i}", "surname": f"DOE{i}", **({"stay_days": stay} if stay is not None else {})}
            for i, stay in enumerate(stays)
        ]
    }
    if shared is not None:
        answers["stay_days"] = shared
    return answers


# --- several lines, amounts from settings ----------------------------------------------------


def test_two_lines_from_settings_with_the_note_said_before_filing(project_translations):
    definition = definition_with(TINTED)
    lines = fee_rules["fixed"].lines(definition.fee.params, {})
    assert lines == [
        FeeLine({"fr": "Frais d’étude", "en": "Review fee"}, 10_000),
        FeeLine({"fr": "Timbre fiscal", "en": "Fiscal stamp"}, 2_000),
    ]
    with translation.override("en"):
        overview = definition.fee_overview()
    assert overview.lines == (OverviewLine("Review fee", 10_000), OverviewLine("Fiscal stamp", 2_000))
    assert (overview.total, overview.note) == (
        12_000,
        "These fees are not refunded if the request is refused.",
    )
    with translation.override("fr"):
        overview = definition.fee_overview()
    assert [line.label for line in overview.lines] == ["Frais d’étude", "Timbre fiscal"]
    assert overview.note == "Ces frais ne sont pas remboursés si la demande est refusée."
    assert overview.payment.startswith("Vous payez une fois votre demande déposée.")


def test_an_amount_follows_its_setting():
    definition = definition_with(TINTED)
    with guichet_fees(tinted_windows_review=15_000):
        assert sum(line.amount for line in fee_rules["fixed"].lines(definition.fee.params, {})) == 17_000
        assert definition.fee_overview().total == 17_000


@pytest.mark.parametrize(
    ("fee", "error"),
    [
        (
            {"rule": "fixed", "lines": [{"label": {"fr": "A", "en": "A"}, "setting": "no_such_fee"}]},
            r"fee\.lines\.setting: unknown fee setting 'no_such_fee' \(known: entry_15_days",
        ),
        (
            {"rule": "fixed", "lines": [{"label": {"fr": "A", "en": "A"}, "amount": 12.5}]},
            r"every amount is a whole number of XOF",
        ),
        ({"rule": "fixed", "lines": [{"label": {"fr": "A", "en": "A"}}]}, r"whole number of XOF"),
        ({**TINTED, "note": "pas de remboursement"}, r"fee\.note: a label in fr and en"),
    ],
)
def test_a_bad_amount_is_refused_when_the_file_is_loaded(fee, error):
    with pytest.raises(DefinitionError, match=error):
        definition_with(fee)


# --- per item of a repeating group, by bracket --------------------------------------------------


def test_per_traveller_by_length_of_stay():
    params = definition_with(FEES["per_item"]).fee.params
    lines = fee_rules["per_item"].lines(params, travellers(10, 30, 31, 90))
    assert lines == [
        FeeLine(
            {"fr": "Autorisation d’entrée, jusqu’à 15 jours", "en": "Entry authorization, up to 15 days"},
            35_000,
        ),
        FeeLine(
            {"fr": "Autorisation d’entrée, jusqu’à 30 jours", "en": "Entry authorization, up to 30 days"},
            45_000,
        ),
        FeeLine(
            {
                "fr": "Autorisation d’entrée, jusqu’à 90 jours × 2",
                "en": "Entry authorization, up to 90 days × 2",
            },
            130_000,
        ),
    ]


def test_one_length_of_stay_for_the_whole_group():
    params = definition_with(FEES["per_item"]).fee.params
    lines = fee_rules["per_item"].lines(params, travellers(None, None, None, shared=20))
    assert [line.amount for line in lines] == [135_000]
    assert lines[0].label["en"] == "Entry authorization, up to 30 days × 3"


def test_no_traveller_or_a_stay_beyond_the_brackets_owes_nothing_for_it():
    params = definition_with(FEES["per_item"]).fee.params
    assert fee_rules["per_item"].lines(params, {}) == []
    assert fee_rules["per_item"].lines(params, travellers(91)) == []
    assert fee_rules["per_item"].lines(params, travellers(None)) == []
    # A choice stored as text ("30") counts as its number.
    assert [line.amount for line in fee_rules["per_item"].lines(params, travellers("30"))] == [45_000]  # type: ignore[arg-type]


def test_per_item_without_brackets_is_one_amount_each(project_translations):
    fee = {
        "rule": "per_item",
        "group": "travellers",
        "label": {"fr": "Frais", "en": "Fee"},
        "setting": "entry_15_days",
        "fixed": [{"label": {"fr": "Dossier", "en": "File"}, "amount": 1_000}],
    }
    definition = definition_with(fee)
    lines = fee_rules["per_item"].lines(definition.fee.params, travellers(None, None))
    assert [(line.label["en"], line.amount) for line in lines] == [("File", 1_000), ("Fee × 2", 70_000)]
    with translation.override("fr"):
        overview = definition.fee_overview()
    assert overview.lines[-1] == OverviewLine("Frais", 35_000, "par voyageur")


def test_the_per_item_overview_in_french(project_translations):
    with translation.override("fr"):
        overview = definition_with(FEES["per_item"]).fee_overview()
    assert overview.lines[0] == OverviewLine(
        "Autorisation d’entrée, jusqu’à 15 jours", 35_000, "par voyageur"
    )
    assert overview.note == "Le montant dépend du nombre de personnes et de la durée du séjour :"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"group": "agents"}, r"fee\.group: the name of a repeating group"),
        ({"brackets": []}, r"fee\.brackets: a list"),
        ({"brackets": [{"up_to": 30, "amount": 1}, {"up_to": 15, "amount": 2}]}, r"brackets\[1\]\.up_to"),
        ({"brackets": [{"up_to": 15, "setting": "nope"}]}, r"unknown fee setting 'nope'"),
        ({"label": "Entrée"}, r"fee\.label: a label in fr and en"),
    ],
)
def test_a_bad_per_item_rule_is_refused(change, error):
    with pytest.raises(DefinitionError, match=error):
        definition_with({**FEES["per_item"], **change})


# --- quotes ----------------------------------------------------------------------------------


def test_a_quote_is_a_file_fee_at_filing_then_agents_times_hours_times_rate():
    params = definition_with(FEES["quote"]).fee.params
    rule = fee_rules["quote"]
    assert isinstance(rule, QuoteRule)
    answers = {"agents": 6, "event_date": "2027-01-16"}
    assert rule.lines(params, answers) == [FeeLine({"fr": "Frais de dossier", "en": "File fee"}, 5_000)]
    assert rule.quote_lines(params, agents=6, hours=5) == [
        FeeLine(
            {"fr": "Couverture sécuritaire : 6 agents × 5 h", "en": "Security coverage: 6 agents × 5 h"},
            60_000,
        )
    ]
    assert rule.quote_lines(params, agents=1, hours=2)[0].label["en"] == "Security coverage: 1 agent × 2 h"
    assert rule.requested_agents(params, answers) == 6
    assert rule.event_date(params, answers) == dt.date(2027, 1, 16)
    assert rule.event_date(params, {"event_date": "not a date"}) is None
    with guichet_fees(event_agent_hour=2_500):
        assert rule.quote_lines(params, agents=6, hours=5)[0].amount == 75_000


def test_the_quote_overview_in_french(project_translations):
    with translation.override("fr"):
        overview = definition_with(FEES["quote"]).fee_overview()
    assert overview.lines == (
        OverviewLine("Frais de dossier", 5_000),
        OverviewLine("Couverture sécuritaire", 2_000, "par agent et par heure"),
    )
    assert overview.note.startswith("Après lecture de votre demande, l’unité fixe le nombre d’agents")
    assert overview.total is None


def test_a_quote_needs_the_quote_workflow_and_the_quote_workflow_a_quote():
    data_fee = dict(FEES["quote"])
    from guichet.catalog.definition import parse_definition
    from tests.catalog.test_definition import base
    from tests.catalog.test_fees import NUMBER_FIELDS

    data = base()
    data["steps"][0]["fields"] += NUMBER_FIELDS
    data["fee"] = data_fee
    with pytest.raises(
        DefinitionError, match=r"workflow: the fee rule 'quote' needs a workflow with a quote step"
    ):
        parse_definition(data)
    data["workflow"] = "quote"
    data["fee"] = FEES["fixed"]
    with pytest.raises(DefinitionError, match=r"fee\.rule: the workflow 'quote' needs a fee rule staff set"):
        parse_definition(data)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"hourly_rate": 2000}, r"fee\.hourly_rate: a mapping with 'amount' or 'setting'"),
        ({"requested_agents": "event_date"}, r"fee\.requested_agents: the name of a number field"),
        ({"event_date": "agents"}, r"fee\.event_date: the name of a date field"),
    ],
)
def test_a_bad_quote_rule_is_refused(change, error):
    with pytest.raises(DefinitionError, match=error):
        definition_with({**FEES["quote"], **change})


@pytest.mark.parametrize(
    ("answers", "hours"),
    [
        ({"day": "2027-01-16", "start": "18:00", "end": "23:00"}, 5),
        ({"day": "2027-01-16", "start": "18:00", "end": "23:30"}, 6),  # a started hour counts
        ({"day": "2027-01-16", "start": "20:00", "end_day": "2027-01-17", "end": "02:00"}, 6),
        ({"day": "2027-01-16", "start": "20:00", "end": "02:00"}, None),  # ends before it starts
        ({"day": "2027-01-16", "start": "20:00"}, None),
        ({"day": "not a date", "start": "20:00", "end": "22:00"}, None),
    ],
)
def test_the_hours_suggested_to_the_commander_come_from_the_event_times(answers, hours):
    params = {"event_date": "day", "start_time": "start", "end_time": "end", "end_date": "end_day"}
    assert QuoteRule().suggested_hours(params, answers) == hours
    assert QuoteRule().suggested_hours({"event_date": "day"}, answers) is None


def test_the_last_day_of_an_event_over_several_days():
    params = {"event_date": "day", "end_date": "end_day"}
    rule = QuoteRule()
    assert rule.event_end_date(params, {"day": "2027-01-16", "end_day": "2027-01-18"}) == dt.date(2027, 1, 18)
    assert rule.event_end_date(params, {"day": "2027-01-16", "end_day": "2027-01-16"}) is None
    assert rule.event_end_date(params, {"day": "2027-01-16", "end_day": "2027-01-15"}) is None
    assert rule.event_end_date(params, {"day": "2027-01-16"}) is None
    assert rule.event_end_date({"event_date": "day"}, {"day": "2027-01-16", "end_day": "2027-01-18"}) is None
