"""A citizen with an account asks to electrify a fence, answers the ministry's question, is approved."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
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
from tests.e2e.steps import answer_the_question, approve, ask_for_information, file_the_request, start_request
from tests.factories import StaffFactory

QUESTION = "Envoyez l’attestation de conformité de l’installateur, signée."
REPLY = "Voici l’attestation signée par Élec Services SARL."
STEP_FORM = "main form[enctype='multipart/form-data']"


def fill_fence_request(page: Page, folder, *, check_conditions: bool = True) -> None:
    """The three steps of the fence request, as a company, from the first step to the check page."""
    company_name = page.locator("input[name=company_name]")
    if check_conditions:
        # Company details are asked of companies only; the script shows them as the answer changes.
        expect(company_name).to_be_hidden()
        page.locator("input[name=applicant_type][value=person]").check()
        expect(company_name).to_be_hidden()
    page.locator("input[name=applicant_type][value=company]").check()
    if check_conditions:
        expect(company_name).to_be_visible()
        expect(page.locator("input[name=rccm]")).to_be_visible()
        assert_accessible(page)
    page.locator("input[name=full_name]").fill("Kossi Amegah")
    page.locator("input[name=niu]").fill("1234 5678 9012")
    company_name.fill("Entrepôts du Golfe SARL")
    page.locator("input[name=rccm]").fill("TG-LOM-2019-B-1234")
    page.locator("input[name=phone]").fill("90 00 11 22")
    submit(page, STEP_FORM)
    wait_for_path(page, "/etape/site/")
    assert_accessible(page)

    page.locator("select[name=prefecture]").select_option("golfe")
    page.locator("select[name=commune]").select_option("golfe-1")
    page.locator("textarea[name=address]").fill("Rue 12, derrière le marché de Bè")
    page.locator("input[name=fence_length_m]").fill("120")
    page.locator("input[name=public_way][value=yes]").check()
    page.locator("input[name=installer]").fill("Élec Services SARL")
    start = timezone.localdate() + dt.timedelta(days=30)
    page.locator("input[name=work_start]").fill(start.isoformat())
    submit(page, STEP_FORM)
    wait_for_path(page, "/etape/documents/")
    assert_accessible(page)

    page.locator("input[name=id_document]").set_input_files(write_pdf(folder, "carte-identite.pdf"))
    page.locator("input[name=property_title]").set_input_files(write_png(folder, "titre-foncier.png"))
    page.locator("input[name=site_plan]").set_input_files(write_pdf(folder, "plan-de-situation.pdf"))
    submit(page, STEP_FORM)
    wait_for_path(page, "/verifier/")
    main = page.locator("main")
    for shown in ("Entrepôts du Golfe SARL", "TG-LOM-2019-B-1234", "carte-identite.pdf", "titre-foncier.png"):
        expect(main).to_contain_text(shown)
    expect(page.locator(".error-summary")).to_have_count(0)
    assert_accessible(page)


def test_account_holder_files_the_fence_request_and_answers_an_information_request(
    site, page, new_context, tmp_path
):
    # --- the citizen signs in and files ------------------------------------------------------
    sign_in_citizen(page, site, typed="+228 91 23 45 67", e164="+22891234567")
    page.goto(site)
    assert_accessible(page)
    page.locator("main a[href='/demarches/cloture-electrifiee/']").click()
    page.wait_for_url("**/demarches/cloture-electrifiee/")
    expect(page.locator("h1")).to_have_text("Autorisation d’électrification de clôture barbelée")
    assert_accessible(page)
    reference = start_request(page, "cloture-electrifiee", first_step="applicant", prefix="CEL-")

    fill_fence_request(page, tmp_path)
    dossier = file_the_request(page, reference)
    expect(page.locator(".reference-big")).to_have_text(reference)
    assert dossier.state == DossierState.IN_REVIEW
    assert dossier.answers["company_name"] == "Entrepôts du Golfe SARL"
    assert dossier.documents.count() == 3

    # --- an agent of Civil Protection asks for a document ---------------------------------------
    agent = StaffFactory(roles=[(Unit.objects.get(code="protection-civile"), Role.AGENT)])
    office = new_context().new_page()
    sign_in_staff(office, site, agent)
    office.locator(f"main a[href='/agents/dossiers/{reference}/']").click()
    office.wait_for_url(f"**/agents/dossiers/{reference}/")
    expect(office.locator(".bo-documents")).to_contain_text("plan-de-situation.pdf")
    assert_accessible(office)

    ask_for_information(office, reference, QUESTION)

    # --- the citizen sees the question among their files and answers it -----------------------
    page.goto(f"{site}/mes-dossiers/")
    row = page.locator("tr", has=page.locator(f"a[href='/dossiers/{reference}/']"))
    expect(row.locator(".tag")).to_have_class("tag tag-warning")
    assert_accessible(page)
    row.locator(f"a[href='/dossiers/{reference}/']").click()
    page.wait_for_url(f"**/dossiers/{reference}/")
    # The question comes first on the page, in the ministry's words; the form follows.
    expect(page.locator(".status-panel blockquote")).to_have_text(QUESTION)
    assert_accessible(page)
    answer_the_question(
        page, reference, REPLY, {"installer_certificate": write_pdf(tmp_path, "attestation-installateur.pdf")}
    )

    # --- the agent reads the answer and approves ------------------------------------------------
    office.reload()
    expect(office.locator(".timeline")).to_contain_text(REPLY)
    expect(office.locator(".bo-documents")).to_contain_text("attestation-installateur.pdf")
    assert_accessible(office)
    approve(office, reference, "Installation conforme. Bon chantier.")

    page.reload()
    expect(page.locator(".status-panel")).to_have_class("status-panel status-success")
    expect(page.locator(".status-panel")).to_contain_text("Installation conforme. Bon chantier.")
    assert_accessible(page)
