"""Every action in every state: what is available works, what is not changes nothing and sends nothing.

The expected table below is written from the procedure, not from `available_actions`: the
test checks both the use cases and what the back office and the portal are told to offer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from guichet.accounts.models import User
from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.catalog.models import Service
from guichet.core.actors import SYSTEM, Actor
from guichet.core.errors import DomainError, PermissionRefused
from guichet.demo.files import demo_png
from guichet.dossiers import quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.actions import ActionName, available_actions, is_applicant
from guichet.dossiers.models import Dossier, DossierEvent
from guichet.dossiers.states import ANSWER, DECISION, QUOTE, DossierState
from guichet.notifications.models import Notification
from tests.dossiers.conftest import DECIDED_ANSWERS
from tests.dossiers.quote_service import publish_quote_service, quote_answers, tick_all
from tests.factories import (
    SUGGESTION_ANSWERS,
    CitizenFactory,
    StaffFactory,
    UnitFactory,
    make_dossier,
    service,
)

pytestmark = pytest.mark.django_db

S = DossierState
A = ActionName
OPEN = {S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.IN_REVIEW, S.INFO_REQUESTED}
# The states a decided or answered file can be in (the quote workflow has its own table below).
EVERY_STATE = set(DECISION.states | ANSWER.states)

# Where each action is allowed (for an unassigned dossier of a service with the right workflow).
ALLOWED_IN: dict[ActionName, set[DossierState]] = {
    A.TAKE: OPEN,
    A.ASSIGN: OPEN,
    A.REQUEST_INFO: {S.IN_REVIEW},
    A.APPROVE: {S.IN_REVIEW},
    A.REJECT: {S.IN_REVIEW},
    A.ANSWER: {S.IN_REVIEW},
    # After a decision the ministry may still write; not once the applicant withdrew.
    A.MESSAGE: EVERY_STATE - {S.DRAFT, S.WITHDRAWN},
    A.NOTE: EVERY_STATE - {S.DRAFT},
    A.EDIT_DRAFT: {S.DRAFT},
    A.WITHDRAW: {S.DRAFT, S.SUBMITTED, S.AWAITING_PAYMENT, S.IN_REVIEW, S.INFO_REQUESTED},
    A.PROVIDE_INFORMATION: {S.INFO_REQUESTED},
    A.WRITE_TO_MINISTRY: OPEN,
    # Neither service has a checklist nor a quote.
    A.TICK_CHECKLIST: set(),
    A.PROPOSE_QUOTE: set(),
    A.ACCEPT_QUOTE: set(),
    A.DECLINE_QUOTE: set(),
}
DECIDED_BY_DECISION = {A.APPROVE, A.REJECT}
STAFF = {
    A.TAKE,
    A.ASSIGN,
    A.REQUEST_INFO,
    A.APPROVE,
    A.REJECT,
    A.ANSWER,
    A.MESSAGE,
    A.NOTE,
    A.TICK_CHECKLIST,
    A.PROPOSE_QUOTE,
}

# The quote workflow (event security), for a dossier of a service with a checklist whose quote
# is not accepted yet: coverage is confirmed (approved) only once the quote is paid (see
# test_quote.py), so approve is nowhere here.
QUOTE_OPEN = OPEN | {S.QUOTE_PROPOSED}
QUOTE_EVERY_STATE = set(QUOTE.states)
ALLOWED_IN_QUOTE: dict[ActionName, set[DossierState]] = {
    A.TAKE: QUOTE_OPEN,
    A.ASSIGN: QUOTE_OPEN,
    A.REQUEST_INFO: {S.IN_REVIEW},
    A.APPROVE: set(),
    A.REJECT: {S.IN_REVIEW},
    A.ANSWER: set(),
    A.MESSAGE: QUOTE_EVERY_STATE - {S.DRAFT, S.WITHDRAWN},
    A.NOTE: QUOTE_EVERY_STATE - {S.DRAFT},
    A.TICK_CHECKLIST: {S.IN_REVIEW},
    # Set in review, revised while proposed.
    A.PROPOSE_QUOTE: {S.IN_REVIEW, S.QUOTE_PROPOSED},
    A.EDIT_DRAFT: {S.DRAFT},
    A.WITHDRAW: {S.DRAFT, S.SUBMITTED, S.AWAITING_PAYMENT, S.IN_REVIEW, S.INFO_REQUESTED, S.QUOTE_PROPOSED},
    A.PROVIDE_INFORMATION: {S.INFO_REQUESTED},
    A.WRITE_TO_MINISTRY: QUOTE_OPEN,
    A.ACCEPT_QUOTE: {S.QUOTE_PROPOSED},
    A.DECLINE_QUOTE: {S.QUOTE_PROPOSED},
}


@dataclass(frozen=True)
class World:
    dossier: Dossier
    applicant: Actor
    supervisor: Actor
    agent: User


def _quote_number(w: World) -> int:
    quote = quotes.live_quote(w.dossier)
    return quote.number if quote else 1


def _propose(w: World) -> object:
    if w.dossier.state == S.IN_REVIEW and w.dossier.definition.checklist:
        tick_all(w.dossier, w.supervisor)  # a quote is set once the file is reviewed
    return quotes.propose_quote(w.dossier, actor=w.supervisor, agents=4, hours=5, reason="Vu.")


CALLS: dict[ActionName, Callable[[World], object]] = {
    A.TAKE: lambda w: dossiers.assign_dossier(w.dossier, actor=w.supervisor, assignee=w.supervisor.user),
    A.ASSIGN: lambda w: dossiers.assign_dossier(w.dossier, actor=w.supervisor, assignee=w.agent),
    A.REQUEST_INFO: lambda w: dossiers.request_information(
        w.dossier, actor=w.supervisor, message="Précisez."
    ),
    A.APPROVE: lambda w: dossiers.approve_dossier(w.dossier, actor=w.supervisor, note="Conforme."),
    A.REJECT: lambda w: dossiers.reject_dossier(w.dossier, actor=w.supervisor, reason="Hors délai."),
    A.ANSWER: lambda w: dossiers.answer_dossier(w.dossier, actor=w.supervisor, answer="Merci."),
    A.MESSAGE: lambda w: dossiers.send_message_to_applicant(
        w.dossier, actor=w.supervisor, message="Bonjour."
    ),
    A.NOTE: lambda w: dossiers.add_internal_note(w.dossier, actor=w.supervisor, text="Vu."),
    A.EDIT_DRAFT: lambda w: dossiers.save_answers(
        w.dossier,
        actor=w.applicant,
        answers={"event_name": "Autre"} if w.dossier.service.code == "essai-devis" else {"subject": "Autre"},
    ),
    A.WITHDRAW: lambda w: dossiers.withdraw_dossier(w.dossier, actor=w.applicant, reason="Plus utile."),
    A.PROVIDE_INFORMATION: lambda w: dossiers.answer_information_request(
        w.dossier, actor=w.applicant, message="Voici."
    ),
    A.WRITE_TO_MINISTRY: lambda w: dossiers.send_message_to_ministry(
        w.dossier, actor=w.applicant, message="Une précision."
    ),
    A.TICK_CHECKLIST: lambda w: dossiers.tick_checklist(w.dossier, actor=w.supervisor, ticked=["venue_ok"]),
    A.PROPOSE_QUOTE: _propose,
    A.ACCEPT_QUOTE: lambda w: quotes.accept_quote(w.dossier, actor=w.applicant, number=_quote_number(w)),
    A.DECLINE_QUOTE: lambda w: quotes.decline_quote(w.dossier, actor=w.applicant, number=_quote_number(w)),
}


def _in_state(filed_for: Service, answers: dict[str, object], state: DossierState) -> Dossier:
    """A dossier in `state`: through the use cases where they lead there, else set as a fixture."""
    applicant = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(filed_for, actor=applicant, language="fr")
    dossiers.save_answers(dossier, actor=applicant, answers=answers)
    if state == S.DRAFT:
        return dossier
    dossiers.submit_dossier(dossier, actor=Actor.for_user(dossier.applicant))
    if dossier.definition.workflow == QUOTE.name and state not in {S.SUBMITTED, S.AWAITING_PAYMENT}:
        # The file fee paid, as guichet.payments would record it.
        dossiers.transition_dossier(dossier, to=S.PAID, actor=SYSTEM)
        dossiers.transition_dossier(dossier, to=S.IN_REVIEW, actor=SYSTEM)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    if state == S.INFO_REQUESTED:
        dossiers.request_information(dossier, actor=Actor.for_user(agent), message="Précisez.")
    elif state in {S.QUOTE_PROPOSED, S.QUOTE_DECLINED}:
        tick_all(dossier, Actor.for_user(agent))
        quotes.propose_quote(dossier, actor=Actor.for_user(agent), agents=4, hours=5)
        if state == S.QUOTE_DECLINED:
            quotes.decline_quote(dossier, actor=applicant, number=1)
    elif state != S.IN_REVIEW:
        # Payment, issuing and expiry belong to apps not built yet: their states are set directly.
        Dossier.objects.filter(pk=dossier.pk).update(state=state)
    dossier.refresh_from_db()
    return dossier


@dataclass(frozen=True)
class Snapshot:
    state: str
    assigned_to_id: int | None
    answers: dict[str, object]
    events: int
    audit_rows: int
    notifications: int

    @classmethod
    def of(cls, dossier: Dossier) -> Snapshot:
        stored = Dossier.objects.get(pk=dossier.pk)
        return cls(
            stored.state,
            stored.assigned_to_id,
            stored.answers,
            DossierEvent.objects.filter(dossier=dossier).count(),
            AuditEvent.objects.count(),
            Notification.objects.count(),
        )


def _world(dossier: Dossier) -> World:
    return World(
        dossier=dossier,
        applicant=Actor.for_user(dossier.applicant),
        supervisor=Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])),
        agent=StaffFactory(roles=[(dossier.unit, Role.AGENT)]),
    )


# One test per state, every action in it on a fresh dossier (the catalogue loads once per test).
@pytest.mark.parametrize("state", sorted(EVERY_STATE), ids=str)
def test_every_action_in_every_state(decided_service, state, django_capture_on_commit_callbacks):
    for action in A:
        if action in DECIDED_BY_DECISION:
            dossier = _in_state(decided_service, dict(DECIDED_ANSWERS), state)
        else:
            dossier = _in_state(service("suggestion"), dict(SUGGESTION_ANSWERS), state)
        world = _world(dossier)
        actor = world.supervisor if action in STAFF else world.applicant
        allowed = state in ALLOWED_IN[action]
        assert (action in available_actions(dossier, actor)) == allowed, action
        before = Snapshot.of(dossier)

        if allowed:
            CALLS[action](world)
            assert Snapshot.of(dossier) != before, action
            continue
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DomainError) as refused:
            CALLS[action](world)
        # The right person asked: the refusal is about the file, not about who they are.
        assert not isinstance(refused.value, PermissionRefused), action
        assert str(refused.value), action
        assert callbacks == [], action
        assert Snapshot.of(dossier) == before, action


@pytest.mark.parametrize("state", sorted(QUOTE_EVERY_STATE), ids=str)
def test_every_action_in_every_state_of_the_quote_workflow(
    tmp_path, state, django_capture_on_commit_callbacks
):
    quoted = publish_quote_service(tmp_path / "catalog")
    for action in A:
        dossier = _in_state(quoted, quote_answers(agents=4), state)
        world = _world(dossier)
        actor = world.supervisor if action in STAFF else world.applicant
        allowed = state in ALLOWED_IN_QUOTE[action]
        assert (action in available_actions(dossier, actor)) == allowed, action
        before = Snapshot.of(dossier)

        if allowed:
            CALLS[action](world)
            assert Snapshot.of(dossier) != before, action
            continue
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DomainError) as refused:
            CALLS[action](world)
        assert not isinstance(refused.value, PermissionRefused), action
        assert str(refused.value), action
        assert callbacks == [], action
        assert Snapshot.of(dossier) == before, action


def test_nobody_else_takes_an_action_even_when_the_file_allows_it(decided_service, tmp_path):
    elsewhere = UnitFactory(code="elsewhere")
    quoted = publish_quote_service(tmp_path / "catalog")
    for action in A:
        if not ALLOWED_IN[action]:
            state = sorted(ALLOWED_IN_QUOTE[action])[0]
            dossier = _in_state(quoted, quote_answers(), state)
        elif action in DECIDED_BY_DECISION:
            state = sorted(ALLOWED_IN[action])[0]
            dossier = _in_state(decided_service, dict(DECIDED_ANSWERS), state)
        else:
            state = sorted(ALLOWED_IN[action])[0]
            dossier = _in_state(service("suggestion"), dict(SUGGESTION_ANSWERS), state)
        strangers = [
            Actor.for_user(CitizenFactory()),
            Actor.for_user(StaffFactory(roles=[(elsewhere, Role.SUPERVISOR)])),
            Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.CASHIER)])),
            # Staff never act as the applicant, and the applicant never as staff.
            Actor.for_user(dossier.applicant)
            if action in STAFF
            else Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])),
        ]
        for stranger in strangers:
            world = World(dossier, stranger, stranger, StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
            before = Snapshot.of(dossier)
            assert action not in available_actions(dossier, stranger), (action, stranger)
            with pytest.raises(PermissionRefused):
                CALLS[action](world)
            assert Snapshot.of(dossier) == before, (action, stranger)


def test_taking_a_file_already_yours_is_refused_and_not_offered():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    dossiers.assign_dossier(dossier, actor=agent, assignee=agent.user)
    assert A.TAKE not in available_actions(dossier, agent)
    before = Snapshot.of(dossier)
    with pytest.raises(DomainError, match="already yours"):
        dossiers.assign_dossier(dossier, actor=agent, assignee=agent.user)
    assert Snapshot.of(dossier) == before


def test_the_receipt_holder_is_the_applicant_of_that_dossier_only():
    anonymous, code = dossiers.start_anonymous_dossier(
        service("suggestion"), language="fr", submission_key=uuid.uuid4()
    )
    assert code
    other = make_dossier()
    holder = Actor.receipt_holder(anonymous.reference)
    assert is_applicant(anonymous, holder)
    assert not is_applicant(other, holder)
    assert not is_applicant(anonymous, Actor.receipt_holder(other.reference))
    assert A.EDIT_DRAFT in available_actions(anonymous, holder)


# --- outermost use cases own their transaction ----------------------------------------------

OUTERMOST: dict[str, Callable[[Dossier, Actor, Actor], object]] = {
    "withdraw_dossier": lambda d, applicant, staff: dossiers.withdraw_dossier(d, actor=applicant),
    "send_message_to_ministry": lambda d, applicant, staff: dossiers.send_message_to_ministry(
        d, actor=applicant, message="Bonjour."
    ),
    "assign_dossier": lambda d, applicant, staff: dossiers.assign_dossier(
        d, actor=staff, assignee=staff.user
    ),
    "request_information": lambda d, applicant, staff: dossiers.request_information(
        d, actor=staff, message="Précisez."
    ),
    "answer_dossier": lambda d, applicant, staff: dossiers.answer_dossier(d, actor=staff, answer="Merci."),
    "send_message_to_applicant": lambda d, applicant, staff: dossiers.send_message_to_applicant(
        d, actor=staff, message="Bonjour."
    ),
    "add_internal_note": lambda d, applicant, staff: dossiers.add_internal_note(d, actor=staff, text="Vu."),
}


def test_a_caller_cannot_wrap_a_use_case_in_its_own_transaction():
    """Durable: a caller's transaction would otherwise hold back (or roll back) the messages queued at commit."""
    for use_case, call in OUTERMOST.items():
        dossier = make_dossier("suggestion", state=S.IN_REVIEW)
        applicant = Actor.for_user(dossier.applicant)
        staff = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)]))
        before = Snapshot.of(dossier)
        with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
            call(dossier, applicant, staff)
        assert Snapshot.of(dossier) == before, use_case
        call(dossier, applicant, staff)  # on its own, it runs
        assert Snapshot.of(dossier) != before, use_case


def test_filing_use_cases_cannot_be_wrapped_in_a_callers_transaction():
    """Starting, saving, attaching and filing own their transaction like every other use case."""
    draft = make_dossier("suggestion")
    applicant = Actor.for_user(draft.applicant)
    fence = dossiers.start_dossier(service("cloture-electrifiee"), actor=applicant, language="fr")
    calls: dict[str, Callable[[], object]] = {
        "start_dossier": lambda: dossiers.start_dossier(
            service("suggestion"), actor=applicant, language="fr"
        ),
        "start_anonymous_dossier": lambda: dossiers.start_anonymous_dossier(
            service("suggestion"), language="fr", submission_key=uuid.uuid4()
        ),
        "save_answers": lambda: dossiers.save_answers(draft, actor=applicant, answers={}),
        "attach_document": lambda: dossiers.attach_document(
            fence,
            actor=applicant,
            field_name="site_plan",
            upload=SimpleUploadedFile("plan.png", demo_png(), content_type="image/png"),
        ),
        "submit_dossier": lambda: dossiers.submit_dossier(draft, actor=applicant),
    }
    drafts = Dossier.objects.count()
    for use_case, call in calls.items():
        with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
            call()
        assert Dossier.objects.count() == drafts, use_case
    assert not fence.documents.exists()
    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    # On their own, they run.
    dossiers.attach_document(
        fence,
        actor=applicant,
        field_name="site_plan",
        upload=SimpleUploadedFile("plan.png", demo_png(), content_type="image/png"),
    )
    dossiers.submit_dossier(draft, actor=applicant)
    draft.refresh_from_db()
    assert fence.documents.count() == 1
    assert draft.state != S.DRAFT


def test_each_workflow_reaches_its_own_endings_only():
    from guichet.catalog.definition import Workflow
    from guichet.dossiers.actions import reachable_states

    decided = reachable_states(Workflow.DECISION)
    answered = reachable_states(Workflow.ANSWER)
    quoted = reachable_states(Workflow.QUOTE)
    assert {S.QUOTE_PROPOSED, S.QUOTE_DECLINED, S.APPROVED, S.REJECTED, S.ISSUED} <= quoted
    assert S.ANSWERED not in quoted
    assert not {S.QUOTE_PROPOSED, S.QUOTE_DECLINED} & (decided | answered)

    assert {S.APPROVED, S.REJECTED, S.ISSUED, S.REVOKED, S.EXPIRED} <= decided
    assert S.ANSWERED not in decided
    assert S.ANSWERED in answered
    assert not {S.APPROVED, S.REJECTED, S.ISSUED, S.REVOKED, S.EXPIRED} & answered
    shared = {S.DRAFT, S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.IN_REVIEW, S.INFO_REQUESTED, S.WITHDRAWN}
    assert shared <= decided & answered
