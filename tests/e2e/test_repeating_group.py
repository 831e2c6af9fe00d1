"""A group of travellers filled on a phone: add two, remove one, a wrong answer keeps everything,
"check your answers" lists each traveller; once with JavaScript, once without."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from guichet.catalog.definition import group_items
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.catalog.groups import CODE, publish_group_trip
from tests.e2e.conftest import (
    assert_accessible,
    reference_in,
    sign_in_citizen,
    submit,
    wait_for_path,
    write_pdf,
)

PHONE_SCREEN = {"width": 360, "height": 740}
STEP_FORM = "main form[enctype='multipart/form-data']"


def _save(page: Page) -> None:
    """Press "Save and continue" (the step's own button, below the travellers)."""
    page.locator(f"{STEP_FORM} .actions button[type=submit]").click()


def _item(page: Page, number: int):
    """The fieldset of traveller `number` (1, 2...) as shown now."""
    return page.locator("fieldset.group-item").nth(number - 1)


def _fill_traveller(
    page: Page, number: int, surname: str, passport: str, folder, *, scan: bool = True
) -> None:
    item = _item(page, number)
    item.locator("input[name$='-surname']").fill(surname)
    item.locator("input[name$='-given_names']").fill("Kofi")
    item.locator("select[name$='-nationality']").select_option("GH")
    item.locator("input[name$='-passport_number']").fill(passport)
    item.locator("input[name$='-has_visa'][value=no]").check()
    if scan:
        item.locator("input[type=file]").set_input_files(write_pdf(folder, f"passeport-{surname}.pdf"))


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_travellers_are_added_removed_and_checked_on_a_phone(
    site, new_context, tmp_path, javascript, project_translations
):
    publish_group_trip()
    context = new_context(
        viewport=PHONE_SCREEN, is_mobile=True, has_touch=True, java_script_enabled=javascript
    )
    page = context.new_page()
    sign_in_citizen(page, site, typed="90 11 22 33", e164="+22890112233")
    page.goto(f"{site}/demarches/{CODE}/")
    submit(page, f"main form[action='/demarches/{CODE}/commencer/']")
    page.wait_for_url("**/etape/trip/")
    reference = reference_in(page.url)
    page.locator("input[name=port_of_entry][value=lome-port]").check()
    submit(page, STEP_FORM)
    page.wait_for_url("**/etape/travellers/")
    assert_accessible(page)

    # The first traveller is open at once; "Add" saves them and opens a second.
    expect(page.locator("fieldset.group-item")).to_have_count(1)
    _fill_traveller(page, 1, "Mensah", "G1234567", tmp_path)
    page.get_by_role("button", name="Ajouter Voyageur 2").click()
    page.wait_for_url("**/etape/travellers/?add=travellers*")
    expect(page.locator("fieldset.group-item")).to_have_count(2)
    expect(_item(page, 1).locator("input[name$='-surname']")).to_have_value("Mensah")
    expect(_item(page, 1)).to_contain_text("passeport-Mensah.pdf")
    assert_accessible(page)

    # A wrong answer in traveller 2 (the same passport): refused, pointed at, nothing lost.
    _fill_traveller(page, 2, "Adjo", "g 123 4567", tmp_path)
    _save(page)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Voyageur 2 — Numéro de passeport")
    expect(_item(page, 2).locator("input[name$='-surname']")).to_have_value("Adjo")
    expect(_item(page, 1).locator("input[name$='-surname']")).to_have_value("Mensah")
    expect(_item(page, 2)).to_contain_text("passeport-Adjo.pdf")  # the upload was kept
    assert_accessible(page)
    summary.locator("a").first.click()
    _item(page, 2).locator("input[name$='-passport_number']").fill("B7654321")

    # A third traveller is added, then removed: the other two stay as typed.
    page.get_by_role("button", name="Ajouter Voyageur 3").click()
    page.wait_for_url("**/etape/travellers/?add=travellers*")
    expect(page.locator("fieldset.group-item")).to_have_count(3)
    _fill_traveller(page, 3, "Temporaire", "X0000001", tmp_path, scan=False)
    page.get_by_role("button", name="Retirer Voyageur 3").click()
    expect(page.locator("fieldset.group-item")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("Voyageur 3")  # "Retrait effectué : Voyageur 3."
    expect(_item(page, 2).locator("input[name$='-passport_number']")).to_have_value("B7654321")
    assert_accessible(page)
    _save(page)
    wait_for_path(page, "/verifier/")

    # Check your answers: each traveller, their document, a change link to their own fieldset.
    main = page.locator("main")
    expect(main).to_contain_text("Voyageur 1 — Mensah Kofi")
    expect(main).to_contain_text("Voyageur 2 — Adjo Kofi")
    expect(main).to_contain_text("passeport-Adjo.pdf")
    expect(main).not_to_contain_text("Temporaire")
    expect(page.locator(".error-summary")).to_have_count(0)
    assert_accessible(page)
    submit(page, "main form:has(button.button-start)")
    wait_for_path(page, f"/dossiers/{reference}/confirmation/")
    dossier = Dossier.objects.get(reference=reference)
    assert dossier.state == DossierState.IN_REVIEW
    assert [item["surname"] for item in group_items(dossier.answers, "travellers")] == ["Mensah", "Adjo"]
    assert dossier.documents.count() == 2
    context.close()
