from __future__ import annotations

import datetime as dt

from django_tasks import task

from guichet.core.scheduler import periodic
from guichet.notifications import services


@task()
def send_notification(notification_id: int) -> None:
    services.deliver(notification_id)


@periodic(every=dt.timedelta(minutes=1))
@task()
def retry_notifications() -> int:
    return services.retry_due()
