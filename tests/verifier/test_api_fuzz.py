"""schemathesis fuzzes the partner API from its own OpenAPI schema: no input gives a 5xx.

The requests go through Django's WSGI handler in-process (the same middleware as production),
with a partner token holding every scope, so the fuzzer reaches the code behind the checks.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from guichet.verifier import services

schema = schemathesis.openapi.from_wsgi("/api/verification/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the test's database connection
    (on PostgreSQL the test's transaction would be lost after the first call)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def partner_token(db):
    return services.create_partner(name="Fuzzer", scopes=["verify", "lookup_plate", "lookup_passport"])[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail(case, partner_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {partner_token}"}, checks=[not_a_server_error])


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_nor_without_a_token(case):
    case.call_and_validate(checks=[not_a_server_error])
