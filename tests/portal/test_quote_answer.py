"""The applicant reads the quote (lines, reason for any difference) and accepts or declines it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.dossiers import quotes
from guichet.dossiers.models import Dossier, Quote, QuoteStatus
from guichet.dossiers.states import DossierState
from tests.dossiers.quote_service import publish_quote_service, quote_dossier_in_review, tick_all
from tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db
S = DossierState


@pytest.fixture
def proposed(tmp_path) -> Dossier:
    dossier = quote_dossier_in_review(publish_quote_service(tmp_path / "catalog"))
    commander = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    tick_all(dossier, commander)
    quotes.propose_quote(
        dossier, actor=commander, agents=6, hours=5, reason="Deux entrées et un parking à tenir."
    )
    dossier.refresh_from_db()
    return dossier


def _page(client, dossier: Dossier) -> str:
    response = client.get(f"/dossiers/{dossier.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_applicant_sees_the_quote_its_lines_and_why_it_differs(client, proposed, project_translations):
    client.force_login(proposed.applicant)
    client.cookies["django_language"] = "en"
    html = _page(client, proposed)
    assert "The ministry proposes a quote" in html
    assert "you asked for 4" in html
    assert "Why the unit set a different number of agents:" in html
    assert "Deux entrées et un parking à tenir." in html
    assert "Security coverage: 6 agents × 5 h" in html
    assert "60,000" in html
    assert f'action="/dossiers/{proposed.reference}/devis/accepter/"' in html
    client.cookies["django_language"] = "fr"
    html = _page(client, proposed)
    assert "Le ministère vous propose un devis" in html
    assert "Pourquoi l’unité a fixé un autre nombre d’agents" in html
    assert "60\u202f000" in html


def test_accepting_leads_to_payment_of_the_quote(client, proposed):
    client.force_login(proposed.applicant)
    response = client.post(f"/dossiers/{proposed.reference}/devis/accepter/", {"number": "1"})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.state, proposed.fee_total) == (S.AWAITING_PAYMENT, 60_000)
    html = _page(client, proposed)
    assert reverse("payments:pay", kwargs={"reference": proposed.reference}) in html
    assert "60\u202f000" in html  # the amount now due, in the reader's language (French by default)


def test_an_outdated_quote_is_not_accepted(client, proposed):
    commander = Actor.for_user(StaffFactory(roles=[(proposed.unit, Role.AGENT)]))
    quotes.propose_quote(proposed, actor=commander, agents=5, hours=5, reason="Moins de monde.")
    client.force_login(proposed.applicant)
    response = client.post(f"/dossiers/{proposed.reference}/devis/accepter/", {"number": "1"}, follow=True)
    assert Dossier.objects.get(pk=proposed.pk).state == S.QUOTE_PROPOSED
    assert Quote.objects.get(number=2).status == QuoteStatus.PROPOSED
    assert response.status_code == 200


def test_declining_asks_for_confirmation_then_closes(client, proposed):
    client.force_login(proposed.applicant)
    response = client.get(f"/dossiers/{proposed.reference}/devis/refuser/")
    assert response.status_code == 200
    assert Dossier.objects.get(pk=proposed.pk).state == S.QUOTE_PROPOSED  # a GET changes nothing
    response = client.post(
        f"/dossiers/{proposed.reference}/devis/refuser/", {"number": "1", "reason": "Trop cher."}
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.state == S.QUOTE_DECLINED


def test_another_person_cannot_see_or_answer_the_quote(client, proposed):
    client.force_login(CitizenFactory())
    assert client.get(f"/dossiers/{proposed.reference}/devis/refuser/").status_code in {302, 404}
    response = client.post(f"/dossiers/{proposed.reference}/devis/accepter/", {"number": "1"})
    assert response.status_code in {302, 404}
    assert Dossier.objects.get(pk=proposed.pk).state == S.QUOTE_PROPOSED
    assert Quote.objects.get().status == QuoteStatus.PROPOSED
