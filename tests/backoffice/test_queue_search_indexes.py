"""On PostgreSQL each part of the queue's search is served by its trigram index (migration 0007).

The index expressions must match the SQL Django writes (`UPPER(col::text) LIKE …` for
`icontains`, `col::text LIKE …` for `contains`), or the planner silently ignores them and
every search scans the table. Sequential scans are priced out of reach so the plan shows
whether the index can be used at all.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from guichet.accounts.models import User
from guichet.accounts.roles import Role
from guichet.dossiers.models import Dossier
from tests.backoffice.conftest import sign_in_staff, staff, suggestion_dossier
from tests.factories import CitizenFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"
)


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.fixture
def searching(client, units):
    kossiwa = CitizenFactory(first_name="Kossiwa", last_name="Amegan", phone="+22890445566")
    dossier = suggestion_dossier(applicant=kossiwa)
    sign_in_staff(client, staff(dossier.unit, Role.AGENT))
    return client, dossier


def test_the_extension_and_the_indexes_exist(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        assert {row[0] for row in cursor.fetchall()} >= {
            "dossier_reference_key_trgm",
            "dossier_contact_value_trgm",
            "user_first_name_trgm",
            "user_last_name_trgm",
        }


def test_a_part_of_a_reference_is_found_through_the_trigram_index(db):
    plan = _plan(Dossier.objects.filter(reference_key__contains="7K3M9").values("pk"))
    assert "dossier_reference_key_trgm" in plan, plan


def test_a_name_is_found_through_the_trigram_indexes_of_names(db):
    plan = _plan(User.objects.filter(Q(first_name__icontains="kossiwa") | Q(last_name__icontains="kossiwa")))
    assert "user_first_name_trgm" in plan, plan
    assert "user_last_name_trgm" in plan, plan


def test_a_phone_number_is_found_through_the_trigram_index_of_contacts(db):
    plan = _plan(Dossier.objects.filter(contact_value__contains="90445566").values("pk"))
    assert "dossier_contact_value_trgm" in plan, plan


def test_the_search_asks_exactly_these_lookups(client, units):
    """The queue's search is written with the lookups the tests above explain."""
    kossiwa = CitizenFactory(first_name="Kossiwa", last_name="Amegan", phone="+22890445566")
    dossier = suggestion_dossier(applicant=kossiwa)
    sign_in_staff(client, staff(dossier.unit, Role.AGENT))
    with CaptureQueriesContext(connection) as captured:
        client.get("/agents/", {"q": "kossiwa"})
        client.get("/agents/", {"q": "90 44 55 66"})
        client.get("/agents/", {"q": dossier.reference[4:8]})
    sql = "\n".join(query["sql"] for query in captured.captured_queries)
    assert 'UPPER("accounts_user"."first_name"::text) LIKE UPPER(' in sql
    assert '"dossiers_dossier"."contact_value"::text LIKE ' in sql
    assert '"dossiers_dossier"."reference_key"::text LIKE ' in sql
