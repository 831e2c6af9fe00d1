"""The payment page of an accepted quote asks for the quote, not "Paid" for the file fee paid before;
once paid, it says what comes next."""

from __future__ import annotations

from guichet.accounts.roles import Role
from guichet.catalog.services import publish_service
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.states import DossierState
from guichet.payments import services
from guichet.portal.templatetags.guichet_ui import xof
from tests.dossiers.quote_service import QUOTE_SERVICE, quote_answers, tick_all
from tests.factories import CitizenFactory, StaffFactory
from tests.payments.conftest import fee_service_loaded
from tests.payments.helpers import callback_for


def filed_with_its_fee_paid(client):
    """An event-security-like request filed in English, its file fee paid through the sandbox."""
    fee_service_loaded()
    service = publish_service(QUOTE_SERVICE, actor=SYSTEM)[0].service
    citizen = CitizenFactory()
    applicant = Actor.for_user(citizen)
    dossier = dossiers.start_dossier(service, actor=applicant, language="en")
    dossiers.save_answers(dossier, actor=applicant, answers=quote_answers())
    dossiers.submit_dossier(dossier, actor=applicant)
    dossier.refresh_from_db()
    pay_by_phone(client, dossier, applicant)
    return dossier, citizen, applicant


def pay_by_phone(client, dossier, applicant):
    callback_for(
        client, services.start_payment(dossier, actor=applicant, network="TMONEY", phone="70000001").payment
    )


def test_an_accepted_quote_is_paid_on_the_page_after_the_file_fee(db, client, paygate):
    dossier, citizen, applicant = filed_with_its_fee_paid(client)
    commander = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    tick_all(dossier, commander)
    quote = quotes.propose_quote(dossier, actor=commander, agents=4, hours=5)
    quotes.accept_quote(dossier, actor=applicant, number=quote.number)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT
    client.force_login(citizen)

    html = client.get(f"/paiements/dossiers/{dossier.reference}/").content.decode()

    assert 'value="start"' in html  # the wallet and number form, to pay the quote
    assert f"Pay {xof(quote.total)}" in html
    assert "Download the receipt" not in html  # the file fee's receipt is on the file's page

    pay_by_phone(client, dossier, applicant)
    paid = client.get(f"/paiements/dossiers/{dossier.reference}/").content.decode()
    assert "The unit now confirms the coverage of your event" in paid  # what comes next, not a review
    assert "goes to review" not in paid


def test_after_the_file_fee_alone_the_file_goes_to_review(db, client, paygate):
    dossier, citizen, _applicant = filed_with_its_fee_paid(client)
    client.force_login(citizen)
    html = client.get(f"/paiements/dossiers/{dossier.reference}/").content.decode()
    assert "Your file now goes to review." in html
