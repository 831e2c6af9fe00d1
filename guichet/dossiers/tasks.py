from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from guichet.core.scheduler import periodic
from guichet.dossiers.models import Dossier

logger = logging.getLogger("guichet.dossiers")


@periodic(every=dt.timedelta(hours=1))
@task()
def check_sla() -> int:
    """Log how many open dossiers are past their due date (the back office shows them in red)."""
    overdue = Dossier.objects.overdue(timezone.localdate()).count()
    if overdue:
        logger.warning("SLA: %s open dossiers are overdue", overdue)
    return overdue
