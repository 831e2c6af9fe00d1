"""Print the demo logins that seed_demo kept, once the web server answers.

`make run` starts the web server, the worker and the scheduler together, and their start-up
lines push seed_demo's summary out of sight: this prints it again at the end of start-up.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from guichet.demo.management.commands.seed_demo import logins_file


def wait_until_answering(url: str, *, timeout: float, interval: float = 0.5) -> bool:
    """Whether `url` answered (any HTTP status) before `timeout` seconds passed."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise CommandError(f"--wait-for takes an http:// address, not {url!r}.")
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (scheme checked above)
                return True
        except urllib.error.HTTPError:
            return True  # it answered, even if only to say the database is not ready
        except (urllib.error.URLError, OSError):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(interval, left))


class Command(BaseCommand):
    help = "Print the demo logins written by seed_demo (var/demo-logins.txt). Embedded demo only."
    # The web process runs the checks and reports them; this one only prints a file.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--wait-for", metavar="URL", help="print once this address answers, e.g. /healthz"
        )
        parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait (default 120)")
        parser.add_argument(
            "--settle",
            type=float,
            default=0.0,
            help="seconds to let the other processes' start-up lines pass",
        )
        parser.add_argument(
            "--stay",
            action="store_true",
            help="then stay idle until stopped (a process manager that stops all when one ends)",
        )

    def handle(
        self, *args: Any, wait_for: str | None, timeout: float, settle: float, stay: bool, **options: Any
    ) -> None:
        try:
            self._print(wait_for, timeout, settle)
        except CommandError as error:
            if not stay:
                raise
            # Under a process manager, one process ending stops the others: say why and stay.
            self.stderr.write(str(error))
        while stay:
            time.sleep(3600)

    def _print(self, wait_for: str | None, timeout: float, settle: float) -> None:
        if settings.PRODUCTION or not settings.GUICHET_DEMO:
            raise CommandError("demo_logins runs only in the embedded demo (GUICHET_DEMO).")
        if wait_for and not wait_until_answering(wait_for, timeout=timeout):
            self.stderr.write(
                f"{wait_for} did not answer within {timeout:.0f} s; the logins are below anyway."
            )
        time.sleep(settle)
        path = logins_file()
        if not path.exists():
            raise CommandError(f"{path} does not exist yet: run `.venv/bin/python manage.py seed_demo`.")
        self.stdout.write(path.read_text(encoding="utf-8"), ending="")
        self.stdout.flush()
