"""Capped counts walk an index on PostgreSQL, whatever the planner guesses of a filter."""

from __future__ import annotations

import pytest
from django.db import connection

from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.factories import make_dossier

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting"),
]


def test_capped_counts_run_without_table_scans_and_restore_the_usual_plans():
    """PostgreSQL guesses each filter alone: for a state a service never holds it expects
    thousands of rows and plans a whole-table scan that "stops early" (it read a million rows
    to find none at a million dossiers). The counts run with sequential scans off."""
    make_dossier(state=DossierState.IN_REVIEW)
    seen: list[str] = []

    def spy(execute, sql, params, many, context):
        if "COUNT(" in sql:
            context["cursor"].execute("SHOW enable_seqscan")
            seen.append(context["cursor"].fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        Dossier.objects.in_queue().sample_counts(1000)
        Dossier.objects.in_queue().capped_counts([DossierState.APPROVED.value], 1000)

    assert seen == ["off", "off"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


def test_the_usual_plans_come_back_after_the_count():
    make_dossier(state=DossierState.IN_REVIEW)
    with connection.cursor() as cursor:
        Dossier.objects.in_queue().capped_counts([DossierState.IN_REVIEW.value], 1000)
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
