"""Make the offline recovery key: its private half is printed once, to be stored offline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.core.errors import InvalidInput
from guichet.denunciations.keyring import create_recovery_key


class Command(BaseCommand):
    help = "Create the offline recovery key pair for denunciations; print the private half once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--replace", action="store_true", help="replace an existing recovery key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            private = create_recovery_key(replace=options["replace"])
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            "Recovery private key (shown once; print it, store it offline in a safe, never on this server):\n"
        )
        self.stdout.write(private.hex())
        self.stdout.write(
            "\nReports filed from now on are also sealed to this key; earlier ones are sealed to it the "
            "next time an inspector who reads them unlocks."
        )
