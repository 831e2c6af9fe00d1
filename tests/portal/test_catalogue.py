"""The catalogue, a service page, the language switch and the error pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from guichet.catalog.models import Service

pytestmark = pytest.mark.django_db


def test_home_lists_every_published_service_under_its_administration(client):
    page = client.get(reverse("portal:home")).content.decode()
    assert "Ministère de la Sécurité et de la Protection Civile" in page
    assert "Faire une suggestion au ministère" in page
    assert "Autorisation d’électrification de clôture barbelée" in page
    assert reverse("portal:service", kwargs={"code": "suggestion"}) in page
    assert reverse("portal:track") in page
    assert reverse("accounts:sign_in") in page


def test_home_leaves_out_a_service_that_is_switched_off(client):
    Service.objects.filter(code="suggestion").update(is_active=False)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Faire une suggestion au ministère" not in page
    assert client.get(reverse("portal:service", kwargs={"code": "suggestion"})).status_code == 404


def test_service_page_says_who_may_ask_what_to_bring_what_it_costs_and_how_long(client):
    page = client.get(reverse("portal:service", kwargs={"code": "cloture-electrifiee"})).content.decode()
    assert "Le propriétaire de la parcelle" in page  # who_may_apply
    assert "Titre de propriété ou bail" in page  # a document field
    assert "Attestation de conformité de l’installateur" in page
    assert "PDF, JPEG or PNG, 5 MB at most." in page
    assert "Free" in page
    assert "15 working days" in page
    assert "Traitement en 15 jours ouvrés environ" in page  # processing text
    assert re.search(r'name="submission_key" value="[0-9a-f-]{36}"', page)


def test_each_drawing_of_the_service_page_gets_a_new_submission_key(client):
    url = reverse("portal:service", kwargs={"code": "suggestion"})
    keys = {
        re.search(r'name="submission_key" value="([^"]+)"', client.get(url).content.decode()).group(1)
        for _i in range(2)
    }
    assert len(keys) == 2


def test_language_switch_shows_english_titles(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="en">' in page
    assert "Send a suggestion to the ministry" in page
    assert "Ministry of Security and Civil Protection" in page
    assert "Faire une suggestion au ministère" not in page
    service_page = client.get(
        reverse("portal:service", kwargs={"code": "cloture-electrifiee"})
    ).content.decode()
    assert "Property title or lease" in service_page


def test_language_switch_works_as_a_plain_form(client):
    page = client.get(reverse("portal:home")).content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert 'name="language" value="en"' in page


def test_unknown_page_answers_with_the_not_found_page_and_a_way_to_track(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find this page or file" in page
    assert reverse("portal:track") in page


def test_footer_gives_the_green_line_and_the_staff_sign_in(client):
    page = client.get(reverse("portal:home")).content.decode()
    assert "1014" in page
    assert "/agents/connexion/" in page


def test_expired_form_answers_with_the_session_expired_page():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("portal:track"), {"reference": "SUG-0000-0000"})
    assert response.status_code == 403
    assert "nothing you entered on previous steps is lost" in response.content.decode().lower()


def test_pages_carry_no_inline_script_or_style(client):
    for url in [
        reverse("portal:home"),
        reverse("portal:service", kwargs={"code": "suggestion"}),
        reverse("portal:track"),
    ]:
        page = client.get(url).content.decode()
        assert "style=" not in page
        assert "<style" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_the_server_error_page_renders_on_its_own(rf):
    from guichet.core.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "1014" in page
