from __future__ import annotations

import pytest

from guichet.audit.models import AuditEvent
from guichet.core.actors import SYSTEM
from guichet.core.errors import TransitionNotAllowed
from guichet.core.registry import Registry
from guichet.dossiers.models import Dossier, DossierEvent
from guichet.dossiers.services import transition_dossier
from guichet.dossiers.states import (
    DECISION,
    OPEN_STATES,
    QUOTE,
    TERMINAL,
    TRANSITIONS,
    WITHDRAWABLE,
    DossierState,
    WorkflowTable,
    workflow_problems,
    workflows,
)
from guichet.notifications.models import Notification
from tests.factories import make_dossier

S = DossierState


def test_every_state_belongs_to_some_workflow_and_every_table_names_known_states():
    covered = set().union(*(table.states for _name, table in workflows.items()))
    assert covered == set(DossierState)
    for _name, table in workflows.items():
        assert all(target in table.states for targets in table.transitions.values() for target in targets)


@pytest.mark.parametrize("name", ["decision", "answer", "quote"])
def test_every_registered_table_is_sound(name):
    table = workflows[name]
    assert workflow_problems(table) == []
    assert table.reachable() == table.states
    for state in table.states & TERMINAL:
        assert table.targets(state) == frozenset()


def test_the_start_up_check_is_registered_and_passes():
    from django.core import checks

    assert [m for m in checks.run_checks() if m.id == "dossiers.E001"] == []


def test_a_table_with_an_unreachable_state_is_refused():
    bad = WorkflowTable(
        "bad",
        {
            S.DRAFT: frozenset({S.SUBMITTED}),
            S.SUBMITTED: frozenset({S.REJECTED}),
            S.QUOTE_PROPOSED: frozenset({S.QUOTE_DECLINED}),  # nothing leads here
            S.QUOTE_DECLINED: frozenset(),
            S.REJECTED: frozenset(),
        },
    )
    assert workflow_problems(bad) == [
        "workflow 'bad': quote_declined cannot be reached from draft",
        "workflow 'bad': quote_proposed cannot be reached from draft",
    ]


def test_a_table_with_a_way_out_of_a_closing_state_is_refused():
    bad = WorkflowTable(
        "bad",
        {
            S.DRAFT: frozenset({S.SUBMITTED}),
            S.SUBMITTED: frozenset({S.REJECTED}),
            S.REJECTED: frozenset({S.SUBMITTED}),  # a refusal reopened
        },
    )
    problems = workflow_problems(bad)
    assert "workflow 'bad': rejected closes a file, yet leads somewhere" in problems


def test_a_table_where_a_file_can_never_close_or_names_a_missing_row_is_refused():
    loop = WorkflowTable(
        "loop",
        {
            S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
            S.SUBMITTED: frozenset({S.IN_REVIEW}),
            S.IN_REVIEW: frozenset({S.INFO_REQUESTED, S.APPROVED}),
            S.INFO_REQUESTED: frozenset({S.IN_REVIEW}),
            S.WITHDRAWN: frozenset(),
        },
    )
    problems = workflow_problems(loop)
    assert "workflow 'loop': in_review leads to approved, which has no row" in problems
    assert "workflow 'loop': from submitted a file can never be closed" in problems
    assert "workflow 'loop': from info_requested a file can never be closed" in problems


def test_the_start_up_check_reports_a_bad_registered_table():
    from guichet.dossiers import checks as dossier_checks

    registry: Registry[WorkflowTable] = Registry("workflows")
    registry.register("bad")(
        WorkflowTable("bad", {S.DRAFT: frozenset({S.SUBMITTED}), S.SUBMITTED: frozenset()})
    )
    original = dossier_checks.workflows
    dossier_checks.workflows = registry
    try:
        errors = dossier_checks.check_workflows()
    finally:
        dossier_checks.workflows = original
    assert {error.id for error in errors} == {"dossiers.E001"}
    assert any("no state closes a file" in error.msg for error in errors)


def test_nothing_comes_back_to_draft():
    for _name, table in workflows.items():
        assert all(S.DRAFT not in targets for targets in table.transitions.values())


def test_the_applicant_may_withdraw_until_a_decision():
    assert {S.DRAFT, S.SUBMITTED, S.AWAITING_PAYMENT, S.IN_REVIEW, S.INFO_REQUESTED} == DECISION.withdrawable
    assert DECISION.withdrawable | {S.QUOTE_PROPOSED} == WITHDRAWABLE == QUOTE.withdrawable
    assert not OPEN_STATES & TERMINAL


def test_the_decision_table_keeps_its_older_name():
    assert TRANSITIONS is DECISION.transitions


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
