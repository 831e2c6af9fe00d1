"""Crypto-shred the reports closed longer ago than GUICHET_DENUNCIATION_RETENTION_DAYS (also run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from guichet.denunciations.services import shred_expired_reports


class Command(BaseCommand):
    help = "Destroy the keys, then the data, of reports past their retention period."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{shred_expired_reports()} reports shredded.")
