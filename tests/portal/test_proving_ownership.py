"""Links from messages and sessions that end mid-form lead to the proof, then back where the person was."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from guichet.dossiers.models import Dossier
from guichet.dossiers.references import new_reference
from guichet.dossiers.states import DossierState
from tests.factories import CitizenFactory, make_dossier
from tests.portal.utils import SUGGESTION, confirm_guest, last_code_sent_to, start, step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_resend")]


def test_a_link_from_a_message_opened_on_another_phone_leads_to_the_file_after_a_code(client):
    citizen = CitizenFactory()
    dossier = make_dossier(applicant=citizen, state=DossierState.IN_REVIEW)
    link = reverse("portal:dossier", kwargs={"reference": dossier.reference})

    page = client.get(link)
    assert page.status_code == 404  # as for anyone's file, but not a dead end:
    html = page.content.decode()
    assert "Show that this file is yours" in html
    assert f'value="{dossier.reference}"' in html
    assert f'name="next" value="{link}"' in html

    response = client.post(reverse("portal:track"), {"reference": dossier.reference, "next": link})
    assert response["Location"] == reverse("portal:track_code")
    response = client.post(reverse("portal:track_code"), {"code": last_code_sent_to(citizen.phone)})
    assert response["Location"] == link
    assert client.get(link).status_code == 200


def test_a_link_to_an_unknown_file_gets_the_same_page():
    known = make_dossier(state=DossierState.IN_REVIEW).reference
    unknown = new_reference("SUG")
    answers = []
    for reference in (known, unknown):
        response = Client().get(reverse("portal:dossier", kwargs={"reference": reference}))
        page = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode()).replace(reference, "REF")
        answers.append((response.status_code, page))
    assert answers[0] == answers[1]


def test_a_step_sent_after_the_session_ended_says_so_and_keeps_what_was_typed():
    filer = Client()
    start(filer, "suggestion")
    confirm_guest(filer, "kofi@exemple.tg", "kofi@exemple.tg")
    dossier = Dossier.objects.get(contact_value="kofi@exemple.tg")
    filer.post(step_url(dossier, "suggestion"), SUGGESTION)

    # The cookie is gone (expired, cleared, or another device): the second step is sent anyway.
    later = Client()
    identity_url = step_url(dossier, "identity")
    response = later.post(identity_url, {"signed": "yes", "full_name": "Kofi Atta"})
    assert response.status_code == 404
    page = response.content.decode()
    assert "Your session ended" in page
    assert "The answers saved at earlier steps are kept in the draft." in page
    assert "What you typed on this page is kept" in page
    assert f'value="{dossier.reference}"' in page
    dossier.refresh_from_db()
    assert "full_name" not in dossier.answers  # nothing written for an unproven session

    later.post(reverse("portal:track"), {"reference": dossier.reference, "next": identity_url})
    response = later.post(reverse("portal:track_code"), {"code": last_code_sent_to("kofi@exemple.tg")})
    assert response["Location"] == identity_url
    page = later.get(identity_url).content.decode()
    assert 'value="Kofi Atta"' in page
    assert "What you typed on this page is back." in page
    assert dossier.answers["subject"] == SUGGESTION["subject"]  # the earlier step is still saved
    assert 'value="Kofi Atta"' not in later.get(identity_url).content.decode()  # put back once
