from __future__ import annotations

import pytest
from django.urls import reverse

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
