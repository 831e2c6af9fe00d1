from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guichet.audit.services import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain and report the first tampered row, if any."

    def handle(self, *args: Any, **options: Any) -> None:
        intact, checked, broken = verify_chain()
        if not intact:
            raise CommandError(
                f"Audit chain broken at event {broken.pk if broken else '?'} after {checked} good events."
            )
        self.stdout.write(f"Audit chain intact: {checked} events.")
