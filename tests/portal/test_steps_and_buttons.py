"""Filing pages agree with themselves: the step count with the list, errors with the buttons,
and file fields tell the browser what to check before sending."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import CitizenFactory
from tests.portal.utils import SUGGESTION, newest_dossier, start, step_url

pytestmark = pytest.mark.django_db


def citizen_starts(client: Client, code: str):
    client.force_login(CitizenFactory())
    response = start(client, code)
    assert response.status_code == 302
    return newest_dossier()


def submit_labels(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r'<button type="submit" class="button">(.*?)</button>', html, re.S)
    ]


def test_the_step_count_agrees_with_the_list_of_steps(client):
    dossier = citizen_starts(client, "suggestion")

    first = client.get(step_url(dossier, "suggestion")).content.decode()
    steps_listed = re.search(r'<ol class="step-list">(.*?)</ol>', first, re.S).group(1).count("<li")

    assert steps_listed == 3  # two steps of questions, then checking and filing
    assert "Step 1 of 3" in first
    client.post(step_url(dossier, "suggestion"), SUGGESTION)
    assert "Step 2 of 3" in client.get(step_url(dossier, "identity")).content.decode()
    client.post(step_url(dossier, "identity"), {"signed": "no"})
    check = client.get(reverse("portal:check", kwargs={"reference": dossier.reference})).content.decode()
    assert "Step 3 of 3" in check


def test_the_service_page_lists_the_same_steps_with_checking_last(client):
    page = client.get(reverse("portal:service", kwargs={"code": "suggestion"})).content.decode()
    overview = re.search(r'<ol class="step-overview">(.*?)</ol>', page, re.S).group(1)

    assert overview.count("<li") == 3
    assert "Check your answers and file" in overview


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_error_names_the_button_the_page_shows(client, project_translations, language):
    dossier = citizen_starts(client, "cloture-electrifiee")
    client.post(reverse("set_language"), {"language": language})

    # The documents step is the last one: its button leads to the check page.
    response = client.post(step_url(dossier, "documents"), {})

    html = response.content.decode()
    [label] = submit_labels(html)
    with translation.override(language):
        assert label == translation.gettext("Save and continue")
    errors = " ".join(re.findall(r'class="error-message"[^>]*>(.*?)</p>', html, re.S))
    assert label in errors.replace("&#x27;", "'")


def test_file_fields_carry_their_limits_and_messages_for_the_browser(client):
    dossier = citizen_starts(client, "cloture-electrifiee")

    html = client.get(step_url(dossier, "documents")).content.decode()

    field = re.search(r'<input type="file" name="site_plan"[^>]*>', html).group(0)
    assert 'data-max-bytes="5242880"' in field
    assert 'accept=".pdf,application/pdf,.jpg,.jpeg,image/jpeg,.png,image/png"' in field
    assert "This file is larger than 5 MB." in field
    assert "data-wrong-kind=" in field
    assert "data-sending=" in field


def test_sizes_are_written_the_french_way_in_french(client, project_translations):
    dossier = citizen_starts(client, "cloture-electrifiee")
    client.post(reverse("set_language"), {"language": "fr"})

    html = client.get(step_url(dossier, "documents")).content.decode()

    field = re.search(r'<input type="file" name="site_plan"[^>]*>', html).group(0)
    hint = re.search(r'id="id_site_plan_hint">(.*?)</p>', html, re.S).group(1)
    assert "5 Mo" in field
    assert "5 Mo" in hint
    assert " MB" not in field + hint


def test_the_draft_hint_names_a_link_the_reader_has(client):
    dossier = citizen_starts(client, "suggestion")

    html = client.get(step_url(dossier, "suggestion")).content.decode()
    header = html[html.index("<header") : html.index("</header>")]

    assert "Your draft is kept in “My files”" in html
    assert ">My files</a>" in header
    assert "“Track a file” with this reference" not in html  # the header offers no tracking to her
