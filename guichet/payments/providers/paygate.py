"""PayGate Global (Togo): T-Money/Mixx and Flooz by a push to the payer's phone.

Protocol (DOMAIN.md "Payment gateways"): `POST /api/v1/pay` registers a payment and puts a
PIN prompt on the phone; `POST /api/v2/status` says, by our identifier, whether it is paid.
The two endpoints number their answers differently: the two tables below are kept apart.
The callback is not signed: it only says which payment to ask about.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Final

import httpx

from guichet.payments.conf import payments_setting
from guichet.payments.models import Network, Payment, mask_phone
from guichet.payments.providers.base import (
    CallbackHint,
    GatewayStatus,
    MalformedCallback,
    RefundNotSupported,
    StartOutcome,
    StartResult,
    StatusResult,
    providers,
)

logger = logging.getLogger(__name__)

# `status` in the answer of /api/v1/pay.
PAY_REGISTERED: Final = 0  # the prompt is on the phone: NOT paid
PAY_CODES: Final[Mapping[int, str]] = {
    0: "registered",
    2: "bad auth token",
    4: "bad parameters",
    6: "duplicate identifier",
}
PAY_DUPLICATE: Final = 6
# `status` in the answer of /api/v2/status (and /api/v1/status): the same numbers, other meanings.
STATUS_CODES: Final[Mapping[int, GatewayStatus]] = {
    0: GatewayStatus.PAID,
    2: GatewayStatus.PENDING,
    4: GatewayStatus.EXPIRED,
    6: GatewayStatus.CANCELLED,
}
# How gateways and operators spell the networks.
NETWORK_NAMES: Final[Mapping[str, str]] = {
    "TMONEY": Network.TMONEY,
    "T-MONEY": Network.TMONEY,
    "T MONEY": Network.TMONEY,
    "MIXX": Network.TMONEY,
    "FLOOZ": Network.FLOOZ,
    "MOOV": Network.FLOOZ,
}
# A network error on /api/v1/pay is retried this many times, with the same identifier.
PAY_ATTEMPTS: Final = 2


def network_of(name: object) -> str:
    """`T-Money`, `TMONEY`, `tmoney`, `Mixx` → TMONEY; `Flooz` → FLOOZ; anything else → ''."""
    return NETWORK_NAMES.get(str(name or "").strip().upper(), "")


def _as_int(value: object) -> int | None:
    """An amount or reference that may come as a number or a string ('12000', 12000, 12000.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _reference(value: object) -> str:
    number = _as_int(value)
    if number is not None:
        return str(number)
    return str(value).strip()[:64] if isinstance(value, str) else ""


class PayGate:
    identifier = "paygate"
    hosted = False

    def __init__(self, identifier: str = "paygate") -> None:
        self.identifier = identifier

    # --- talking to the gateway -----------------------------------------------------------

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = str(payments_setting("PAYGATE_URL")) + path
        timeout = httpx.Timeout(float(payments_setting("HTTP_TIMEOUT_SECONDS")), connect=5.0)
        body = {"auth_token": payments_setting("PAYGATE_AUTH_TOKEN"), **payload}
        response = httpx.post(url, json=body, timeout=timeout)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data

    def start(self, payment: Payment, *, description: str, return_url: str = "") -> StartResult:
        """Ask the gateway to prompt the payer's phone; retried with the same identifier on a network error."""
        payload = {
            "phone_number": payment.phone,
            "amount": payment.amount,
            "description": description[:100],
            "identifier": payment.public_id,
            "network": payment.network,
        }
        sent = False  # whether a request may have reached the gateway
        for attempt in range(1, PAY_ATTEMPTS + 1):
            try:
                data = self._post("/api/v1/pay", payload)
            except httpx.ConnectError as exc:
                logger.warning(
                    "paygate: pay %s unreachable (%s), attempt %s",
                    payment.public_id,
                    type(exc).__name__,
                    attempt,
                )
                continue
            except (httpx.HTTPError, ValueError) as exc:
                # Sent, but no usable answer: it may have been registered. Retry: a duplicate says so.
                sent = True
                logger.warning(
                    "paygate: pay %s no answer (%s), attempt %s",
                    payment.public_id,
                    type(exc).__name__,
                    attempt,
                )
                continue
            code = _as_int(data.get("status"))
            if code in {PAY_REGISTERED, PAY_DUPLICATE}:
                # A duplicate: an earlier request with this identifier (ours, random, persisted
                # first) got through; that transaction stands and is the one we follow.
                reference = _reference(data.get("tx_reference"))
                logger.info("paygate: pay %s registered (tx %s)", payment.public_id, reference or "?")
                return StartResult(StartOutcome.REGISTERED, gateway_reference=reference, detail="registered")
            reason = PAY_CODES.get(
                code if code is not None else -1, f"unexpected status {data.get('status')!r}"
            )
            logger.warning("paygate: pay %s refused: %s", payment.public_id, reason)
            return StartResult(StartOutcome.REFUSED, detail=reason)
        if sent:
            return StartResult(StartOutcome.UNCERTAIN, detail="no answer from the gateway")
        return StartResult(StartOutcome.UNREACHABLE, detail="gateway unreachable")

    def status(self, payment: Payment) -> StatusResult:
        """Ask the gateway, by our identifier, where the payment stands."""
        try:
            data = self._post("/api/v2/status", {"identifier": payment.public_id})
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("paygate: status %s unavailable (%s)", payment.public_id, type(exc).__name__)
            return StatusResult(GatewayStatus.UNAVAILABLE, detail=type(exc).__name__)
        return self.read_status(data, expected_identifier=payment.public_id)

    @staticmethod
    def read_status(data: Mapping[str, Any], *, expected_identifier: str) -> StatusResult:
        """Read a status answer; one about another identifier, or unreadable, is no answer."""
        identifier = str(data.get("identifier") or "")
        code = _as_int(data.get("status"))
        reference = _reference(data.get("tx_reference"))
        when = str(data.get("datetime") or "")[:40]
        safe = {
            "status": data.get("status"),
            "tx_reference": reference,
            "amount": data.get("amount"),
            "payment_method": str(data.get("payment_method") or "")[:20],
            "phone_number": mask_phone(str(data.get("phone_number") or "")),
            "datetime": when,
        }
        if identifier and identifier != expected_identifier:
            return StatusResult(
                GatewayStatus.UNAVAILABLE, detail="answer about another identifier", data=safe
            )
        if code is None or code not in STATUS_CODES:
            return StatusResult(
                GatewayStatus.UNAVAILABLE, detail=f"unexpected status {data.get('status')!r}", data=safe
            )
        status = STATUS_CODES[code]
        if status == GatewayStatus.EXPIRED and not reference.strip("0"):
            # Our choice for the undocumented "unknown identifier" answer (decision 0025).
            status = GatewayStatus.NOT_FOUND
        return StatusResult(
            status,
            amount=_as_int(data.get("amount")),
            currency="XOF",  # PayGate deals in FCFA only; the amount is what is checked
            gateway_reference=reference,
            operator_reference=_reference(data.get("payment_reference")),
            network=network_of(data.get("payment_method")),
            paid_at=when,
            data=safe,
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackHint:
        """The unsigned callback: only the identifier is taken, to ask the status endpoint."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise MalformedCallback("not JSON") from None
        if not isinstance(data, dict):
            raise MalformedCallback("not a JSON object")
        identifier = data.get("identifier")
        if not isinstance(identifier, str) or not identifier.strip() or len(identifier) > 64:
            raise MalformedCallback("no identifier")
        return CallbackHint(
            identifier=identifier.strip(), gateway_reference=_reference(data.get("tx_reference"))
        )

    def parse_return(self, params: Mapping[str, str]) -> CallbackHint | None:
        # The push has no return page; whatever a return address carries is ignored.
        return None

    def refund(self, payment: Payment, amount: int) -> StatusResult:
        raise RefundNotSupported("PayGate has no refund API: refunds are paid out by hand.")


providers.register("paygate")(PayGate("paygate"))
