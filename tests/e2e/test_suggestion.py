"""A guest files a suggestion, an agent answers it, the guest comes back and reads the answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.e2e.conftest import (
    assert_accessible,
    last_code_sent_to,
    open_action,
    reference_in,
    sign_in_staff,
    submit,
    type_code,
)
from tests.factories import StaffFactory

PHONE_TYPED = "90 12 34 56"
PHONE = "+22890123456"
SUBJECT = "Horaires du commissariat de Bè"
MESSAGE = "Ouvrir le commissariat le samedi matin, pour ceux qui travaillent en semaine."
ANSWER = "Merci. Le commissariat de Bè ouvrira le samedi de 8 h à 12 h dès le mois prochain."


@pytest.mark.usefixtures("no_resend_pause")
def test_guest_files_a_suggestion_and_later_reads_the_answer(site, page, new_context):
    # --- the guest files -------------------------------------------------------------------
    page.goto(site)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)

    page.locator("main a[href='/demarches/suggestion/']").click()
    page.wait_for_url("**/demarches/suggestion/")
    expect(page.locator("h1")).to_have_text("Faire une suggestion au ministère")
    assert_accessible(page)

    submit(page, "main form[action='/demarches/suggestion/commencer/']:not(:has(input[name=anonymous]))")
    page.wait_for_url("**/identification/**")
    assert_accessible(page)

    page.locator("input[name=contact]").fill(PHONE_TYPED)
    submit(page, "main form:has(input[name=contact])")
    page.wait_for_url("**/identification/code/")
    assert_accessible(page)

    type_code(page, last_code_sent_to(PHONE))
    page.wait_for_url("**/etape/suggestion/")
    reference = reference_in(page.url)
    assert reference.startswith("SUG-")
    assert_accessible(page)

    page.locator("input[name=category][value=online_services]").check()
    page.locator("input[name=subject]").fill(SUBJECT)
    page.locator("textarea[name=message]").fill(MESSAGE)
    submit(page, "main form[enctype='multipart/form-data']")
    page.wait_for_url("**/etape/identity/")
    assert_accessible(page)

    # The name is asked only of those who sign; the script shows and hides it as they choose.
    full_name = page.locator("input[name=full_name]")
    expect(full_name).to_be_hidden()
    page.locator("input[name=signed][value=yes]").check()
    expect(full_name).to_be_visible()
    assert_accessible(page)
    page.locator("input[name=signed][value=no]").check()
    expect(full_name).to_be_hidden()
    page.locator("input[name=signed][value=yes]").check()
    full_name.fill("Afi Mensah")
    submit(page, "main form[enctype='multipart/form-data']")
    page.wait_for_url(f"**/dossiers/{reference}/verifier/")
    main = page.locator("main")
    expect(main).to_contain_text(SUBJECT)
    expect(main).to_contain_text("Services en ligne")  # the choice's label, not its stored value
    expect(main).to_contain_text("Afi Mensah")
    assert_accessible(page)

    submit(page, "main form:has(button.button-start)")
    page.wait_for_url(f"**/dossiers/{reference}/confirmation/")
    expect(page.locator(".reference-big")).to_have_text(reference)
    assert_accessible(page)
    assert Dossier.objects.get(reference=reference).state == DossierState.IN_REVIEW

    # --- an agent of the Minister's Office answers and closes it (a new visit) ---------------
    agent = StaffFactory(roles=[(Unit.objects.get(code="cabinet"), Role.AGENT)])
    agent_page = new_context().new_page()
    sign_in_staff(agent_page, site, agent)
    in_queue = agent_page.locator(f"main a[href='/agents/dossiers/{reference}/']")
    expect(in_queue).to_have_text(reference)
    in_queue.click()
    agent_page.wait_for_url(f"**/agents/dossiers/{reference}/")
    expect(agent_page.locator("main")).to_contain_text(MESSAGE)
    expect(agent_page.locator("main")).to_contain_text("Afi Mensah")
    assert_accessible(agent_page)

    open_action(agent_page, "answer")
    agent_page.locator("textarea[name=answer-answer]").fill(ANSWER)
    submit(agent_page, f"form[action='/agents/dossiers/{reference}/actions/answer/']")
    agent_page.wait_for_url(f"**/agents/dossiers/{reference}/")
    expect(agent_page.locator(".notice-success")).to_be_visible()
    expect(agent_page.locator(".timeline")).to_contain_text(ANSWER)
    assert_accessible(agent_page)
    assert Dossier.objects.get(reference=reference).state == DossierState.ANSWERED

    # --- the guest comes back another day, with the reference only --------------------------
    guest = new_context().new_page()
    guest.goto(f"{site}/suivi/")
    assert_accessible(guest)
    guest.locator("main input[name=reference]").fill(reference.lower().replace("-", " "))
    submit(guest, "main form:has(input[name=reference])")
    guest.wait_for_url("**/suivi/code/")
    assert_accessible(guest)

    type_code(guest, last_code_sent_to(PHONE))
    guest.wait_for_url(f"**/dossiers/{reference}/")
    expect(guest.locator(".status-panel")).to_have_class("status-panel status-success")
    expect(guest.locator(".status-panel blockquote")).to_have_text(ANSWER)  # the answer first
    expect(guest.locator(".timeline")).to_contain_text(ANSWER)
    assert_accessible(guest)
