"""The SLA check at scale: every overdue dossier flagged in one run, once, with its audit row."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.audit import services as audit
from guichet.audit.models import AuditEvent
from guichet.core.actors import SYSTEM
from guichet.dossiers import deadlines
from guichet.dossiers.models import Dossier, DossierEvent, EventKind
from guichet.dossiers.states import DossierState
from tests.factories import make_dossier

pytestmark = pytest.mark.django_db

BACKLOG = 3_000


def copies(template: Dossier, count: int, **fields: object) -> list[Dossier]:
    """`count` rows like `template`, inserted at once (the use cases would take minutes)."""
    rows = []
    for index in range(count):
        row = Dossier(
            reference=f"SUG-{index // 10_000:04d}-{index % 10_000:04d}",
            service_id=template.service_id,
            service_version_id=template.service_version_id,
            unit_id=template.unit_id,
            applicant_id=template.applicant_id,
            state=DossierState.IN_REVIEW,
            submitted_at=template.submitted_at,
            submission_key=uuid.uuid4(),
        )
        for name, value in fields.items():
            setattr(row, name, value)
        rows.append(row)
    return Dossier.objects.bulk_create(rows, batch_size=500)


def test_a_backlog_of_3000_overdue_dossiers_is_flagged_in_one_run_and_a_second_run_flags_nothing():
    template = make_dossier("suggestion", state=DossierState.IN_REVIEW)
    today = timezone.localdate()
    copies(template, BACKLOG, due_on=today - dt.timedelta(days=2))
    # Not overdue: due today, paused while the applicant is asked, already flagged, closed.
    on_time = copies(template, 1, reference="SUG-ONTI-ME00", due_on=today)
    paused = copies(
        template, 1, reference="SUG-PAUS-ED00", due_on=today - dt.timedelta(days=2), paused_on=today
    )
    noted = copies(
        template, 1, reference="SUG-NOTE-D000", due_on=today - dt.timedelta(days=9), overdue_noted_on=today
    )
    closed = copies(
        template,
        1,
        reference="SUG-CLOS-ED00",
        due_on=today - dt.timedelta(days=2),
        state=DossierState.ANSWERED,
    )
    audit_before = AuditEvent.objects.count()

    with CaptureQueriesContext(connection) as run:
        assert deadlines.flag_overdue_dossiers(actor=SYSTEM) == BACKLOG
    # Set-based: a few statements per batch (SQLite splits inserts into ~100 rows), not several per file.
    assert len(run.captured_queries) < BACKLOG / 10

    assert not Dossier.objects.overdue_not_noted(today).exists()
    assert Dossier.objects.filter(overdue_noted_on=today).count() == BACKLOG + 1  # with the one noted before
    assert DossierEvent.objects.filter(kind=EventKind.DEADLINE_PASSED, public=False).count() == BACKLOG
    flagged_audit = AuditEvent.objects.filter(verb="dossier.deadline_passed")
    assert flagged_audit.count() == BACKLOG == AuditEvent.objects.count() - audit_before
    one = flagged_audit.get(target_id=str(Dossier.objects.get(reference="SUG-0000-0042").pk))
    assert one.data == {"reference": "SUG-0000-0042", "due_on": str(today - dt.timedelta(days=2))}
    for untouched in (template, *on_time, *paused, *closed):
        untouched.refresh_from_db()
        assert untouched.overdue_noted_on is None
        assert not untouched.events.filter(kind=EventKind.DEADLINE_PASSED).exists()
    assert not noted[0].events.exists()
    assert audit.verify_chain().intact

    assert deadlines.flag_overdue_dossiers(actor=SYSTEM) == 0
    assert AuditEvent.objects.count() == audit_before + BACKLOG
    assert audit.verify_chain().intact


def test_record_many_appends_the_same_chain_as_record_one_by_one():
    first = make_dossier("suggestion")
    second = make_dossier("suggestion")
    events = audit.record_many(SYSTEM, "dossier.deadline_passed", [(first, {"n": 1}), (second, {"n": 2})])
    after = audit.record(SYSTEM, "catalog.loaded")
    stored = list(AuditEvent.objects.filter(verb="dossier.deadline_passed").order_by("id"))
    assert [(e.target_id, e.data) for e in stored] == [(str(first.pk), {"n": 1}), (str(second.pk), {"n": 2})]
    assert stored[1].previous_hash == stored[0].hash == events[0].hash
    assert after.previous_hash == stored[1].hash
    assert audit.record_many(SYSTEM, "nothing", []) == []
    assert audit.verify_chain().intact
