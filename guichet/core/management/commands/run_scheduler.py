from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from guichet.core import scheduler
from guichet.core.resilience import DATABASE_DOWN, wait_for_database


class Command(BaseCommand):
    help = (
        "Enqueue periodic jobs (SLA checks, retries...) on the task queue; safe to run on several machines."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")

    def _sleep(self, seconds: float) -> None:
        """Sleep in small steps, so SIGTERM stops the scheduler at once."""
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        self.running = True

        def stop(signum: int, frame: FrameType | None) -> None:
            self.running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        jobs = ", ".join(name for name, _job in scheduler.periodic_jobs.items())
        self.stdout.write(f"Scheduler started: {jobs}")
        failures = 0
        while self.running:
            try:
                close_old_connections()
                scheduler.tick()
            except DATABASE_DOWN as error:
                # A database restart must not stop the scheduler: wait, then tick again.
                failures += 1
                wait_for_database("scheduler", error, failures, sleep=self._sleep)
                continue
            failures = 0
            if once:
                return
            self._sleep(settings.SCHEDULER_TICK_SECONDS)
