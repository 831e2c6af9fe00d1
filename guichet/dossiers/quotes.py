"""Quotes: a fee the unit sets after reading the file (event security), and the applicant's answer.

Staff propose and revise a quote (agents × hours × the hourly rate, with the reason for any
difference from what was asked); the applicant accepts the quote they read, which becomes the
fee to pay, or declines it, which closes the file. Every change goes through the dossier gate
(`services.transition_dossier`) with its timeline event and audit row.
"""

from __future__ import annotations

from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.audit import services as audit
from guichet.catalog.fees import QuoteRule, fee_rules
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput, PermissionRefused
from guichet.dossiers.actions import ActionName, require_action
from guichet.dossiers.models import Dossier, EventKind, FeeRevision, Quote, QuoteStatus
from guichet.dossiers.services import (
    _event,
    _lock,
    _notify_applicant,
    _require_checklist_ticked,
    transition_dossier,
)
from guichet.dossiers.states import DossierState

S = DossierState
A = ActionName

# Bounds that catch a slip of the finger, not a policy: a quote above them is surely a typo.
MAX_QUOTE_AGENTS: Final = 1000
MAX_QUOTE_HOURS: Final = 24 * 7


def quote_rule(dossier: Dossier) -> QuoteRule:
    """The service's quote rule; a DomainError for a service whose fee is fixed at filing."""
    rule = fee_rules[dossier.definition.fee.rule]
    if not isinstance(rule, QuoteRule):
        raise DomainError(_("This service has no quote: its fee is fixed when the request is filed."))
    return rule


def live_quote(dossier: Dossier) -> Quote | None:
    """The quote proposed or accepted now, if any."""
    return dossier.quotes.filter(status__in=[QuoteStatus.PROPOSED, QuoteStatus.ACCEPTED]).first()


def _whole_between(value: Any, low: int, high: int, field: str, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(message, errors={field: [message]})
    return value


def _quote_reason(reason: str, *, requested: int | None, agents: int, revision: bool) -> str:
    """The reason the applicant reads: required when the quote differs from their wish, or is revised."""
    reason = reason.strip()
    if reason:
        return reason
    if requested is not None and agents != requested:
        message = _(
            "The applicant asked for %(requested)s agents: say why you set %(agents)s. They will read it."
        ) % {"requested": requested, "agents": agents}
        raise InvalidInput(message, errors={"reason": [message]})
    if revision:
        message = _("Say why the quote changes: the applicant will read it.")
        raise InvalidInput(message, errors={"reason": [message]})
    return reason


@transaction.atomic(durable=True)
def propose_quote(dossier: Dossier, *, actor: Actor, agents: int, hours: int, reason: str = "") -> Quote:
    """Set (or revise, until the applicant answers) the quote: agents × hours × the hourly rate.

    The applicant's number of agents is a wish: a quote that differs from it needs a reason,
    which the applicant reads; so does a revision. Recorded on the timeline and in the audit log.
    """
    locked = _lock(dossier)
    require_action(locked, actor, A.PROPOSE_QUOTE)
    rule = quote_rule(locked)
    params = locked.definition.fee.params
    agents = _whole_between(
        agents,
        1,
        MAX_QUOTE_AGENTS,
        "agents",
        _("Give a whole number of agents between 1 and %(max)s.") % {"max": MAX_QUOTE_AGENTS},
    )
    hours = _whole_between(
        hours,
        1,
        MAX_QUOTE_HOURS,
        "hours",
        _("Give a whole number of hours between 1 and %(max)s.") % {"max": MAX_QUOTE_HOURS},
    )
    _require_checklist_ticked(locked, _("Tick every point of the checklist before setting the quote."))
    requested = rule.requested_agents(params, locked.answers)
    previous = live_quote(locked)
    reason = _quote_reason(reason, requested=requested, agents=agents, revision=previous is not None)
    lines = rule.quote_lines(params, agents=agents, hours=hours)
    if previous is not None:
        previous.status = QuoteStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    number = (locked.quotes.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    if actor.user is None:
        raise PermissionRefused()
    quote = Quote.objects.create(
        dossier=locked,
        number=number,
        agents=agents,
        hours=hours,
        hourly_rate=rule.hourly_rate(params),
        requested_agents=requested,
        event_date=rule.event_date(params, locked.answers),
        event_end_date=rule.event_end_date(params, locked.answers),
        lines=[line.as_dict() for line in lines],
        total=sum(line.amount for line in lines),
        reason=reason,
        proposed_by=actor.user,
    )
    figures = {
        "number": number,
        "agents": agents,
        "hours": hours,
        "hourly_rate": quote.hourly_rate,
        "total": quote.total,
        "requested_agents": requested,
    }
    _event(locked, EventKind.QUOTE_PROPOSED, actor, public=True, text=reason, data=figures)
    audit.record(
        actor,
        "dossier.quote_proposed",
        locked,
        {
            "reference": locked.reference,
            **figures,
            "reason": reason,
            "revises": previous.number if previous else None,
        },
    )
    if locked.state == S.QUOTE_PROPOSED:
        _notify_applicant(locked, "dossier_quote_proposed")  # a revision: the state stays
    else:
        transition_dossier(locked, to=S.QUOTE_PROPOSED, actor=actor)
    dossier.refresh_from_db()
    return quote


def _quote_answered(locked: Dossier, number: int) -> Quote:
    """The quote the applicant read: refused if a revision came in the meantime."""
    quote = live_quote(locked)
    if quote is None or quote.status != QuoteStatus.PROPOSED:
        raise DomainError(_("There is no quote to answer on this file. Reload the page."))
    if quote.number != number:
        raise DomainError(_("The quote changed while you were reading it: read the new one, then answer."))
    return quote


@transaction.atomic(durable=True)
def accept_quote(dossier: Dossier, *, actor: Actor, number: int) -> Dossier:
    """The applicant accepts quote `number` (the one they read): it becomes what the file owes, to pay now."""
    locked = _lock(dossier)
    require_action(locked, actor, A.ACCEPT_QUOTE)
    quote = _quote_answered(locked, number)
    quote.status = QuoteStatus.ACCEPTED
    quote.answered_at = timezone.now()
    quote.save(update_fields=["status", "answered_at"])
    locked.fee_lines = list(quote.lines)
    locked.fee_total = quote.total
    locked.save(update_fields=["fee_lines", "fee_total", "updated_at"])
    FeeRevision.objects.create(
        dossier=locked,
        lines=quote.lines,
        total=quote.total,
        reason="quote_accepted",
        quote=quote,
        actor_kind=actor.kind,
        actor_user=actor.user,
    )
    audit.record(
        actor,
        "dossier.quote_accepted",
        locked,
        {"reference": locked.reference, "number": quote.number, "total": quote.total},
    )
    return transition_dossier(dossier, to=S.AWAITING_PAYMENT, actor=actor)


@transaction.atomic(durable=True)
def decline_quote(dossier: Dossier, *, actor: Actor, number: int, reason: str = "") -> Dossier:
    """The applicant declines quote `number`: the file closes without coverage."""
    locked = _lock(dossier)
    require_action(locked, actor, A.DECLINE_QUOTE)
    quote = _quote_answered(locked, number)
    quote.status = QuoteStatus.DECLINED
    quote.answered_at = timezone.now()
    quote.save(update_fields=["status", "answered_at"])
    audit.record(
        actor,
        "dossier.quote_declined",
        locked,
        {"reference": locked.reference, "number": quote.number, "total": quote.total},
    )
    return transition_dossier(dossier, to=S.QUOTE_DECLINED, actor=actor, note=reason.strip())
