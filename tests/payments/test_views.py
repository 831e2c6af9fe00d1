"""The citizen's payment page, the status endpoint, receipts: who may see what, and what a browser cannot change."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from guichet.dossiers.states import DossierState
from guichet.payments.models import Payment, Receipt
from guichet.payments.receipts import check_token
from guichet.payments.states import PaymentState
from guichet.portal.templatetags.guichet_ui import xof
from tests.factories import CitizenFactory, StaffFactory
from tests.payments.helpers import callback_for, payer_acts

P = PaymentState


@pytest.fixture
def owner(client, dossier) -> Client:
    client.force_login(dossier.applicant)
    return client


def pay_url(dossier) -> str:
    return f"/paiements/dossiers/{dossier.reference}/"


def start_on_page(client, dossier, phone="90123456", network="TMONEY"):
    return client.post(pay_url(dossier), {"action": "start", "network": network, "phone": phone})


def paid(client, dossier, paygate) -> Payment:
    start_on_page(client, dossier, phone="70000001")
    payment = Payment.objects.get(dossier=dossier, state__in=[P.PENDING, P.SUCCEEDED])
    callback_for(Client(), payment)
    payment.refresh_from_db()
    return payment


# --- who may see -------------------------------------------------------------------------------


def _as(kind, dossier):
    client = Client()
    if kind == "other_citizen":
        client.force_login(CitizenFactory())
    elif kind == "staff":
        client.force_login(StaffFactory())
    return client


@pytest.mark.parametrize("kind", ["anonymous", "other_citizen", "staff"])
def test_only_the_applicant_reaches_the_payment_page_and_nothing_changes(paygate, dossier, kind):
    client = _as(kind, dossier)
    assert client.get(pay_url(dossier)).status_code == 404
    assert start_on_page(client, dossier).status_code == 404
    assert client.get(f"{pay_url(dossier)}etat/").status_code == 404
    assert not Payment.objects.exists()
    assert not paygate.by_identifier


@pytest.mark.parametrize("kind", ["anonymous", "other_citizen", "staff"])
def test_only_the_applicant_downloads_the_receipt(paygate, owner, dossier, kind):
    payment = paid(owner, dossier, paygate)
    assert _as(kind, dossier).get(f"/paiements/recus/{payment.public_id}.pdf").status_code == 404
    assert owner.get(f"/paiements/recus/{payment.public_id}.pdf").status_code == 200


def test_a_missing_receipt_is_404(owner):
    assert owner.get("/paiements/recus/GPNOTHING.pdf").status_code == 404


# --- the page ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "chosen", "other"), [("+22896000000", "FLOOZ", "TMONEY"), ("+22890000000", "TMONEY", "FLOOZ")]
)
@pytest.mark.usefixtures("paygate", "db")
def test_the_page_offers_both_wallets_and_preselects_one_from_the_number(client, phone, chosen, other):
    from tests.payments.conftest import awaiting_dossier

    dossier = awaiting_dossier(CitizenFactory(phone=phone))
    client.force_login(dossier.applicant)
    page = client.get(pay_url(dossier)).content.decode()
    assert f'value="{chosen}" id="id_network_{0 if chosen == "TMONEY" else 1}" required checked>' in page
    assert (
        f'value="{other}" id="id_network_{0 if other == "TMONEY" else 1}" required>' in page
    )  # offered, not imposed
    assert f'value="{phone[4:]}"' in page
    assert f"Pay {xof(12000)}" in page


def test_starting_shows_what_to_do_on_the_phone_and_if_no_prompt_comes(owner, paygate, dossier):
    response = start_on_page(owner, dossier)
    assert response.status_code == 302
    page = owner.get(pay_url(dossier)).content.decode()
    assert "Confirm the payment on your phone" in page
    assert "+228 90 •• •• 56" in page
    assert "No request appeared on the phone?" in page
    assert "Try the other network" in page
    assert "pay at a ministry counter" in page
    assert 'name="action" value="refresh"' in page  # without JavaScript: a button asks again
    assert "payments/follow.js" in page
    assert "90123456" not in page


def test_a_wrong_number_keeps_what_was_typed_and_says_what_to_do(owner, paygate, dossier):
    response = start_on_page(owner, dossier, phone="12")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a Togolese mobile number of 8 digits" in page
    assert 'value="12"' in page
    assert not Payment.objects.exists()


def test_double_submit_keeps_one_payment(owner, paygate, dossier):
    start_on_page(owner, dossier)
    start_on_page(owner, dossier, network="FLOOZ", phone="96000009")
    assert Payment.objects.count() == 1
    assert len(paygate.by_identifier) == 1


def test_a_tampered_return_address_changes_nothing(owner, paygate, dossier):
    start_on_page(owner, dossier)
    for query in ["?status=success", "?status=0&tx_reference=1&identifier=x", "?paid=1"]:
        assert owner.get(pay_url(dossier) + query).status_code == 200
        assert owner.get(f"{pay_url(dossier)}etat/{query}").status_code == 200
    assert Payment.objects.get().state == P.PENDING
    dossier.refresh_from_db()
    assert dossier.state == DossierState.AWAITING_PAYMENT


def test_the_status_endpoint_follows_the_payment_to_its_end(owner, paygate, dossier):
    start_on_page(owner, dossier)
    first = owner.get(f"{pay_url(dossier)}etat/").json()
    assert first["state"] == "pending"
    assert first["done"] is False
    payer_acts(paygate, Payment.objects.get())
    from django.core.cache import cache

    cache.clear()  # the endpoint asks the gateway at most every few seconds
    done = owner.get(f"{pay_url(dossier)}etat/").json()
    assert done["state"] == "succeeded"
    assert done["done"] is True
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW


def test_the_refresh_button_asks_the_gateway(owner, paygate, dossier):
    start_on_page(owner, dossier)
    payer_acts(paygate, Payment.objects.get())
    owner.post(pay_url(dossier), {"action": "refresh"})
    assert Payment.objects.get().state == P.SUCCEEDED
    page = owner.get(pay_url(dossier)).content.decode()
    assert "Download the receipt (PDF)" in page


def test_stopping_an_attempt_lets_the_person_pay_another_way(owner, paygate, dossier):
    start_on_page(owner, dossier)
    owner.post(pay_url(dossier), {"action": "abandon"})
    assert Payment.objects.get().state == P.UNKNOWN
    start_on_page(owner, dossier, network="FLOOZ", phone="96000009")
    assert Payment.objects.count() == 2


def test_a_network_that_keeps_failing_is_not_offered(owner, settings, dossier):
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": "http://127.0.0.1:9",
        "BREAKER_FAILURES": 1,
    }
    start_on_page(owner, dossier)
    response = start_on_page(owner, dossier)
    assert response.status_code == 400
    page = response.content.decode()
    assert "not answering at the moment" in page


# --- receipts ------------------------------------------------------------------------------------


def test_the_receipt_pdf_says_what_was_paid_and_is_never_renumbered(owner, paygate, dossier):
    payment = paid(owner, dossier, paygate)
    receipt = Receipt.objects.get(payment=payment)
    first = owner.get(f"/paiements/recus/{payment.public_id}.pdf")
    again = owner.get(f"/paiements/recus/{payment.public_id}.pdf")
    assert first["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(first.content)).pages[0].extract_text()
    assert receipt.number in text
    assert dossier.reference in text
    assert "12 000 FCFA" in text
    assert "Reçu de paiement / Payment receipt" in text
    assert "+228 70 •• •• 01" in text
    assert "70000001" not in text
    assert payment.operator_reference in text
    assert receipt.number in PdfReader(io.BytesIO(again.content)).pages[0].extract_text()
    assert Receipt.objects.count() == 1


def test_the_public_check_shows_only_what_a_third_party_needs(paygate, owner, dossier):
    payment = paid(owner, dossier, paygate)
    receipt = payment.receipt
    page = Client().get(f"/paiements/recus/verifier/{receipt.number}/?c={check_token(receipt)}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "This receipt is genuine." in text
    assert "12" in text
    assert dossier.applicant.last_name not in text
    assert dossier.reference not in text
    assert "•• ••" not in text


@pytest.mark.parametrize("token", ["", "forged", "AAAAAAAAAAAAAAAAAAAAAAAAAAA"])
def test_a_receipt_check_without_the_right_code_finds_nothing(paygate, owner, dossier, token):
    payment = paid(owner, dossier, paygate)
    page = Client().get(f"/paiements/recus/verifier/{payment.receipt.number}/?c={token}")
    assert page.status_code == 404
    assert "No receipt" in page.content.decode()


def test_the_file_page_leads_to_the_payment_then_to_the_receipt(owner, paygate, dossier):
    link = f'href="{pay_url(dossier)}"'
    assert link in owner.get(f"/dossiers/{dossier.reference}/").content.decode()  # "Pay now"
    paid(owner, dossier, paygate)
    assert link in owner.get(f"/dossiers/{dossier.reference}/").content.decode()  # "Payment and receipt"
