"""The staff page of a dossier's payments: counter payments and refunds over HTTP, with who may."""

from __future__ import annotations

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.dossiers.states import DossierState
from guichet.payments.models import Payment, Refund, RefundState
from guichet.payments.states import PaymentState
from tests.factories import StaffFactory
from tests.payments.test_finance import staff_client


def url(dossier) -> str:
    return f"/paiements/agents/dossiers/{dossier.reference}/"


COUNTER = {"action": "counter", "method": "CASH", "amount": "12000", "counter_receipt": "C-77"}


def test_a_cashier_records_a_counter_payment_on_the_page(dossier):
    client = staff_client(StaffFactory(roles=[(dossier.unit, Role.CASHIER)]))
    page = client.get(url(dossier))
    assert page.status_code == 200
    assert "Record a payment made at a counter" in page.content.decode()
    assert client.post(url(dossier), COUNTER).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert "C-77" in client.get(url(dossier)).content.decode()


def test_a_wrong_amount_comes_back_with_what_was_typed(dossier):
    client = staff_client(StaffFactory(roles=[(dossier.unit, Role.CASHIER)]))
    response = client.post(url(dossier), {**COUNTER, "amount": "1000"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "record the whole amount" in text
    assert 'value="C-77"' in text
    assert not Payment.objects.exists()


def test_an_agent_cannot_record_a_counter_payment_and_another_unit_sees_nothing(dossier):
    agent = staff_client(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    assert agent.post(url(dossier), COUNTER).status_code == 403
    elsewhere = staff_client(
        StaffFactory(roles=[(Unit.objects.exclude(pk=dossier.unit_id).first(), Role.CASHIER)])
    )
    assert elsewhere.get(url(dossier)).status_code == 404
    assert elsewhere.post(url(dossier), COUNTER).status_code == 404
    assert not Payment.objects.exists()


def test_a_refund_on_the_page_takes_two_people(dossier):
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])
    staff_client(cashier).post(url(dossier), COUNTER)
    payment = Payment.objects.get()
    agent = staff_client(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    asked = agent.post(
        url(dossier),
        {"action": "refund", "target": payment.public_id, "amount": "2000", "reason": "Trop perçu"},
    )
    assert asked.status_code == 302
    refund = Refund.objects.get()
    assert "Approve the refund" not in agent.get(url(dossier)).content.decode()  # not to the one who asked
    agent.post(url(dossier), {"action": "approve", "target": str(refund.pk)})
    assert Refund.objects.get().state == RefundState.REQUESTED
    staff_client(cashier).post(url(dossier), {"action": "approve", "target": str(refund.pk)})
    staff_client(cashier).post(
        url(dossier), {"action": "paid_out", "target": str(refund.pk), "evidence": "Bordereau 12"}
    )
    assert Refund.objects.get().state == RefundState.PAID_OUT
    assert Payment.objects.get().state == PaymentState.PARTIALLY_REFUNDED


def test_an_unknown_action_or_target_is_404(dossier):
    client = staff_client(StaffFactory(roles=[(dossier.unit, Role.CASHIER)]))
    assert client.post(url(dossier), {"action": "steal"}).status_code == 404
    assert client.post(url(dossier), {"action": "approve", "target": "999"}).status_code == 404
