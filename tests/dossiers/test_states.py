from __future__ import annotations

import pytest

from guichet.audit.models import AuditEvent
from guichet.core.actors import SYSTEM
from guichet.core.errors import TransitionNotAllowed
from guichet.dossiers.models import Dossier, DossierEvent
from guichet.dossiers.services import transition_dossier
from guichet.dossiers.states import OPEN_STATES, TERMINAL, TRANSITIONS, WITHDRAWABLE, DossierState
from guichet.notifications.models import Notification
from tests.factories import make_dossier

S = DossierState


def test_every_state_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(DossierState)
    assert all(target in DossierState for targets in TRANSITIONS.values() for target in targets)


def test_every_state_is_reachable_from_draft():
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(DossierState)


def test_terminal_states_have_no_way_out():
    assert {S.REJECTED, S.ANSWERED, S.REVOKED, S.EXPIRED, S.WITHDRAWN} == TERMINAL
    for state in TERMINAL:
        assert TRANSITIONS[state] == frozenset()


def test_nothing_comes_back_to_draft():
    assert all(S.DRAFT not in targets for targets in TRANSITIONS.values())


def test_the_applicant_may_withdraw_until_a_decision():
    assert {S.DRAFT, S.SUBMITTED, S.AWAITING_PAYMENT, S.IN_REVIEW, S.INFO_REQUESTED} == WITHDRAWABLE
    assert not OPEN_STATES & TERMINAL


@pytest.mark.django_db
def test_transition_refuses_an_illegal_move_and_changes_nothing(django_capture_on_commit_callbacks):
    dossier = make_dossier("suggestion", state=S.ANSWERED)
    events, audits, notices = (
        DossierEvent.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )
    updated_at = dossier.updated_at

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TransitionNotAllowed) as error:
        transition_dossier(dossier, to=S.IN_REVIEW, actor=SYSTEM)

    assert error.value.code == "transition_not_allowed"
    assert (error.value.params["current"], error.value.params["target"]) == (
        S.ANSWERED.label,
        S.IN_REVIEW.label,
    )
    assert "Reload the page" in str(error.value)
    assert callbacks == []
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.state, stored.updated_at) == (S.ANSWERED, updated_at)
    assert (DossierEvent.objects.count(), AuditEvent.objects.count(), Notification.objects.count()) == (
        events,
        audits,
        notices,
    )


@pytest.mark.django_db
def test_transition_judges_the_stored_state_not_a_stale_copy():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    stale = Dossier.objects.get(pk=dossier.pk)
    transition_dossier(dossier, to=S.WITHDRAWN, actor=SYSTEM)

    with pytest.raises(TransitionNotAllowed):
        transition_dossier(stale, to=S.APPROVED, actor=SYSTEM)
    assert Dossier.objects.get(pk=dossier.pk).state == S.WITHDRAWN


@pytest.mark.django_db
def test_a_legal_move_is_recorded_on_the_timeline_and_in_the_audit_log():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)

    result = transition_dossier(dossier, to=S.WITHDRAWN, actor=SYSTEM, note="doublon")

    assert result.state == dossier.state == S.WITHDRAWN
    event = dossier.events.latest("id")
    assert (event.kind, event.from_state, event.to_state, event.text, event.public) == (
        "state_changed",
        "in_review",
        "withdrawn",
        "doublon",
        True,
    )
    audit = AuditEvent.objects.latest("id")
    assert (audit.verb, audit.target_id, audit.data["from"], audit.data["to"]) == (
        "dossier.state_changed",
        str(dossier.pk),
        "in_review",
        "withdrawn",
    )


@pytest.mark.django_db
def test_files_stored_as_closed_become_answered():
    """The data migration renames the state and every event and document that names it, both ways."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("guichet.dossiers.migrations.0003_closed_state_is_answered")
    answered = make_dossier("suggestion", state=S.ANSWERED)
    other = make_dossier("suggestion", state=S.IN_REVIEW)
    Dossier.objects.filter(pk=answered.pk).update(state="closed")
    DossierEvent.objects.filter(to_state=S.ANSWERED).update(to_state="closed")

    migration.rename_states(apps, None)

    assert Dossier.objects.get(pk=answered.pk).state == S.ANSWERED
    assert Dossier.objects.get(pk=other.pk).state == S.IN_REVIEW
    assert answered.events.filter(to_state=S.ANSWERED).count() == 1
    assert not DossierEvent.objects.filter(to_state="closed").exists()
    migration.restore_states(apps, None)
    assert Dossier.objects.get(pk=answered.pk).state == "closed"
