"""The test-only service with a repeating group (tests/catalog/services/group_trip.yaml)."""

from __future__ import annotations

from pathlib import Path

from guichet.catalog.definition import ServiceDefinition, parse_definition
from guichet.catalog.services import publish_service, read_yaml
from guichet.core.actors import SYSTEM

GROUP_TRIP = Path(__file__).resolve().parent / "services" / "group_trip.yaml"
CODE = "test-group-trip"


def group_trip_text() -> str:
    return GROUP_TRIP.read_text(encoding="utf-8")


def group_trip_definition() -> ServiceDefinition:
    return parse_definition(read_yaml(group_trip_text()))


def publish_group_trip() -> None:
    """Publish the test service (the MSPC administration and its units must be loaded)."""
    publish_service(group_trip_text(), actor=SYSTEM, note="test service with a repeating group")
