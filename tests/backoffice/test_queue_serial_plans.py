"""On PostgreSQL the queue's counts and list run without parallel workers (decision 0014).

Each statement walks an index and stops early; a parallel plan (chosen for a name shared by
thousands of accounts) only adds workers that wait for a busy core. The setting is `SET
LOCAL`, so it must end with the page's transaction and never reach the next request on the
same connection. SQLite opens no transaction for it (an IMMEDIATE one takes the write lock).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.accounts.roles import Role
from tests.backoffice.conftest import sign_in_staff, staff, suggestion_dossier
from tests.factories import CitizenFactory

SETTING = "SET LOCAL max_parallel_workers_per_gather = 0"


def _queue_queries(client, params: dict[str, str]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/agents/", params)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def _show_parallel_workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.fixture
def searching(client, units):
    applicant = CitizenFactory(last_name="Mensah")
    dossier = suggestion_dossier(applicant=applicant)
    return sign_in_staff(client, staff(dossier.unit, Role.AGENT))


@pytest.mark.parametrize("params", [{}, {"q": "Mensah"}, {"overdue": "on"}], ids=["plain", "name", "overdue"])
def test_every_statement_on_dossiers_runs_after_the_setting(searching, params):
    queries = _queue_queries(searching, params)
    on_dossiers = [i for i, sql in enumerate(queries) if "dossiers_dossier" in sql]
    assert on_dossiers
    if connection.vendor == "postgresql":
        assert queries.count(SETTING) == 1
        assert queries.index(SETTING) < on_dossiers[0]
    else:
        assert not [sql for sql in queries if sql.startswith(("SET", "BEGIN"))]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@pytest.mark.django_db(transaction=True)
def test_the_setting_ends_with_the_page(client, units):
    applicant = CitizenFactory(last_name="Mensah")
    dossier = suggestion_dossier(applicant=applicant)
    sign_in_staff(client, staff(dossier.unit, Role.AGENT))
    before = _show_parallel_workers()
    assert before != "0"
    assert client.get("/agents/", {"q": "Mensah"}).status_code == 200
    assert _show_parallel_workers() == before
