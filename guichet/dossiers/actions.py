"""What a person may do to a dossier, now: the one answer the use cases enforce and pages show.

An action is available when two things hold: the actor has the right (the applicant for
applicant actions, a staff member holding the permission in the dossier's unit for staff
ones), and the dossier allows it (its state, in the table of its service's workflow, and what
the file holds: a quote must be paid before coverage is confirmed). `available_actions` is what interfaces display; `require_action` is what every
use case calls first, on the locked row, and it says which of the two failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.roles import Permission
from guichet.catalog.definition import Confidentiality
from guichet.catalog.models import ServiceVersion
from guichet.core.actors import Actor, ActorKind
from guichet.core.errors import DomainError, PermissionRefused, TransitionNotAllowed
from guichet.dossiers.models import Dossier, QuoteStatus
from guichet.dossiers.states import OPEN_STATES, DossierState, WorkflowTable, workflows

S = DossierState


class ActionName(models.TextChoices):
    # Staff
    TAKE = "take", _("Take the file")
    ASSIGN = "assign", _("Assign the file")
    REQUEST_INFO = "request_info", _("Ask for information")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    ANSWER = "answer", _("Answer")
    MESSAGE = "message", _("Write to the applicant")
    NOTE = "note", _("Add an internal note")
    TICK_CHECKLIST = "tick_checklist", _("Tick the review checklist")
    PROPOSE_QUOTE = "propose_quote", _("Set the quote")
    # The applicant
    EDIT_DRAFT = "edit_draft", _("Change the draft")
    WITHDRAW = "withdraw", _("Withdraw")
    PROVIDE_INFORMATION = "provide_information", _("Send the information asked for")
    WRITE_TO_MINISTRY = "write_to_ministry", _("Write to the ministry")
    ACCEPT_QUOTE = "accept_quote", _("Accept the quote")
    DECLINE_QUOTE = "decline_quote", _("Decline the quote")


A = ActionName

# The right each staff action needs in the dossier's unit.
STAFF_ACTIONS: Final[Mapping[ActionName, Permission]] = {
    A.TAKE: Permission.PROCESS,
    A.ASSIGN: Permission.ASSIGN,
    A.REQUEST_INFO: Permission.PROCESS,
    A.APPROVE: Permission.DECIDE,
    A.REJECT: Permission.DECIDE,
    A.ANSWER: Permission.DECIDE,
    A.MESSAGE: Permission.PROCESS,
    A.NOTE: Permission.PROCESS,
    A.TICK_CHECKLIST: Permission.PROCESS,
    # Setting a quote commits the unit's agents: a decision, like approving.
    A.PROPOSE_QUOTE: Permission.DECIDE,
}
APPLICANT_ACTIONS: Final = frozenset(
    {A.EDIT_DRAFT, A.WITHDRAW, A.PROVIDE_INFORMATION, A.WRITE_TO_MINISTRY, A.ACCEPT_QUOTE, A.DECLINE_QUOTE}
)

# Actions that move the dossier, and where to: they are possible where the table allows the move.
MOVES: Final[Mapping[ActionName, DossierState]] = {
    A.REQUEST_INFO: S.INFO_REQUESTED,
    A.APPROVE: S.APPROVED,
    A.REJECT: S.REJECTED,
    A.ANSWER: S.ANSWERED,
    A.WITHDRAW: S.WITHDRAWN,
    A.PROVIDE_INFORMATION: S.IN_REVIEW,
    A.PROPOSE_QUOTE: S.QUOTE_PROPOSED,
    A.ACCEPT_QUOTE: S.AWAITING_PAYMENT,
    A.DECLINE_QUOTE: S.QUOTE_DECLINED,
}
# Moves that only make sense from one state (filing also leads to awaiting payment).
MOVES_FROM: Final[Mapping[ActionName, DossierState]] = {
    A.ACCEPT_QUOTE: S.QUOTE_PROPOSED,
    A.DECLINE_QUOTE: S.QUOTE_PROPOSED,
}


class ActionNotAvailable(DomainError):
    code = "action_not_available"
    default_message = _("This is not possible on this file in its current state. Reload the page to see it.")


# Why an action that moves nothing is refused, in words the person can act on.
_REFUSALS: Final[Mapping[ActionName, str | Promise]] = {
    A.TAKE: _("This file is closed or already yours: it cannot be taken."),
    A.ASSIGN: _("This file is closed: it can no longer be assigned."),
    A.MESSAGE: _("This file was withdrawn by the applicant: no message can be sent."),
    A.NOTE: _("Notes can only be added to a filed request."),
    A.EDIT_DRAFT: _("This request is filed: its answers can no longer change."),
    A.WRITE_TO_MINISTRY: _("This request is closed; messages can no longer be sent."),
    A.TICK_CHECKLIST: _("The checklist is ticked while the file is in review."),
}


# --- who may act ---------------------------------------------------------------------------


def is_applicant(dossier: Dossier, actor: Actor) -> bool:
    """Whether `actor` is the person who files or filed `dossier`."""
    if actor.kind == ActorKind.CITIZEN and actor.user is not None:
        return dossier.applicant_id == actor.user.pk
    if actor.kind == ActorKind.GUEST:
        return dossier.applicant_id is None and bool(actor.contact) and actor.contact == dossier.contact_value
    if actor.kind == ActorKind.RECEIPT_HOLDER:
        return bool(dossier.receipt_hash) and actor.reference == dossier.reference
    return False


def applicant_filter(actor: Actor) -> Q:
    """`is_applicant` as a database filter, for lists ("my files"); the two say the same."""
    if actor.kind == ActorKind.CITIZEN and actor.user is not None:
        return Q(applicant_id=actor.user.pk)
    if actor.kind == ActorKind.GUEST and actor.contact:
        return Q(applicant__isnull=True, contact_value=actor.contact)
    if actor.kind == ActorKind.RECEIPT_HOLDER and actor.reference:
        return Q(reference=actor.reference) & ~Q(receipt_hash="")
    return Q(pk__in=[])


def _staff_rights(user: User, dossier: Dossier) -> frozenset[Permission]:
    """The permissions `user` holds over `dossier`: none for a confidential file without clearance."""
    if not user.is_staff_member or not user.is_active:
        return frozenset()
    held = frozenset(user.permissions_in(dossier.unit))
    if (
        dossier.definition.confidentiality == Confidentiality.RESTRICTED
        and Permission.VIEW_RESTRICTED not in held
    ):
        return frozenset()
    return held


def staff_can(user: User, dossier: Dossier, permission: Permission) -> bool:
    """Whether a staff member holds `permission` in the unit in charge of `dossier`."""
    return permission in _staff_rights(user, dossier)


def _rights(dossier: Dossier, actor: Actor) -> frozenset[ActionName]:
    """What the actor's standing allows on this dossier, whatever its state."""
    if actor.kind == ActorKind.STAFF and actor.user is not None:
        held = _staff_rights(actor.user, dossier)
        return frozenset(action for action, permission in STAFF_ACTIONS.items() if permission in held)
    if is_applicant(dossier, actor):
        return APPLICANT_ACTIONS
    return frozenset()


def _possible(dossier: Dossier, actor: Actor) -> frozenset[ActionName]:
    """What the dossier allows now: its state, its service's workflow, and whether it is already the asker's."""
    state = DossierState(dossier.state)
    moves = workflow_table(dossier).targets(state)
    possible = {
        action
        for action, target in MOVES.items()
        if target in moves and MOVES_FROM.get(action, state) == state
    }
    if state == S.QUOTE_PROPOSED and A.PROPOSE_QUOTE in _table_actions(workflow_table(dossier)):
        possible.add(A.PROPOSE_QUOTE)  # a revision, until the applicant answers
    if state == S.IN_REVIEW and dossier.definition.checklist:
        possible.add(A.TICK_CHECKLIST)
    possible -= set(_held_back(dossier, frozenset(possible)))
    if state == S.INFO_REQUESTED:
        possible.discard(A.REQUEST_INFO)  # already asked; the table's way back is the applicant's answer
    else:
        possible.discard(A.PROVIDE_INFORMATION)
    if state in OPEN_STATES:
        possible |= {A.ASSIGN, A.WRITE_TO_MINISTRY}
        if dossier.assigned_to_id != actor.user_id:
            possible.add(A.TAKE)
    if state == S.DRAFT:
        possible.add(A.EDIT_DRAFT)
    else:
        possible.add(A.NOTE)
        # After a decision the ministry may still have to say something (where to collect a
        # permit); a withdrawn file is the applicant's own end to the conversation.
        if state != S.WITHDRAWN:
            possible.add(A.MESSAGE)
    return frozenset(possible)


def workflow_table(dossier: Dossier) -> WorkflowTable:
    """The state table the dossier's service version follows."""
    return workflows[dossier.definition.workflow]


def _table_actions(table: WorkflowTable) -> frozenset[ActionName]:
    """The moving actions a workflow has at all (approve in a decision, answer in an answer...)."""
    return frozenset(action for action, target in MOVES.items() if target in table.states)


def _held_back(dossier: Dossier, possible: frozenset[ActionName]) -> dict[ActionName, str | Promise]:
    """Actions the state allows but the file does not yet (or no longer), with the reason."""
    held: dict[ActionName, str | Promise] = {}
    if S.QUOTE_PROPOSED not in workflow_table(dossier).states or not (
        possible & {A.APPROVE, A.PROPOSE_QUOTE}
    ):
        return held
    statuses = set(dossier.quotes.values_list("status", "paid_at"))
    accepted = [paid_at for status, paid_at in statuses if status == QuoteStatus.ACCEPTED]
    if accepted:
        held[A.PROPOSE_QUOTE] = _("The applicant accepted the quote: it can no longer change.")
    if not accepted:
        held[A.APPROVE] = _(
            "This request is approved once the applicant has accepted and paid the quote: set the quote first."
        )
    elif all(paid_at is None for paid_at in accepted):
        held[A.APPROVE] = _(
            "The applicant accepted the quote but has not paid it yet: the request is approved after payment."
        )
    return held


def available_actions(dossier: Dossier, actor: Actor) -> frozenset[ActionName]:
    """Every action `actor` may take on `dossier` now."""
    return _rights(dossier, actor) & _possible(dossier, actor)


def require_action(dossier: Dossier, actor: Actor, action: ActionName) -> None:
    """Refuse unless `action` is available: PermissionRefused for the wrong person, a clear reason otherwise."""
    if action not in _rights(dossier, actor):
        raise PermissionRefused()
    if action in _possible(dossier, actor):
        return
    if action == A.TICK_CHECKLIST and not dossier.definition.checklist:
        raise ActionNotAvailable(_("This service has no review checklist."))
    table = workflow_table(dossier)
    if action in MOVES and action not in _table_actions(table):
        if action in {A.APPROVE, A.REJECT} and S.ANSWERED in table.states:
            raise DomainError(_("This service is answered, not approved: write the answer instead."))
        if action == A.ANSWER:
            raise DomainError(_("This service is decided, not answered: approve or reject the request."))
        raise DomainError(_("This service has no quote: its fee is fixed when the request is filed."))
    state = DossierState(dossier.state)
    if action in MOVES and table.allows(state, MOVES[action]) and MOVES_FROM.get(action, state) == state:
        held = _held_back(dossier, frozenset({action}))
        if action in held:
            raise DomainError(held[action])
    if action in MOVES:
        raise TransitionNotAllowed(DossierState(dossier.state).label, MOVES[action].label)
    raise ActionNotAvailable(_REFUSALS.get(action))


# --- which states a service's files can be in ------------------------------------------------


def reachable_states(workflow: str) -> frozenset[DossierState]:
    """The states a dossier can reach under `workflow` (a name in the registry of tables).

    A suggestion (answered) is never approved, so never issued; a decided request is never
    answered. Lists and counts need not look for files that cannot exist.
    """
    return workflows[workflow].reachable()


def states_of_service(service_id: int) -> frozenset[DossierState]:
    """Every state a file of this service can be in, whichever of its versions it was filed under."""
    workflows = {
        version.definition.workflow for version in ServiceVersion.objects.filter(service_id=service_id)
    }
    return frozenset().union(*(reachable_states(workflow) for workflow in workflows))
