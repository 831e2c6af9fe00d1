"""Periodic jobs for both set-ups: a scheduler process enqueues each due job once.

Apps declare jobs with `@periodic(every=...)` on a task; `run_scheduler` (started by
`make run`, or one per machine at scale) calls `tick()` every few seconds. Slots are
claimed through a unique row, so two schedulers never enqueue the same slot twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from guichet.core.models import ScheduledRun
from guichet.core.registry import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    task: Any  # a django_tasks Task

    def slot(self, now: dt.datetime) -> int:
        return int(now.timestamp() // self.every.total_seconds())


periodic_jobs: Registry[PeriodicJob] = Registry("periodic jobs")


def periodic(*, every: dt.timedelta) -> Callable[[Any], Any]:
    """Register a task (already decorated with @task) to run every `every`."""

    def decorator(task: Any) -> Any:
        name = f"{task.module_path}"
        periodic_jobs.register(name)(PeriodicJob(name=name, every=every, task=task))
        return task

    return decorator


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not been enqueued yet; return their names."""
    now = now or timezone.now()
    enqueued = []
    for name, job in periodic_jobs.items():
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=name, slot=job.slot(now))
                job.task.enqueue()
        except IntegrityError:
            continue  # another scheduler took this slot
        enqueued.append(name)
        logger.info("scheduler: enqueued %s", name)
    ScheduledRun.objects.filter(enqueued_at__lt=now - dt.timedelta(days=7)).delete()
    return enqueued
