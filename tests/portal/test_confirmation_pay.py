"""Right after filing, a request that owes a fee offers to pay it, as its file page does."""

from __future__ import annotations

from django.urls import reverse

from guichet.dossiers.states import DossierState
from tests.factories import make_dossier
from tests.payments.conftest import awaiting_dossier


def test_the_confirmation_of_a_paying_request_leads_to_its_payment(client, db):
    dossier = awaiting_dossier()
    client.force_login(dossier.applicant)

    html = client.get(
        reverse("portal:confirmation", kwargs={"reference": dossier.reference})
    ).content.decode()

    assert f'<a class="button" href="/paiements/dossiers/{dossier.reference}/">Pay now</a>' in html


def test_a_free_request_has_nothing_to_pay(client, db):
    dossier = make_dossier(state=DossierState.IN_REVIEW)
    client.force_login(dossier.applicant)

    response = client.get(reverse("portal:confirmation", kwargs={"reference": dossier.reference}))

    assert response.status_code == 200
    assert "/paiements/" not in response.content.decode()
