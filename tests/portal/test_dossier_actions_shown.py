"""The dossier page offers exactly what the domain says the applicant may do now."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.core.actors import Actor
from guichet.dossiers.actions import ActionName, available_actions
from guichet.dossiers.states import DossierState
from tests.factories import make_dossier

pytestmark = pytest.mark.django_db

S = DossierState
FORMS = {
    ActionName.PROVIDE_INFORMATION: 'id="answer-title"',
    ActionName.WRITE_TO_MINISTRY: 'id="message-title"',
}


@pytest.mark.parametrize("state", [S.IN_REVIEW, S.INFO_REQUESTED, S.ANSWERED, S.WITHDRAWN])
def test_the_page_offers_what_the_domain_allows_and_nothing_else(client, state):
    dossier = make_dossier(state=state)
    available = available_actions(dossier, Actor.for_user(dossier.applicant))
    client.force_login(dossier.applicant)

    html = client.get(reverse("portal:dossier", kwargs={"reference": dossier.reference})).content.decode()

    assert (FORMS[ActionName.PROVIDE_INFORMATION] in html) == (ActionName.PROVIDE_INFORMATION in available)
    # While the ministry waits for an answer, the answer form is the one way to write.
    offers_message = (
        ActionName.WRITE_TO_MINISTRY in available and ActionName.PROVIDE_INFORMATION not in available
    )
    assert (FORMS[ActionName.WRITE_TO_MINISTRY] in html) == offers_message
    withdraw_url = reverse("portal:withdraw", kwargs={"reference": dossier.reference})
    assert (f'href="{withdraw_url}"' in html) == (ActionName.WITHDRAW in available)


def test_a_withdrawn_file_refuses_the_withdrawal_page(client):
    dossier = make_dossier(state=S.WITHDRAWN)
    client.force_login(dossier.applicant)

    response = client.get(reverse("portal:withdraw", kwargs={"reference": dossier.reference}))

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.WITHDRAWN
