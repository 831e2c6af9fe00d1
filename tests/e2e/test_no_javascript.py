"""Filing works in a browser that runs no JavaScript (old phones, data savers, strict settings)."""

from __future__ import annotations

from playwright.sync_api import expect

from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.e2e.conftest import (
    SCRIPTING_ENABLED,
    assert_accessible,
    reference_in,
    sign_in_citizen,
    submit,
    wait_for_path,
)
from tests.e2e.test_fence import STEP_FORM, fill_fence_request


def test_filing_works_with_javascript_off(site, new_context, tmp_path):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site)
    assert page.evaluate(SCRIPTING_ENABLED) is False
    assert_accessible(page)
    sign_in_citizen(page, site, typed="99 88 77 66", e164="+22899887766")

    page.goto(f"{site}/demarches/cloture-electrifiee/")
    assert_accessible(page)
    submit(page, "main form[action='/demarches/cloture-electrifiee/commencer/']")
    page.wait_for_url("**/etape/applicant/")
    reference = reference_in(page.url)

    # Without the script every question shows, each conditional one saying when it applies.
    company_name = page.locator("input[name=company_name]")
    expect(company_name).to_be_visible()
    expect(page.locator("#id_company_name_hint")).not_to_be_empty()
    assert_accessible(page)

    # The server checks the conditions: a company without its name is sent back to say it.
    page.locator("input[name=applicant_type][value=company]").check()
    submit(page, STEP_FORM)
    wait_for_path(page, "/etape/applicant/")
    summary_link = page.locator(".error-summary a[href='#id_company_name']")
    expect(summary_link).to_be_visible()
    assert_accessible(page)
    summary_link.click()
    expect(company_name).to_be_focused()
    expect(page.locator("input[name=applicant_type][value=company]")).to_be_checked()

    fill_fence_request(page, tmp_path, check_conditions=False)
    submit(page, "main form:has(button.button-start)")
    wait_for_path(page, f"/dossiers/{reference}/confirmation/")
    expect(page.locator(".reference-big")).to_have_text(reference)
    assert_accessible(page)
    dossier = Dossier.objects.get(reference=reference)
    assert dossier.state == DossierState.IN_REVIEW
    assert dossier.documents.count() == 3
