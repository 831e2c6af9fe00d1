"""The contract every payment provider keeps, and the registry that finds one by its id.

A provider talks to its gateway and returns a result; it never changes a payment. Only
`guichet.payments.services` applies results (and, through the dossier gate, moves the dossier).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from guichet.core.registry import Registry

if TYPE_CHECKING:
    from guichet.payments.models import Payment


class StartOutcome(enum.Enum):
    REGISTERED = "registered"  # the gateway took it; the person must now confirm (NOT paid)
    REFUSED = "refused"  # the gateway said no (bad parameters, bad token...): nothing will happen
    UNCERTAIN = "uncertain"  # no answer (timeout after sending): ask for its status later
    UNREACHABLE = "unreachable"  # never reached the gateway: nothing will happen


@dataclass(frozen=True)
class StartResult:
    outcome: StartOutcome
    gateway_reference: str = ""
    redirect_url: str = ""  # a hosted page to send the person to, for providers that have one
    detail: str = ""  # a short reason, for the ledger (never a secret)


class GatewayStatus(enum.Enum):
    PAID = "paid"
    PENDING = "pending"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"
    NOT_FOUND = "not_found"  # the gateway does not know our identifier
    UNAVAILABLE = "unavailable"  # no usable answer: ask again later


@dataclass(frozen=True)
class StatusResult:
    status: GatewayStatus
    amount: int | None = None  # whole XOF, as the gateway says
    currency: str = "XOF"
    gateway_reference: str = ""
    operator_reference: str = ""
    network: str = ""
    paid_at: str = ""  # ISO datetime, as the gateway says
    detail: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)  # what the gateway said, safe to keep


@dataclass(frozen=True)
class CallbackHint:
    """What a callback claims: only which payment to ask about. Never applied as it is."""

    identifier: str
    gateway_reference: str = ""


class MalformedCallback(Exception):
    """A callback that cannot be read (not JSON, no identifier, bad signature...)."""


class PaymentProvider(Protocol):
    identifier: str
    # Whether the person is sent to a hosted page (cards) or prompted on the phone (push).
    hosted: bool

    def start(self, payment: Payment, *, description: str, return_url: str) -> StartResult: ...
    def status(self, payment: Payment) -> StatusResult: ...
    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackHint: ...
    def parse_return(self, params: Mapping[str, str]) -> CallbackHint | None: ...
    def refund(self, payment: Payment, amount: int) -> StatusResult: ...


providers: Registry[PaymentProvider] = Registry("payment providers")


class RefundNotSupported(Exception):
    """The provider has no payout API: refunds are paid out by hand, with evidence."""
