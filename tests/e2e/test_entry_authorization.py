"""On a phone, with and without JavaScript: an employer files an entry authorization for two travellers,
is refused an arrival in 3 days, a shared passport number and a passport expiring too soon, reaches
"awaiting payment" for 2 × 45,000 FCFA, adds the contract the ministry asks for, and is approved."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.e2e.conftest import (
    SCRIPTING_ENABLED,
    assert_accessible,
    sign_in_citizen,
    sign_in_staff,
    wait_for_path,
    write_pdf,
)
from tests.e2e.steps import (
    PHONE,
    answer_the_question,
    approve,
    ask_for_information,
    file_the_request,
    pay_at_the_counter,
    save_and_continue,
    start_request,
    tick_every_point,
    write_phone_photo,
)
from tests.factories import StaffFactory

QUESTION = (
    "Le contrat n’est pas signé : envoyez la version signée, et une photo de Jean DUPONT sur fond clair."
)
REPLY = "Voici le contrat signé par les deux parties."


def day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def item_field(page: Page, position: int, name: str, tag: str = "input") -> Any:
    """A question of the traveller at `position` (1, 2...), whatever key the page gave the item."""
    keys = (page.locator("input[name=travellers]").input_value() or "").split()
    return page.locator(f"{tag}[name='travellers-{keys[position - 1]}-{name}']")


def fill_traveller(
    page: Page, folder: Path, position: int, *, surname: str, passport: str, expiry: str
) -> None:
    item_field(page, position, "surname").fill(surname)
    item_field(page, position, "given_names").fill("Marie Claire" if position == 1 else "Jean")
    item_field(page, position, "sex").and_(
        page.locator("[value=F]" if position == 1 else "[value=M]")
    ).check()
    item_field(page, position, "birth_date").fill("1985-04-12" if position == 1 else "1982-11-03")
    item_field(page, position, "birth_place").fill("Lyon")
    # Traveller 2 is from Benin (ECOWAS): told that a short visit needs no visa, never refused.
    item_field(page, position, "nationality", "select").select_option("FR" if position == 1 else "BJ")
    item_field(page, position, "passport_number").fill(passport)
    item_field(page, position, "passport_issue").fill("2022-01-10")
    item_field(page, position, "passport_expiry").fill(expiry)
    item_field(page, position, "photo").set_input_files(write_phone_photo(folder, f"photo-{position}.jpg"))
    item_field(page, position, "passport_scan").set_input_files(
        write_pdf(folder, f"passeport-{position}.pdf")
    )
    item_field(page, position, "criminal_record").set_input_files(write_pdf(folder, f"casier-{position}.pdf"))


def fill_request(page: Page, folder: Path) -> None:
    page.locator("input[name=purpose][value=work]").check()
    if page.evaluate(SCRIPTING_ENABLED):
        expect(page.locator("input[name=contract]")).to_be_visible()
    page.locator("input[name=sponsor]").fill("Togo Logistique SA")
    page.locator("input[name=sponsor_phone]").fill("+228 90 00 11 22")
    page.locator("input[name=contract]").set_input_files(write_pdf(folder, "contrat.pdf"))
    page.locator("input[name=arrival_date]").fill(day(3))  # too soon: refused, nothing else lost
    port = page.locator("select[name=port_of_entry]")
    if port.count():
        port.select_option("lfw-airport")
    else:
        page.locator("input[name=port_of_entry][value=lfw-airport]").check()
    page.locator("input[name=stay_days][value='30']").check()
    page.locator("textarea[name=address_in_togo]").fill("Hôtel du 2 Février, Lomé")
    save_and_continue(page)
    expect(page.locator("main")).to_contain_text("au moins 7 jours avant le voyage")
    expect(page.locator("input[name=sponsor]")).to_have_value("Togo Logistique SA")
    expect(page.locator("main")).to_contain_text("contrat.pdf")
    assert_accessible(page)
    page.locator("input[name=arrival_date]").fill(day(14))
    save_and_continue(page)
    wait_for_path(page, "/etape/travellers/")
    assert_accessible(page)

    # Traveller 1, then add traveller 2 with the same passport number and a passport ending in 5 months.
    fill_traveller(page, folder, 1, surname="DUPONT", passport="12AB34567", expiry=day(3000))
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Ajouter Voyageur 2")).click()
    expect(item_field(page, 2, "surname")).to_be_visible()
    expect(item_field(page, 1, "surname")).to_have_value("DUPONT")
    assert_accessible(page)
    fill_traveller(page, folder, 2, surname="DUPONT", passport="12 ab 34567", expiry=day(14 + 150))
    save_and_continue(page)
    main = page.locator("main")
    expect(main).to_contain_text("Voyageur 2 a le même numéro de passeport que Voyageur 1")
    expect(main).to_contain_text("moins de 6 mois après l’arrivée")
    expect(item_field(page, 2, "given_names")).to_have_value("Jean")
    assert_accessible(page)
    item_field(page, 2, "passport_number").fill("12AB34999")
    item_field(page, 2, "passport_expiry").fill(day(3000))
    save_and_continue(page)
    wait_for_path(page, "/verifier/")
    for shown in ("DUPONT", "12AB34567", "12AB34999", "Togo Logistique SA", "photo-2.jpg", "contrat.pdf"):
        expect(main).to_contain_text(shown)
    expect(main).to_contain_text(re.compile(r"90\s000\sFCFA"))
    expect(page.locator(".notice-warning")).to_contain_text(
        "Jean DUPONT est ressortissant(e) d’un pays de la CEDEAO"
    )
    assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_entry_authorization_for_two_travellers_on_a_phone(
    project_translations: None, site: str, new_context: Any, tmp_path: Path, javascript: bool
) -> None:
    page = new_context(**PHONE, java_script_enabled=javascript).new_page()
    sign_in_citizen(page, site, typed="92 33 44 55", e164="+22892334455")
    assert page.evaluate(SCRIPTING_ENABLED) is javascript
    page.goto(f"{site}/demarches/autorisation-entree/")
    expect(page.locator("h1")).to_have_text("Autorisation d’entrée au Togo")
    assert_accessible(page)
    reference = start_request(page, "autorisation-entree", first_step="trip", prefix="AET-")

    fill_request(page, tmp_path)
    dossier = file_the_request(page, reference)
    assert (dossier.state, dossier.fee_total) == (DossierState.AWAITING_PAYMENT, 90_000)
    assert [t["passport_number"] for t in dossier.answers["travellers"]] == ["12AB34567", "12AB34999"]
    assert dossier.documents.count() == 7  # the contract, and a photo, passport and record each
    page.goto(f"{site}/dossiers/{reference}/")
    expect(page.locator("main")).to_contain_text(re.compile(r"90\s000\sFCFA"))
    assert_accessible(page)
    pay_at_the_counter(new_context, site, reference, 90_000)

    # --- the border police ask for the signed contract; the employer adds it -----------------------------
    agent = StaffFactory(roles=[(Unit.objects.get(code="police"), Role.AGENT)])
    office = new_context().new_page()
    sign_in_staff(office, site, agent)
    office.goto(f"{site}/agents/dossiers/{reference}/")
    expect(office.locator(".bo-documents")).to_contain_text("passeport-2.pdf")
    assert_accessible(office)
    ask_for_information(office, reference, QUESTION)

    page.goto(f"{site}/dossiers/{reference}/")
    expect(page.locator(".status-panel blockquote")).to_have_text(QUESTION)
    assert_accessible(page)
    # Traveller 2's own photo: a document of an item of the group, named by its slot.
    second = Dossier.objects.get(reference=reference).answers["travellers"][1]["_key"]
    answer_the_question(
        page,
        reference,
        REPLY,
        {
            "contract": write_pdf(tmp_path, "contrat-signe.pdf"),
            f"photo@{second}": write_phone_photo(tmp_path, "photo-jean.jpg"),
        },
    )
    dossier = Dossier.objects.get(reference=reference)
    assert dossier.documents.filter(field_name=f"photo@{second}").count() == 2

    # --- the agent ticks the checklist and approves -------------------------------------------------------
    office.reload()
    expect(office.locator(".bo-documents")).to_contain_text("contrat-signe.pdf")
    tick_every_point(office, reference)
    assert_accessible(office)
    approve(office, reference, "Entrée autorisée pour les deux voyageurs.")

    page.reload()
    expect(page.locator(".status-panel")).to_contain_text("Entrée autorisée pour les deux voyageurs.")
    assert_accessible(page)
