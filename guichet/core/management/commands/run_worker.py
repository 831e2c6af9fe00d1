"""`db_worker` that outlives a database outage.

django-tasks-db's worker exits on any OperationalError other than "database is locked",
so a database restart would stop every worker. This command runs the same worker and,
when the database goes away, waits with growing delays and starts polling again.
A task interrupted by the outage may be left marked running: `recover_abandoned_tasks`
(core.task_queue, every five minutes) puts it back in the queue.
"""

from __future__ import annotations

import time
from typing import Any

from django_tasks_db.management.commands import db_worker

from guichet.core.resilience import DATABASE_DOWN, wait_for_database

# A worker that ran this long before failing had recovered: its back-off starts again.
HEALTHY_RUN_SECONDS = 60.0


class ResilientWorker(db_worker.Worker):
    sleep = staticmethod(time.sleep)

    def run(self) -> None:
        failures = 0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch drained the queue, or --max-tasks was reached
            except DATABASE_DOWN as error:
                failures = 1 if time.monotonic() - started > HEALTHY_RUN_SECONDS else failures + 1
                self.startup_delay = False
                wait_for_database(f"worker {self.worker_id}", error, failures, sleep=self.sleep)


class Command(db_worker.Command):
    help = "Run a database task worker that waits out database outages instead of exiting."

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
