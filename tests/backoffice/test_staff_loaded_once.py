"""A staff page loads the signed-in staff member once, memberships and units in one more query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.accounts.roles import Role
from tests.backoffice.conftest import sign_in_staff
from tests.factories import StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["backoffice:queue", "backoffice:outbox"])
def test_a_staff_page_reads_the_user_and_the_memberships_once(client: Client, page: str) -> None:
    unit = UnitFactory()
    agent = StaffFactory(roles=[(unit, Role.SUPERVISOR), (UnitFactory(code="other"), Role.AGENT)])
    sign_in_staff(client, agent)
    client.get(reverse(page))  # the first request may write the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(page))
    assert response.status_code == 200
    sql = [query["sql"] for query in queries]
    by_id = f'WHERE "accounts_user"."id" = {agent.pk}'
    assert len([q for q in sql if by_id in q]) == 1
    assert len([q for q in sql if 'FROM "accounts_membership"' in q]) == 1
