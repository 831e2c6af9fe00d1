"""Uploads on a slow network: the browser refuses what the server would, and shows progress."""

from __future__ import annotations

from playwright.sync_api import Page, Request, expect

from guichet.demo.files import demo_pdf
from guichet.dossiers.models import DossierDocument
from tests.e2e.conftest import assert_accessible, reference_in, sign_in_citizen, submit, wait_for_path

STEP_FORM = "main form[enctype='multipart/form-data']"


def start_fence_request(page: Page, site: str) -> str:
    sign_in_citizen(page, site, typed="90 55 44 33", e164="+22890554433")
    page.goto(f"{site}/demarches/cloture-electrifiee/")
    submit(page, "main form[action='/demarches/cloture-electrifiee/commencer/']")
    page.wait_for_url("**/etape/applicant/")
    reference = reference_in(page.url)
    page.goto(f"{site}/dossiers/{reference}/etape/documents/")
    return reference


def test_a_file_too_big_or_of_the_wrong_kind_is_refused_before_it_is_sent(site, page, tmp_path):
    reference = start_fence_request(page, site)
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    too_big = tmp_path / "plan.pdf"
    too_big.write_bytes(demo_pdf("Plan", size=6 * 1024 * 1024))
    wrong_kind = tmp_path / "plan.docx"
    wrong_kind.write_bytes(b"PK\x03\x04 not a plan")

    field = page.locator("input[name=site_plan]")
    field.set_input_files(too_big)
    problem = page.locator("#id_site_plan_check")
    expect(problem).to_contain_text("larger than 5 MB")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    submit(page, STEP_FORM)
    expect(field).to_be_focused()
    assert posts == []  # six megabytes never left the phone

    field.set_input_files(wrong_kind)
    expect(problem).to_contain_text("PDF")
    submit(page, STEP_FORM)
    assert posts == []
    assert not DossierDocument.objects.filter(dossier__reference=reference).exists()


def test_progress_shows_while_files_go_then_the_next_page_comes(site, page, tmp_path):
    reference = start_fence_request(page, site)
    names = ["id_document", "property_title", "site_plan"]
    for name in names:
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(demo_pdf(name, size=100 * 1024))
        page.locator(f"input[name={name}]").set_input_files(path)
    expect(page.locator(".error-message")).to_have_count(0)
    # A slow 3G upload: about 100 KB a second.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 200, "downloadThroughput": 200_000, "uploadThroughput": 100_000},
    )

    submit(page, STEP_FORM)

    progress = page.locator(".upload-progress progress")
    expect(progress).to_be_visible()
    expect(page.locator(".upload-progress")).to_contain_text("Sending your files")
    assert_accessible(page)
    wait_for_path(page, "/verifier/")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    assert sorted(
        DossierDocument.objects.filter(dossier__reference=reference).values_list("field_name", flat=True)
    ) == sorted(names)


def test_an_error_from_the_server_replaces_the_page_as_a_normal_post_would(site, page, tmp_path):
    reference = start_fence_request(page, site)
    # Looks like a PDF to the browser, is not one: only the server can tell.
    fake = tmp_path / "plan.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf at all")
    page.locator("input[name=site_plan]").set_input_files(fake)

    submit(page, STEP_FORM)

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.url.endswith(f"/dossiers/{reference}/etape/documents/")
    assert_accessible(page)
