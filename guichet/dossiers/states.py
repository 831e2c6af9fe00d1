"""A dossier's states and the only moves between them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ANSWERED = "answered", _("Answered")
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = DossierState  # the table below reads as a diagram
TRANSITIONS: Final[Mapping[DossierState, frozenset[DossierState]]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.AWAITING_PAYMENT, S.IN_REVIEW, S.WITHDRAWN}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.WITHDRAWN}),
    S.PAID: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.INFO_REQUESTED, S.APPROVED, S.REJECTED, S.ANSWERED, S.WITHDRAWN}),
    S.INFO_REQUESTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.ISSUED}),
    S.ISSUED: frozenset({S.REVOKED, S.EXPIRED}),
    S.REJECTED: frozenset(),
    S.ANSWERED: frozenset(),
    S.REVOKED: frozenset(),
    S.EXPIRED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# States in which the ministry still has work to do (the SLA clock may run).
OPEN_STATES: Final = frozenset({S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.IN_REVIEW, S.INFO_REQUESTED})
# States from which the applicant may withdraw.
WITHDRAWABLE: Final = frozenset(state for state, targets in TRANSITIONS.items() if S.WITHDRAWN in targets)
TERMINAL: Final = frozenset(state for state, targets in TRANSITIONS.items() if not targets)
