"""Once only: what the account or the confirmed contact already says is offered, not asked again."""

from __future__ import annotations

import pytest
from django.test import Client

from guichet.catalog.definition import DefinitionError, parse_definition
from guichet.dossiers.models import Dossier
from tests.catalog.test_definition import base
from tests.factories import CitizenFactory
from tests.portal.utils import confirm_guest, start, step_url

pytestmark = pytest.mark.django_db


def test_a_citizen_finds_their_name_and_phone_already_in_a_new_draft(client):
    citizen = CitizenFactory(first_name="Afi", last_name="Mensah", phone="+22890123456")
    client.force_login(citizen)
    start(client, "cloture-electrifiee")
    dossier = Dossier.objects.get()
    page = client.get(step_url(dossier, "applicant")).content.decode()
    assert 'value="Afi Mensah"' in page
    assert "90 12 34 56" in page or "+22890123456" in page
    assert dossier.answers == {}  # offered on the page, stored only once the person saves the step


def test_what_the_person_changed_is_not_offered_again(client):
    client.force_login(CitizenFactory(first_name="Afi", last_name="Mensah"))
    start(client, "cloture-electrifiee")
    dossier = Dossier.objects.get()
    url = step_url(dossier, "applicant")
    client.post(url, {"applicant_type": "person", "full_name": "Kossi Mensah", "phone": "90 00 00 01"})
    page = client.get(url).content.decode()
    assert 'value="Kossi Mensah"' in page
    assert 'value="Afi Mensah"' not in page


def test_a_guest_finds_the_phone_they_confirmed(settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_RESEND_SECONDS": 0}
    guest = Client()
    start(guest, "cloture-electrifiee")
    confirm_guest(guest, "90 12 34 57", "+22890123457")
    dossier = Dossier.objects.get()
    page = guest.get(step_url(dossier, "applicant")).content.decode()
    assert "90 12 34 57" in page or "+22890123457" in page


def test_an_anonymous_draft_is_offered_nothing(client):
    start(client, "suggestion", anonymous=True)
    dossier = Dossier.objects.get()
    assert dossier.anonymous
    assert client.get(step_url(dossier, "suggestion")).status_code == 200


def test_a_service_file_naming_an_unknown_source_is_refused():
    data = base()
    data["steps"][0]["fields"][0]["prefill"] = "passport"
    with pytest.raises(DefinitionError, match=r"prefill: unknown source 'passport'"):
        parse_definition(data)
