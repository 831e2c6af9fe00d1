"""Background work of payments: asking the gateways about what is still pending."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from guichet.core.scheduler import periodic
from guichet.payments import services


@periodic(every=dt.timedelta(minutes=1))
@task()
def reconcile_pending_payments() -> dict[str, int]:
    """Ask about every pending or unknown payment whose next check is due (callbacks get lost)."""
    return {"checked": services.check_due_payments()}
