"""The SLA clock's periodic check: every open dossier past its due date is flagged, once.

Due dates are set when a dossier is filed and pushed back while information is asked
(`services.transition_dossier`); this module only notices the ones that have passed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from guichet.audit import services as audit
from guichet.core.actors import Actor
from guichet.dossiers.models import Dossier, DossierEvent, EventKind

# Dossiers flagged per transaction by the SLA check: short locks, and few enough ids for
# SQLite's limit on query parameters.
SLA_BATCH = 500


def flag_overdue_dossiers(*, actor: Actor, today: dt.date | None = None) -> int:
    """Mark, once, every open dossier found past its due date: an internal timeline event and an audit row.

    Set-based, in batches until none is left (no backlog however many fell due at once):
    each batch is a few statements whatever its size, found through `dossier_sla_idx`.
    """
    today = today or timezone.localdate()
    flagged = 0
    while True:
        done = _flag_overdue_batch(actor, today)
        flagged += done
        if done < SLA_BATCH:
            return flagged


@transaction.atomic
def _flag_overdue_batch(actor: Actor, today: dt.date) -> int:
    # A file another transaction holds (a colleague acting on it, another SLA run) is left
    # to that transaction or to the next run, never waited for or flagged twice.
    found = list(
        Dossier.objects.overdue_not_noted(today)
        .order_by("due_on")  # the index's own order: oldest deadlines first, no sort
        .select_for_update(skip_locked=True)
        .values_list("pk", "reference", "due_on")[:SLA_BATCH]
    )
    if not found:
        return 0
    now = timezone.now()
    Dossier.objects.filter(pk__in=[pk for pk, _reference, _due_on in found]).update(
        overdue_noted_on=today, updated_at=now
    )
    DossierEvent.objects.bulk_create(
        DossierEvent(
            dossier_id=pk,
            created_at=now,
            kind=EventKind.DEADLINE_PASSED,
            public=False,
            actor_kind=actor.kind,
            actor_user=actor.user,
            text=str(due_on),
        )
        for pk, _reference, due_on in found
    )
    # One audit row per dossier, as before: each file's own history in the log stays whole
    # (found by its target), and the chain is the same as with one `record` per file.
    audit.record_many(
        actor,
        "dossier.deadline_passed",
        [(Dossier(pk=pk), {"reference": reference, "due_on": due_on}) for pk, reference, due_on in found],
    )
    return len(found)
