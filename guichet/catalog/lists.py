"""Reference lists a service file can name instead of asking for free text.

A field says `choices_from: togo_prefectures` (or is a `country` field) and its choices come
from here: Togo's regions, prefectures and communes from `reference/togo.yaml`, the world's
countries with their French and English names from Babel (ISO 3166 codes), and flat lists
kept as data files in `reference/` (ports of entry, identity documents, ECOWAS members,
offices giving a right to tinted windows). A new flat list is one YAML file plus one line in
FLAT_LISTS; any other list is one function registered by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale

from guichet.core.registry import Registry

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


@dataclass(frozen=True)
class ListItem:
    """One entry: the code stored in answers, its name in French and English, its parent's code."""

    value: str
    label: dict[str, str]
    parent: str = ""


ReferenceList = Callable[[], tuple[ListItem, ...]]
reference_lists: Registry[ReferenceList] = Registry("reference lists")


@cache
def _togo() -> list[dict[str, Any]]:
    data = yaml.safe_load((REFERENCE_DIR / "togo.yaml").read_text(encoding="utf-8"))
    regions: list[dict[str, Any]] = data["regions"]
    return regions


def _same_name(name: Any) -> dict[str, str]:
    # Place names are written the same way in both languages unless the file says otherwise.
    return (
        {"fr": str(name["fr"]), "en": str(name["en"])} if isinstance(name, dict) else {"fr": name, "en": name}
    )


@reference_lists.register("togo_regions")
@cache
def togo_regions() -> tuple[ListItem, ...]:
    return tuple(ListItem(str(r["code"]), _same_name(r["name"])) for r in _togo())


@reference_lists.register("togo_prefectures")
@cache
def togo_prefectures() -> tuple[ListItem, ...]:
    return tuple(
        ListItem(str(p["code"]), _same_name(p["name"]), parent=str(r["code"]))
        for r in _togo()
        for p in r["prefectures"]
    )


@reference_lists.register("togo_communes")
@cache
def togo_communes() -> tuple[ListItem, ...]:
    return tuple(
        ListItem(str(c["code"]), _same_name(c["name"]), parent=str(p["code"]))
        for r in _togo()
        for p in r["prefectures"]
        for c in p["communes"]
    )


# Which list names the parents of another's entries (a commune's prefecture).
PARENT_LISTS = {"togo_prefectures": "togo_regions", "togo_communes": "togo_prefectures"}


# Babel's territories include groupings, placeholders and parts of countries that have no ISO
# 3166-1 code of their own (Canary Islands, Ascension, Clipperton...): what remains is ISO's 249.
_NOT_COUNTRIES = frozenset(
    {"ZZ", "EU", "UN", "EZ", "QO", "XA", "XB", "XK", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)


@reference_lists.register("countries")
@cache
def countries() -> tuple[ListItem, ...]:
    french, english = Locale.parse("fr").territories, Locale.parse("en").territories
    return tuple(
        ListItem(code, {"fr": str(french[code]), "en": str(english.get(code, french[code]))})
        for code in sorted(french)
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


# Countries most applicants name, offered first in a country list (Togo, its neighbours, the
# region's largest partners); the rest follow in alphabetical order of the reader's language.
LIKELY_COUNTRIES = ("TG", "GH", "BJ", "BF", "NG", "CI", "FR", "US", "CN")


# --- flat lists kept as data files ---------------------------------------------------------

# List name -> file in reference/ holding `items: [{code, name: {fr, en}}]`.
FLAT_LISTS = {
    "togo_ports_of_entry": "togo_ports_of_entry.yaml",
    "id_document_types": "id_document_types.yaml",
    "tinted_window_offices": "tinted_window_offices.yaml",
}


@cache
def _reference_file(filename: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REFERENCE_DIR / filename).read_text(encoding="utf-8"))
    return data


def _flat_list(filename: str) -> ReferenceList:
    @cache
    def items() -> tuple[ListItem, ...]:
        return tuple(
            ListItem(str(item["code"]), _same_name(item["name"]))
            for item in _reference_file(filename)["items"]
        )

    return items


for _name, _filename in FLAT_LISTS.items():
    reference_lists.register(_name)(_flat_list(_filename))


def ecowas_codes(*, former: bool = False) -> frozenset[str]:
    """ISO codes of ECOWAS members (with `former=True`, also the states that left it in 2025)."""
    data = _reference_file("ecowas_countries.yaml")
    return frozenset(str(c) for c in [*data["members"], *(data["former"] if former else [])])


@reference_lists.register("ecowas_countries")
@cache
def ecowas_countries() -> tuple[ListItem, ...]:
    """ECOWAS members, named like the countries list (for notices such as "no visa needed")."""
    members = ecowas_codes()
    return tuple(item for item in countries() if item.value in members)
