"""Steps the journeys share: start and file a request, a question and its answer, the counter,
the checklist and the approval. Each ends on the page it leads to, checked with axe-core."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from guichet.accounts.roles import Role
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.e2e.conftest import (
    assert_accessible,
    open_action,
    reference_in,
    sign_in_staff,
    submit,
    wait_for_path,
)
from tests.factories import StaffFactory

# A phone-sized browser (Playwright context arguments).
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


def start_request(page: Page, code: str, *, first_step: str, prefix: str) -> str:
    """On the service's page: start a request; returns its reference, on its first step."""
    submit(page, f"main form[action='/demarches/{code}/commencer/']")
    page.wait_for_url(f"**/etape/{first_step}/")
    reference = reference_in(page.url)
    assert reference.startswith(prefix)
    assert_accessible(page)
    return reference


def file_the_request(page: Page, reference: str) -> Dossier:
    """On the summary: file the request; returns the dossier as filed."""
    submit(page, "main form:has(button.button-start)")
    wait_for_path(page, f"/dossiers/{reference}/confirmation/")
    assert_accessible(page)
    return Dossier.objects.get(reference=reference)


def save_and_continue(page: Page) -> None:
    """The step's own button (files already added come with "Remove" buttons before it)."""
    page.get_by_role("button", name="Enregistrer et continuer").click()


def write_phone_photo(folder: Path, name: str) -> Path:
    """A paper document photographed by a phone held upright: 4032 × 3024, EXIF says turn it."""
    page = Image.new("RGB", (4032, 3024), (245, 243, 238))
    draw = ImageDraw.Draw(page)
    for line in range(60, 2900, 120):
        draw.rectangle((300, line, 3700 - (line % 900), line + 40), fill=(30, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    page.save(out, format="JPEG", exif=exif, quality=80)
    path = folder / name
    path.write_bytes(out.getvalue())
    return path


def pay_at_the_counter(new_context: Any, site: str, reference: str, amount: int) -> None:
    """A cashier of the file's unit records a cash payment of the amount due (the counter's page)."""
    dossier = Dossier.objects.get(reference=reference)
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])
    counter = new_context().new_page()
    sign_in_staff(counter, site, cashier)
    counter.goto(f"{site}/paiements/agents/dossiers/{reference}/")
    expect(counter.locator("main")).to_contain_text(
        re.compile(rf"{amount:,}".replace(",", r"\s") + r"\sFCFA")
    )
    assert_accessible(counter)
    counter.locator("input[name=method][value=CASH]").check()
    receipt = f"CAISSE-{amount}"  # its own number: a quote is paid after the file fee
    counter.locator("input[name=counter_receipt]").fill(receipt)
    with counter.expect_navigation():
        counter.locator("main button[value=counter]").click()
    expect(counter.locator("main")).to_contain_text(receipt)
    assert_accessible(counter)
    counter.context.close()
    assert Dossier.objects.get(reference=reference).state == DossierState.IN_REVIEW


def ask_for_information(office: Page, reference: str, question: str) -> None:
    """On the back-office dossier page: ask the applicant a question (the file waits for them)."""
    open_action(office, "request_info")
    office.locator("textarea[name=request_info-message]").fill(question)
    submit(office, f"form[action='/agents/dossiers/{reference}/actions/request_info/']")
    wait_for_path(office, f"/agents/dossiers/{reference}/")
    expect(office.locator(".notice-success")).to_be_visible()
    assert_accessible(office)
    assert Dossier.objects.get(reference=reference).state == DossierState.INFO_REQUESTED


def answer_the_question(page: Page, reference: str, reply: str, files: dict[str, Path]) -> None:
    """On the applicant's file page, the question shown: answer it with files (input name → file)."""
    answer = page.locator("section#answer")
    answer.locator("textarea[name=message]").fill(reply)
    for name, path in files.items():
        answer.locator(f"input[name='{name}']").set_input_files(path)
    submit(page, f"form[action='/dossiers/{reference}/repondre/']")
    wait_for_path(page, f"/dossiers/{reference}/")
    expect(page.locator(".notice-success")).to_be_visible()
    expect(page.locator("section#answer")).to_have_count(0)
    for path in files.values():
        expect(page.locator("main")).to_contain_text(path.name)
    assert_accessible(page)
    assert Dossier.objects.get(reference=reference).state == DossierState.IN_REVIEW


def tick_every_point(office: Page, reference: str) -> None:
    """The review checklist of the back-office dossier page: tick each point and save."""
    open_action(office, "tick_checklist")
    form = f"form[action='/agents/dossiers/{reference}/actions/tick_checklist/']"
    for box in office.locator(form).locator("input[type=checkbox]").all():
        box.check()
    submit(office, form)
    office.wait_for_url(f"**/agents/dossiers/{reference}/")
    expect(office.locator(".notice-success")).to_be_visible()


def approve(office: Page, reference: str, note: str) -> None:
    """On the back-office dossier page: approve with a note; the document is issued."""
    open_action(office, "approve")
    office.locator("textarea[name=approve-note]").fill(note)
    submit(office, f"form[action='/agents/dossiers/{reference}/actions/approve/']")
    wait_for_path(office, f"/agents/dossiers/{reference}/")
    expect(office.locator(".notice-success")).to_be_visible()
    assert_accessible(office)
    assert Dossier.objects.get(reference=reference).state == DossierState.ISSUED
