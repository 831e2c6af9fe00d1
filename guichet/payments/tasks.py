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


@periodic(every=dt.timedelta(days=1))
@task()
def reconcile_payments_daily() -> dict[str, int]:
    """List for the finance unit what the gateways and our ledger disagree on (yesterday and today)."""
    return {"mismatches": len(services.reconcile_day())}
