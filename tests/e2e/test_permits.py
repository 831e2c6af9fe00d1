"""The applicant downloads the permit from the file page; a supervisor revokes it with a reason."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from guichet.accounts.roles import Role
from guichet.dossiers.states import DossierState
from guichet.permits.models import Permit
from guichet.permits.verify import Outcome, verify_text
from tests.e2e.conftest import assert_accessible, sign_in_citizen, sign_in_staff, submit
from tests.factories import StaffFactory
from tests.permits.conftest import issued


def test_download_then_revoke(page: Page, site: str) -> None:
    dossier = issued("cloture-electrifiee")
    permit = Permit.objects.get(dossier=dossier)
    phone = dossier.applicant.phone
    sign_in_citizen(page, site, typed=phone, e164=phone)
    page.goto(f"{site}/dossiers/{dossier.reference}/")
    assert_accessible(page)
    panel = page.locator("#permits")
    expect(panel).to_contain_text(permit.number)
    with page.expect_download() as download:
        panel.locator(f"a[href$='/{permit.number}/pdf/']").click()
    assert download.value.suggested_filename == f"permis-{permit.number}.pdf"

    page.context.clear_cookies()
    supervisor = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    sign_in_staff(page, site, supervisor)
    page.goto(f"{site}/agents/dossiers/{dossier.reference}/")
    assert_accessible(page)
    page.locator(f"a[href$='/{permit.number}/revoquer/']").click()
    assert_accessible(page)
    submit(page, "main form")
    expect(page.locator(".error-summary")).to_contain_text("Give the reason for the revocation")
    assert_accessible(page)
    page.locator("textarea[name=reason]").fill("Titre foncier falsifié.")
    submit(page, "main form")
    page.wait_for_url(f"{site}/agents/dossiers/{dossier.reference}/")
    expect(page.locator("main")).to_contain_text(f"Permit {permit.number} is revoked")
    assert_accessible(page)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.REVOKED
    assert verify_text(permit.qr_text).outcome == Outcome.REVOKED
