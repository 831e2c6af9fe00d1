"""Counter payments and refunds: who may, what the ledger says, and never more out than in."""

from __future__ import annotations

import pytest

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput, PermissionRefused
from guichet.dossiers.states import DossierState
from guichet.payments import refunds, services
from guichet.payments.models import Flag, Payment, PaymentEvent, Receipt, Refund, RefundState
from guichet.payments.states import PaymentState
from tests.factories import StaffFactory
from tests.payments.conftest import awaiting_dossier
from tests.payments.helpers import callback_for, payer_acts

P = PaymentState


def staff(dossier, role: Role, unit: Unit | None = None) -> Actor:
    return Actor.for_user(StaffFactory(roles=[(unit or dossier.unit, role)]))


def counter(dossier, actor, *, slip="C-000123", amount=12000, method="CASH"):
    return services.record_counter_payment(
        dossier, actor=actor, method=method, amount=amount, counter_receipt=slip
    )


def paid_payment(dossier, paygate, client) -> Payment:
    payment = services.start_payment(
        dossier, actor=Actor.for_user(dossier.applicant), network="TMONEY", phone="70000001"
    ).payment
    callback_for(client, payment)
    payment.refresh_from_db()
    assert payment.state == P.SUCCEEDED
    return payment


# --- counter payments -----------------------------------------------------------------------------


def test_a_cashier_records_a_counter_payment_in_the_same_ledger(dossier):
    payment = counter(dossier, staff(dossier, Role.CASHIER))
    assert payment.state == P.SUCCEEDED
    assert payment.provider == "counter"
    assert payment.gateway_reference == "C-000123"
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert Receipt.objects.filter(payment=payment).exists()
    assert list(payment.events.values_list("source", "to_state")) == [
        ("staff", "created"),
        ("staff", "succeeded"),
    ]
    assert AuditEvent.objects.filter(verb="payment.counter_recorded").exists()


@pytest.mark.parametrize("who", ["agent", "cashier_elsewhere", "citizen"])
def test_only_a_cashier_of_the_unit_records_a_counter_payment(dossier, who):
    actor = {
        "agent": lambda: staff(dossier, Role.AGENT),
        "cashier_elsewhere": lambda: staff(
            dossier, Role.CASHIER, Unit.objects.exclude(pk=dossier.unit_id).first()
        ),
        "citizen": lambda: Actor.for_user(dossier.applicant),
    }[who]()
    with pytest.raises(PermissionRefused):
        counter(dossier, actor)
    assert not Payment.objects.exists()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT


def test_a_counter_payment_must_be_whole_and_recorded_once(dossier):
    cashier = staff(dossier, Role.CASHIER)
    with pytest.raises(InvalidInput) as partial:
        counter(dossier, cashier, amount=10000)
    assert "12000" in str(partial.value)
    counter(dossier, cashier)
    other = awaiting_dossier()
    with pytest.raises(InvalidInput) as twice:
        counter(other, staff(other, Role.CASHIER))  # the same slip number again
    assert "counter_receipt" in twice.value.errors
    with pytest.raises(services.NothingToPay):
        counter(dossier, cashier, slip="C-000124")


def test_a_counter_payment_frees_the_dossier_from_an_online_attempt_whose_late_success_is_refunded(
    client, paygate, dossier
):
    online = services.start_payment(
        dossier, actor=Actor.for_user(dossier.applicant), network="TMONEY", phone="90123456"
    ).payment
    counter(dossier, staff(dossier, Role.CASHIER))
    online.refresh_from_db()
    assert online.state == P.UNKNOWN
    payer_acts(paygate, online)
    callback_for(client, online)
    online.refresh_from_db()
    assert online.state == P.SUCCEEDED
    assert online.flag == Flag.REFUND_DUE


# --- refunds ----------------------------------------------------------------------------------------


def test_a_refund_needs_a_second_person_then_is_paid_out(client, paygate, dossier):
    payment = paid_payment(dossier, paygate, client)
    agent = staff(dossier, Role.AGENT)
    refund = refunds.request_refund(payment, actor=agent, amount=5000, reason="Paid twice")
    with pytest.raises(refunds.RefundRefused):
        refunds.decide_refund(refund, actor=Actor.for_user(_cashier_and_agent(dossier, agent)), approve=True)
    supervisor = staff(dossier, Role.SUPERVISOR)
    refunds.decide_refund(refund, actor=supervisor, approve=True)
    cashier = staff(dossier, Role.CASHIER)
    refunds.record_refund_paid_out(refund, actor=cashier, evidence="TMONEY transfer 88123")
    payment.refresh_from_db()
    assert payment.state == P.PARTIALLY_REFUNDED
    assert payment.refundable == 7000
    second = refunds.request_refund(payment, actor=agent, amount=7000, reason="The rest")
    refunds.decide_refund(second, actor=supervisor, approve=True)
    refunds.record_refund_paid_out(second, actor=cashier, evidence="TMONEY transfer 88124")
    payment.refresh_from_db()
    assert payment.state == P.REFUNDED
    assert payment.refundable == 0
    assert PaymentEvent.objects.filter(payment=payment, source="staff").count() == 6


def _cashier_and_agent(dossier, agent: Actor):
    """The person who asked, whatever other role they also hold."""
    from guichet.accounts.models import Membership

    Membership.objects.create(user=agent.user, unit=dossier.unit, role=Role.CASHIER)
    return agent.user


def test_a_refund_never_exceeds_what_is_refundable(client, paygate, dossier):
    payment = paid_payment(dossier, paygate, client)
    agent = staff(dossier, Role.AGENT)
    refunds.request_refund(payment, actor=agent, amount=8000, reason="Paid twice")
    with pytest.raises(InvalidInput) as refused:
        refunds.request_refund(payment, actor=agent, amount=8000, reason="Again")
    assert "4000" in str(refused.value)
    assert Refund.objects.count() == 1


def test_a_rejected_refund_gives_its_amount_back_to_refundable(client, paygate, dossier):
    payment = paid_payment(dossier, paygate, client)
    refund = refunds.request_refund(payment, actor=staff(dossier, Role.AGENT), amount=12000, reason="Error")
    refunds.decide_refund(refund, actor=staff(dossier, Role.SUPERVISOR), approve=False)
    payment.refresh_from_db()
    assert payment.refundable == 12000
    assert Refund.objects.get().state == RefundState.REJECTED
    with pytest.raises(refunds.RefundRefused):
        refunds.record_refund_paid_out(refund, actor=staff(dossier, Role.CASHIER), evidence="x")


def test_refunds_need_a_reason_a_paid_payment_and_staff_of_the_unit(client, paygate, dossier):
    payment = paid_payment(dossier, paygate, client)
    with pytest.raises(InvalidInput):
        refunds.request_refund(payment, actor=staff(dossier, Role.AGENT), amount=100, reason=" ")
    with pytest.raises(PermissionRefused):
        refunds.request_refund(payment, actor=Actor.for_user(dossier.applicant), amount=100, reason="x")
    elsewhere = Unit.objects.exclude(pk=dossier.unit_id).first()
    with pytest.raises(PermissionRefused):
        refunds.request_refund(payment, actor=staff(dossier, Role.AGENT, elsewhere), amount=100, reason="x")
    assert not Refund.objects.exists()
