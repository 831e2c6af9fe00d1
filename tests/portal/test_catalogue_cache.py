"""The catalogue is drawn once per language and catalogue version, and holds nothing personal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.catalog.models import Service
from guichet.catalog.services import publish_service
from guichet.core.actors import SYSTEM
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

NEW_SERVICE = """
code: permis-test
prefix: PTE
administration: mspc
unit: police
title: {fr: Permis de test, en: Test permit}
summary: {fr: Un service tout neuf., en: A brand new service.}
who_may_apply: {fr: Toute personne., en: Anyone.}
sla_days: 5
workflow: answer
steps:
  - key: facts
    title: {fr: Les faits, en: The facts}
    fields:
      - {name: narrative, type: long_text, label: {fr: Récit, en: Narrative}}
"""


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("url", ["/", "/demarches/suggestion/", "/suivi/"])
def test_a_guest_on_a_public_page_costs_no_query_and_no_session(client: Client, url: str) -> None:
    client.get(url)
    count, page = _queries(client, url)
    assert count == 0
    assert "csrfmiddlewaretoken" in page  # the page's own forms still carry their token
    assert "sessionid" not in client.cookies


def test_a_published_service_shows_once_committed(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    assert "Permis de test" not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        publish_service(NEW_SERVICE, actor=SYSTEM)
    assert "Permis de test" in client.get("/").content.decode()
    assert client.get("/demarches/permis-test/").status_code == 200


def test_a_closed_service_leaves_the_catalogue_and_its_page(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    assert "/demarches/suggestion/" in client.get("/").content.decode()
    assert client.get("/demarches/suggestion/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        service = Service.objects.get(code="suggestion")
        service.is_active = False
        service.save()
    assert "/demarches/suggestion/" not in client.get("/").content.decode()
    assert client.get("/demarches/suggestion/").status_code == 404


def test_each_language_has_its_own_catalogue(client: Client) -> None:
    assert "Faire une suggestion au ministère" in client.get("/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/").content.decode()
    assert "Send a suggestion to the ministry" in english
    assert "Faire une suggestion au ministère" not in english
    client.cookies["django_language"] = "fr"
    assert "Faire une suggestion au ministère" in client.get("/").content.decode()


def test_the_cached_catalogue_holds_no_token_and_nothing_personal(client: Client) -> None:
    citizen = CitizenFactory(first_name="Yawa", last_name="Kpodar")
    client.force_login(citizen)
    client.get("/")
    client.get("/demarches/suggestion/")
    for key in ("guichet:catalogue:home:fr", "guichet:catalogue:service:suggestion:fr"):
        stamp, value = cache.get(key)
        text = str(value)
        assert stamp == cache.get("guichet:catalogue:stamp")
        assert "csrfmiddlewaretoken" not in text
        assert "Kpodar" not in text
        assert citizen.phone not in text


def test_an_unknown_service_is_not_found_and_not_cached(client: Client) -> None:
    assert client.get("/demarches/nope/").status_code == 404
    assert cache.get("guichet:catalogue:service:nope:fr") is None


def test_a_signed_in_citizen_still_sees_their_own_start_panel(client: Client) -> None:
    client.get("/demarches/suggestion/")  # drawn for a guest first
    citizen = CitizenFactory(first_name="Yawa", last_name="Kpodar")
    client.force_login(citizen)
    page = client.get("/demarches/suggestion/").content.decode()
    assert citizen.display_name in page
    assert reverse("portal:start", kwargs={"code": "suggestion"}) in page


def test_the_catalogue_is_drawn_without_the_cache_when_redis_is_down(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "guichet.core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert "Faire une suggestion au ministère" in client.get("/").content.decode()
    assert client.get("/demarches/suggestion/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        publish_service(NEW_SERVICE, actor=SYSTEM)  # publishing does not fail for the cache's sake
    assert "Permis de test" in client.get("/").content.decode()
