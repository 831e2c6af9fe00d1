"""Catalogue use cases: publishing service versions, loading the data files, fees."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from guichet.accounts.models import Administration, Unit
from guichet.audit import services as audit
from guichet.catalog.cache import catalogue_changed
from guichet.catalog.definition import DefinitionError, ServiceDefinition, _require, _text, parse_definition
from guichet.catalog.fees import FeeLine, fee_rules
from guichet.catalog.models import Service, ServiceVersion
from guichet.core.actors import SYSTEM, Actor


def read_yaml(source: str) -> Any:
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise DefinitionError(f"YAML: {exc}") from exc


@transaction.atomic
def load_administration(source: str, *, actor: Actor = SYSTEM) -> Administration:
    """Create or update an administration and its units from its data file."""
    data = read_yaml(source)
    if not isinstance(data, dict):
        raise DefinitionError("administration: the file must hold a mapping")
    code = str(_require(data, "code", "administration"))
    name = _text(data.get("name"), f"{code}.name")
    raw_units = data.get("units") or []
    if not isinstance(raw_units, list):
        raise DefinitionError(f"{code}.units: a list of units")
    units = []
    for i, unit in enumerate(raw_units):
        upath = f"{code}.units[{i}]"
        if not isinstance(unit, dict):
            raise DefinitionError(f"{upath}: a mapping with 'code' and 'name'")
        units.append((str(_require(unit, "code", upath)), _text(unit.get("name"), f"{upath}.name")))
    administration, _created = Administration.objects.update_or_create(
        code=code, defaults={"name_fr": name.fr, "name_en": name.en}
    )
    for unit_code, unit_name in units:
        Unit.objects.update_or_create(
            administration=administration,
            code=unit_code,
            defaults={"name_fr": unit_name.fr, "name_en": unit_name.en},
        )
    audit.record(
        actor, "administration.loaded", administration, {"units": [unit_code for unit_code, _name in units]}
    )
    # The catalogue page names administrations: draw it again.
    transaction.on_commit(catalogue_changed)
    return administration


@transaction.atomic
def publish_service(source: str, *, actor: Actor, note: str = "") -> tuple[ServiceVersion, bool]:
    """Check a service file and publish it as a new version; unchanged content publishes nothing."""
    data = read_yaml(source)
    definition = parse_definition(data)
    try:
        administration = Administration.objects.get(code=definition.administration)
    except Administration.DoesNotExist:
        raise DefinitionError(
            f"{definition.code}.administration: no administration {definition.administration!r}"
        ) from None
    try:
        unit = Unit.objects.get(administration=administration, code=definition.unit)
    except Unit.DoesNotExist:
        raise DefinitionError(
            f"{definition.code}.unit: no unit {definition.unit!r} in {administration.code}"
        ) from None
    checksum = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    service, _created = Service.objects.select_for_update().get_or_create(
        code=definition.code,
        defaults={
            "administration": administration,
            "unit": unit,
            "title_fr": definition.title.fr,
            "title_en": definition.title.en,
        },
    )
    current = service.current_version
    if current is not None and current.checksum == checksum:
        return current, False
    number = (service.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ServiceVersion.objects.create(
        service=service,
        number=number,
        source=source,
        data=json.loads(json.dumps(data, default=str)),
        checksum=checksum,
        note=note,
    )
    service.administration, service.unit = administration, unit
    service.title_fr, service.title_en = definition.title.fr, definition.title.en
    service.current_version = version
    service.save()
    audit.record(actor, "service.published", service, {"version": number, "note": note})
    return version, True


def load_catalog(
    directory: Path | None = None, *, actor: Actor = SYSTEM
) -> list[tuple[ServiceVersion, bool]]:
    """Load every administration file (`_*.yaml`) then every service file of the catalogue folder."""
    directory = directory or Path(settings.GUICHET["CATALOG_DIR"])
    for path in sorted(directory.glob("_*.yaml")):
        try:
            load_administration(path.read_text(encoding="utf-8"), actor=actor)
        except DefinitionError as exc:
            raise DefinitionError(f"{path.name}: {exc}") from exc
    results = []
    for path in sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_")):
        try:
            results.append(
                publish_service(
                    path.read_text(encoding="utf-8"), actor=actor, note=f"loaded from {path.name}"
                )
            )
        except DefinitionError as exc:
            raise DefinitionError(f"{path.name}: {exc}") from exc
    return results


def compute_fee(definition: ServiceDefinition, answers: dict[str, Any]) -> list[FeeLine]:
    """The fee lines a dossier owes under its service version, from its answers."""
    return fee_rules[definition.fee.rule].lines(definition.fee.params, answers)
