"""Background work of permits: marking expired permits (and their files) as expired."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from guichet.core.scheduler import periodic
from guichet.permits import services


@periodic(every=dt.timedelta(hours=1))
@task()
def expire_permits() -> dict[str, int]:
    """Permits past their end date become expired; a file whose permits all expired too."""
    return {"expired": services.expire_due_permits()}
