from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guichet.catalog.definition import DefinitionError
from guichet.catalog.services import load_catalog


class Command(BaseCommand):
    help = (
        "Load the administrations and service files of the catalogue; a changed file becomes a new version."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="Catalogue folder (default: GUICHET_CATALOG_DIR)."
        )

    def handle(self, *args: Any, dir: Path | None = None, **options: Any) -> None:
        try:
            results = load_catalog(dir)
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        for version, created in results:
            state = "published" if created else "unchanged"
            self.stdout.write(f"{version.service.code}: v{version.number} {state}")
