from __future__ import annotations

import datetime as dt

from django_tasks import task

from guichet.core.scheduler import periodic
from guichet.denunciations import services


@periodic(every=dt.timedelta(hours=1))
@task()
def notify_inspectors_of_new_work() -> int:
    """Once an hour at most, not at filing time: the outbox row's time says nothing of a report's."""
    return services.notify_inspectors_of_new_work()


@periodic(every=dt.timedelta(hours=1))
@task()
def shred_expired_reports() -> int:
    """Crypto-shred the reports closed longer ago than the retention period (a cheap query when none is)."""
    return services.shred_expired_reports()
