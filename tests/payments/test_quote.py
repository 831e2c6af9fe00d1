"""Event security: the file fee, then the accepted quote, are two dues of one dossier, each paid once."""

from __future__ import annotations

from guichet.accounts.roles import Role
from guichet.catalog.services import publish_service
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.states import DossierState
from guichet.payments import services
from guichet.payments.models import Payment, Receipt
from guichet.payments.states import PaymentState
from tests.dossiers.quote_service import QUOTE_SERVICE, quote_answers, tick_all
from tests.factories import CitizenFactory, StaffFactory
from tests.payments.conftest import fee_service_loaded
from tests.payments.helpers import callback_for


def test_the_file_fee_then_the_quote_are_paid_once_each(db, client, paygate):
    fee_service_loaded()  # the ministry and its units
    version, _new = publish_service(QUOTE_SERVICE, actor=SYSTEM)
    service = version.service
    applicant = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(service, actor=applicant, language="fr")
    dossiers.save_answers(dossier, actor=applicant, answers=quote_answers())
    dossiers.submit_dossier(dossier, actor=applicant)
    dossier.refresh_from_db()
    fee = services.start_payment(dossier, actor=applicant, network="TMONEY", phone="70000001").payment
    callback_for(client, fee)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW

    commander = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    tick_all(dossier, commander)
    quote = quotes.propose_quote(dossier, actor=commander, agents=4, hours=5)
    quotes.accept_quote(dossier, actor=applicant, number=quote.number)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert dossier.fee_total == quote.total

    second = services.start_payment(dossier, actor=applicant, network="FLOOZ", phone="70000001").payment
    assert second.amount == quote.total
    assert second.due_key != fee.due_key
    callback_for(client, second)
    second.refresh_from_db()
    assert second.state == PaymentState.SUCCEEDED
    assert not second.surplus
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert Payment.objects.filter(dossier=dossier, state=PaymentState.SUCCEEDED, surplus=False).count() == 2
    assert Receipt.objects.filter(payment__dossier=dossier).count() == 2
