"""Background work of the outbox: reload by primary key, call `delivery`, safe to run twice."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from guichet.core.scheduler import periodic
from guichet.notifications import delivery


@task()
def send_notification(notification_id: int) -> None:
    delivery.deliver(notification_id)


def retry_due() -> int:
    """Re-enqueue every message whose next attempt is due; return how many."""
    ids = delivery.due_for_retry()
    for pk in ids:
        send_notification.enqueue(pk)
    return len(ids)


@periodic(every=dt.timedelta(minutes=1))
@task()
def retry_notifications() -> int:
    return retry_due()
