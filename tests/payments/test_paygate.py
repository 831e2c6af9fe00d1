"""The PayGate protocol: the sandbox answers as the real gateway does; the client reads what it sends."""

from __future__ import annotations

import json

import httpx
import pytest

from guichet.payments.models import Payment
from guichet.payments.providers.base import GatewayStatus, MalformedCallback, StartOutcome
from guichet.payments.providers.paygate import PayGate, network_of
from guichet.payments.sandbox.paygate import normalise_phone
from tests.payments.conftest import TOKEN
from tests.payments.helpers import payload


def api(settings, path, **body):
    url = settings.GUICHET_PAYMENTS["PAYGATE_URL"] + path
    return httpx.post(url, json=body, timeout=15)


def pay_body(**changes):
    body = {
        "auth_token": TOKEN,
        "phone_number": "+22890123456",
        "amount": 12000,
        "description": "VTT-0000-0000",
        "identifier": "GPTEST0000000000001",
        "network": "TMONEY",
    }
    return {**body, **changes}


# --- the sandbox speaks the protocol ---------------------------------------------------------


def test_result_codes_come_with_http_200(paygate, settings):
    answers = [
        api(settings, "/api/v1/pay", **pay_body()),
        api(settings, "/api/v1/pay", **pay_body(auth_token="nope", identifier="GPX2")),
        api(settings, "/api/v1/pay", **pay_body(amount="12000", identifier="GPX3")),
        api(settings, "/api/v1/pay", **pay_body(network="MTN", identifier="GPX4")),
        api(settings, "/api/v1/pay", **pay_body(phone_number="1234", identifier="GPX5")),
    ]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["status"] for a in answers] == [0, 2, 4, 4, 4]
    assert isinstance(answers[0].json()["tx_reference"], int)


def test_a_duplicate_identifier_gets_6_and_leaves_the_first_untouched(paygate, settings):
    first = api(settings, "/api/v1/pay", **pay_body()).json()
    again = api(settings, "/api/v1/pay", **pay_body(amount=1, phone_number="96000000")).json()
    assert again["status"] == 6
    tx = paygate.by_identifier["GPTEST0000000000001"]
    assert tx.tx_reference == first["tx_reference"]
    assert tx.amount == 12000
    assert tx.phone_number == "22890123456"


@pytest.mark.parametrize("typed", ["+22890123456", "22890123456", "90123456", "90 12 34 56"])
def test_the_gateway_side_normalises_numbers_as_typed(typed):
    assert normalise_phone(typed) == "22890123456"


def test_status_by_our_identifier_and_by_their_reference_agree(paygate, settings):
    registered = api(settings, "/api/v1/pay", **pay_body()).json()
    paygate.act(registered["tx_reference"], "pay")
    by_identifier = api(settings, "/api/v2/status", auth_token=TOKEN, identifier="GPTEST0000000000001").json()
    by_reference = api(
        settings, "/api/v1/status", auth_token=TOKEN, tx_reference=registered["tx_reference"]
    ).json()
    assert by_identifier == by_reference
    assert by_identifier["status"] == 0
    assert by_identifier["payment_method"] == "T-Money"
    assert by_identifier["phone_number"] == "22890123456"
    assert by_identifier["amount"] == 12000
    assert by_identifier["payment_reference"]


def test_an_unknown_identifier_gets_a_complete_object(paygate, settings):
    answer = api(settings, "/api/v2/status", auth_token=TOKEN, identifier="GPNOBODY").json()
    assert answer["amount"] == 0
    assert answer["tx_reference"] == 0
    assert answer["status"] == 4
    assert set(answer) == {
        "tx_reference", "identifier", "amount", "payment_reference", "payment_method", "datetime", "phone_number", "status",
    }  # fmt: skip


def test_the_phone_page_lists_pending_payments_and_acts(paygate, settings):
    registered = api(settings, "/api/v1/pay", **pay_body()).json()
    base = settings.GUICHET_PAYMENTS["PAYGATE_URL"]
    page = httpx.get(f"{base}/phone", timeout=15).text
    assert "12 000 FCFA" in page
    assert 'data-identifier="GPTEST0000000000001"' in page
    httpx.post(f"{base}/phone/{registered['tx_reference']}", data={"action": "decline"}, timeout=15)
    assert paygate.by_identifier["GPTEST0000000000001"].status == 6
    assert "Nothing is waiting." in httpx.get(f"{base}/phone", timeout=15).text


# --- the client reads what the gateway sends ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "network"),
    [("T-Money", "TMONEY"), ("TMONEY", "TMONEY"), ("tmoney", "TMONEY"), ("Mixx", "TMONEY"), ("FLOOZ", "FLOOZ"), ("Flooz", "FLOOZ"), ("MTN", ""), (None, "")],
)  # fmt: skip
def test_networks_are_read_however_spelt(name, network):
    assert network_of(name) == network


def _payment(public_id="GP0000000000000000AB", amount=12000):
    return Payment(public_id=public_id, amount=amount, provider="paygate", network="TMONEY")


def test_a_recorded_paid_status_is_read_with_amount_references_and_network():
    payment = _payment()
    result = PayGate.read_status(
        json.loads(payload("status_paid_tmoney.json", payment)), expected_identifier=payment.public_id
    )
    assert result.status == GatewayStatus.PAID
    assert result.amount == 12000
    assert result.gateway_reference == "17333384001"
    assert result.operator_reference == "MP250101.1201.A12345"
    assert result.network == "TMONEY"
    assert result.data["phone_number"] == "+228 70 •• •• 01"  # what the ledger keeps


def test_the_two_status_tables_are_kept_apart():
    payment = _payment()
    data = json.loads(payload("status_pending.json", payment))
    assert PayGate.read_status(data, expected_identifier=payment.public_id).status == GatewayStatus.PENDING
    # 2 on /api/v1/pay means "bad token"; on the status endpoint it means "pending", never "failed".
    for code, status in [(0, GatewayStatus.PAID), (4, GatewayStatus.EXPIRED), (6, GatewayStatus.CANCELLED)]:
        assert (
            PayGate.read_status({**data, "status": code}, expected_identifier=payment.public_id).status
            == status
        )


def test_an_answer_about_another_identifier_or_an_unknown_code_is_no_answer():
    payment = _payment()
    data = json.loads(payload("status_paid_tmoney.json", payment))
    assert (
        PayGate.read_status({**data, "identifier": "GPOTHER"}, expected_identifier=payment.public_id).status
        == GatewayStatus.UNAVAILABLE
    )
    assert (
        PayGate.read_status({**data, "status": 9}, expected_identifier=payment.public_id).status
        == GatewayStatus.UNAVAILABLE
    )
    assert (
        PayGate.read_status({**data, "status": None}, expected_identifier=payment.public_id).status
        == GatewayStatus.UNAVAILABLE
    )


def test_the_recorded_unknown_identifier_answer_reads_as_not_found():
    payment = _payment()
    data = json.loads(payload("status_unknown_identifier.json", payment))
    assert PayGate.read_status(data, expected_identifier=payment.public_id).status == GatewayStatus.NOT_FOUND


@pytest.mark.parametrize(
    "name", ["callback_tx_number.json", "callback_tx_string.json", "callback_flooz.json"]
)
def test_recorded_callbacks_give_only_the_identifier_to_ask_about(name):
    payment = _payment()
    hint = PayGate().parse_callback(payload(name, payment).encode(), {})
    assert hint.identifier == payment.public_id
    assert hint.gateway_reference.isdigit()


@pytest.mark.parametrize(
    "body", [b"", b"null", b'"GP"', b'{"identifier": ""}', b'{"identifier": ["GP"]}', b"{" * 3]
)
def test_unreadable_callbacks_are_refused(body):
    with pytest.raises(MalformedCallback):
        PayGate().parse_callback(body, {})


def test_a_resend_after_a_lost_answer_reuses_the_identifier(paygate, settings, db):
    """The first request got through but its answer was lost: the resend gets 6, and the first stands."""
    payment = _payment(public_id="GPRESEND00000000001")
    payment.phone = "+22890123456"
    first = PayGate().start(payment, description="first")
    again = PayGate().start(payment, description="resend")
    assert first.outcome == again.outcome == StartOutcome.REGISTERED
    assert first.gateway_reference == again.gateway_reference
    assert len(paygate.by_identifier) == 1
    assert paygate.by_identifier[payment.public_id].description == "first"


def test_a_gateway_that_never_answers_is_uncertain_not_failed(settings, db):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections, never answers
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": f"http://127.0.0.1:{listener.getsockname()[1]}",
        "HTTP_TIMEOUT_SECONDS": 0.2,
    }
    try:
        result = PayGate().start(_payment(), description="x")
    finally:
        listener.close()
    assert result.outcome == StartOutcome.UNCERTAIN


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_calls_the_portal_back_over_http(live_server, paygate, settings):
    """As in `make run`: the payer approves on the phone page, the sandbox POSTs its callback to
    the portal, which asks the status endpoint and pays the dossier."""
    import time as clock

    from guichet.core.actors import Actor
    from guichet.dossiers.models import Dossier
    from guichet.dossiers.states import DossierState
    from guichet.payments import services
    from tests.payments.conftest import awaiting_dossier

    paygate.callback_url = f"{live_server.url}/paiements/rappel/paygate/"
    dossier = awaiting_dossier()
    payment = services.start_payment(
        dossier, actor=Actor.for_user(dossier.applicant), network="TMONEY", phone="90123456"
    ).payment
    base = settings.GUICHET_PAYMENTS["PAYGATE_URL"]
    tx = paygate.by_identifier[payment.public_id].tx_reference
    httpx.post(f"{base}/phone/{tx}", data={"action": "pay"}, timeout=15)
    deadline = clock.monotonic() + 10
    while Dossier.objects.get(pk=dossier.pk).state != DossierState.IN_REVIEW and clock.monotonic() < deadline:
        clock.sleep(0.05)  # the callback travels on the sandbox's own thread
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.IN_REVIEW
    assert Payment.objects.get(pk=payment.pk).events.filter(source="callback", to_state="succeeded").exists()
