"""A link from an SMS opens on any phone: prove the file is yours, then land on it."""

from __future__ import annotations

from playwright.sync_api import expect

from guichet.dossiers.states import DossierState
from tests.e2e.conftest import assert_accessible, last_code_sent_to, submit, type_code, wait_for_path
from tests.factories import CitizenFactory, make_dossier

PHONE_SCREEN = {"width": 390, "height": 844}


def test_a_link_from_a_message_opens_the_file_on_another_phone(site, new_context):
    citizen = CitizenFactory(phone="+22890445566")
    dossier = make_dossier(applicant=citizen, state=DossierState.IN_REVIEW)
    page = new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True).new_page()

    page.goto(f"{site}/dossiers/{dossier.reference}/")
    expect(page.locator("h1")).to_have_text("Show that this file is yours")
    expect(page.locator("main input[name=reference]")).to_have_value(dossier.reference)
    assert_accessible(page)

    submit(page, "main form:has(input[name=reference])")
    wait_for_path(page, "/suivi/code/")
    assert_accessible(page)
    type_code(page, last_code_sent_to(citizen.phone))
    wait_for_path(page, f"/dossiers/{dossier.reference}/")
    expect(page.locator(".dossier-title .reference")).to_have_text(dossier.reference)
    assert_accessible(page)
