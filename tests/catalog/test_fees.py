"""Fee rules describe themselves: the service page renders what the rule says, whatever it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from guichet.catalog import definition as definition_module
from guichet.catalog import fees
from guichet.catalog import services as catalog_services
from guichet.catalog.definition import parse_definition
from guichet.catalog.fees import FeeLine, FeeOverview, OverviewLine
from guichet.core.registry import Registry
from tests.catalog.test_definition import base
from tests.dossiers.conftest import publish_file

NUMBER_FIELDS = [
    {"name": "agents", "type": "number", "label": {"fr": "Nombre d’agents", "en": "Number of agents"}},
    {"name": "hours", "type": "number", "label": {"fr": "Heures", "en": "Hours"}},
    {
        "name": "duration",
        "type": "choice",
        "label": {"fr": "Durée", "en": "Length of stay"},
        "choices": [
            {"value": "d15", "label": {"fr": "15 jours", "en": "15 days"}},
            {"value": "d30", "label": {"fr": "30 jours", "en": "30 days"}},
        ],
    },
    {"name": "stay_days", "type": "number", "label": {"fr": "Durée du séjour", "en": "Length of stay"}},
    {"name": "event_date", "type": "date", "label": {"fr": "Date", "en": "Date"}},
    {
        "name": "travellers",
        "type": "group",
        "label": {"fr": "Voyageurs", "en": "Travellers"},
        "item_label": {"fr": "Voyageur", "en": "Traveller"},
        "min_items": 1,
        "fields": [{"name": "surname", "type": "text", "label": {"fr": "Nom", "en": "Surname"}}],
    },
]

FEES: dict[str, dict[str, Any]] = {
    "free": {"rule": "free"},
    "fixed": {
        "rule": "fixed",
        "lines": [
            {"label": {"fr": "Frais d’étude", "en": "Review fee"}, "amount": 10000},
            {"label": {"fr": "Timbre fiscal", "en": "Fiscal stamp"}, "amount": 2000},
        ],
    },
    "by_option": {"rule": "by_option", "field": "duration", "amounts": {"d15": 35000, "d30": 45000}},
    "per_unit": {
        "rule": "per_unit",
        "factors": ["agents", "hours"],
        "unit_price": 2500,
        "label": {"fr": "Agents", "en": "Agents"},
        "fixed": [{"label": {"fr": "Frais de dossier", "en": "File fee"}, "amount": 5000}],
    },
    "per_item": {
        "rule": "per_item",
        "group": "travellers",
        "by": "stay_days",
        "label": {"fr": "Autorisation d’entrée", "en": "Entry authorization"},
        "brackets": [
            {"up_to": 15, "setting": "entry_15_days"},
            {"up_to": 30, "setting": "entry_30_days"},
            {"up_to": 90, "setting": "entry_90_days"},
        ],
    },
    "quote": {
        "rule": "quote",
        "file_fee": [{"label": {"fr": "Frais de dossier", "en": "File fee"}, "setting": "event_file_fee"}],
        "hourly_rate": {"setting": "event_agent_hour"},
        "requested_agents": "agents",
        "event_date": "event_date",
        "label": {"fr": "Couverture sécuritaire", "en": "Security coverage"},
    },
}


def definition_with(fee: dict[str, Any]) -> Any:
    data = base()
    data["steps"][0]["fields"] += NUMBER_FIELDS
    data["fee"] = fee
    if fee["rule"] == "quote":
        data["workflow"] = "quote"
    return parse_definition(data)


EXPECTED = {
    "free": FeeOverview(free=True, note="This service costs nothing."),
    "fixed": FeeOverview(
        lines=(OverviewLine("Review fee", 10000), OverviewLine("Fiscal stamp", 2000)),
        total=12000,
        payment="You pay once your request is filed. Fees are not refunded if the request is refused.",
    ),
    "by_option": FeeOverview(
        lines=(OverviewLine("15 days", 35000), OverviewLine("30 days", 45000)),
        note="The fee depends on your answer to “Length of stay”:",
        payment="You pay once your request is filed. Fees are not refunded if the request is refused.",
    ),
    "per_unit": FeeOverview(
        lines=(OverviewLine("File fee", 5000), OverviewLine("Agents", 2500, "× Number of agents × Hours")),
        note="The fee depends on your answers; you will see the exact amount before you file.",
        payment="You pay once your request is filed. Fees are not refunded if the request is refused.",
    ),
    "per_item": FeeOverview(
        lines=(
            OverviewLine("Entry authorization, up to 15 days", 35000, "per traveller"),
            OverviewLine("Entry authorization, up to 30 days", 45000, "per traveller"),
            OverviewLine("Entry authorization, up to 90 days", 65000, "per traveller"),
        ),
        note="The fee depends on the number of people and the length of stay:",
        payment="You pay once your request is filed. Fees are not refunded if the request is refused.",
    ),
    "quote": FeeOverview(
        lines=(
            OverviewLine("File fee", 5000),
            OverviewLine("Security coverage", 2000, "per agent and per hour"),
        ),
        note="After reading your request, the unit sets the number of agents and hours. "
        "You then accept or decline the quote.",
        payment="You pay the file fee once your request is filed, and the quote once you accept it. "
        "The file fee is not refunded if the request is refused.",
    ),
}


@pytest.mark.parametrize("rule", list(FEES))
def test_each_rule_gives_its_own_overview(rule):
    with translation.override("en"):
        assert definition_with(FEES[rule]).fee_overview() == EXPECTED[rule]


def test_every_registered_rule_is_described_here():
    assert set(fees.fee_rules) == set(FEES)


def test_the_overview_speaks_french(project_translations):
    with translation.override("fr"):
        free = definition_with(FEES["free"]).fee_overview()
        fixed = definition_with(FEES["fixed"]).fee_overview()
        per_unit = definition_with(FEES["per_unit"]).fee_overview()
    assert free.note == "Vous n’avez rien à payer."
    assert [line.label for line in fixed.lines] == ["Frais d’étude", "Timbre fiscal"]
    assert fixed.payment.startswith("Vous payez une fois votre demande déposée.")
    assert per_unit.lines[-1].detail == "× Nombre d’agents × Heures"


class SetLater:
    """A rule of a kind not written yet: pages render whatever it says."""

    def check(self, params: dict[str, Any], field_names: Any) -> None:
        pass

    def overview(self, params: dict[str, Any], definition: Any) -> FeeOverview:
        return FeeOverview(note="Set by the ministry after review of your request.")

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        return []


@pytest.fixture
def with_quote_rule(monkeypatch):
    """A fresh registry with the usual rules and a quote (no mocking of our own code)."""
    fresh: Registry[Any] = Registry("fee rules")
    for name, rule in fees.fee_rules.items():
        fresh.register(name)(rule)
    fresh.register("set_later")(SetLater())
    monkeypatch.setattr(definition_module, "fee_rules", fresh)
    monkeypatch.setattr(catalog_services, "fee_rules", fresh)


SERVICE = """
code: essai-frais
prefix: ESF
administration: mspc
unit: police
title: {fr: Essai de frais, en: Fee trial}
summary: {fr: Un essai., en: A trial.}
who_may_apply: {fr: Tout le monde., en: Anyone.}
fee: FEE
steps:
  - key: one
    title: {fr: Étape, en: Step}
    fields:
      - {name: agents, type: number, label: {fr: Nombre d’agents, en: Number of agents}}
"""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        ("{rule: free}", ["Free", "This service costs nothing."], ["Total", "You pay once"]),
        (
            "{rule: fixed, lines: [{label: {fr: Frais, en: Review fee}, amount: 10000}]}",
            ["Review fee", "10,000", "Total", "You pay once"],
            ["This service costs nothing."],
        ),
        (
            "{rule: per_unit, factors: [agents], unit_price: 2500}",
            ["2,500", "× Number of agents", "you will see the exact amount"],
            ["Total", "This service costs nothing."],
        ),
        ("{rule: set_later}", ["Set by the ministry after review"], ["Free", "Total", "You pay once"]),
    ],
)
def test_the_service_page_shows_what_the_rule_says(client, tmp_path, with_quote_rule, case):
    fee, shown, not_shown = case
    service = publish_file(tmp_path, "essai-frais", SERVICE.replace("FEE", fee))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("portal:service", kwargs={"code": service.code}))

    cost = re.search(r'<section class="panel" aria-labelledby="cost">(.*?)</section>', response.text, re.S)
    assert cost is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cost[1])).replace("\u00a0", " ")
    for words in shown:
        assert words in text
    for words in not_shown:
        assert words not in text


def test_no_template_or_interface_code_names_a_fee_rule():
    root = Path(settings.BASE_DIR) / "guichet"
    interface = [
        *root.glob("*/templates/**/*.html"),
        *root.glob("portal/**/*.py"),
        *root.glob("backoffice/**/*.py"),
    ]
    assert interface
    for path in interface:
        source = path.read_text(encoding="utf-8")
        assert "fee.rule" not in source, path
        assert ".rule ==" not in source, path
        assert "overview.kind" not in source, path
