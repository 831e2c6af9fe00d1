"""Give an inspector (after a password reset) every report they may read, with the offline key.

manage.py denunciation_recover --username inspecteur < recovery-key.txt
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.accounts.models import User
from guichet.core.errors import InvalidInput
from guichet.denunciations.crypto import CryptoError
from guichet.denunciations.keyring import recover_for_inspector


class Command(BaseCommand):
    help = "Re-grant an inspector's reports with the offline recovery key (read from standard input)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No such user.")
        try:
            private = bytes.fromhex(sys.stdin.readline().strip())
            count = recover_for_inspector(private, user)
        except (ValueError, InvalidInput, CryptoError) as exc:
            raise CommandError(str(exc) or "The recovery key is not readable.") from exc
        self.stdout.write(f"{count} keys sealed to {user.username}'s current key.")
