"""A citizen pays a filed request on a phone: T-Money through the sandbox's phone page, then a receipt.

The PayGate sandbox runs in a thread on a free port, as `make run` has it on 127.0.0.1:8010:
the portal's real client talks HTTP to it. Here the sandbox sends no callback: the live
server's shared in-memory SQLite refuses two writers at once ("table is locked"), which a
callback racing the page's own check would be. The page confirms by asking the gateway (its
script, or the "check now" button); callbacks over HTTP are covered in tests/payments and
bench/callbacks.py (PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.payments.models import Payment, Receipt
from guichet.payments.sandbox import fedapay as fedapay_sandbox
from guichet.payments.sandbox.paygate import Gateway, make_server
from guichet.payments.states import PaymentState
from tests.e2e.conftest import assert_accessible, sign_in_citizen, sign_in_staff
from tests.factories import CitizenFactory, StaffFactory
from tests.payments.conftest import FEDAPAY_KEY, FEDAPAY_WEBHOOK_SECRET, TOKEN, awaiting_dossier

PHONE_SCREEN = {"width": 390, "height": 844}


@pytest.fixture
def portal(live_server: Any, transactional_db: None, settings: Any) -> Iterator[tuple[str, str]]:
    """The live portal and the two sandbox gateways; returns the portal's and PayGate's base URLs."""
    site = str(live_server.url)
    server = make_server("127.0.0.1", 0, Gateway(auth_token=TOKEN))
    cards = fedapay_sandbox.make_server(
        "127.0.0.1", 0, fedapay_sandbox.Gateway(secret_key=FEDAPAY_KEY, webhook_secret=FEDAPAY_WEBHOOK_SECRET)
    )
    for each in (server, cards):
        threading.Thread(target=each.serve_forever, daemon=True).start()
    sandbox = f"http://127.0.0.1:{server.server_address[1]}"
    settings.GUICHET = {**settings.GUICHET, "BASE_URL": site}  # where FedaPay sends the person back
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": sandbox,
        "PAYGATE_AUTH_TOKEN": TOKEN,
        "FEDAPAY_URL": f"http://127.0.0.1:{cards.server_address[1]}",
        "FEDAPAY_SECRET_KEY": FEDAPAY_KEY,
        "FEDAPAY_WEBHOOK_SECRET": FEDAPAY_WEBHOOK_SECRET,
    }
    yield site, sandbox
    for each in (server, cards):
        each.shutdown()
        each.server_close()


def fits_a_phone(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_SCREEN["width"], f"{page.url} is {width}px wide on a 390px screen"
    assert_accessible(page)


def approve_on_the_sandbox_phone(page: Page, sandbox: str, payment: Payment) -> None:
    """The payer's phone: the prompt for this payment is there; type the PIN (approve)."""
    page.goto(f"{sandbox}/phone")
    prompt = page.locator(f"li[data-identifier='{payment.public_id}']")
    expect(prompt).to_contain_text("12 000 FCFA")
    prompt.locator("button[value=pay]").click()
    expect(page.locator(f"li[data-identifier='{payment.public_id}']")).to_have_count(0)


def open_payment_page(page: Page, site: str, dossier: Dossier) -> None:
    page.goto(f"{site}/dossiers/{dossier.reference}/")
    fits_a_phone(page)
    page.locator(f"main a[href='/paiements/dossiers/{dossier.reference}/']").click()
    page.wait_for_url(f"**/paiements/dossiers/{dossier.reference}/")
    fits_a_phone(page)
    # Chosen from the number, not imposed: both wallets are offered.
    expect(page.locator("input[name=network][value=TMONEY]")).to_be_checked()
    expect(page.locator("input[name=network][value=FLOOZ]")).to_be_enabled()
    expect(page.locator("input[name=phone]")).to_have_value("90112233")


def test_paying_with_t_money_on_a_phone(portal, new_context):
    site, sandbox = portal
    dossier = awaiting_dossier(CitizenFactory(phone="+22890112233"))
    context = new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in_citizen(page, site, typed="90 11 22 33", e164="+22890112233")
    open_payment_page(page, site, dossier)

    page.locator("main button[value=start]").click()
    expect(page.locator("#waiting-title")).to_be_visible()
    expect(page.locator("#payment-live")).to_be_visible()
    expect(page.locator("#no-prompt-title")).to_be_visible()  # never a blank wait
    fits_a_phone(page)
    payment = Payment.objects.get(dossier=dossier)
    assert payment.state == PaymentState.PENDING

    phone = context.new_page()
    approve_on_the_sandbox_phone(phone, sandbox, payment)

    # No reload: the page's script follows the payment to its end.
    expect(page.locator("#paid-title")).to_be_visible(timeout=15000)
    fits_a_phone(page)
    with page.expect_download() as download:
        page.locator("main a[href$='.pdf']").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    page.locator(f"main a[href='/dossiers/{dossier.reference}/']").last.click()
    page.wait_for_url(f"**/dossiers/{dossier.reference}/")
    fits_a_phone(page)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert Receipt.objects.filter(payment__dossier=dossier).count() == 1
    # The receipt stays one click away from the file.
    page.locator(f"main a[href='/paiements/dossiers/{dossier.reference}/']").click()
    expect(page.locator("main a[href$='.pdf']")).to_be_visible()


def test_paying_without_javascript(portal, new_context):
    site, sandbox = portal
    dossier = awaiting_dossier(CitizenFactory(phone="+22890112233"))
    context = new_context(java_script_enabled=False, viewport=PHONE_SCREEN)
    page = context.new_page()
    sign_in_citizen(page, site, typed="90 11 22 33", e164="+22890112233")
    open_payment_page(page, site, dossier)
    page.locator("main button[value=start]").click()
    expect(page.locator("#waiting-title")).to_be_visible()
    assert_accessible(page)

    phone = context.browser.new_context().new_page()  # type: ignore[union-attr]
    approve_on_the_sandbox_phone(phone, sandbox, Payment.objects.get(dossier=dossier))

    page.locator("main button[value=refresh]").click()
    expect(page.locator("#paid-title")).to_be_visible()
    assert_accessible(page)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW


def test_paying_by_card_on_the_hosted_page(portal, new_context):
    site, _sandbox = portal
    dossier = awaiting_dossier(CitizenFactory(phone="+22890112233"))
    page = new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True).new_page()
    sign_in_citizen(page, site, typed="90 11 22 33", e164="+22890112233")
    open_payment_page(page, site, dossier)
    page.locator("input[name=network][value=CARD]").check()
    page.locator("main button[value=start]").click()
    expect(page.locator("#waiting-title")).to_be_visible()
    fits_a_phone(page)
    page.locator("main a.button[href*='/pay/']").click()  # FedaPay's page, not ours
    page.locator("button[value=approve]").click()
    page.wait_for_url(f"**/paiements/dossiers/{dossier.reference}/")
    expect(page.locator("#paid-title")).to_be_visible()
    fits_a_phone(page)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW


def test_a_cashier_records_a_counter_payment_and_sees_finance(portal, page: Page):
    from guichet.accounts.roles import Role

    site, _sandbox = portal
    dossier = awaiting_dossier()
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])
    sign_in_staff(page, site, cashier)
    page.goto(f"{site}/paiements/agents/dossiers/{dossier.reference}/")
    assert_accessible(page)
    page.locator("input[name=method][value=CASH]").check()
    page.locator("input[name=counter_receipt]").fill("GUICHET-0042")
    page.locator("main button[value=counter]").click()
    expect(page.locator("main")).to_contain_text("GUICHET-0042")
    assert_accessible(page)
    page.goto(f"{site}/paiements/finance/")
    expect(page.locator("main")).to_contain_text(dossier.reference)
    assert_accessible(page)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
