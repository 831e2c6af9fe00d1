"""Fee rules: how a service file prices a request, and how the rule describes itself.

A service file names its rule under `fee.rule`; each rule checks its parameters when the
file is loaded, says what the service costs on its page (`overview`), and gives what a
dossier owes once filed (`lines`). Pages render what a rule says and never name a rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext as _

from guichet.catalog.errors import DefinitionError
from guichet.core.registry import Registry
from guichet.core.text import bilingual

if TYPE_CHECKING:
    # Only for type checking: at run time the definition imports this module, not the reverse.
    from guichet.catalog.definition import ServiceDefinition

# --- fee rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeLine:
    """A line a dossier owes once filed."""

    label: dict[str, str]  # {"fr": ..., "en": ...}
    amount: int  # whole XOF

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "amount": self.amount}


@dataclass(frozen=True)
class OverviewLine:
    """A line of what a service costs, said before anyone answers (in the reader's language)."""

    label: str
    amount: int | None = None  # whole XOF, when known
    detail: str = ""  # what the amount is for: "× Number of agents", "per traveller"...


@dataclass(frozen=True)
class FeeOverview:
    """What a service costs, for its page: pages render it as it is, whatever the rule."""

    lines: tuple[OverviewLine, ...] = ()
    note: str = ""  # said before the lines
    free: bool = False
    total: int | None = None  # when the whole amount is known before any answer
    payment: str = ""  # when one pays

    @classmethod
    def paid_at_filing(cls, lines: tuple[OverviewLine, ...], note: str = "", **kwargs: Any) -> FeeOverview:
        return cls(
            lines=lines,
            note=note,
            payment=_("You pay once your request is filed. Fees are not refunded if the request is refused."),
            **kwargs,
        )


class FeeRule(Protocol):
    """A way of pricing a service; a service file names it under `fee.rule`.

    `check` refuses bad parameters when the file is loaded; `overview` says what the service
    costs on its page; `lines` gives what a dossier owes once filed (nothing yet for a rule
    whose amount staff set after review).
    """

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None: ...
    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview: ...
    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]: ...


fee_rules: Registry[FeeRule] = Registry("fee rules")


def _check_lines(lines: Any, path: str) -> None:
    if not isinstance(lines, list) or not lines:
        raise DefinitionError(f"{path}: a list of lines, each with a label (fr, en) and a whole amount")
    for line in lines:
        if not isinstance(line, dict):
            raise DefinitionError(f"{path}: every line is a mapping with a label (fr, en) and an amount")
        if not isinstance(line.get("amount"), int) or line["amount"] < 0:
            raise DefinitionError(f"{path}: every amount is a whole number of XOF, 0 or more")
        if not {"fr", "en"} <= set(line.get("label") or {}):
            raise DefinitionError(f"{path}: every line needs a label in fr and en")


def _overview_lines(lines: list[dict[str, Any]]) -> tuple[OverviewLine, ...]:
    return tuple(OverviewLine(label=bilingual(line["label"]), amount=line["amount"]) for line in lines)


class Free:
    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        pass

    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview:
        return FeeOverview(free=True, note=_("This service costs nothing."))

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        return []


class Fixed:
    """Fixed lines, e.g. a review fee and a fiscal stamp."""

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        _check_lines(params.get("lines"), "fee.lines")

    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview:
        lines = _overview_lines(params["lines"])
        return FeeOverview.paid_at_filing(lines, total=sum(line["amount"] for line in params["lines"]))

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        return [FeeLine(label=line["label"], amount=line["amount"]) for line in params["lines"]]


class ByOption:
    """One amount per value of a choice field (an entry authorization by duration)."""

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        if params.get("field") not in field_names or (
            isinstance(field_names, Mapping) and field_names[params["field"]] not in {"choice", "yes_no"}
        ):
            raise DefinitionError("fee.field: the name of a choice field of this service")
        amounts = params.get("amounts")
        if not isinstance(amounts, dict) or not all(isinstance(v, int) and v >= 0 for v in amounts.values()):
            raise DefinitionError("fee.amounts: a mapping from each choice to a whole amount")

    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview:
        question = definition.field(params["field"])
        lines = tuple(
            OverviewLine(label=question.choice_label(value), amount=amount)
            for value, amount in params["amounts"].items()
        )
        note = _("The fee depends on your answer to “%(question)s”:") % {
            "question": bilingual(question.label)
        }
        return FeeOverview.paid_at_filing(lines, note)

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        option = str(answers.get(params["field"], ""))
        amount = params["amounts"].get(option)
        if amount is None:
            return []
        label = params.get("label") or {"fr": "Frais", "en": "Fee"}
        return [FeeLine(label=label, amount=amount)]


class PerUnit:
    """A count read from a field times a unit price, plus fixed lines (agents × hours × rate)."""

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        factors = params.get("factors") or []
        if not isinstance(factors, list):
            raise DefinitionError("fee.factors: a list of number fields")
        for name in factors:
            if name not in field_names:
                raise DefinitionError(f"fee.factors: no field named {name!r}")
            # parse_definition passes {name: type}: a factor must be a count, not a text.
            if isinstance(field_names, Mapping) and field_names[name] != "number":
                raise DefinitionError(f"fee.factors: {name!r} is not a number field")
        if not isinstance(params.get("unit_price"), int) or params["unit_price"] < 0:
            raise DefinitionError("fee.unit_price: a whole amount of XOF, 0 or more")
        if params.get("fixed"):
            _check_lines(params["fixed"], "fee.fixed")

    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview:
        factors = [bilingual(definition.field(name).label) for name in params.get("factors") or []]
        per_unit = OverviewLine(
            label=bilingual(params.get("label") or {"fr": "Prestation", "en": "Service"}),
            amount=params["unit_price"],
            detail=" ".join(f"× {factor}" for factor in factors),
        )
        return FeeOverview.paid_at_filing(
            (*_overview_lines(params.get("fixed") or []), per_unit),
            _("The fee depends on your answers; you will see the exact amount before you file."),
        )

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        quantity = 1
        for name in params.get("factors") or []:
            quantity *= int(answers.get(name) or 0)
        label = params.get("label") or {"fr": "Prestation", "en": "Service"}
        lines = [FeeLine(label=line["label"], amount=line["amount"]) for line in params.get("fixed") or []]
        return [*lines, FeeLine(label=label, amount=quantity * params["unit_price"])]


fee_rules.register("free")(Free())
fee_rules.register("fixed")(Fixed())
fee_rules.register("by_option")(ByOption())
fee_rules.register("per_unit")(PerUnit())
