"""Denunciations in the browser: an anonymous report from a phone, and a confidential one whose
reporter's identity two inspectors agree to disclose."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings as live_settings
from PIL import Image
from playwright.sync_api import Page, expect

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.catalog.services import load_administration
from guichet.denunciations.keyring import unlock_inspector
from tests.e2e.conftest import STAFF_PASSWORD, assert_accessible, sign_in_staff, submit
from tests.factories import StaffFactory

PHONE_SCREEN = {"width": 360, "height": 740}
NARRATIVE = "Au barrage de Bè-Kpota, un policier a exigé 5000 francs pour me laisser passer."
QUESTION = "Pouvez-vous décrire le véhicule ?"
ANSWER = "Une camionnette bleue, plaque TG 4412 AB."
REASONS = "L’agent a été identifié et suspendu ; une procédure disciplinaire est ouverte."
EXIF_MARKER = "CanaryPhone-Model-7"


@pytest.fixture
def inspection(live_server: Any, transactional_db: None, settings: Any) -> dict[str, Any]:
    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "KDF_OPSLIMIT": 1,
        "KDF_MEMLIMIT_KIB": 8,
    }
    load_administration((live_settings.GUICHET["CATALOG_DIR"] / "_mspc.yaml").read_text(encoding="utf-8"))
    unit = Unit.objects.get(code="inspection")
    first, second = (StaffFactory(roles=[(unit, Role.INSPECTOR)]) for _ in range(2))
    for inspector in (first, second):  # their keys exist before the report, as in the demo
        unlock_inspector(inspector, password=STAFF_PASSWORD)
    return {"site": str(live_server.url), "first": first, "second": second}


def photo(folder: Any) -> Any:
    image = Image.new("RGB", (64, 48), (90, 120, 160))
    exif = Image.Exif()
    exif[0x0110] = EXIF_MARKER
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    path = folder / "IMG_20261102_143012.jpg"
    path.write_bytes(out.getvalue())
    return path


def fill_report(page: Page, *, with_photo: Any = None) -> None:
    page.locator("input[name=adult]").check()
    page.locator("input[name=role][value=victim]").check()
    page.locator("input[name=date]").fill("02/11/2026")
    page.locator("select[name=prefecture]").select_option("golfe")
    page.locator("select[name=commune]").select_option("golfe-1")
    page.locator("input[name=place]").fill("Barrage de Bè-Kpota")
    page.locator("input[name=force][value=police]").check()
    page.locator("input[name=category][value=racket]").check()
    page.locator("input[name=money][value=paid]").check()
    page.locator("input[name=amount]").fill("5000")
    page.locator("textarea[name=narrative]").fill(NARRATIVE)
    if with_photo is not None:
        page.locator("input[name=evidence]").set_input_files(with_photo)


def file_report(page: Page, site: str, mode: str, *, with_photo: Any = None, identity: bool = False) -> str:
    page.goto(f"{site}/")
    page.locator("a[href='/signalement/']").first.click()
    page.wait_for_url("**/signalement/")
    assert_accessible(page)
    page.locator(f"a[href='/signalement/nouveau/{mode}/']").click()
    page.wait_for_url(f"**/signalement/nouveau/{mode}/")
    assert_accessible(page)
    # An empty form is refused with a summary, and nothing typed is lost.
    page.locator("textarea[name=narrative]").fill(NARRATIVE)
    submit(page, "main form")
    expect(page.locator(".error-summary").first).to_be_visible()
    expect(page.locator("textarea[name=narrative]")).to_have_value(NARRATIVE)
    assert_accessible(page)
    if identity:
        page.locator("input[name='identity-full_name']").fill("Yao Koffi")
        page.locator("input[name='identity-phone']").fill("+228 90 11 22 33")
    fill_report(page, with_photo=with_photo)
    submit(page, "main form")
    code = page.locator("[data-receipt-code]").inner_text().strip()
    assert len(code.replace(" ", "")) == 16
    assert_accessible(page)
    return code


def open_as_reporter(page: Page, site: str, code: str) -> None:
    page.goto(f"{site}/signalement/suivi/")
    assert_accessible(page)
    page.locator("input[name=code]").fill(code)
    submit(page, "main form")
    page.wait_for_url("**/signalement/suivi/mon-signalement/")
    assert_accessible(page)


def open_as_inspector(page: Page, site: str, staff: Any) -> None:
    sign_in_staff(page, site, staff)
    assert page.url == f"{site}/inspection/"  # an inspector lands in the inbox, not the dossier queue
    page.locator("table a").first.click()
    page.wait_for_url("**/inspection/deverrouiller/**")
    assert_accessible(page)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    submit(page, "main form")
    page.wait_for_url("**/inspection/*/")
    expect(page.locator("main")).to_contain_text(NARRATIVE)
    assert_accessible(page)


def ask_and_answer(inspector: Page, reporter: Page, site: str, code: str) -> None:
    inspector.locator("textarea[name=body]").fill(QUESTION)
    submit(inspector, "form[action$='/message/']")
    expect(inspector.locator(".timeline")).to_contain_text(QUESTION)
    open_as_reporter(reporter, site, code)
    expect(reporter.locator(".timeline")).to_contain_text(QUESTION)
    reporter.locator("textarea[name=body]").fill(ANSWER)
    submit(reporter, "form[action$='/repondre/']")
    expect(reporter.locator(".timeline")).to_contain_text(ANSWER)
    assert_accessible(reporter)
    inspector.reload()
    expect(inspector.locator(".timeline")).to_contain_text(ANSWER)


def close_and_show(inspector: Page, reporter: Page) -> None:
    inspector.locator("select[name=to]").select_option("closed")
    inspector.locator("select[name=outcome]").select_option("sanctions_taken")
    inspector.locator("textarea[name=note]").fill(REASONS)
    submit(inspector, "form[action$='/etat/']")
    expect(inspector.locator("main")).to_contain_text(REASONS)
    assert_accessible(inspector)
    reporter.reload()
    expect(reporter.locator("[data-state]")).to_contain_text("Closed")
    expect(reporter.locator("main")).to_contain_text(REASONS)
    assert_accessible(reporter)


def test_anonymous_report_from_a_phone_with_a_photo_through_to_the_outcome(inspection, new_context, tmp_path):
    site = inspection["site"]
    phone = new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True, device_scale_factor=2)
    reporter = phone.new_page()
    code = file_report(reporter, site, "anonymous", with_photo=photo(tmp_path))

    inspector = new_context().new_page()
    open_as_inspector(inspector, site, inspection["first"])
    # The cleaned photo: a JPEG without the phone's metadata.
    link = inspector.locator("a[href*='/preuves/']").first
    cleaned = inspector.request.get(f"{site}{link.get_attribute('href')}")
    assert cleaned.status == 200
    assert cleaned.headers["content-type"] == "image/jpeg"
    assert EXIF_MARKER.encode() not in cleaned.body()
    ask_and_answer(inspector, reporter, site, code)
    close_and_show(inspector, reporter)
    # Quick exit leaves for an ordinary site and the report no longer opens in this browser.
    reporter.route("https://www.google.com/**", lambda route: route.fulfill(status=200, body="ok"))
    reporter.locator("[data-quick-exit]").click()
    reporter.wait_for_url("https://www.google.com/**")
    reporter.goto(f"{site}/signalement/suivi/mon-signalement/")
    reporter.wait_for_url("**/signalement/suivi/")


def test_confidential_report_identity_disclosed_after_two_inspectors_approve(inspection, new_context):
    site = inspection["site"]
    reporter = new_context().new_page()
    code = file_report(reporter, site, "confidential", identity=True)

    first = new_context().new_page()
    open_as_inspector(first, site, inspection["first"])
    expect(first.locator("main")).not_to_contain_text("Yao Koffi")
    ask_and_answer(first, reporter, site, code)
    submit(first, "form[action$='/identite/approuver/']")
    expect(first.locator("a[href$='/identite/']")).to_have_count(0)  # one approval is not enough
    assert_accessible(first)

    second = new_context().new_page()
    open_as_inspector(second, site, inspection["second"])
    submit(second, "form[action$='/identite/approuver/']")
    second.locator("a[href$='/identite/']").click()
    expect(second.locator("[data-identity]")).to_contain_text("Yao Koffi")
    assert_accessible(second)
    second.go_back()
    close_and_show(second, reporter)
