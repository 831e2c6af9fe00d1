"""On a phone: an organiser asks for police coverage of a concert; the commander sets agents and hours
seeing the unit's calendar; the organiser sees the quote, accepts it, and once paid it is confirmed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.e2e.conftest import (
    assert_accessible,
    sign_in_citizen,
    sign_in_staff,
    submit,
    wait_for_path,
    write_pdf,
    write_png,
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
)
from tests.factories import StaffFactory

QUESTION = "Envoyez l’autorisation du Palais des congrès signée par son directeur."
REPLY = "Voici l’autorisation signée."
FCFA = r"\sFCFA"


def fill_request(page: Page, folder: Path) -> None:
    page.locator("input[name=organiser_type][value=company]").check()
    page.locator("input[name=full_name]").fill("Kossi Amegah")
    page.locator("input[name=company_name]").fill("Golfe Événements SARL")
    page.locator("input[name=rccm]").fill("TG-LOM-2019-B-1234")
    page.locator("input[name=phone]").fill("91 22 33 44")
    save_and_continue(page)
    wait_for_path(page, "/etape/event/")
    assert_accessible(page)

    page.locator("input[name=event_type][value=concert]").check()
    # Yesterday, and an end before the start: each refused with what to do, nothing else lost.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.locator("input[name=event_date]").fill(yesterday.isoformat())
    page.locator("input[name=start_time]").fill("18:00")
    page.locator("input[name=end_time]").fill("17:00")
    page.locator("input[name=expected_attendance]").fill("1500")
    save_and_continue(page)
    expect(page.locator("main")).to_contain_text("Cette date est déjà passée")
    expect(page.locator("input[name=expected_attendance]")).to_have_value("1500")
    assert_accessible(page)
    soon = timezone.localdate() + dt.timedelta(days=3)
    page.locator("input[name=event_date]").fill(soon.isoformat())
    save_and_continue(page)
    expect(page.locator("main")).to_contain_text("au moins 7 jours avant l’événement")
    expect(page.locator("main")).to_contain_text("appelez le 117")
    assert_accessible(page)
    event_day = timezone.localdate() + dt.timedelta(days=20)
    page.locator("input[name=event_date]").fill(event_day.isoformat())
    save_and_continue(page)
    expect(page.locator("main")).to_contain_text("L’événement doit finir après son début")
    assert_accessible(page)
    page.locator("input[name=end_date]").fill((event_day + dt.timedelta(days=1)).isoformat())
    page.locator("input[name=end_time]").fill("01:00")
    save_and_continue(page)
    wait_for_path(page, "/etape/venue/")
    assert_accessible(page)

    page.locator("input[name=venue_name]").fill("Palais des congrès")
    page.locator("select[name=prefecture]").select_option("golfe")
    page.locator("select[name=commune]").select_option("golfe-1")
    page.locator("textarea[name=address]").fill("Boulevard du 13 janvier, Lomé")
    page.locator("input[name=setting][value=indoor]").check()
    page.locator("input[name=procession][value=no]").check()
    save_and_continue(page)
    wait_for_path(page, "/etape/risks/")
    assert_accessible(page)

    page.locator("input[name=vips][value=no]").check()
    page.locator("input[name=alcohol][value=yes]").check()
    page.locator("input[name=ticketing][value=yes]").check()
    page.locator("input[name=private_security][value=yes]").check()
    page.locator("input[name=private_security_company]").fill("Sécurité Plus SARL")
    page.locator("input[name=requested_agents]").fill("6")
    save_and_continue(page)
    wait_for_path(page, "/etape/documents/")
    assert_accessible(page)

    page.locator("input[name=venue_authorization]").set_input_files(
        write_pdf(folder, "autorisation-lieu.pdf")
    )
    page.locator("input[name=site_plan]").set_input_files(write_png(folder, "plan-du-site.png"))
    page.locator("input[name=poster]").set_input_files(write_png(folder, "affiche.png"))
    save_and_continue(page)
    wait_for_path(page, "/verifier/")
    main = page.locator("main")
    for shown in (
        "Golfe Événements SARL",
        "Palais des congrès",
        "Sécurité Plus SARL",
        "autorisation-lieu.pdf",
    ):
        expect(main).to_contain_text(shown)
    expect(main).to_contain_text(re.compile(r"5\s000" + FCFA))
    assert_accessible(page)


def test_event_security_quote_on_a_phone(
    project_translations: None, site: str, new_context: Any, tmp_path: Path, settings: Any
) -> None:
    settings.GUICHET = {**settings.GUICHET, "UNIT_CAPACITY": {"police": 10}}
    page = new_context(**PHONE).new_page()
    sign_in_citizen(page, site, typed="91 22 33 44", e164="+22891223344")
    page.goto(f"{site}/demarches/couverture-securitaire/")
    expect(page.locator("h1")).to_have_text("Couverture sécuritaire d’un événement privé")
    assert_accessible(page)
    reference = start_request(page, "couverture-securitaire", first_step="organiser", prefix="CSE-")

    fill_request(page, tmp_path)
    dossier = file_the_request(page, reference)
    assert (dossier.state, dossier.fee_total) == (DossierState.AWAITING_PAYMENT, 5_000)
    page.goto(f"{site}/dossiers/{reference}/")
    expect(page.locator("main")).to_contain_text(re.compile(r"5\s000" + FCFA))
    assert_accessible(page)
    pay_at_the_counter(new_context, site, reference, 5_000)

    # --- an agent of the police asks for the venue's authorization -----------------------------------------
    police = Unit.objects.get(code="police")
    agent = StaffFactory(roles=[(police, Role.AGENT)])
    office = new_context().new_page()
    sign_in_staff(office, site, agent)
    office.goto(f"{site}/agents/dossiers/{reference}/")
    assert_accessible(office)
    ask_for_information(office, reference, QUESTION)

    page.goto(f"{site}/dossiers/{reference}/")
    expect(page.locator(".status-panel blockquote")).to_have_text(QUESTION)
    assert_accessible(page)
    answer_the_question(
        page, reference, REPLY, {"venue_authorization": write_pdf(tmp_path, "autorisation-signee.pdf")}
    )

    # --- the commander ticks the checklist, sees the calendar, sets 12 agents for 6 hours ----------------------
    commander = StaffFactory(roles=[(police, Role.SUPERVISOR)])
    command = new_context().new_page()
    sign_in_staff(command, site, commander)
    command.goto(f"{site}/agents/dossiers/{reference}/")
    expect(command.locator("table.bo-capacity")).to_be_visible()
    assert_accessible(command)
    tick_every_point(command, reference)
    command.locator("input[name=propose_quote-agents]").fill("12")
    command.locator("input[name=propose_quote-hours]").fill("6")
    command.locator("textarea[name=propose_quote-reason]").fill(
        "1 500 personnes, alcool servi et billetterie : 12 agents de 19 h à 1 h."
    )
    submit(command, f"form[action='/agents/dossiers/{reference}/actions/propose_quote/']")
    command.wait_for_url(f"**/agents/dossiers/{reference}/")
    # Over the unit's capacity of 10: the commander is warned, not blocked.
    expect(command.locator("main")).to_contain_text("10")
    expect(command.locator(".bo-capacity .tag-danger")).to_be_visible()
    assert_accessible(command)
    command.locator("main a", has_text="Voir tout le mois").click()
    command.wait_for_url("**/agents/calendrier/**")
    expect(command.locator("main")).to_contain_text(reference)
    assert_accessible(command)
    assert Dossier.objects.get(reference=reference).state == DossierState.QUOTE_PROPOSED

    # --- the organiser sees the quote (12 × 6 × 2,000 = 144,000 FCFA) and accepts it ----------------------
    page.goto(f"{site}/dossiers/{reference}/")
    quote = page.locator("section#quote")
    expect(quote).to_contain_text(re.compile(r"144\s000" + FCFA))
    expect(quote).to_contain_text("12 agents de 19 h à 1 h")
    assert_accessible(page)
    quote.locator("form[action$='/devis/accepter/'] button").click()
    page.wait_for_url(f"**/dossiers/{reference}/")
    expect(page.locator(".notice-success")).to_be_visible()
    assert_accessible(page)
    dossier = Dossier.objects.get(reference=reference)
    assert (dossier.state, dossier.fee_total) == (DossierState.AWAITING_PAYMENT, 144_000)

    # --- paid, the commander confirms the coverage ------------------------------------------------------
    pay_at_the_counter(new_context, site, reference, 144_000)
    command.goto(f"{site}/agents/dossiers/{reference}/")
    approve(command, reference, "Couverture confirmée : 12 agents, rendez-vous à 18 h 30.")

    page.reload()
    expect(page.locator(".status-panel")).to_contain_text("Couverture confirmée")
    assert_accessible(page)
