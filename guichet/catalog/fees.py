"""Fee rules: how a service file prices a request, and how the rule describes itself.

A service file names its rule under `fee.rule`; each rule checks its parameters when the
file is loaded, says what the service costs on its page (`overview`), and gives what a
dossier owes once filed (`lines`). Pages render what a rule says and never name a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
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


# --- amounts: written in the file, or named settings -------------------------------------------


def fee_settings() -> dict[str, int]:
    """The amounts service files may name (`setting: tinted_windows_review`), in whole XOF."""
    return dict(settings.GUICHET.get("FEES") or {})


def _check_amount(spec: Any, path: str) -> None:
    """An amount is `amount: 12000` (whole XOF) or `setting: <name>` (a key of GUICHET["FEES"])."""
    if not isinstance(spec, dict):
        raise DefinitionError(f"{path}: a mapping with 'amount' or 'setting'")
    if "setting" in spec:
        known = fee_settings()
        if spec["setting"] not in known:
            raise DefinitionError(
                f"{path}.setting: unknown fee setting {spec['setting']!r} (known: {', '.join(sorted(known))})"
            )
        return
    amount = spec.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise DefinitionError(f"{path}: every amount is a whole number of XOF, 0 or more (or a 'setting')")


def amount_of(spec: Mapping[str, Any]) -> int:
    """The whole XOF an amount stands for now (a setting is read when the fee is computed)."""
    if "setting" in spec:
        return int(fee_settings()[spec["setting"]])
    return int(spec["amount"])


def _check_label(label: Any, path: str) -> None:
    if not isinstance(label, dict) or not {"fr", "en"} <= set(label):
        raise DefinitionError(f"{path}: a label in fr and en")


def _check_note(params: dict[str, Any]) -> None:
    if params.get("note") is not None:
        _check_label(params["note"], "fee.note")


def _note(params: dict[str, Any], default: str = "") -> str:
    return bilingual(params["note"]) if params.get("note") else default


def _check_lines(lines: Any, path: str) -> None:
    if not isinstance(lines, list) or not lines:
        raise DefinitionError(f"{path}: a list of lines, each with a label (fr, en) and a whole amount")
    for line in lines:
        if not isinstance(line, dict):
            raise DefinitionError(f"{path}: every line is a mapping with a label (fr, en) and an amount")
        _check_amount(line, path)
        if not {"fr", "en"} <= set(line.get("label") or {}):
            raise DefinitionError(f"{path}: every line needs a label in fr and en")


def _overview_lines(lines: list[dict[str, Any]]) -> tuple[OverviewLine, ...]:
    return tuple(OverviewLine(label=bilingual(line["label"]), amount=amount_of(line)) for line in lines)


def _fee_lines(lines: list[dict[str, Any]]) -> list[FeeLine]:
    return [FeeLine(label=dict(line["label"]), amount=amount_of(line)) for line in lines]


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
        _check_note(params)

    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview:
        lines = _overview_lines(params["lines"])
        return FeeOverview.paid_at_filing(lines, _note(params), total=sum(line.amount or 0 for line in lines))

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        return _fee_lines(params["lines"])


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
        lines = _fee_lines(params.get("fixed") or [])
        return [*lines, FeeLine(label=label, amount=quantity * params["unit_price"])]


def _whole(value: Any) -> int | None:
    """A whole number from an answer (stored as an int, or a choice's text such as "30")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _items(answers: Mapping[str, Any], group: str) -> list[dict[str, Any]]:
    """The items of a repeating group as stored (decision 0018: a list of dicts under its name)."""
    value = answers.get(group)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class PerItem:
    """An amount per item of a repeating group (a traveller), by bracket of a number (length of stay)."""

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        group = params.get("group")
        if group not in field_names or (isinstance(field_names, Mapping) and field_names[group] != "group"):
            raise DefinitionError("fee.group: the name of a repeating group of this service")
        _check_label(params.get("label"), "fee.label")
        _check_note(params)
        if params.get("fixed"):
            _check_lines(params["fixed"], "fee.fixed")
        if params.get("by") is None:
            _check_amount(params, "fee")
            return
        if not isinstance(params["by"], str):
            raise DefinitionError("fee.by: the name of a number field (the length of stay in days)")
        brackets = params.get("brackets")
        if not isinstance(brackets, list) or not brackets:
            raise DefinitionError("fee.brackets: a list of {up_to: days, amount or setting}")
        previous = 0
        for i, bracket in enumerate(brackets):
            up_to = bracket.get("up_to") if isinstance(bracket, dict) else None
            if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to <= previous:
                raise DefinitionError(f"fee.brackets[{i}].up_to: a whole number above the bracket before")
            _check_amount(bracket, f"fee.brackets[{i}]")
            previous = up_to

    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview:
        group = definition.field(params["group"])
        item = bilingual(group.item_label) if group.item_label else bilingual(group.label)
        fixed = _overview_lines(params.get("fixed") or [])
        if params.get("by") is None:
            line = OverviewLine(
                label=bilingual(params["label"]),
                amount=amount_of(params),
                detail=_("per %(item)s") % {"item": item.lower()},
            )
            return FeeOverview.paid_at_filing((*fixed, line), _note(params))
        lines = tuple(
            OverviewLine(
                label=_("%(label)s, up to %(days)s days")
                % {"label": bilingual(params["label"]), "days": b["up_to"]},
                amount=amount_of(b),
                detail=_("per %(item)s") % {"item": item.lower()},
            )
            for b in params["brackets"]
        )
        default = _("The fee depends on the number of people and the length of stay:")
        return FeeOverview.paid_at_filing((*fixed, *lines), _note(params, default))

    def _bracket(self, params: dict[str, Any], value: int | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return next((b for b in params["brackets"] if value <= b["up_to"]), None)

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        items = _items(answers, params["group"])
        label = params["label"]
        lines = _fee_lines(params.get("fixed") or [])
        if not items:
            return lines
        if params.get("by") is None:
            return [*lines, _counted(label, len(items), amount_of(params))]
        counts: dict[int, int] = {}
        for item in items:
            # The length of stay is the item's own, or the group's when asked once for all.
            value = _whole(item.get(params["by"], answers.get(params["by"])))
            bracket = self._bracket(params, value)
            if bracket is None:
                continue  # a stay the validation refuses: nothing is owed for it
            counts[bracket["up_to"]] = counts.get(bracket["up_to"], 0) + 1
        for bracket in params["brackets"]:
            count = counts.get(bracket["up_to"])
            if count:
                days = bracket["up_to"]
                bracket_label = {
                    "fr": f"{label['fr']}, jusqu’à {days} jours",
                    "en": f"{label['en']}, up to {days} days",
                }
                lines.append(_counted(bracket_label, count, amount_of(bracket)))
        return lines


def _counted(label: Mapping[str, str], count: int, unit_amount: int) -> FeeLine:
    """One line for `count` items at `unit_amount` each: "Entry authorization × 3"."""
    if count == 1:
        return FeeLine(label=dict(label), amount=unit_amount)
    return FeeLine(
        label={"fr": f"{label['fr']} × {count}", "en": f"{label['en']} × {count}"}, amount=count * unit_amount
    )


class QuoteRule:
    """A file fee at filing; after review, staff set agents and hours: agents × hours × hourly rate.

    Needs `workflow: quote`. `lines` gives the file fee; `quote_lines` the quote staff set.
    """

    staff_set = True

    def check(self, params: dict[str, Any], field_names: Collection[str]) -> None:
        if params.get("file_fee"):
            _check_lines(params["file_fee"], "fee.file_fee")
        _check_amount(params.get("hourly_rate"), "fee.hourly_rate")
        _check_label(params.get("label"), "fee.label")
        _check_note(params)
        for key, kind in (
            ("requested_agents", "number"),
            ("event_date", "date"),
            ("start_time", "time"),
            ("end_date", "date"),
            ("end_time", "time"),
        ):
            name = params.get(key)
            if name is None:
                continue
            if name not in field_names or (isinstance(field_names, Mapping) and field_names[name] != kind):
                raise DefinitionError(f"fee.{key}: the name of a {kind} field of this service")

    def overview(self, params: dict[str, Any], definition: ServiceDefinition) -> FeeOverview:
        coverage = OverviewLine(
            label=bilingual(params["label"]),
            amount=self.hourly_rate(params),
            detail=_("per agent and per hour"),
        )
        return FeeOverview(
            lines=(*_overview_lines(params.get("file_fee") or []), coverage),
            note=_note(
                params,
                _(
                    "After reading your request, the unit sets the number of agents and hours. "
                    "You then accept or decline the quote."
                ),
            ),
            payment=_(
                "You pay the file fee once your request is filed, and the quote once you accept it. "
                "The file fee is not refunded if the request is refused."
            ),
        )

    def lines(self, params: dict[str, Any], answers: dict[str, Any]) -> list[FeeLine]:
        return _fee_lines(params.get("file_fee") or [])

    def hourly_rate(self, params: dict[str, Any]) -> int:
        return amount_of(params["hourly_rate"])

    def quote_lines(self, params: dict[str, Any], *, agents: int, hours: int) -> list[FeeLine]:
        """What the quote costs: one line, agents × hours × the hourly rate of now."""
        label = params["label"]
        return [
            FeeLine(
                label={
                    "fr": f"{label['fr']} : {agents} agent{'s' if agents > 1 else ''} × {hours} h",
                    "en": f"{label['en']}: {agents} agent{'s' if agents > 1 else ''} × {hours} h",
                },
                amount=agents * hours * self.hourly_rate(params),
            )
        ]

    def requested_agents(self, params: dict[str, Any], answers: dict[str, Any]) -> int | None:
        """The applicant's wish, if the service asks for one."""
        return _whole(answers.get(params["requested_agents"])) if params.get("requested_agents") else None

    def event_date(self, params: dict[str, Any], answers: dict[str, Any]) -> dt.date | None:
        """The day the agents are committed (the capacity calendar's day)."""
        return _as(dt.date, answers.get(params["event_date"]) if params.get("event_date") else None)

    def event_end_date(self, params: dict[str, Any], answers: dict[str, Any]) -> dt.date | None:
        """The event's last day when it runs past its first (None for a one-day event)."""
        first = self.event_date(params, answers)
        last = _as(dt.date, answers.get(params["end_date"])) if params.get("end_date") else None
        return last if first is not None and last is not None and last > first else None

    def suggested_hours(self, params: dict[str, Any], answers: dict[str, Any]) -> int | None:
        """Whole hours from the event's start to its end, where the service asks them (a starting point)."""
        day = self.event_date(params, answers)
        start = _as(dt.time, answers.get(params["start_time"])) if params.get("start_time") else None
        end = _as(dt.time, answers.get(params["end_time"])) if params.get("end_time") else None
        if day is None or start is None or end is None:
            return None
        end_day = (_as(dt.date, answers.get(params["end_date"])) if params.get("end_date") else None) or day
        seconds = (dt.datetime.combine(end_day, end) - dt.datetime.combine(day, start)).total_seconds()
        return -int(-seconds // 3600) if seconds > 0 else None  # started hours count


def _as(kind: type[dt.date] | type[dt.time], value: Any) -> Any:
    """A stored date or time answer (ISO text) as a date or time; None when it is not one."""
    if isinstance(value, kind):
        return value
    try:
        return kind.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


fee_rules.register("free")(Free())
fee_rules.register("fixed")(Fixed())
fee_rules.register("by_option")(ByOption())
fee_rules.register("per_unit")(PerUnit())
fee_rules.register("per_item")(PerItem())
fee_rules.register("quote")(QuoteRule())
