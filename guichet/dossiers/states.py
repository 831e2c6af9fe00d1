"""A dossier's states, and the workflows: named tables of the only moves between them.

Every state exists once (`DossierState`); a service file names the workflow its files follow
(`workflow: decision | answer | quote`), and each workflow is a table of the moves it allows
among those states. The tables are checked at start-up (`workflow_problems`, run by a system
check): every state reachable from draft, closing states without a way out, every other state
able to reach a closing one. A new procedure with its own steps is a new table here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.core.registry import Registry


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    QUOTE_PROPOSED = "quote_proposed", _("Quote proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ANSWERED = "answered", _("Answered")
    QUOTE_DECLINED = "quote_declined", _("Quote declined")
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = DossierState
Table = Mapping[DossierState, frozenset[DossierState]]

# States that close a file for good, whatever the workflow: a table may not lead out of them.
TERMINAL: Final = frozenset({S.REJECTED, S.ANSWERED, S.QUOTE_DECLINED, S.REVOKED, S.EXPIRED, S.WITHDRAWN})
# States in which the file is not closed (the SLA clock may run, the queue's "open" filters).
OPEN_STATES: Final = frozenset(
    {S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.IN_REVIEW, S.INFO_REQUESTED, S.QUOTE_PROPOSED}
)
# Open states in which the applicant, not the ministry, has the next move: the SLA clock stops.
WAITING_FOR_APPLICANT: Final = frozenset({S.INFO_REQUESTED, S.QUOTE_PROPOSED})


@dataclass(frozen=True)
class WorkflowTable:
    """One workflow: the moves it allows, state by state (a state without a row is not part of it)."""

    name: str
    transitions: Table

    @property
    def states(self) -> frozenset[DossierState]:
        return frozenset(self.transitions)

    def targets(self, state: DossierState | str) -> frozenset[DossierState]:
        """Where a file in `state` may go next under this workflow (nowhere for a state it lacks)."""
        return self.transitions.get(DossierState(state), frozenset())

    def allows(self, current: DossierState | str, target: DossierState | str) -> bool:
        return DossierState(target) in self.targets(current)

    def reachable(self, start: DossierState = S.DRAFT) -> frozenset[DossierState]:
        """Every state a file can reach from `start` (itself included)."""
        seen, pending = {start}, [start]
        while pending:
            for target in self.transitions.get(pending.pop(), frozenset()):
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
        return frozenset(seen)

    @property
    def withdrawable(self) -> frozenset[DossierState]:
        return frozenset(state for state, targets in self.transitions.items() if S.WITHDRAWN in targets)


workflows: Registry[WorkflowTable] = Registry("workflows")


def register_workflow(name: str, transitions: Table) -> WorkflowTable:
    """Add a table to the registry under `name` (the word a service file uses)."""
    return workflows.register(name)(WorkflowTable(name, transitions))


def _row_problems(table: WorkflowTable) -> list[str]:
    """Rows that name unknown states, lead to a state without a row, or lead back to draft."""
    problems = []
    rows = table.transitions
    if S.DRAFT not in rows:
        problems.append(f"workflow {table.name!r}: no row for {S.DRAFT.value!r}, where every file starts")
    for state, targets in rows.items():
        if state not in DossierState.values:
            problems.append(f"workflow {table.name!r}: unknown state {state!r}")
        for target in sorted(targets):
            if target not in DossierState.values:
                problems.append(f"workflow {table.name!r}: {state} leads to unknown state {target!r}")
            elif target not in rows:
                problems.append(f"workflow {table.name!r}: {state} leads to {target}, which has no row")
            if target == S.DRAFT:
                problems.append(f"workflow {table.name!r}: {state} leads back to draft")
    return problems


def workflow_problems(table: WorkflowTable) -> list[str]:
    """What is wrong with a table, in words; an empty list for a sound one."""
    rows = table.transitions
    problems = _row_problems(table)
    for state in sorted(set(rows) - table.reachable()):
        problems.append(f"workflow {table.name!r}: {state} cannot be reached from draft")
    for state in sorted(set(rows) & TERMINAL):
        if rows[state]:
            problems.append(f"workflow {table.name!r}: {state} closes a file, yet leads somewhere")
    if not set(rows) & TERMINAL:
        problems.append(f"workflow {table.name!r}: no state closes a file")
    for state in sorted(set(rows) - TERMINAL):
        if not table.reachable(state) & TERMINAL:
            problems.append(f"workflow {table.name!r}: from {state} a file can never be closed")
    return problems


# --- the tables (each reads as a diagram) ------------------------------------------------------

DECISION = register_workflow(
    "decision",
    {
        # draft ─► submitted ─► (awaiting payment ─► paid) ─► in review ⇄ information requested
        # in review ─► approved ─► issued ─► revoked | expired;   in review ─► rejected
        # any state before a decision ─► withdrawn (by the applicant)
        S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
        S.SUBMITTED: frozenset({S.AWAITING_PAYMENT, S.IN_REVIEW, S.WITHDRAWN}),
        S.AWAITING_PAYMENT: frozenset({S.PAID, S.WITHDRAWN}),
        S.PAID: frozenset({S.IN_REVIEW}),
        S.IN_REVIEW: frozenset({S.INFO_REQUESTED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
        S.INFO_REQUESTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
        S.APPROVED: frozenset({S.ISSUED}),
        S.ISSUED: frozenset({S.REVOKED, S.EXPIRED}),
        S.REJECTED: frozenset(),
        S.REVOKED: frozenset(),
        S.EXPIRED: frozenset(),
        S.WITHDRAWN: frozenset(),
    },
)

ANSWER = register_workflow(
    "answer",
    {
        # draft ─► submitted ─► (awaiting payment ─► paid) ─► in review ⇄ information requested
        # in review ─► answered (a suggestion: the ministry replies, nothing is granted)
        S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
        S.SUBMITTED: frozenset({S.AWAITING_PAYMENT, S.IN_REVIEW, S.WITHDRAWN}),
        S.AWAITING_PAYMENT: frozenset({S.PAID, S.WITHDRAWN}),
        S.PAID: frozenset({S.IN_REVIEW}),
        S.IN_REVIEW: frozenset({S.INFO_REQUESTED, S.ANSWERED, S.WITHDRAWN}),
        S.INFO_REQUESTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
        S.ANSWERED: frozenset(),
        S.WITHDRAWN: frozenset(),
    },
)

QUOTE = register_workflow(
    "quote",
    {
        # draft ─► submitted ─► awaiting payment (file fee) ─► paid ─► in review ⇄ information requested
        # in review ─► quote proposed        (the unit sets agents and hours; revised in place
        #                                     until the applicant answers)
        # quote proposed ─► awaiting payment (the applicant accepts: the quote is now due)
        #                   ─► paid ─► in review ─► approved (coverage confirmed, once the quote is paid)
        # quote proposed ─► quote declined   (the applicant declines: the file closes)
        # in review ─► rejected;  any state before a decision ─► withdrawn
        S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
        S.SUBMITTED: frozenset({S.AWAITING_PAYMENT, S.IN_REVIEW, S.WITHDRAWN}),
        S.AWAITING_PAYMENT: frozenset({S.PAID, S.WITHDRAWN}),
        S.PAID: frozenset({S.IN_REVIEW}),
        S.IN_REVIEW: frozenset({S.INFO_REQUESTED, S.QUOTE_PROPOSED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
        S.INFO_REQUESTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
        S.QUOTE_PROPOSED: frozenset({S.AWAITING_PAYMENT, S.QUOTE_DECLINED, S.WITHDRAWN}),
        S.APPROVED: frozenset({S.ISSUED}),
        S.ISSUED: frozenset({S.REVOKED, S.EXPIRED}),
        S.REJECTED: frozenset(),
        S.QUOTE_DECLINED: frozenset(),
        S.REVOKED: frozenset(),
        S.EXPIRED: frozenset(),
        S.WITHDRAWN: frozenset(),
    },
)

# The decision workflow's table under its older name.
TRANSITIONS: Final[Table] = DECISION.transitions
# States from which the applicant may withdraw, under some workflow.
WITHDRAWABLE: Final = frozenset().union(*(table.withdrawable for _name, table in workflows.items()))


def workflow_of(name: str) -> WorkflowTable:
    """The table a service names; KeyError for an unknown name."""
    return workflows[name]
