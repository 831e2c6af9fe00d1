"""The header's language button turns the page the person is on into the other language."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible, reference_in, submit, wait_for_path

SWITCH = "header form.lang-switch"


def switch_language(page: Page, to: str, *, shows: str) -> None:
    """Press the header's language button; the same page comes back in `to`, showing `shows`."""
    where = urlsplit(page.url).path
    page.locator(f"{SWITCH} button[name=language][value={to}]").click()
    expect(page.locator("html")).to_have_attribute("lang", to)
    expect(page.locator("main")).to_contain_text(shows)
    assert urlsplit(page.url).path == where
    assert_accessible(page)


def test_language_switch(site, page):
    page.goto(site)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)
    switch_language(page, "en", shows="Send a suggestion to the ministry")
    switch_language(page, "fr", shows="Faire une suggestion au ministère")

    page.locator("main a[href='/demarches/cloture-electrifiee/']").click()
    wait_for_path(page, "/demarches/cloture-electrifiee/")
    assert_accessible(page)
    switch_language(page, "en", shows="Authorization to electrify a barbed-wire fence")
    expect(page.locator("main")).to_contain_text("Site plan of the fence")
    switch_language(page, "fr", shows="Plan de situation de la clôture")

    # A suggestion, started anonymously, with the first step's answers saved.
    page.goto(f"{site}/demarches/suggestion/")
    assert_accessible(page)
    submit(page, "main form[action='/demarches/suggestion/commencer/']")
    wait_for_path(page, "/identification/")
    switch_language(page, "en", shows="Send a suggestion to the ministry")
    switch_language(page, "fr", shows="Faire une suggestion au ministère")
    submit(page, "main form:has(input[name=anonymous])")
    wait_for_path(page, "/etape/suggestion/")
    reference = reference_in(page.url)
    assert_accessible(page)
    page.locator("input[name=category][value=road_safety]").check()
    page.locator("input[name=subject]").fill("Feux tricolores à Agoè")
    page.locator("textarea[name=message]").fill("Les feux du carrefour d’Agoè sont en panne depuis un mois.")
    submit(page, "main form[enctype='multipart/form-data']")
    # Anonymous: nobody is asked whether they sign, so the answers are checked at once.
    wait_for_path(page, f"/dossiers/{reference}/verifier/")
    assert_accessible(page)
    page.goto(f"{site}/dossiers/{reference}/etape/suggestion/")

    for language, title in (("en", "Your suggestion"), ("fr", "Votre suggestion")):
        switch_language(page, language, shows=title)
        expect(page.locator("h1")).to_have_text(title)
        expect(page.locator("input[name=category][value=road_safety]")).to_be_checked()
        expect(page.locator("input[name=subject]")).to_have_value("Feux tricolores à Agoè")
        expect(page.locator("textarea[name=message]")).to_have_value(
            "Les feux du carrefour d’Agoè sont en panne depuis un mois."
        )
