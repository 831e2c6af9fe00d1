"""Periodic housekeeping of the platform itself."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from guichet.core import task_queue
from guichet.core.scheduler import periodic


@periodic(every=dt.timedelta(minutes=5))
@task()
def recover_abandoned_tasks() -> dict[str, int]:
    recovery = task_queue.recover_abandoned_tasks()
    return {"requeued": recovery.requeued, "failed": recovery.failed}
