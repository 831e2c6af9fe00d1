"""The database going away is an outage to wait out: 503 with Retry-After, never a 500."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper

from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def database_down(error: Exception):
    # As in test_healthz: an outage cannot be produced safely here, so the cursor fails.
    return mock.patch.object(CursorWrapper, "execute", side_effect=error)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_page_reading_the_database_answers_503_with_retry_after(client, error):
    client.raise_request_exception = False

    with database_down(error):
        response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "The service is briefly unavailable" in response.content.decode()


def test_a_signed_in_person_gets_the_same_page_when_the_session_cannot_be_read(client):
    client.force_login(CitizenFactory())
    client.raise_request_exception = False

    with database_down(OperationalError("could not connect to server")):
        response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_the_outage_page_is_in_french_and_in_english(client, project_translations):
    client.raise_request_exception = False

    with database_down(OperationalError("the database system is shutting down")):
        html = client.get("/").content.decode()

    assert '<section lang="fr">' in html
    assert '<section lang="en">' in html
    assert "Le service est momentanément indisponible" in html
    assert "The service is briefly unavailable" in html


def test_any_other_error_is_still_a_500(client, monkeypatch):
    from guichet.core import views

    client.raise_request_exception = False
    monkeypatch.setattr(views, "_database_ok", mock.Mock(side_effect=RuntimeError("a bug")))

    response = client.get("/healthz")

    assert response.status_code == 500
