from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from guichet.core import scheduler


class Command(BaseCommand):
    help = (
        "Enqueue periodic jobs (SLA checks, retries...) on the task queue; safe to run on several machines."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        self.running = True

        def stop(signum: int, frame: FrameType | None) -> None:
            self.running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        jobs = ", ".join(name for name, _job in scheduler.periodic_jobs.items())
        self.stdout.write(f"Scheduler started: {jobs}")
        while self.running:
            close_old_connections()
            scheduler.tick()
            if once:
                return
            for _ in range(settings.SCHEDULER_TICK_SECONDS * 10):
                if not self.running:
                    break
                time.sleep(0.1)
