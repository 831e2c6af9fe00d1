"""Housekeeping of the database task queue: tasks left running by a worker that died.

A worker killed (or cut from the database) in the middle of a task leaves its row marked
RUNNING for ever, and the task never runs again. Every task here is written to be safe
to run twice, so such a row is put back in the queue; after a few workers have died on
the same task, it is marked failed instead, so that a task that kills its worker cannot
go round for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Workers that may die on the same task before it is given up.
MAX_ABANDONS = 3


@dataclass(frozen=True)
class Recovery:
    requeued: int
    failed: int


def recover_abandoned_tasks(now: dt.datetime | None = None) -> Recovery:
    """Requeue (or, past MAX_ABANDONS workers, fail) tasks running for longer than the bound."""
    now = now or timezone.now()
    bound = now - dt.timedelta(seconds=int(settings.GUICHET["TASK_STALE_SECONDS"]))
    requeued = failed = 0
    with transaction.atomic():
        stale = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=bound
        )
        for row in stale:
            if len(row.worker_ids) >= MAX_ABANDONS:
                row.status = TaskResultStatus.FAILED
                row.finished_at = now
                row.exception_class_path = "guichet.core.task_queue.AbandonedTask"
                row.traceback = f"Left running by {len(row.worker_ids)} workers that stopped; given up."
                row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                failed += 1
            else:
                row.status = TaskResultStatus.READY
                row.started_at = None
                row.save(update_fields=["status", "started_at"])
                requeued += 1
    if requeued or failed:
        logger.warning("task queue: %s abandoned tasks requeued, %s given up", requeued, failed)
    return Recovery(requeued=requeued, failed=failed)
