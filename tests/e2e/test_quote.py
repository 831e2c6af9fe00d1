"""On a phone: an organiser files a request priced by quote, the commander sets agents and hours
seeing the unit's calendar, the organiser reads the quote and accepts it, and it waits for payment."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier, Quote
from guichet.dossiers.states import DossierState
from tests.dossiers.quote_service import (
    EVENT_DAY,
    publish_quote_service,
    quote_answers,
    quote_dossier_in_review,
    tick_all,
)
from tests.e2e.conftest import (
    assert_accessible,
    open_action,
    reference_in,
    sign_in_citizen,
    sign_in_staff,
    submit,
    wait_for_path,
)
from tests.factories import StaffFactory

PHONE_SCREEN = {"width": 390, "height": 844}
STEP_FORM = "main form[enctype='multipart/form-data']"
REASON = "Deux entrées et un parking à tenir : 6 agents plutôt que 4."


def fits_a_phone(page: Page) -> None:
    """Nothing wider than the screen, and no accessibility violation."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)"
        " + ' ' + (e.textContent || '').trim().slice(0, 40))"
    )
    assert width <= PHONE_SCREEN["width"], f"{page.url} is {width}px wide on a 390px screen: {wide}"
    assert_accessible(page)


def test_the_commander_sets_a_quote_seeing_the_calendar_and_the_organiser_accepts_it(
    project_translations, site, new_context, tmp_path
):
    service = publish_quote_service(tmp_path / "catalog")
    police = Unit.objects.get(code=service.unit.code)
    commander = StaffFactory(roles=[(police, Role.AGENT)])
    # Another event the same day already holds 36 of the unit's 40 agents (the default capacity).
    other = quote_dossier_in_review(service, quote_answers(agents=36))
    tick_all(other, Actor.for_user(commander))
    quotes.propose_quote(other, actor=Actor.for_user(commander), agents=36, hours=8)

    phone = dict(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True, device_scale_factor=3)
    page = new_context(**phone).new_page()

    # --- the organiser files: the file fee is due at once ---------------------------------------
    sign_in_citizen(page, site, typed="+228 92 34 56 78", e164="+22892345678")
    page.goto(f"{site}/demarches/{service.code}/")
    expect(page.locator("main")).to_contain_text("par agent et par heure")
    fits_a_phone(page)
    submit(page, f"main form[action='/demarches/{service.code}/commencer/']")
    wait_for_path(page, "/etape/event/")
    reference = reference_in(page.url)
    fits_a_phone(page)
    page.locator("input[name=event_name]").fill("Mariage Mensah–Adjovi")
    page.locator("input[name=event_date]").fill(EVENT_DAY.isoformat())
    page.locator("input[name=agents_wanted]").fill("4")
    submit(page, STEP_FORM)
    wait_for_path(page, f"/dossiers/{reference}/verifier/")
    fits_a_phone(page)
    submit(page, "main form:has(button.button-start)")
    wait_for_path(page, f"/dossiers/{reference}/confirmation/")
    fits_a_phone(page)
    dossier = Dossier.objects.get(reference=reference)
    assert (dossier.state, dossier.fee_total) == (DossierState.AWAITING_PAYMENT, 5_000)
    # The file fee is paid (guichet.payments records it; its own journeys drive the gateway).
    dossiers.record_payment(dossier, payment_reference="TEST-1", amount=5_000, actor=SYSTEM)

    # --- the commander ticks the checklist and sets the quote, the calendar in view -------------
    office = new_context(**phone).new_page()
    sign_in_staff(office, site, commander)
    office.goto(f"{site}/agents/dossiers/{reference}/")
    calendar = office.locator("table.bo-capacity")
    expect(calendar).to_contain_text(EVENT_DAY.strftime("%d/%m/%Y"))
    # The event's day: 36 committed elsewhere, plus the 4 wished for here.
    expect(calendar.locator("tr.bo-capacity-event")).to_contain_text("40")
    assert_accessible(office)

    open_action(office, "tick_checklist")
    for point in ("venue_ok", "plan_legible"):
        office.locator(f"input[name=tick_checklist-points][value={point}]").check()
    submit(office, f"form[action='/agents/dossiers/{reference}/actions/tick_checklist/']")
    office.wait_for_url(f"**/agents/dossiers/{reference}/")
    expect(office.locator(".bo-checklist")).not_to_contain_text("À vérifier")
    assert_accessible(office)

    office.locator("input[name=propose_quote-agents]").fill("6")
    office.locator("input[name=propose_quote-hours]").fill("5")
    office.locator("textarea[name=propose_quote-reason]").fill(REASON)
    submit(office, f"form[action='/agents/dossiers/{reference}/actions/propose_quote/']")
    office.wait_for_url(f"**/agents/dossiers/{reference}/")
    expect(office.locator(".notice-success")).to_be_visible()
    # 36 + 6 = 42 agents that day, over the 40 the unit can field: said, not blocked.
    expect(office.locator("main")).to_contain_text("42 agents engagés pour une capacité de 40")
    expect(office.locator("tr.bo-capacity-event")).to_contain_text("capacité dépassée")
    assert_accessible(office)
    assert Quote.objects.get(dossier__reference=reference).total == 60_000

    office.goto(f"{site}/agents/calendrier/?unit={police.code}&month={EVENT_DAY:%Y-%m}")
    expect(office.locator("table.bo-calendar")).to_contain_text(reference)
    assert_accessible(office)

    # --- the organiser reads the quote, with why it differs, and accepts it ----------------------
    page.goto(f"{site}/dossiers/{reference}/")
    quote = page.locator("section#quote")
    expect(quote).to_contain_text("vous en souhaitiez 4")
    expect(quote).to_contain_text(REASON)
    expect(quote).to_contain_text("60\u202f000")
    fits_a_phone(page)
    quote.locator("button[type=submit]").tap()
    page.wait_for_url(f"**/dossiers/{reference}/")
    expect(page.locator(".notice-success")).to_be_visible()
    expect(page.locator(".status-panel")).to_contain_text("60\u202f000\u00a0FCFA")
    expect(page.locator("section#quote")).to_have_count(0)
    fits_a_phone(page)
    dossier.refresh_from_db()
    assert (dossier.state, dossier.fee_total) == (DossierState.AWAITING_PAYMENT, 60_000)
