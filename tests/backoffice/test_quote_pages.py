"""Back-office pages of the quote workflow: the checklist, the quote beside the capacity, the calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings

from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.dossiers import quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import ChecklistTick, Quote
from guichet.dossiers.states import DossierState
from tests.backoffice.conftest import sign_in_staff
from tests.dossiers.quote_service import EVENT_DAY, publish_quote_service, quote_dossier_in_review, tick_all
from tests.factories import CitizenFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db
S = DossierState


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def dossier(tmp_path):
    return quote_dossier_in_review(publish_quote_service(tmp_path / "catalog"))


def _url(dossier, action: str = "") -> str:
    base = f"/agents/dossiers/{dossier.reference}/"
    return f"{base}actions/{action}/" if action else base


def _get(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_agent_ticks_the_checklist_on_the_dossier_page(client, dossier):
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    sign_in_staff(client, agent)
    html = _get(client, _url(dossier))
    assert "Venue authorized" in html
    assert 'name="tick_checklist-points"' in html

    response = client.post(_url(dossier, "tick_checklist"), {"tick_checklist-points": ["venue_ok"]})
    assert response.status_code == 302
    tick = ChecklistTick.objects.get(dossier=dossier, key="venue_ok")
    assert (tick.ticked, tick.by) == (True, agent)
    assert not ChecklistTick.objects.filter(key="plan_legible").exists()


def test_setting_a_quote_shows_the_days_around_the_event_and_warns_over_capacity(client, dossier):
    commander = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    tick_all(dossier, Actor.for_user(commander))
    sign_in_staff(client, commander)
    with override_settings(GUICHET={**settings.GUICHET, "UNIT_CAPACITY": {dossier.unit.code: 5}}):
        html = _get(client, _url(dossier))
        assert "Quote and capacity" in html
        assert EVENT_DAY.strftime("%d/%m/%Y") in html
        assert 'name="propose_quote-agents"' in html
        assert 'value="4"' in html  # the applicant's wish is where the commander starts

        # Without a reason, a number other than the wish is refused and what was typed stays.
        response = client.post(
            _url(dossier, "propose_quote"), {"propose_quote-agents": "8", "propose_quote-hours": "5"}
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "The applicant asked for 4 agents: say why you set 8." in html
        assert 'value="8"' in html
        assert "over capacity" in html  # the day as it would stand with 8 agents
        assert not Quote.objects.exists()

        response = client.post(
            _url(dossier, "propose_quote"),
            {
                "propose_quote-agents": "8",
                "propose_quote-hours": "5",
                "propose_quote-reason": "Foule attendue.",
            },
            follow=True,
        )
    html = response.content.decode()
    assert "The quote is sent to the applicant" in html
    assert "Warning: on" in html
    assert "8 agents committed for a capacity of 5" in html
    quote = Quote.objects.get()
    assert (quote.agents, quote.hours, quote.total, quote.reason) == (8, 5, 80_000, "Foule attendue.")


def test_bad_figures_get_a_clear_message_and_nothing_is_set(client, dossier):
    commander = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    tick_all(dossier, Actor.for_user(commander))
    sign_in_staff(client, commander)
    response = client.post(
        _url(dossier, "propose_quote"), {"propose_quote-agents": "six", "propose_quote-hours": "0"}
    )
    html = response.content.decode()
    assert "Give the number of agents as a whole number, for example 6." in html
    assert "Give at least 1 hour." in html
    assert not Quote.objects.exists()


def test_a_rejection_offers_the_checklist_points(client, dossier):
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    sign_in_staff(client, agent)
    assert 'name="reject-failed_points"' in _get(client, _url(dossier))
    response = client.post(
        _url(dossier, "reject"),
        {"reject-reason": "Plan illisible.", "reject-failed_points": ["plan_legible"]},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.REJECTED
    assert dossier.events.get(to_state=S.REJECTED).data == {"failed_points": ["plan_legible"]}
    assert "Points that failed: Site plan legible" in _get(client, _url(dossier))


def test_who_may_not_set_a_quote_changes_nothing(client, dossier):
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])
    sign_in_staff(client, cashier)
    response = client.post(
        _url(dossier, "propose_quote"), {"propose_quote-agents": "4", "propose_quote-hours": "5"}
    )
    assert response.status_code == 403
    client.logout()
    sign_in_staff(client, StaffFactory(roles=[(UnitFactory(code="ailleurs"), Role.SUPERVISOR)]))
    response = client.post(
        _url(dossier, "propose_quote"), {"propose_quote-agents": "4", "propose_quote-hours": "5"}
    )
    assert response.status_code == 404
    assert not Quote.objects.exists()


# --- the calendar ------------------------------------------------------------------------------


def test_the_calendar_lists_the_month_for_the_units_staff(client, dossier):
    commander = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    tick_all(dossier, Actor.for_user(commander))
    quotes.propose_quote(dossier, actor=Actor.for_user(commander), agents=4, hours=5)
    sign_in_staff(client, commander)
    html = _get(client, f"/agents/calendrier/?unit={dossier.unit.code}&month={EVENT_DAY:%Y-%m}")
    assert "Capacity calendar" in html
    assert dossier.reference in html
    assert "4 agents" in html
    # A bad month falls back on the current one rather than failing.
    assert "Capacity calendar" in _get(client, f"/agents/calendrier/?unit={dossier.unit.code}&month=2026-13")


def test_another_units_calendar_is_not_found_and_strangers_are_turned_away(client, dossier):
    elsewhere = StaffFactory(roles=[(UnitFactory(code="ailleurs"), Role.AGENT)])
    sign_in_staff(client, elsewhere)
    response = client.get(f"/agents/calendrier/?unit={dossier.unit.code}")
    assert response.status_code == 404
    assert dossier.reference not in response.content.decode()
    client.logout()
    response = client.get("/agents/calendrier/")
    assert response.status_code == 302  # to the staff sign-in
    client.force_login(CitizenFactory())
    assert client.get("/agents/calendrier/").status_code == 302


def test_months_move_back_and_forth_across_the_year():
    from guichet.backoffice.calendar import _month, _shift

    first = _month("2026-12", dt.date(2026, 5, 3))
    assert first == dt.date(2026, 12, 1)
    assert _shift(first, 1) == dt.date(2027, 1, 1)
    assert _shift(dt.date(2027, 1, 1), -1) == dt.date(2026, 12, 1)
    assert _month("nonsense", dt.date(2026, 5, 3)) == dt.date(2026, 5, 1)


def test_approving_with_points_unticked_says_which_and_keeps_the_note(client, tmp_path):
    from tests.dossiers.conftest import publish_file
    from tests.dossiers.test_checklist import CHECKED_SERVICE

    service = publish_file(tmp_path, "essai-liste", CHECKED_SERVICE)
    applicant = Actor.for_user(CitizenFactory())
    checked = dossiers.start_dossier(service, actor=applicant, language="fr")
    dossiers.save_answers(checked, actor=applicant, answers={"reason": "Une raison."})
    dossiers.submit_dossier(checked, actor=applicant)
    agent = StaffFactory(roles=[(checked.unit, Role.AGENT)])
    sign_in_staff(client, agent)
    dossiers.tick_checklist(checked, actor=Actor.for_user(agent), ticked=["record_recent"])

    response = client.post(_url(checked, "approve"), {"approve-note": "Conforme."})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tick every point of the checklist before approving. Not ticked: Plate matches" in html
    assert "Conforme." in html  # what was typed stays
    checked.refresh_from_db()
    assert checked.state == S.IN_REVIEW


def test_the_queue_counts_and_filters_files_awaiting_the_applicants_answer_to_a_quote(client, dossier):
    commander = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    tick_all(dossier, Actor.for_user(commander))
    quotes.propose_quote(dossier, actor=Actor.for_user(commander), agents=4, hours=5)
    sign_in_staff(client, commander)
    html = _get(client, "/agents/?state=quote_proposed")
    assert dossier.reference in html
    assert "Quote proposed" in html
    html = _get(client, "/agents/?state=in_review")
    assert dossier.reference not in html
