"""On a phone: a citizen asks for tinted windows, reaches "awaiting payment" for 12,000 FCFA, pays it
online with T-Money on the sandbox's phone page, answers the ministry's request for a document, and
the agent ticks the checklist and approves."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.payments.models import Payment
from guichet.payments.sandbox.paygate import Gateway, make_server
from tests.e2e.conftest import (
    assert_accessible,
    sign_in_citizen,
    sign_in_staff,
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
    save_and_continue,
    start_request,
    tick_every_point,
    write_phone_photo,
)
from tests.e2e.test_payment import approve_on_the_sandbox_phone
from tests.factories import StaffFactory
from tests.payments.conftest import TOKEN

STEP_FORM = "main form[enctype='multipart/form-data']"
QUESTION = "La carte grise envoyée est illisible : envoyez une photo nette, à plat."
REPLY = "Voici une nouvelle photo de la carte grise."


@pytest.fixture
def paygate_sandbox(site: str, settings: Any) -> Iterator[str]:
    """The PayGate sandbox in a thread, as `make run` starts it; returns its base URL.

    It sends no callback: the page confirms by asking the gateway (see tests/e2e/test_payment.py).
    """
    server = make_server("127.0.0.1", 0, Gateway(auth_token=TOKEN))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sandbox = f"http://127.0.0.1:{server.server_address[1]}"
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": sandbox,
        "PAYGATE_AUTH_TOKEN": TOKEN,
    }
    yield sandbox
    server.shutdown()
    server.server_close()


def pay_online_with_t_money(page: Page, site: str, sandbox: str, reference: str) -> None:
    """From the file's page: T-Money on the citizen's number, approved on the sandbox phone, receipt."""
    page.goto(f"{site}/dossiers/{reference}/")
    page.locator(f"main a[href='/paiements/dossiers/{reference}/']").first.click()
    page.wait_for_url(f"**/paiements/dossiers/{reference}/")
    expect(page.locator("main")).to_contain_text(re.compile(r"12\s000\sFCFA"))
    expect(page.locator("input[name=network][value=TMONEY]")).to_be_checked()
    page.locator("input[name=phone]").fill("90 11 22 33")
    assert_accessible(page)
    page.locator("main button[value=start]").click()
    expect(page.locator("#waiting-title")).to_be_visible()
    assert_accessible(page)
    phone = page.context.new_page()
    approve_on_the_sandbox_phone(phone, sandbox, Payment.objects.get(dossier__reference=reference))
    phone.close()
    expect(page.locator("#paid-title")).to_be_visible(timeout=15000)  # the page's script follows it
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("main a[href$='.pdf']").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")


def fill_request(page: Page, folder: Path) -> None:
    page.locator("input[name=full_name]").fill("Kossi Amegah")
    page.locator("select[name=id_type], input[name=id_type][value=national_id]").first.wait_for()
    id_type = page.locator("select[name=id_type]")
    if id_type.count():
        id_type.select_option("national_id")
    else:
        page.locator("input[name=id_type][value=national_id]").check()
    page.locator("input[name=id_number]").fill("0123-456-789")
    page.locator("input[name=phone]").fill("90 11 22 33")
    save_and_continue(page)
    wait_for_path(page, "/etape/vehicle/")
    assert_accessible(page)

    # A plate of punctuation and a chassis number with an O: refused, and what was typed stays.
    page.locator("input[name=plate]").fill("-- ..")
    page.locator("input[name=vin]").fill("VF1RFB00O5A123456")
    page.locator("input[name=make]").fill("Toyota")
    page.locator("input[name=model]").fill("Land Cruiser")
    page.locator("input[name=colour]").fill("Noir")
    page.locator("input[name=windows][value=rear_window]").check()
    page.locator("input[name=windows][value=rear_side]").check()
    save_and_continue(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Saisissez la plaque avec ses lettres et ses chiffres")
    expect(page.locator("main")).to_contain_text("ne contient jamais la lettre O")
    expect(page.locator("input[name=make]")).to_have_value("Toyota")
    expect(page.locator("input[name=windows][value=rear_side]")).to_be_checked()
    assert_accessible(page)
    page.locator("input[name=plate]").fill("tg-1234 ab")
    page.locator("input[name=vin]").fill("VF1RFB0005A123456")
    save_and_continue(page)
    wait_for_path(page, "/etape/ground/")
    assert_accessible(page)

    page.locator("input[name=ground][value=by_right]").check()
    office = page.locator("select[name=office]")
    if office.count():
        office.select_option("general_officer")
    else:
        page.locator("input[name=office][value=general_officer]").check()
    page.locator("input[name=office_proof]").set_input_files(write_pdf(folder, "decret-nomination.pdf"))
    save_and_continue(page)
    wait_for_path(page, "/etape/documents/")
    assert_accessible(page)

    page.locator("input[name=cover_letter]").set_input_files(write_pdf(folder, "lettre-au-ministre.pdf"))
    page.locator("input[name=criminal_record]").set_input_files(write_pdf(folder, "casier-judiciaire.pdf"))
    # A criminal record of four months: refused, the files already chosen are kept.
    old = timezone.localdate() - dt.timedelta(days=124)
    page.locator("input[name=criminal_record_date]").fill(old.isoformat())
    # A "photo" that is really a web page: refused against its field, everything else kept.
    fake = folder / "cni-fausse.png"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    page.locator("input[name=id_scan]").set_input_files(fake)
    page.locator("input[name=registration_card]").set_input_files(
        write_phone_photo(folder, "carte-grise.jpg")
    )
    save_and_continue(page)
    expect(page.locator("main")).to_contain_text("il y a plus de 3 mois")
    expect(page.locator("main")).to_contain_text("Ce type de fichier n’est pas accepté")
    expect(page.locator("main")).to_contain_text("carte-grise.jpg")  # the good files are kept
    expect(page.locator("main")).to_contain_text("lettre-au-ministre.pdf")
    expect(page.locator("input[name=criminal_record_date]")).to_have_value(old.isoformat())
    assert_accessible(page)
    page.locator("input[name=id_scan]").set_input_files(write_png(folder, "cni.png"))
    recent = timezone.localdate() - dt.timedelta(days=20)
    page.locator("input[name=criminal_record_date]").fill(recent.isoformat())
    save_and_continue(page)
    wait_for_path(page, "/verifier/")
    main = page.locator("main")
    for shown in ("TG1234AB", "VF1RFB0005A123456", "casier-judiciaire.pdf", "carte-grise.jpg"):
        expect(main).to_contain_text(shown)
    expect(main).to_contain_text(re.compile(r"12\s000\sFCFA"))
    expect(main).to_contain_text("ne sont pas remboursés")  # said before filing
    assert_accessible(page)


def test_tinted_windows_on_a_phone_from_filing_to_approval(
    project_translations: None, site: str, paygate_sandbox: str, new_context: Any, tmp_path: Path
) -> None:
    page = new_context(**PHONE).new_page()
    sign_in_citizen(page, site, typed="90 11 22 33", e164="+22890112233")
    page.goto(f"{site}/demarches/vitres-teintees/")
    expect(page.locator("h1")).to_have_text("Autorisation de vitres teintées")
    expect(page.locator("main")).to_contain_text(re.compile(r"12\s000\sFCFA"))
    assert_accessible(page)
    reference = start_request(page, "vitres-teintees", first_step="applicant", prefix="VTT-")

    fill_request(page, tmp_path)
    dossier = file_the_request(page, reference)
    assert dossier.state == DossierState.AWAITING_PAYMENT
    assert dossier.fee_total == 12_000
    assert dossier.answers["plate"] == "TG1234AB"
    registration_card = dossier.documents.get(field_name="registration_card")
    assert registration_card.content_type == "image/jpeg"

    page.goto(f"{site}/dossiers/{reference}/")
    expect(page.locator("main")).to_contain_text(re.compile(r"12\s000\sFCFA"))
    assert_accessible(page)

    pay_online_with_t_money(page, site, paygate_sandbox, reference)
    assert Dossier.objects.get(reference=reference).state == DossierState.IN_REVIEW

    # --- an agent of the Minister's Office sees it paid, and asks for a legible registration card ----------
    agent = StaffFactory(roles=[(Unit.objects.get(code="cabinet"), Role.AGENT)])
    office = new_context().new_page()
    sign_in_staff(office, site, agent)
    office.goto(f"{site}/agents/dossiers/{reference}/")
    office.locator(f"main a[href='/paiements/agents/dossiers/{reference}/']").click()
    office.wait_for_url(f"**/paiements/agents/dossiers/{reference}/")
    expect(office.locator("main")).to_contain_text("Payé")
    assert_accessible(office)
    office.goto(f"{site}/agents/dossiers/{reference}/")
    expect(office.locator(".bo-documents")).to_contain_text("carte-grise.jpg")
    assert_accessible(office)
    ask_for_information(office, reference, QUESTION)

    # --- the citizen adds the document ------------------------------------------------------------------
    page.goto(f"{site}/dossiers/{reference}/")
    expect(page.locator(".status-panel blockquote")).to_have_text(QUESTION)
    assert_accessible(page)
    answer_the_question(
        page, reference, REPLY, {"registration_card": write_phone_photo(tmp_path, "carte-grise-nette.jpg")}
    )

    # --- the agent ticks the checklist and approves -------------------------------------------------------
    office.reload()
    expect(office.locator(".bo-documents")).to_contain_text("carte-grise-nette.jpg")
    assert_accessible(office)
    tick_every_point(office, reference)
    assert_accessible(office)
    approve(office, reference, "Dossier complet, officier général.")

    page.reload()
    expect(page.locator(".status-panel")).to_contain_text("Dossier complet, officier général.")
    assert_accessible(page)
