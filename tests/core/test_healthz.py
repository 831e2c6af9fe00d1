from __future__ import annotations

from unittest import mock

import pytest
from django.db.backends.utils import CursorWrapper


@pytest.mark.django_db
def test_healthz_answers_200_with_json_when_fine(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": True, "task_queue": True}}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_fails(client, settings):
    # The one mock of the suite: a database outage cannot be produced here safely.
    with mock.patch.object(CursorWrapper, "execute", side_effect=OSError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] is False


@pytest.mark.django_db
def test_healthz_checks_the_database_task_queue(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["task_queue"] is True
