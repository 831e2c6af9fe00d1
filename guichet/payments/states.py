"""A payment's states and the only moves between them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentState(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for confirmation")
    UNKNOWN = "unknown", _("No answer yet")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")


P = PaymentState
# `unknown` is where a payment goes when the gateway stayed silent past the timeout: it is no
# longer in flight (the person may try again) but a verified late success still wins.
TRANSITIONS: Final[Mapping[PaymentState, frozenset[PaymentState]]] = {
    P.CREATED: frozenset({P.PENDING, P.FAILED, P.SUCCEEDED, P.EXPIRED, P.CANCELLED, P.UNKNOWN}),
    P.PENDING: frozenset({P.SUCCEEDED, P.FAILED, P.EXPIRED, P.CANCELLED, P.UNKNOWN}),
    P.UNKNOWN: frozenset({P.SUCCEEDED, P.FAILED, P.EXPIRED, P.CANCELLED}),
    # A gateway's verified success wins over a local ending (flagged for the finance unit).
    P.FAILED: frozenset({P.SUCCEEDED}),
    P.EXPIRED: frozenset({P.SUCCEEDED}),
    P.CANCELLED: frozenset({P.SUCCEEDED}),
    P.SUCCEEDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.REFUNDED: frozenset(),
}

IN_FLIGHT: Final = frozenset({P.CREATED, P.PENDING})
PAID: Final = frozenset({P.SUCCEEDED, P.PARTIALLY_REFUNDED, P.REFUNDED})
# Still worth asking the gateway about.
TO_CHECK: Final = frozenset({P.CREATED, P.PENDING, P.UNKNOWN})
