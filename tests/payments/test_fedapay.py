"""FedaPay: the hosted card page, signed webhooks verified on the raw bytes, the transaction fetched again."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from guichet.dossiers.states import DossierState
from guichet.payments import services
from guichet.payments.models import Flag, Payment
from guichet.payments.providers.base import MalformedCallback
from guichet.payments.providers.fedapay import sign, verify_signature
from guichet.payments.states import PaymentState
from tests.payments.conftest import FEDAPAY_WEBHOOK_SECRET
from tests.payments.helpers import PAYLOADS

P = PaymentState
URL = "/paiements/rappel/fedapay/"


def card_payment(dossier, applicant) -> Payment:
    payment = services.start_payment(dossier, actor=applicant, network="CARD").payment
    payment.refresh_from_db()
    return payment


def webhook_body(payment: Payment, amount: int | None = None) -> bytes:
    text = (PAYLOADS / "fedapay" / "webhook_approved.json").read_text(encoding="utf-8").strip()
    text = text.replace("{id}", payment.gateway_reference).replace("{identifier}", payment.public_id)
    return text.replace("{amount}", str(amount if amount is not None else payment.amount)).encode()


def post_webhook(client, body: bytes, header: str | None):
    extra = {"HTTP_X_FEDAPAY_SIGNATURE": header} if header is not None else {}
    return client.generic("POST", URL, body, content_type="application/json", **extra)


def signed(body: bytes, *, at: int | None = None, secret: str = FEDAPAY_WEBHOOK_SECRET) -> str:
    return sign(secret, body, int(time.time()) if at is None else at)


def test_a_card_payment_gets_a_transaction_and_a_hosted_page(fedapay, dossier, applicant):
    payment = card_payment(dossier, applicant)
    assert payment.state == P.PENDING
    assert payment.provider == "fedapay"
    tx = fedapay.transactions[int(payment.gateway_reference)]
    assert tx["amount"] == 12000
    assert tx["currency"] == {"iso": "XOF"}
    assert tx["merchant_reference"] == payment.public_id
    assert tx["callback_url"].endswith(f"/paiements/retour/{payment.public_id}/")
    page = httpx.get(payment.redirect_url, timeout=15)
    assert "12 000 FCFA" in page.text


def test_a_verified_webhook_is_confirmed_by_fetching_the_transaction(client, fedapay, dossier, applicant):
    payment = card_payment(dossier, applicant)
    fedapay.act(int(payment.gateway_reference), "approve")
    body = webhook_body(payment)
    assert post_webhook(client, body, signed(body)).status_code == 200
    assert post_webhook(client, body, signed(body)).status_code == 200  # a repeat
    payment.refresh_from_db()
    assert payment.state == P.SUCCEEDED
    assert payment.network == "CARD"
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert payment.receipt.number


def test_a_verified_webhook_the_transaction_denies_changes_nothing(client, fedapay, dossier, applicant):
    payment = card_payment(dossier, applicant)
    fedapay.act(int(payment.gateway_reference), "decline")
    body = webhook_body(payment)  # says approved; the transaction says declined
    post_webhook(client, body, signed(body))
    payment.refresh_from_db()
    assert payment.state == P.FAILED
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "header",
    [
        None,  # no signature
        "",
        "t=abc,s=00",
        "s=deadbeef",
        "t=1700000000",
        "wrong-secret",
        "stale",
        "future",
        "reserialised",
    ],
)
def test_bad_missing_or_replayed_signatures_are_refused(client, fedapay, dossier, applicant, header):
    payment = card_payment(dossier, applicant)
    fedapay.act(int(payment.gateway_reference), "approve")
    body = webhook_body(payment)
    now = int(time.time())
    header = {
        "wrong-secret": signed(body, secret="not-the-secret"),
        "stale": signed(body, at=now - 301),
        # Beyond the tolerance by more than this test can take to reach the check (the check
        # reads its own, later clock: 301 s ahead read as 299 s on a loaded machine).
        "future": signed(body, at=now + 330),
        # The same JSON with other spacing: signatures are checked on the bytes received.
        "reserialised": signed(json.dumps(json.loads(body), separators=(",", ":")).encode()),
    }.get(header or "", header)
    assert post_webhook(client, body, header).status_code == 400
    assert Payment.objects.get().state == P.PENDING


def test_signatures_are_verified_within_300_seconds_either_way():
    body = b'{"a": 1}'
    verify_signature(sign("k", body, 1000), body, "k", now=1300)
    verify_signature(sign("k", body, 1300), body, "k", now=1000)
    verify_signature(
        sign("k", body, 1000).upper().replace("T=", "t=").replace("S=", "s="), body, "k", now=1000
    )
    with pytest.raises(MalformedCallback):
        verify_signature(sign("k", body, 1000), body, "k", now=1301)


def test_a_different_amount_is_flagged_not_applied(client, fedapay, dossier, applicant):
    payment = card_payment(dossier, applicant)
    fedapay.act(int(payment.gateway_reference), "pay_other", 100)
    body = webhook_body(payment, amount=100)
    post_webhook(client, body, signed(body))
    payment.refresh_from_db()
    assert payment.flag == Flag.AMOUNT_MISMATCH
    assert payment.state == P.UNKNOWN


def test_the_return_address_is_only_a_hint(client, fedapay, dossier, applicant):
    client.force_login(dossier.applicant)
    payment = card_payment(dossier, applicant)
    response = client.get(
        f"/paiements/retour/{payment.public_id}/?id={payment.gateway_reference}&status=approved"
    )
    assert response.status_code == 302
    assert Payment.objects.get().state == P.PENDING  # the transaction is still pending
    fedapay.act(int(payment.gateway_reference), "approve")
    client.get(f"/paiements/retour/{payment.public_id}/?status=declined")
    assert Payment.objects.get().state == P.SUCCEEDED


def test_the_return_page_is_the_applicants_only(client, fedapay, dossier, applicant):
    payment = card_payment(dossier, applicant)
    fedapay.act(int(payment.gateway_reference), "approve")
    assert client.get(f"/paiements/retour/{payment.public_id}/").status_code == 404
    assert Payment.objects.get().state == P.PENDING


def test_a_wrong_key_fails_the_attempt(settings, fedapay, dossier, applicant):
    settings.GUICHET_PAYMENTS = {**settings.GUICHET_PAYMENTS, "FEDAPAY_SECRET_KEY": "sk_wrong"}
    payment = card_payment(dossier, applicant)
    assert payment.state == P.FAILED
    assert "sk_wrong" not in str(list(payment.events.values("note", "data")))


# Generous: the sandbox answers in milliseconds, but a loaded two-core machine once took over 2 s.
TIMEOUT = 15


def test_the_sandbox_answers_as_fedapay_does(fedapay, settings):
    base = settings.GUICHET_PAYMENTS["FEDAPAY_URL"]
    auth = {"Authorization": "Bearer sk_test_guichet"}
    created = httpx.post(
        f"{base}/v1/transactions",
        json={"description": "x", "amount": 500, "currency": {"iso": "XOF"}},
        headers=auth,
        timeout=TIMEOUT,
    ).json()
    tx = created["v1/transaction"]
    assert tx["klass"] == "v1/transaction"
    token = httpx.post(f"{base}/v1/transactions/{tx['id']}/token", headers=auth, timeout=TIMEOUT).json()
    assert set(token) == {"token", "url"}
    bad = httpx.post(f"{base}/v1/transactions", json={"amount": "x"}, headers=auth, timeout=TIMEOUT)
    assert bad.status_code == 422
    assert set(bad.json()) == {"message", "errors"}
    assert httpx.get(f"{base}/v1/transactions/{tx['id']}", timeout=TIMEOUT).status_code == 401
    assert httpx.get(f"{base}/v1/transactions/999", headers=auth, timeout=TIMEOUT).status_code == 404


def test_logs_never_hold_the_keys(client, fedapay, dossier, applicant, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    payment = card_payment(dossier, applicant)
    fedapay.act(int(payment.gateway_reference), "approve")
    body = webhook_body(payment)
    post_webhook(client, body, signed(body, secret="forged"))
    post_webhook(client, body, signed(body))
    assert caplog.records
    for secret in ("sk_test_guichet", FEDAPAY_WEBHOOK_SECRET):
        assert secret not in caplog.text
