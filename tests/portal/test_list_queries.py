"""Lists cost the same number of queries for one row and for fifty, and parse no file per row."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.accounts.models import User
from guichet.catalog import models as catalog_models
from guichet.catalog.services import publish_service
from guichet.core.actors import SYSTEM
from guichet.dossiers.models import Dossier, DossierDocument
from guichet.dossiers.references import new_reference
from guichet.dossiers.states import DossierState
from tests.factories import CitizenFactory, make_dossier

pytestmark = pytest.mark.django_db

FENCE_ANSWERS = {"applicant_name": "Afi Mensah"}


def _copies(dossier: Dossier, count: int) -> None:
    """`count` more rows like `dossier` (documents included), without going through each use case."""
    documents = list(dossier.documents.all())
    for _i in range(count):
        twin = copy.copy(dossier)
        twin.pk = None
        twin.reference = new_reference(dossier.reference[:3])
        twin.submission_key = uuid.uuid4()
        twin.save()
        for document in documents:
            twin_document = copy.copy(document)
            twin_document.pk = None
            twin_document.dossier = twin
            twin_document.save()


def _my_files_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:my_dossiers"))
    assert response.status_code == 200
    return len(queries)


def _citizen_with(drafts: int, filed: int) -> User:
    citizen = CitizenFactory()
    draft = make_dossier("suggestion", applicant=citizen)
    _copies(draft, drafts - 1)
    sent = make_dossier("suggestion", applicant=citizen, state=DossierState.IN_REVIEW)
    _copies(sent, filed - 1)
    return citizen


def test_my_files_costs_the_same_queries_for_one_file_and_for_fifty(client: Client) -> None:
    one = _citizen_with(drafts=1, filed=1)
    client.force_login(one)
    client.get(reverse("portal:my_dossiers"))  # a first visit may write the session
    queries_for_one = _my_files_queries(client)

    fifty = _citizen_with(drafts=50, filed=50)
    client.force_login(fifty)
    client.get(reverse("portal:my_dossiers"))
    response = client.get(reverse("portal:my_dossiers"))
    assert response.content.decode().count("Continue") >= 50
    assert _my_files_queries(client) == queries_for_one


def test_drafts_with_documents_resume_where_their_documents_say(client: Client) -> None:
    """The prefetched documents still count: a draft whose file is sent resumes past that question."""
    citizen = CitizenFactory()
    draft = make_dossier("suggestion", applicant=citizen)
    _copies(draft, 2)
    client.force_login(citizen)
    page = client.get(reverse("portal:my_dossiers")).content.decode()
    # The suggestion's answers are complete: every draft goes straight to the check page.
    for dossier in Dossier.objects.filter(applicant=citizen):
        assert reverse("portal:check", kwargs={"reference": dossier.reference}) in page
    assert DossierDocument.objects.count() == 0


def test_a_list_parses_each_service_file_once(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    citizen = _citizen_with(drafts=20, filed=20)
    parsed: list[object] = []
    real_parse = catalog_models.parse_definition

    def counting_parse(data: object) -> object:
        parsed.append(data)
        return real_parse(data)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_models, "parse_definition", counting_parse)
    catalog_models._DEFINITIONS.clear()
    client.force_login(citizen)
    client.get(reverse("portal:my_dossiers"))
    client.get(reverse("portal:my_dossiers"))
    assert len(parsed) == 1  # one service version behind forty files, parsed once per process


def _service_file(number: int) -> str:
    return f"""
code: extra-{number}
prefix: X{chr(65 + number // 26)}{chr(65 + number % 26)}
administration: mspc
unit: police
title: {{fr: Service {number}, en: Service {number}}}
summary: {{fr: Résumé {number}., en: Summary {number}.}}
who_may_apply: {{fr: Toute personne., en: Anyone.}}
sla_days: 5
workflow: answer
steps:
  - key: facts
    title: {{fr: Les faits, en: The facts}}
    fields:
      - {{name: narrative, type: long_text, label: {{fr: Récit, en: Narrative}}}}
"""


def _home_queries(client: Client) -> int:
    from django.core.cache import cache

    cache.clear()  # draw the catalogue, not the cached copy
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return len(queries)


def test_home_costs_the_same_queries_for_few_services_and_for_fifty(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    few = _home_queries(client)
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(50):
            publish_service(_service_file(number), actor=SYSTEM)
    catalog_models._DEFINITIONS.clear()
    page = client.get(reverse("portal:home")).content.decode()
    assert "Service 49" in page
    assert _home_queries(client) == few


def _dossier_page_queries(client: Client, dossier: Dossier) -> int:
    url = reverse("portal:dossier", kwargs={"reference": dossier.reference})
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_a_dossier_page_costs_the_same_queries_for_one_message_and_for_fifty(client: Client) -> None:
    from guichet.core.actors import Actor
    from guichet.dossiers.services import send_message_to_ministry

    citizen = CitizenFactory()
    dossier = make_dossier("suggestion", applicant=citizen, state=DossierState.IN_REVIEW)
    actor = Actor.for_user(citizen)
    send_message_to_ministry(dossier, actor=actor, message="Message 0")
    client.force_login(citizen)
    for_one = _dossier_page_queries(client, dossier)
    for number in range(1, 50):
        send_message_to_ministry(dossier, actor=actor, message=f"Message {number}")
    assert _dossier_page_queries(client, dossier) == for_one
