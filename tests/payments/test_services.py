"""Payment use cases, through the real PayGate client over HTTP to the sandbox; each fault of issue 8."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from guichet.audit.models import AuditEvent
from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput, PermissionRefused
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from guichet.payments import services
from guichet.payments.models import Flag, Payment, PaymentEvent, Receipt, Source
from guichet.payments.states import PaymentState
from tests.factories import CitizenFactory
from tests.payments.conftest import TOKEN, awaiting_dossier
from tests.payments.helpers import callback_for, payer_acts, payload, post_callback

P = PaymentState
PENDING_NUMBER = "90 12 34 56"  # stays pending until the payer acts on the sandbox phone


def start(dossier, actor, phone=PENDING_NUMBER, network="TMONEY"):
    return services.start_payment(dossier, actor=actor, network=network, phone=phone).payment


def ledger(payment):
    return list(PaymentEvent.objects.filter(payment=payment).values_list("source", "from_state", "to_state"))


def make_due(payment):
    Payment.objects.filter(pk=payment.pk).update(next_check_at=timezone.now() - dt.timedelta(seconds=1))


# --- starting -------------------------------------------------------------------------------


def test_our_identifier_is_stored_before_the_gateway_is_called_and_the_prompt_is_pending(
    paygate, dossier, applicant
):
    payment = start(dossier, applicant)
    payment.refresh_from_db()
    assert payment.state == P.PENDING
    assert payment.amount == 12000
    assert payment.currency == "XOF"
    assert payment.fee_lines == dossier.fee_lines
    assert payment.phone == "+22890123456"
    tx = paygate.by_identifier[payment.public_id]
    assert payment.gateway_reference == str(tx.tx_reference)
    assert ledger(payment) == [("start", "", "created"), ("start", "created", "pending")]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT  # registered is NOT paid
    assert AuditEvent.objects.filter(verb="payment.created", target_id=str(payment.pk)).exists()


def test_double_click_and_two_tabs_get_the_payment_already_waiting(paygate, dossier, applicant):
    first = services.start_payment(dossier, actor=applicant, network="TMONEY", phone=PENDING_NUMBER)
    again = services.start_payment(dossier, actor=applicant, network="FLOOZ", phone="96 00 00 09")
    assert first.new
    assert not again.new
    assert again.payment.pk == first.payment.pk
    assert Payment.objects.filter(dossier=dossier).count() == 1
    assert len(paygate.by_identifier) == 1


def test_the_database_refuses_a_second_payment_in_flight(paygate, dossier, applicant):
    payment = start(dossier, applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(dossier=dossier, provider="paygate", amount=12000, network="TMONEY")
    assert payment.state == P.PENDING


def test_only_the_applicant_pays(paygate, dossier):
    stranger = Actor.for_user(CitizenFactory())
    with pytest.raises(PermissionRefused):
        start(dossier, stranger)
    assert not Payment.objects.exists()


def test_a_wrong_number_is_refused_in_words_and_nothing_is_created(paygate, dossier, applicant):
    with pytest.raises(InvalidInput) as refused:
        start(dossier, applicant, phone="22 21 00 00")  # a fixed line
    assert "phone" in refused.value.errors
    assert not Payment.objects.exists()


def test_numbers_are_read_as_typed(paygate, dossier, applicant):
    payment = start(dossier, applicant, phone="+228 90-12-34-56")
    assert payment.phone == "+22890123456"


def test_a_dossier_not_awaiting_payment_cannot_be_paid(paygate, dossier, applicant):
    from guichet.dossiers.services import withdraw_dossier

    withdraw_dossier(dossier, actor=applicant)
    with pytest.raises(services.NothingToPay):
        start(dossier, applicant)
    assert not Payment.objects.exists()


def test_a_bad_token_fails_the_attempt_without_a_secret_in_the_ledger(paygate, settings, dossier, applicant):
    settings.GUICHET_PAYMENTS = {**settings.GUICHET_PAYMENTS, "PAYGATE_AUTH_TOKEN": "wrong"}
    payment = start(dossier, applicant)
    assert payment.state == P.FAILED
    assert PaymentEvent.objects.filter(payment=payment, note="bad auth token").exists()
    assert "wrong" not in str(list(PaymentEvent.objects.values("note", "data")))


def test_gateway_down_at_start_fails_the_attempt_and_opens_the_breaker(settings, dossier, applicant):
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": "http://127.0.0.1:9",  # nothing listens there
        "BREAKER_FAILURES": 2,
    }
    first = start(dossier, applicant)
    assert first.state == P.FAILED
    assert PaymentEvent.objects.filter(payment=first, note="gateway unreachable").exists()
    second = start(dossier, applicant)
    assert second.state == P.FAILED
    with pytest.raises(services.NetworkUnavailable):
        start(dossier, applicant)
    assert dict(services.available_networks()) == {"TMONEY": False, "FLOOZ": True, "CARD": True}
    assert Payment.objects.count() == 2


# --- callbacks: a hint, confirmed by a status call --------------------------------------------


def test_a_callback_confirmed_by_the_status_call_pays_the_dossier_once(client, paygate, dossier, applicant):
    payment = start(dossier, applicant)
    payer_acts(paygate, payment)
    response = callback_for(client, payment)
    assert response.status_code == 200
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.state == P.SUCCEEDED
    assert payment.flag == Flag.NONE
    assert payment.operator_reference.startswith("MP")
    assert dossier.state == DossierState.IN_REVIEW
    states = list(dossier.events.filter(kind="state_changed").values_list("to_state", flat=True))
    assert states[-2:] == ["paid", "in_review"]
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.number == f"{timezone.localdate().year}-000001"
    notice = Notification.objects.get(event="payment_received")
    assert "12 000" in notice.body
    assert receipt.number in notice.body
    assert AuditEvent.objects.filter(verb="payment.succeeded").count() == 1


def test_duplicate_callbacks_change_nothing_more(client, paygate, dossier, applicant):
    payment = start(dossier, applicant)
    payer_acts(paygate, payment)
    for name in ["callback_tx_number.json", "callback_tx_string.json", "callback_tx_number.json"]:
        assert callback_for(client, payment, name).status_code == 200
    assert Payment.objects.get().state == P.SUCCEEDED
    assert Receipt.objects.count() == 1
    assert PaymentEvent.objects.filter(to_state=P.SUCCEEDED).count() == 1
    assert Dossier.objects.get().events.filter(to_state="paid").count() == 1
    assert Notification.objects.filter(event="payment_received").count() == 1


def test_a_callback_before_the_payer_confirms_changes_nothing(client, paygate, dossier, applicant):
    payment = start(dossier, applicant)
    before = ledger(payment)
    assert callback_for(client, payment).status_code == 200  # says paid; the status call says pending
    payment.refresh_from_db()
    assert payment.state == P.PENDING
    assert ledger(payment) == before
    payer_acts(paygate, payment)  # out of order: the real success comes after
    callback_for(client, payment)
    assert Payment.objects.get().state == P.SUCCEEDED


def test_a_forged_callback_for_an_unknown_identifier_changes_nothing(client, paygate, dossier, applicant):
    payment = start(dossier, applicant)
    forged = payload("callback_tx_number.json", payment).replace(
        payment.public_id, "GP0000000000000000FORGED"
    )
    response = post_callback(client, forged)
    assert response.status_code == 200
    assert response.json() == {"result": "unknown"}
    assert Payment.objects.get().state == P.PENDING


def test_a_forged_callback_that_the_status_api_denies_changes_nothing(client, paygate, dossier, applicant):
    payment = start(dossier, applicant)
    payer_acts(paygate, payment, "decline")
    callback_for(client, payment)  # "paid", says the forger; "cancelled", says the gateway
    payment.refresh_from_db()
    assert payment.state == P.CANCELLED
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"tx_reference": 1, "amount": 12000}',  # no identifier
        b'{"identifier": 42}',
        b"\xff\xfe",
    ],
)
def test_malformed_callbacks_get_400_and_change_nothing(client, paygate, dossier, applicant, body):
    payment = start(dossier, applicant)
    assert post_callback(client, body).status_code == 400
    assert Payment.objects.get().state == payment.state


def test_a_callback_for_an_unknown_provider_is_404(client, db):
    assert post_callback(client, b"{}", provider="nobody").status_code == 404


def test_callbacks_with_flooz_and_a_string_reference_are_read_alike(client, paygate, dossier, applicant):
    payment = start(dossier, applicant, network="FLOOZ", phone="96 11 22 33")
    payer_acts(paygate, payment)
    callback_for(client, payment, "callback_flooz.json")
    payment.refresh_from_db()
    assert payment.state == P.SUCCEEDED
    assert payment.operator_reference.startswith("FL")


def test_our_database_down_during_a_callback_gives_5xx_then_the_poller_recovers(
    client, paygate, dossier, applicant
):
    payment = start(dossier, applicant)
    payer_acts(paygate, payment)

    def down(execute, sql, params, many, context):
        if "payments_payment" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(down):
        response = callback_for(client, payment)
    assert response.status_code == 503
    assert Payment.objects.get().state == P.PENDING
    make_due(payment)
    assert services.check_due_payments() == 1
    assert Payment.objects.get().state == P.SUCCEEDED
    assert Dossier.objects.get().state == DossierState.IN_REVIEW


# --- amounts ----------------------------------------------------------------------------------


def test_an_amount_that_differs_is_flagged_and_never_applied(client, paygate, dossier, applicant):
    payment = start(dossier, applicant)
    payer_acts(paygate, payment, "pay_other", amount=1200)
    callback_for(client, payment)
    callback_for(client, payment)
    payment.refresh_from_db()
    assert payment.state == P.UNKNOWN
    assert payment.flag == Flag.AMOUNT_MISMATCH
    assert PaymentEvent.objects.filter(payment=payment, note="amount or currency differs").count() == 1
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert not Receipt.objects.exists()


def test_a_currency_that_differs_is_flagged(paygate, dossier, applicant):
    from guichet.payments.providers.base import GatewayStatus, StatusResult

    payment = start(dossier, applicant)
    services.apply_status(
        payment.pk, StatusResult(GatewayStatus.PAID, amount=12000, currency="EUR"), source=Source.POLL
    )
    payment.refresh_from_db()
    assert payment.flag == Flag.AMOUNT_MISMATCH
    assert payment.state == P.UNKNOWN


# --- polling, timeouts, late successes ------------------------------------------------------------


def test_a_lost_callback_is_recovered_by_the_poller(paygate, dossier, applicant):
    payment = start(dossier, applicant, phone="70 00 00 04")  # paid at once, no callback ever
    assert payment.state == P.PENDING
    make_due(payment)
    assert services.check_due_payments() == 1
    payment.refresh_from_db()
    assert payment.state == P.SUCCEEDED
    assert ledger(payment)[-1] == (Source.POLL, P.PENDING, P.SUCCEEDED)


def test_declined_and_expired_prompts_end_the_attempt(paygate, db):
    for phone, state in [("70 00 00 02", P.CANCELLED), ("70 00 00 03", P.EXPIRED)]:
        dossier = awaiting_dossier()
        payment = start(dossier, Actor.for_user(dossier.applicant), phone=phone)
        make_due(payment)
        services.check_due_payments()
        payment.refresh_from_db()
        assert payment.state == state
        dossier.refresh_from_db()
        assert dossier.state == DossierState.AWAITING_PAYMENT


def test_the_poller_backs_off(paygate, settings, dossier, applicant):
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "POLL_FIRST_SECONDS": 10,
        "POLL_MAX_SECONDS": 60,
    }
    payment = start(dossier, applicant)
    waits = []
    for _ in range(4):
        make_due(payment)
        before = timezone.now()
        services.check_due_payments()
        payment.refresh_from_db()
        waits.append(round((payment.next_check_at - before).total_seconds()))
    assert waits == [20, 40, 60, 60]
    assert payment.checks == 4


def test_gateway_down_while_polling_changes_nothing_and_asks_again_later(
    paygate, settings, dossier, applicant
):
    payment = start(dossier, applicant)
    settings.GUICHET_PAYMENTS = {**settings.GUICHET_PAYMENTS, "PAYGATE_URL": "http://127.0.0.1:9"}
    make_due(payment)
    services.check_due_payments()
    payment.refresh_from_db()
    assert payment.state == P.PENDING
    assert payment.next_check_at > timezone.now()
    assert len(ledger(payment)) == 2


def test_timeout_then_late_success_wins_and_is_flagged(paygate, settings, dossier, applicant):
    payment = start(dossier, applicant)
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    make_due(payment)
    services.check_due_payments()
    payment.refresh_from_db()
    assert payment.state == P.UNKNOWN  # no answer within the timeout: no longer in flight
    payer_acts(paygate, payment)
    make_due(payment)
    services.check_due_payments()
    payment.refresh_from_db()
    assert payment.state == P.SUCCEEDED
    assert payment.flag == Flag.LATE_SUCCESS
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW


def test_a_late_success_on_a_dossier_already_paid_is_kept_flagged_for_refund(
    client, paygate, dossier, applicant
):
    first = start(dossier, applicant)
    services.abandon_payment(first, actor=applicant)  # "no prompt arrived": the person tries again
    second = start(dossier, applicant, phone="70 00 00 01", network="TMONEY")
    callback_for(client, second)
    second.refresh_from_db()
    assert second.state == P.SUCCEEDED
    payer_acts(paygate, first)  # the first prompt was accepted after all
    callback_for(client, first)
    first.refresh_from_db()
    assert first.state == P.SUCCEEDED
    assert first.surplus
    assert first.flag == Flag.REFUND_DUE
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert dossier.events.filter(to_state="paid").count() == 1
    assert Receipt.objects.count() == 2  # the money was received twice; each has its receipt


def test_the_database_refuses_two_counted_successes(paygate, client, dossier, applicant):
    payment = start(dossier, applicant, phone="70 00 00 01")
    callback_for(client, payment)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            dossier=dossier, provider="paygate", amount=12000, state=P.SUCCEEDED, due_key=payment.due_key
        )


def test_an_identifier_the_gateway_does_not_know_ends_as_expired_after_a_grace(
    paygate, dossier, applicant, settings
):
    payment = start(dossier, applicant)
    paygate.by_identifier.clear()  # the gateway lost it (or never wrote it)
    make_due(payment)
    services.check_due_payments()
    assert Payment.objects.get().state == P.PENDING  # too early to say
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    make_due(payment)
    services.check_due_payments()
    assert Payment.objects.get().state == P.EXPIRED


# --- logs -------------------------------------------------------------------------------------------


def test_logs_never_hold_the_token_or_a_full_phone_number(client, paygate, settings, dossier, caplog):
    applicant = Actor.for_user(dossier.applicant)
    caplog.set_level(logging.DEBUG)
    payment = start(dossier, applicant, phone="70 00 00 05")  # a mismatch: warnings are logged
    callback_for(client, payment)
    other = awaiting_dossier()
    settings.GUICHET_PAYMENTS = {**settings.GUICHET_PAYMENTS, "PAYGATE_URL": "http://127.0.0.1:9"}
    start(other, Actor.for_user(other.applicant), phone="70 00 00 05")
    post_callback(client, b"not json")
    text = caplog.text
    assert caplog.records  # something was logged
    assert TOKEN not in text
    assert "70000005" not in text
    assert "22870000005" not in text


# --- daily reconciliation ------------------------------------------------------------------------


def test_the_daily_reconciliation_lists_what_disagrees_and_reverses_nothing(client, paygate, db):
    from guichet.payments.models import Mismatch

    lost = awaiting_dossier()  # paid there, the callback lost, the poller not yet by
    lost_payment = start(lost, Actor.for_user(lost.applicant), phone="70 00 00 04")
    here = awaiting_dossier()  # paid here, but the gateway forgot it (or never had it)
    here_payment = start(here, Actor.for_user(here.applicant), phone="70 00 00 01")
    callback_for(client, here_payment)
    paygate.by_identifier.pop(here_payment.public_id)
    differs = awaiting_dossier()
    differs_payment = start(differs, Actor.for_user(differs.applicant), phone="70 00 00 05")

    found = services.reconcile_day()
    kinds = {(m.payment_id, m.kind) for m in found}
    assert kinds == {
        (lost_payment.pk, "paid_there"),
        (here_payment.pk, "paid_here"),
        (differs_payment.pk, "amount_differs"),
    }
    assert Payment.objects.get(pk=lost_payment.pk).state == P.SUCCEEDED  # a verified success, applied
    assert Payment.objects.get(pk=here_payment.pk).state == P.SUCCEEDED  # never reversed
    assert Payment.objects.get(pk=differs_payment.pk).state == P.UNKNOWN
    services.reconcile_day()  # twice: nothing more
    assert Mismatch.objects.count() == 3


def test_a_start_without_an_answer_is_followed_under_the_same_identifier(
    paygate, settings, dossier, applicant
):
    """The pay request may have got through: the attempt waits (pending) and the poller asks by our identifier."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts, never answers
    real = settings.GUICHET_PAYMENTS["PAYGATE_URL"]
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": f"http://127.0.0.1:{listener.getsockname()[1]}",
        "HTTP_TIMEOUT_SECONDS": 0.2,
    }
    try:
        payment = start(dossier, applicant)
    finally:
        listener.close()
    assert payment.state == P.PENDING
    assert PaymentEvent.objects.filter(payment=payment, note="no answer from the gateway").exists()
    settings.GUICHET_PAYMENTS = {**settings.GUICHET_PAYMENTS, "PAYGATE_URL": real}
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    make_due(payment)
    services.check_due_payments()  # the gateway never got it: expired, and the person may pay again
    assert Payment.objects.get().state == P.EXPIRED
    assert start(dossier, applicant).pk != payment.pk
