"""Quotes as use cases: who may set one, revisions, the applicant's answer, amounts, capacity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings

from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.core.actors import SYSTEM, Actor
from guichet.core.errors import DomainError, InvalidInput, PermissionRefused
from guichet.dossiers import capacity, quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.actions import ActionName, available_actions
from guichet.dossiers.models import Dossier, EventKind, FeeRevision, Quote, QuoteStatus
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from tests.dossiers.quote_service import (
    EVENT_DAY,
    publish_quote_service,
    quote_answers,
    quote_dossier_in_review,
    tick_all,
)
from tests.factories import CitizenFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db
S = DossierState
FEES = {
    "tinted_windows_review": 10_000,
    "tinted_windows_stamp": 2_000,
    "event_file_fee": 5_000,
    "event_agent_hour": 2_000,
    "entry_15_days": 35_000,
    "entry_30_days": 45_000,
    "entry_90_days": 65_000,
}


def guichet_settings(**changes: object) -> override_settings:
    return override_settings(GUICHET={**settings.GUICHET, **changes})


@pytest.fixture
def quoted(tmp_path):
    return publish_quote_service(tmp_path / "catalog")


@pytest.fixture
def reviewed(quoted) -> tuple[Dossier, Actor]:
    """A dossier in review, its checklist ticked by a commander (an agent: DECIDE in the unit)."""
    dossier = quote_dossier_in_review(quoted)
    commander = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    tick_all(dossier, commander)
    return dossier, commander


def test_the_file_fee_is_due_at_filing_and_recorded_in_the_fee_history(quoted):
    applicant = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(quoted, actor=applicant, language="fr")
    dossiers.save_answers(dossier, actor=applicant, answers=quote_answers())
    dossiers.submit_dossier(dossier, actor=applicant)
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_PAYMENT
    assert dossier.fee_total == 5_000
    assert dossier.fee_lines == [{"label": {"fr": "Frais de dossier", "en": "File fee"}, "amount": 5_000}]
    revision = FeeRevision.objects.get(dossier=dossier)
    assert (revision.reason, revision.total) == ("filed", 5_000)


def test_a_commander_sets_the_quote_agents_times_hours_times_rate(
    reviewed, django_capture_on_commit_callbacks
):
    dossier, commander = reviewed
    with django_capture_on_commit_callbacks(execute=True):
        quote = quotes.propose_quote(dossier, actor=commander, agents=4, hours=6)
    dossier.refresh_from_db()
    assert dossier.state == S.QUOTE_PROPOSED
    assert (quote.agents, quote.hours, quote.hourly_rate, quote.total) == (4, 6, 2_000, 48_000)
    assert quote.lines == [
        {
            "label": {
                "fr": "Couverture sécuritaire : 4 agents × 6 h",
                "en": "Security coverage: 4 agents × 6 h",
            },
            "amount": 48_000,
        }
    ]
    assert (quote.requested_agents, quote.event_date, quote.proposed_by) == (4, EVENT_DAY, commander.user)
    event = dossier.events.get(kind=EventKind.QUOTE_PROPOSED)
    assert event.public
    assert event.data["total"] == 48_000
    audit = AuditEvent.objects.filter(verb="dossier.quote_proposed").get()
    assert (audit.data["agents"], audit.data["hours"], audit.data["total"]) == (4, 6, 48_000)
    assert Notification.objects.filter(event="dossier_quote_proposed").exists()
    # The SLA clock waits for the applicant, as for a request for information.
    assert dossier.paused_on is not None


@guichet_settings(FEES={**FEES, "event_agent_hour": 3_500})
def test_the_hourly_rate_comes_from_the_settings_of_the_day(reviewed):
    dossier, commander = reviewed
    quote = quotes.propose_quote(dossier, actor=commander, agents=2, hours=3, reason="Petite salle.")
    assert (quote.hourly_rate, quote.total) == (3_500, 21_000)


def test_a_different_number_of_agents_needs_a_reason_the_applicant_reads(reviewed):
    dossier, commander = reviewed
    with pytest.raises(InvalidInput, match="asked for 4 agents: say why you set 10") as refused:
        quotes.propose_quote(dossier, actor=commander, agents=10, hours=5)
    assert "reason" in refused.value.errors
    assert not Quote.objects.exists()
    quotes.propose_quote(
        dossier, actor=commander, agents=10, hours=5, reason="Concert en plein air : 2 000 personnes."
    )
    assert Quote.objects.get().reason == "Concert en plein air : 2 000 personnes."


@pytest.mark.parametrize(
    ("agents", "hours", "field"), [(0, 5, "agents"), (4, 0, "hours"), (1001, 5, "agents"), (4, 169, "hours")]
)
def test_agents_and_hours_are_whole_numbers_within_bounds(reviewed, agents, hours, field):
    dossier, commander = reviewed
    with pytest.raises(InvalidInput) as refused:
        quotes.propose_quote(dossier, actor=commander, agents=agents, hours=hours, reason="x")
    assert field in refused.value.errors
    assert not Quote.objects.exists()


def test_a_quote_waits_for_the_checklist(quoted):
    dossier = quote_dossier_in_review(quoted)
    commander = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    dossiers.tick_checklist(dossier, actor=commander, ticked=["venue_ok"])
    with pytest.raises(InvalidInput, match="Not ticked: Site plan legible"):
        quotes.propose_quote(dossier, actor=commander, agents=4, hours=5)
    assert Dossier.objects.get(pk=dossier.pk).state == S.IN_REVIEW


def test_only_staff_who_decide_in_the_unit_set_a_quote(reviewed):
    dossier, _commander = reviewed
    strangers = [
        Actor.for_user(CitizenFactory()),
        Actor.for_user(dossier.applicant),
        Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.CASHIER)])),
        Actor.for_user(StaffFactory(roles=[(UnitFactory(code="ailleurs"), Role.SUPERVISOR)])),
    ]
    for stranger in strangers:
        assert ActionName.PROPOSE_QUOTE not in available_actions(dossier, stranger)
        with pytest.raises(PermissionRefused):
            quotes.propose_quote(dossier, actor=stranger, agents=4, hours=5)
    assert not Quote.objects.exists()


def test_a_revision_replaces_the_quote_with_a_reason_until_the_applicant_answers(reviewed):
    dossier, commander = reviewed
    first = quotes.propose_quote(dossier, actor=commander, agents=4, hours=6)
    with pytest.raises(InvalidInput, match="Say why the quote changes"):
        quotes.propose_quote(dossier, actor=commander, agents=4, hours=4)
    second = quotes.propose_quote(
        dossier, actor=commander, agents=4, hours=4, reason="Fin à 22 h, pas minuit."
    )
    first.refresh_from_db()
    assert (first.status, second.status, second.number, second.total) == (
        QuoteStatus.SUPERSEDED,
        QuoteStatus.PROPOSED,
        2,
        32_000,
    )
    assert Dossier.objects.get(pk=dossier.pk).state == S.QUOTE_PROPOSED
    # The applicant answers the quote they read: the first one is gone.
    applicant = Actor.for_user(dossier.applicant)
    with pytest.raises(DomainError, match="changed while you were reading it"):
        quotes.accept_quote(dossier, actor=applicant, number=1)
    quotes.accept_quote(dossier, actor=applicant, number=2)
    # Accepted: it no longer changes.
    dossiers.transition_dossier(dossier, to=S.PAID, actor=SYSTEM)
    dossiers.transition_dossier(dossier, to=S.IN_REVIEW, actor=SYSTEM)
    with pytest.raises(DomainError, match="accepted the quote: it can no longer change"):
        quotes.propose_quote(dossier, actor=commander, agents=6, hours=4, reason="Plus.")


def test_accepting_makes_the_quote_what_is_due_then_payment_allows_confirming_coverage(reviewed):
    dossier, commander = reviewed
    quotes.propose_quote(dossier, actor=commander, agents=5, hours=4, reason="Deux entrées à tenir.")
    applicant = Actor.for_user(dossier.applicant)
    assert ActionName.APPROVE not in available_actions(dossier, commander)

    quotes.accept_quote(dossier, actor=applicant, number=1)
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_PAYMENT
    assert dossier.paused_on is None  # the clock runs again once the applicant has answered
    assert (dossier.fee_total, dossier.fee_lines[0]["amount"]) == (40_000, 40_000)
    assert list(FeeRevision.objects.filter(dossier=dossier).values_list("reason", "total")) == [
        ("filed", 5_000),
        ("quote_accepted", 40_000),
    ]
    assert Quote.objects.get().status == QuoteStatus.ACCEPTED
    assert AuditEvent.objects.filter(verb="dossier.quote_accepted").count() == 1
    # Not paid yet: coverage cannot be confirmed.
    with pytest.raises(DomainError, match="Awaiting payment"):
        dossiers.approve_dossier(dossier, actor=commander)

    # What guichet.payments does once the gateway confirms.
    dossiers.transition_dossier(dossier, to=S.PAID, actor=SYSTEM)
    dossiers.transition_dossier(dossier, to=S.IN_REVIEW, actor=SYSTEM)
    assert Quote.objects.get().paid_at is not None
    assert ActionName.APPROVE in available_actions(dossier, commander)
    dossiers.approve_dossier(dossier, actor=commander, note="Couverture confirmée.")
    assert Dossier.objects.get(pk=dossier.pk).state == S.APPROVED


def test_before_any_quote_approving_is_refused_with_the_reason(reviewed):
    dossier, commander = reviewed
    with pytest.raises(DomainError, match="accepted and paid the quote"):
        dossiers.approve_dossier(dossier, actor=commander)


def test_declining_closes_the_file(reviewed):
    dossier, commander = reviewed
    quotes.propose_quote(dossier, actor=commander, agents=5, hours=4, reason="Deux entrées à tenir.")
    applicant = Actor.for_user(dossier.applicant)
    quotes.decline_quote(dossier, actor=applicant, number=1, reason="Trop cher.")
    dossier.refresh_from_db()
    assert dossier.state == S.QUOTE_DECLINED
    assert dossier.fee_total == 5_000  # nothing more is owed
    assert Quote.objects.get().status == QuoteStatus.DECLINED
    assert dossier.events.filter(to_state=S.QUOTE_DECLINED).get().text == "Trop cher."
    assert available_actions(dossier, applicant) == frozenset()
    with pytest.raises(DomainError):
        quotes.accept_quote(dossier, actor=applicant, number=1)


def test_only_the_applicant_answers_the_quote(reviewed):
    dossier, commander = reviewed
    quotes.propose_quote(dossier, actor=commander, agents=5, hours=4, reason="Deux entrées à tenir.")
    for stranger in (commander, Actor.for_user(CitizenFactory())):
        with pytest.raises(PermissionRefused):
            quotes.accept_quote(dossier, actor=stranger, number=1)
        with pytest.raises(PermissionRefused):
            quotes.decline_quote(dossier, actor=stranger, number=1)
    assert Dossier.objects.get(pk=dossier.pk).state == S.QUOTE_PROPOSED


def test_a_service_without_a_quote_refuses_one(paid_service):
    from tests.dossiers.test_services import paid_in_review

    dossier = paid_in_review(paid_service)
    agent = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    with pytest.raises(DomainError, match="has no quote"):
        quotes.propose_quote(dossier, actor=agent, agents=2, hours=2)


# --- capacity ------------------------------------------------------------------------------


@guichet_settings(UNIT_CAPACITY={"police": 10})
def test_agents_committed_count_live_quotes_of_the_unit_on_the_day(quoted):
    first = quote_dossier_in_review(quoted)
    commander = Actor.for_user(StaffFactory(roles=[(first.unit, Role.AGENT)]))
    tick_all(first, commander)
    quotes.propose_quote(first, actor=commander, agents=4, hours=5)
    second = quote_dossier_in_review(quoted, quote_answers(agents=7))
    tick_all(second, commander)
    quotes.propose_quote(second, actor=commander, agents=7, hours=5)
    other_day = quote_dossier_in_review(quoted, quote_answers(day=EVENT_DAY + dt.timedelta(days=1), agents=3))
    tick_all(other_day, commander)
    quotes.propose_quote(other_day, actor=commander, agents=3, hours=5)

    assert capacity.unit_capacity(first.unit) == 10
    load = capacity.day_load(first.unit, EVENT_DAY)
    assert (load.committed, load.capacity, load.over) == (11, 10, True)
    # Weighing a revision of the first file: its own quote is left out, the new number put in.
    assert capacity.day_load(first.unit, EVENT_DAY, adding=2, excluding_dossier_id=first.pk).committed == 9
    # A declined quote commits nobody.
    quotes.decline_quote(second, actor=Actor.for_user(second.applicant), number=1)
    assert capacity.committed_agents(first.unit, EVENT_DAY) == 4
    month = capacity.month_loads(first.unit, EVENT_DAY.year, EVENT_DAY.month)
    by_day = {load.day: load for load in month}
    assert (by_day[EVENT_DAY].committed, by_day[EVENT_DAY].files) == (4, 1)
    if (EVENT_DAY + dt.timedelta(days=1)).month == EVENT_DAY.month:
        assert by_day[EVENT_DAY + dt.timedelta(days=1)].committed == 3


def test_the_capacity_default_applies_to_units_not_named():
    unit = UnitFactory(code="gendarmerie")
    with guichet_settings(UNIT_CAPACITY={}, UNIT_CAPACITY_DEFAULT=25):
        assert capacity.unit_capacity(unit) == 25


# --- races (PostgreSQL: SQLite serialises writers) ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_revision_racing_an_acceptance_never_leaves_an_unseen_price_accepted(tmp_path):
    from django.db import connection

    from tests.concurrency import race

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    quoted = publish_quote_service(tmp_path / "catalog")
    for _round in range(4):
        dossier = quote_dossier_in_review(quoted)
        commander = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
        tick_all(dossier, commander)
        quotes.propose_quote(dossier, actor=commander, agents=4, hours=5)
        applicant = Actor.for_user(dossier.applicant)
        outcomes = race(
            lambda d=dossier, a=applicant: quotes.accept_quote(d, actor=a, number=1),
            lambda d=dossier, c=commander: quotes.propose_quote(
                d, actor=c, agents=9, hours=5, reason="Plus de monde."
            ),
        )
        assert outcomes == ["done", "refused"], outcomes  # one wins, the other is told why
        live = Quote.objects.filter(dossier=dossier, status__in=[QuoteStatus.PROPOSED, QuoteStatus.ACCEPTED])
        assert live.count() == 1
        stored = Dossier.objects.get(pk=dossier.pk)
        if stored.state == S.AWAITING_PAYMENT:
            # Accepted first: what is owed is quote 1, and the revision was refused.
            assert (live.get().number, stored.fee_total) == (1, 40_000)
        else:
            # Revised first: quote 2 waits for an answer, and accepting number 1 was refused.
            assert (stored.state, live.get().number, stored.fee_total) == (S.QUOTE_PROPOSED, 2, 5_000)


def test_an_event_over_several_days_commits_its_agents_each_day(quoted):
    last_day = EVENT_DAY + dt.timedelta(days=2)
    dossier = quote_dossier_in_review(quoted, {**quote_answers(agents=5), "end_date": last_day.isoformat()})
    commander = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    tick_all(dossier, commander)
    quote = quotes.propose_quote(dossier, actor=commander, agents=5, hours=30)
    assert (quote.event_date, quote.event_end_date) == (EVENT_DAY, last_day)
    for offset in range(-1, 4):
        day = EVENT_DAY + dt.timedelta(days=offset)
        assert capacity.committed_agents(dossier.unit, day) == (5 if 0 <= offset <= 2 else 0), offset
    loads = {
        load.day: load.committed
        for month in {(EVENT_DAY.year, EVENT_DAY.month), (last_day.year, last_day.month)}
        for load in capacity.month_loads(dossier.unit, *month)
    }
    assert [loads[EVENT_DAY + dt.timedelta(days=offset)] for offset in range(3)] == [5, 5, 5]
