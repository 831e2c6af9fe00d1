"""Choosing to be anonymous removes the questions that anonymity already answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.catalog.definition import DefinitionError, parse_definition
from guichet.dossiers.models import Dossier
from tests.catalog.test_definition import base
from tests.factories import CitizenFactory
from tests.portal.utils import SUGGESTION, start, step_url

pytestmark = pytest.mark.django_db


def test_an_anonymous_filer_is_not_asked_whether_they_sign(client):
    start(client, "suggestion", anonymous=True)
    dossier = Dossier.objects.get()
    first = client.get(step_url(dossier, "suggestion")).content.decode()
    assert "Qui êtes-vous" not in first  # the step list beside has no identity step
    response = client.post(step_url(dossier, "suggestion"), SUGGESTION)
    # The last question was the suggestion itself: straight to checking the answers.
    assert response["Location"] == reverse("portal:check", kwargs={"reference": dossier.reference})
    assert client.get(step_url(dossier, "identity"))["Location"] == step_url(dossier, "suggestion")
    dossier.refresh_from_db()
    assert dossier.answers["signed"] == "no"
    response = client.post(reverse("portal:check", kwargs={"reference": dossier.reference}))
    assert response["Location"] == reverse("portal:confirmation", kwargs={"reference": dossier.reference})


def test_a_named_filer_is_asked_and_not_promised_anonymity(client):
    client.force_login(CitizenFactory())
    start(client, "suggestion")
    dossier = Dossier.objects.get()
    assert "Qui êtes-vous" in client.get(step_url(dossier, "suggestion")).content.decode()
    response = client.post(step_url(dossier, "suggestion"), SUGGESTION)
    assert response["Location"] == step_url(dossier, "identity")
    page = client.get(response["Location"]).content.decode()
    assert 'name="signed"' in page
    assert "ne saura pas qui vous êtes" not in page


def test_an_anonymous_answer_must_be_one_the_question_allows():
    data = base()
    data["steps"][0]["fields"].append(
        {"name": "sign", "type": "yes_no", "label": {"fr": "S", "en": "S"}, "anonymous_answer": "maybe"}
    )
    with pytest.raises(DefinitionError, match=r"anonymous_answer: one of no, yes"):
        parse_definition(data)
