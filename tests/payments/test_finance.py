"""The finance page and its CSV: the units where one records payments, totals matching the ledger."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.accounts.services import STAFF_VERIFIED_SESSION_KEY
from guichet.core.actors import Actor
from guichet.payments import services
from guichet.payments.models import Payment
from guichet.portal.templatetags.guichet_ui import xof
from tests.factories import CitizenFactory, StaffFactory
from tests.payments.conftest import awaiting_dossier
from tests.payments.helpers import callback_for


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[STAFF_VERIFIED_SESSION_KEY] = True
    session.save()
    return client


@pytest.fixture
def ledger(db, paygate, client):
    """Two paid dossiers (online, counter), one failed attempt."""
    first = awaiting_dossier()
    online = services.start_payment(
        first, actor=Actor.for_user(first.applicant), network="TMONEY", phone="70000001"
    )
    callback_for(client, online.payment)
    second = awaiting_dossier()
    services.start_payment(second, actor=Actor.for_user(second.applicant), network="FLOOZ", phone="70000002")
    cashier = StaffFactory(roles=[(second.unit, Role.CASHIER)])
    services.record_counter_payment(
        second, actor=Actor.for_user(cashier), method="CASH", amount=12000, counter_receipt="C-1"
    )
    return cashier


def test_the_cashier_sees_the_days_totals_and_receipts(ledger):
    page = staff_client(ledger).get("/paiements/finance/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Received in the period: <strong>{xof(24000)}</strong>" in text
    assert text.count(f"{Payment.objects.get(provider='counter').receipt.number}") == 1
    assert "<td>Vitres teintées (essai)</td>" in text  # the service's title, in the page's language


def test_the_csv_has_one_line_per_attempt_and_its_paid_total_matches_the_ledger(ledger):
    response = staff_client(ledger).get("/paiements/finance.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == Payment.objects.count() == 3
    paid = [row for row in rows if row["state"] == "succeeded"]
    assert sum(int(row["amount_xof"]) for row in paid) == 24000
    assert all(row["receipt"] for row in paid)
    assert {row["method"] for row in rows} == {"TMONEY", "FLOOZ", "CASH"}
    assert "phone" not in rows[0]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "agent"])
def test_only_staff_who_record_payments_see_finance(ledger, who):
    client = {
        "anonymous": Client,
        "citizen": _citizen,
        "agent": lambda: staff_client(StaffFactory(roles=[(Unit.objects.get(code="police"), Role.AGENT)])),
    }[who]()
    for url in ["/paiements/finance/", "/paiements/finance.csv"]:
        response = client.get(url)
        assert response.status_code in {302, 403}
        assert b"vitres-test" not in b"".join(getattr(response, "streaming_content", [response.content]))


def _citizen() -> Client:
    client = Client()
    client.force_login(CitizenFactory())
    return client


def test_a_cashier_of_another_unit_sees_none_of_these_payments(ledger):
    elsewhere = Unit.objects.exclude(code="police").first()
    client = staff_client(StaffFactory(roles=[(elsewhere, Role.CASHIER)]))
    text = client.get("/paiements/finance/").content.decode()
    assert "vitres-test" not in text
    rows = b"".join(client.get("/paiements/finance.csv").streaming_content).decode().splitlines()
    assert len(rows) == 1  # the header only


def test_the_daily_reconciliation_findings_are_on_the_finance_page(ledger, paygate):
    online = Payment.objects.get(network="TMONEY")
    paygate.by_identifier.pop(online.public_id)  # the gateway no longer confirms it
    services.reconcile_day()
    text = staff_client(ledger).get("/paiements/finance/").content.decode()
    assert "Paid here, not at the gateway" in text
    assert online.public_id in text
