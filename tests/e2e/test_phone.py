"""On a phone over a slow mobile network, a suggestion can still be filed and followed."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.e2e.conftest import assert_accessible, reference_in, submit, wait_for_path

PHONE_SCREEN = {"width": 390, "height": 844}
# Chromium's "3G" preset: 750 kbit/s down, 250 kbit/s up, 100 ms latency (bytes per second here).
SLOW_3G = {
    "offline": False,
    "latency": 100,
    "downloadThroughput": 750 * 1000 / 8,
    "uploadThroughput": 250 * 1000 / 8,
}
STEP_FORM = "main form[enctype='multipart/form-data']"


def looks_right_on_a_phone(page: Page) -> None:
    """Nothing wider than the screen (no sideways scrolling), and no accessibility violation."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_SCREEN["width"], f"{page.url} is {width}px wide on a 390px screen"
    assert_accessible(page)


def test_suggestion_filed_on_a_phone_over_a_slow_network(site, new_context):
    context = new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True, device_scale_factor=3)
    page = context.new_page()
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", SLOW_3G)

    page.goto(site)
    looks_right_on_a_phone(page)
    page.locator("main a[href='/demarches/suggestion/']").tap()
    wait_for_path(page, "/demarches/suggestion/")
    looks_right_on_a_phone(page)
    submit(page, "main form[action='/demarches/suggestion/commencer/']")
    wait_for_path(page, "/identification/")
    looks_right_on_a_phone(page)

    # Anonymous: no contact given, a receipt code shown once.
    submit(page, "main form:has(input[name=anonymous])")
    wait_for_path(page, "/etape/suggestion/")
    reference = reference_in(page.url)
    looks_right_on_a_phone(page)
    page.locator("input[name=category][value=reception]").tap()
    page.locator("input[name=subject]").fill("Accueil au commissariat de Hédzranawoé")
    page.locator("textarea[name=message]").fill("Afficher les horaires et les pièces demandées à l’entrée.")
    submit(page, STEP_FORM)
    # Anonymous: nobody is asked whether they sign, so the answers are checked at once.
    wait_for_path(page, f"/dossiers/{reference}/verifier/")
    looks_right_on_a_phone(page)
    submit(page, "main form:has(button.button-start)")
    wait_for_path(page, f"/dossiers/{reference}/confirmation/")
    expect(page.locator(".reference-big")).to_have_text(reference)
    receipt_code = page.locator(".receipt-code").inner_text().strip()
    assert receipt_code
    looks_right_on_a_phone(page)
    assert Dossier.objects.get(reference=reference).state == DossierState.IN_REVIEW

    # The person ends the session on the shared phone, then comes back with reference and receipt.
    submit(page, "header form[action='/compte/deconnexion/']")
    page.wait_for_url(f"{site}/")
    looks_right_on_a_phone(page)
    page.goto(f"{site}/suivi/")
    looks_right_on_a_phone(page)
    page.locator("main input[name=reference]").fill(reference)
    submit(page, "main form:has(input[name=reference])")
    # The same page as for any reference: the filer chooses the receipt code themselves.
    wait_for_path(page, "/suivi/code/")
    page.locator("main a[href='/suivi/recepisse/']").tap()
    wait_for_path(page, "/suivi/recepisse/")
    looks_right_on_a_phone(page)
    page.locator("input[name=receipt_code]").fill(receipt_code)
    submit(page, "main form:has(input[name=receipt_code])")
    wait_for_path(page, f"/dossiers/{reference}/")
    expect(page.locator(".dossier-title .reference")).to_have_text(reference)
    looks_right_on_a_phone(page)
