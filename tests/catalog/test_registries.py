"""Fee rules and named validators, as service files use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guichet.catalog.definition import parse_definition
from guichet.catalog.registries import validators
from guichet.catalog.services import compute_fee
from tests.catalog.test_definition import base

FEE = {"fr": "Frais", "en": "Fee"}
STAMP = {"fr": "Timbre fiscal", "en": "Fiscal stamp"}


def fee_for(fee: dict, answers: dict) -> list[tuple[str, int]]:
    data = base()
    data["fee"] = fee
    return [(line.label["en"], line.amount) for line in compute_fee(parse_definition(data), answers)]


def test_free_costs_nothing():
    assert fee_for({"rule": "free"}, {"kind": "a"}) == []


def test_no_fee_key_means_free():
    data = base()
    del data["fee"]
    assert compute_fee(parse_definition(data), {}) == []


def test_fixed_gives_each_line():
    lines = [{"label": FEE, "amount": 10_000}, {"label": STAMP, "amount": 2_000}]
    assert fee_for({"rule": "fixed", "lines": lines}, {}) == [("Fee", 10_000), ("Fiscal stamp", 2_000)]


def test_by_option_follows_the_chosen_answer():
    fee = {"rule": "by_option", "field": "kind", "amounts": {"a": 25_000, "b": 50_000}, "label": FEE}
    assert fee_for(fee, {"kind": "a"}) == [("Fee", 25_000)]
    assert fee_for(fee, {"kind": "b"}) == [("Fee", 50_000)]


def test_by_option_without_a_price_for_the_answer_costs_nothing():
    fee = {"rule": "by_option", "field": "kind", "amounts": {"a": 25_000}}
    assert fee_for(fee, {"kind": "b"}) == []
    assert fee_for(fee, {}) == []


def test_per_unit_multiplies_the_factors_and_adds_fixed_lines():
    fee = {
        "rule": "per_unit",
        "factors": ["count"],
        "unit_price": 3_000,
        "fixed": [{"label": FEE, "amount": 5_000}],
        "label": {"fr": "Agents", "en": "Agents"},
    }
    assert fee_for(fee, {"count": 4}) == [("Fee", 5_000), ("Agents", 12_000)]
    assert fee_for(fee, {"count": "4"}) == [("Fee", 5_000), ("Agents", 12_000)]


def test_per_unit_with_several_factors():
    data = base()
    data["steps"][0]["fields"].append(
        {"name": "hours", "type": "number", "label": {"fr": "Heures", "en": "Hours"}}
    )
    data["fee"] = {"rule": "per_unit", "factors": ["count", "hours"], "unit_price": 1_500}
    lines = compute_fee(parse_definition(data), {"count": 6, "hours": 5})
    assert [line.amount for line in lines] == [45_000]


def test_per_unit_with_a_missing_factor_costs_nothing_for_that_line():
    fee = {"rule": "per_unit", "factors": ["count"], "unit_price": 3_000}
    assert fee_for(fee, {}) == [("Service", 0)]


@pytest.mark.parametrize("value", ["123456789012", "1234 5678 9012"])
def test_niu_accepts_twelve_digits(value):
    validators["niu"](value)


@pytest.mark.parametrize("value", ["12345678901", "1234567890123", "12345678901A", ""])
def test_niu_refuses_anything_else(value):
    with pytest.raises(ValidationError) as error:
        validators["niu"](value)
    assert error.value.code == "niu"


@pytest.mark.parametrize("value", ["TG 1234 AB", "1234 AB", "tg-1234-ab", "CD 123 A"])
def test_togo_plate_accepts_what_is_seen_on_the_road(value):
    validators["togo_plate"](value)


@pytest.mark.parametrize("value", ["AB", "TG 1234 AB !", "TG/1234/AB", "TG 1234 ABCDEFGHI"])
def test_togo_plate_refuses_what_cannot_be_a_plate(value):
    with pytest.raises(ValidationError) as error:
        validators["togo_plate"](value)
    assert error.value.code == "plate"


def test_not_in_past_accepts_today_and_later():
    today = timezone.localdate()
    validators["not_in_past"](today)
    validators["not_in_past"](today + dt.timedelta(days=30))


def test_not_in_past_refuses_yesterday():
    with pytest.raises(ValidationError) as error:
        validators["not_in_past"](timezone.localdate() - dt.timedelta(days=1))
    assert error.value.code == "past"


def test_not_in_future_refuses_tomorrow_and_accepts_today():
    validators["not_in_future"](timezone.localdate())
    with pytest.raises(ValidationError):
        validators["not_in_future"](timezone.localdate() + dt.timedelta(days=1))
