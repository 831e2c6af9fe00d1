from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.accounts.models import User
from guichet.dossiers.models import Dossier
from tests.factories import CitizenFactory, load_mspc_catalog
from tests.portal.utils import last_code_sent_to, start, step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("project_translations")]


def test_french_is_spoken_even_to_a_browser_set_to_english(client):
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fr">' in page
    assert "Suivre un dossier" in page  # from the French catalogue, not the English msgid


def test_the_switch_is_what_changes_the_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en">' in page
    assert "Track a file" in page


def test_the_language_chosen_before_signing_in_stays_after(client):
    citizen = CitizenFactory(language="fr")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("accounts:sign_in"), {"contact": citizen.phone})
    response = client.post(reverse("accounts:sign_in_code"), {"code": last_code_sent_to(citizen.phone)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in page
    assert "You are signed in." in page
    assert User.objects.get(pk=citizen.pk).language == "fr"  # the account's own setting is not changed


def test_the_account_language_applies_to_someone_who_never_chose(client):
    citizen = CitizenFactory(language="en")
    client.post(reverse("accounts:sign_in"), {"contact": citizen.phone})
    response = client.post(reverse("accounts:sign_in_code"), {"code": last_code_sent_to(citizen.phone)})
    assert '<html lang="en">' in client.get(response["Location"]).content.decode()


def test_switching_language_on_a_step_keeps_what_was_typed(client):
    load_mspc_catalog()
    client.force_login(CitizenFactory())
    start(client, "suggestion")
    dossier = Dossier.objects.get()
    url = step_url(dossier, "suggestion")
    page = client.get(url).content.decode()
    assert 'name="switch_language" value="en"' in page  # in the step's own form: works without JavaScript

    typed = {
        "category": "online_services",
        "subject": "Horaires du commissariat",
        "message": "Ouvrir le samedi.",
    }
    response = client.post(url, {**typed, "switch_language": "en"})
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page
    assert 'value="Horaires du commissariat"' in page
    assert "Ouvrir le samedi." in page
    assert "What you typed on this page is back" not in page  # nothing was lost, nothing to announce
    dossier.refresh_from_db()
    assert "subject" not in dossier.answers  # kept for the page, not judged nor saved
