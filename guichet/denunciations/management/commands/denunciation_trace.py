"""Show that the database and the file store hold no readable trace of a report.

manage.py denunciation_trace --text "a sentence of the report" --code "1234 5678 9012 3456"
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.denunciations.codes import format_code, normalise
from guichet.denunciations.trace import find


class Command(BaseCommand):
    help = "Search every table and every stored file for a sentence and a receipt code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--text", action="append", default=[], help="a sentence of the report (repeatable)"
        )
        parser.add_argument("--code", default="", help="the receipt code, as shown")

    def handle(self, *args: Any, **options: Any) -> None:
        needles = list(options["text"])
        if options["code"]:
            code = normalise(options["code"])
            if code is None:
                raise CommandError("A receipt code is 16 digits.")
            needles += [code, format_code(code), format_code(code).replace(" ", "-")]
        if not needles:
            raise CommandError("Give --text and/or --code.")
        found = find(needles)
        for needle, where in found:
            self.stdout.write(f"FOUND {needle!r} in {where}")
        if found:
            raise CommandError("Readable traces found.")
        self.stdout.write(
            f"No readable trace of {len(needles)} searched strings in any table or stored file."
        )
