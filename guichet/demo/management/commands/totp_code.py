"""Print a staff member's current TOTP code: the demo's stand-in for an authenticator app."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from guichet.accounts.models import User
from guichet.accounts.services import totp_for


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of a staff member (embedded demo only, never in production)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="The staff member's username, e.g. agent.")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if settings.PRODUCTION or not settings.GUICHET_DEMO:
            # A code printed from the server would defeat the second factor.
            raise CommandError(
                "totp_code runs only in the embedded demo (GUICHET_DEMO), never in production "
                "(GUICHET_DEPLOYMENT=production)."
            )
        user = User.objects.filter(username=username, is_staff_member=True).first()
        if user is None:
            raise CommandError(
                f"No staff member is named {username!r}. Run `.venv/bin/python manage.py seed_demo` for the demo accounts."
            )
        if not user.totp_secret:
            raise CommandError(f"{username!r} has no TOTP secret yet.")
        totp = totp_for(user)
        self.stdout.write(totp.now())
        # The code only; the rest goes to stderr so `$(manage.py totp_code agent)` stays usable.
        seconds_left = totp.interval - int(time.time()) % totp.interval
        self.stderr.write(f"valid for {seconds_left} more seconds; each code is accepted once")
