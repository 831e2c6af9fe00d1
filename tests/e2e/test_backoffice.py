"""An agent of two units works through the queue: filters, takes a file, notes, rejects, writes."""

from __future__ import annotations

from typing import cast

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from guichet.accounts.models import Unit, User
from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.e2e.conftest import (
    PDF_BYTES,
    PNG_BYTES,
    assert_accessible,
    open_action,
    sign_in_citizen,
    sign_in_staff,
    submit,
)
from tests.factories import CitizenFactory, StaffFactory, make_dossier

NOTE = "Vérifier sur place la hauteur des fils côté rue."
REASON = "La clôture longe une école : l’électrification y est interdite (arrêté de 2021)."
APPLICANT_PHONE = "+22893112233"
TO_SUGGESTER = "Votre suggestion est transmise au commissariat de Bè."
FILTERS = "form[role=search]"

FENCE_ANSWERS = {
    "applicant_type": "person",
    "full_name": "Ama Kpodar",
    "phone": "+22870112233",
    "prefecture": "golfe",
    "commune": "golfe-1",
    "address": "Près de l’école primaire",
    "fence_length_m": 80,
    "public_way": "yes",
    "installer": "Sécurité Plus",
    "work_start": "2099-03-01",
}


def fence_in_review(applicant) -> Dossier:
    """A fence request filed through the real use cases, with its three documents."""
    dossier = make_dossier("cloture-electrifiee", applicant=applicant, answers=dict(FENCE_ANSWERS))
    actor = Actor.for_user(applicant)
    for field_name, name, content in (
        ("id_document", "cni.pdf", PDF_BYTES),
        ("property_title", "titre.png", PNG_BYTES),
        ("site_plan", "plan.pdf", PDF_BYTES),
    ):
        dossiers.attach_document(
            dossier, actor=actor, field_name=field_name, upload=SimpleUploadedFile(name, content)
        )
    dossiers.submit_dossier(dossier, actor=actor)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    return dossier


def queue_references(page: Page) -> list[str]:
    return page.locator(".bo-queue-table a.bo-reference").all_inner_texts()


def filter_queue(page: Page, **choices: str) -> None:
    """Choose in the queue's filter form (on the queue as it stands) and show the result."""
    assert_accessible(page)
    for name, value in choices.items():
        page.locator(f"{FILTERS} select[name={name}]").select_option(value)
    submit(page, FILTERS)
    page.wait_for_url(lambda url: all(f"{name}={value}" in url for name, value in choices.items()))


def test_agent_processes_both_services(site, page, new_context):
    applicant = CitizenFactory(phone=APPLICANT_PHONE)
    fence = fence_in_review(applicant)
    suggestion = make_dossier("suggestion", state=DossierState.IN_REVIEW)
    agent = cast(
        User,
        StaffFactory(
            roles=[
                (Unit.objects.get(code="cabinet"), Role.AGENT),
                (Unit.objects.get(code="protection-civile"), Role.AGENT),
            ]
        ),
    )

    # --- the queue holds both units' files; the filters narrow it ------------------------------
    sign_in_staff(page, site, agent)
    assert sorted(queue_references(page)) == sorted([fence.reference, suggestion.reference])

    filter_queue(page, service="cloture-electrifiee", assignment="nobody")
    assert queue_references(page) == [fence.reference]
    assert_accessible(page)
    page.locator(f"main a[href='/agents/dossiers/{fence.reference}/']").click()
    page.wait_for_url(f"**/agents/dossiers/{fence.reference}/")
    assert_accessible(page)

    # --- take the fence file, leave a note for colleagues ---------------------------------------
    submit(page, f"form[action='/agents/dossiers/{fence.reference}/actions/take/']")
    page.wait_for_url(f"**/agents/dossiers/{fence.reference}/")
    expect(page.locator("form#action-take")).to_have_count(0)
    expect(page.locator(".bo-facts")).to_contain_text(agent.display_name)
    assert_accessible(page)

    open_action(page, "note")
    page.locator("textarea[name=note-text]").fill(NOTE)
    submit(page, f"form[action='/agents/dossiers/{fence.reference}/actions/note/']")
    page.wait_for_url(f"**/agents/dossiers/{fence.reference}/")
    expect(page.locator(".timeline .bo-internal").last).to_contain_text(NOTE)
    assert_accessible(page)

    page.locator("main a.back-link[href='/agents/']").click()
    page.wait_for_url(f"{site}/agents/")
    filter_queue(page, assignment="me")
    assert queue_references(page) == [fence.reference]
    assert_accessible(page)
    page.locator(f"main a[href='/agents/dossiers/{fence.reference}/']").click()
    page.wait_for_url(f"**/agents/dossiers/{fence.reference}/")
    assert_accessible(page)

    # --- reject: a refusal needs its reason, which the applicant will read -----------------------
    open_action(page, "reject")
    submit(page, f"form[action='/agents/dossiers/{fence.reference}/actions/reject/']")
    expect(page.locator(".error-summary a[href='#id_reject-reason']")).to_be_visible()
    expect(page.locator("details#action-reject")).to_have_attribute("open", "")
    assert_accessible(page)
    assert Dossier.objects.get(pk=fence.pk).state == DossierState.IN_REVIEW

    page.locator("textarea[name=reject-reason]").fill(REASON)
    submit(page, f"form[action='/agents/dossiers/{fence.reference}/actions/reject/']")
    page.wait_for_url(f"**/agents/dossiers/{fence.reference}/")
    expect(page.locator(".notice-success")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text(REASON)
    assert_accessible(page)
    assert Dossier.objects.get(pk=fence.pk).state == DossierState.REJECTED

    # --- the suggestion: only the review files of that service, then a message to its author -----
    page.goto(f"{site}/agents/")
    filter_queue(page, service="suggestion", state="in_review")
    assert queue_references(page) == [suggestion.reference]
    assert_accessible(page)
    page.locator(f"main a[href='/agents/dossiers/{suggestion.reference}/']").click()
    page.wait_for_url(f"**/agents/dossiers/{suggestion.reference}/")
    assert_accessible(page)
    open_action(page, "message")
    page.locator("textarea[name=message-message]").fill(TO_SUGGESTER)
    submit(page, f"form[action='/agents/dossiers/{suggestion.reference}/actions/message/']")
    page.wait_for_url(f"**/agents/dossiers/{suggestion.reference}/")
    expect(page.locator(".timeline")).to_contain_text(TO_SUGGESTER)
    assert_accessible(page)
    assert Dossier.objects.get(pk=suggestion.pk).state == DossierState.IN_REVIEW

    # --- the fence applicant reads the reason, never the internal note ---------------------------
    citizen = new_context().new_page()
    sign_in_citizen(citizen, site, typed="93 11 22 33", e164=APPLICANT_PHONE)
    citizen.locator(f"main a[href='/dossiers/{fence.reference}/']").click()
    citizen.wait_for_url(f"**/dossiers/{fence.reference}/")
    expect(citizen.locator(".status-panel")).to_have_class("status-panel status-danger")
    expect(citizen.locator(".timeline")).to_contain_text(REASON)
    expect(citizen.locator("body")).not_to_contain_text(NOTE)
    assert_accessible(citizen)
