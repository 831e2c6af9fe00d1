from __future__ import annotations

import datetime as dt

from django_tasks import task

from guichet.core.actors import SYSTEM
from guichet.core.scheduler import periodic
from guichet.dossiers import deadlines


@periodic(every=dt.timedelta(hours=1))
@task()
def check_sla() -> int:
    """Flag the open dossiers that passed their due date (the back office shows them as overdue)."""
    return deadlines.flag_overdue_dossiers(actor=SYSTEM)
