"""What the pages say about who the ministry knows you are."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CitizenFactory
from tests.portal.utils import SUGGESTION, newest_dossier, start, step_url

pytestmark = pytest.mark.django_db


def test_a_verified_filer_is_never_promised_that_the_ministry_will_not_know_them(client):
    client.force_login(CitizenFactory(phone="+22890123456"))
    start(client, "suggestion")
    dossier = newest_dossier()
    client.post(step_url(dossier, "suggestion"), SUGGESTION)

    page = client.get(step_url(dossier, "identity")).content.decode()

    # Catalogue texts come in the page's language, French unless chosen.
    assert "Voulez-vous signer votre suggestion ?" in page
    assert "ne saura pas qui vous êtes" not in page


def test_an_anonymous_filer_is_not_asked_whether_they_sign(client):
    start(client, "suggestion", anonymous=True)
    dossier = newest_dossier()
    client.post(step_url(dossier, "suggestion"), SUGGESTION)

    check = client.get(reverse("portal:check", kwargs={"reference": dossier.reference})).content.decode()

    assert "Voulez-vous signer votre suggestion ?" not in check
    assert "Step 2 of 2" in check  # one step of questions, then checking and filing
