"""FedaPay: cards (and mobile money) on FedaPay's hosted payment page.

Protocol (DOMAIN.md "Payment gateways"): `POST /v1/transactions` (Bearer key) creates a
transaction, answered wrapped under `"v1/transaction"`; `POST /v1/transactions/{id}/token`
gives the hosted page's URL (not wrapped); `GET /v1/transactions/{id}` gives its status.
Webhooks are signed (`X-FEDAPAY-SIGNATURE: t=<unix>,s=<hex>`, HMAC-SHA256 of `"{t}." + raw
body`, 300 s tolerance), and even a verified one is only a hint: the transaction is fetched
again before anything is applied. The person's return from the page is a hint too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any, Final

import httpx

from guichet.payments.conf import payments_setting
from guichet.payments.models import Payment, mask_phone
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

SIGNATURE_TOLERANCE_SECONDS: Final = 300
WRAPPER: Final = "v1/transaction"
STATUSES: Final[Mapping[str, GatewayStatus]] = {
    "pending": GatewayStatus.PENDING,
    "approved": GatewayStatus.PAID,
    "transferred": GatewayStatus.PAID,
    "refunded": GatewayStatus.PAID,
    "partially_refunded": GatewayStatus.PAID,
    "approved_partially_refunded": GatewayStatus.PAID,
    "transferred_partially_refunded": GatewayStatus.PAID,
    "declined": GatewayStatus.FAILED,
    "canceled": GatewayStatus.CANCELLED,
    "cancelled": GatewayStatus.CANCELLED,
    "expired": GatewayStatus.EXPIRED,
}
# FedaPay numbers its currencies; 1 is the CFA franc (XOF).
CURRENCY_IDS: Final[Mapping[int, str]] = {1: "XOF"}


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The `X-FEDAPAY-SIGNATURE` value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},s={digest}"


def verify_signature(header: str, body: bytes, secret: str, *, now: float | None = None) -> None:
    """Refuse a missing, malformed, wrong or stale signature (on the raw bytes received)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp, given = parts.get("t", ""), parts.get("s", "")
    if not timestamp.isdigit() or not given:
        raise MalformedCallback("no signature")
    if abs((now if now is not None else time.time()) - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        raise MalformedCallback("signature too old or from the future")
    expected = sign(secret, body, int(timestamp)).partition(",s=")[2]
    if not hmac.compare_digest(expected, given.lower()):
        raise MalformedCallback("bad signature")


def _unwrap(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and isinstance(data.get(WRAPPER), dict):
        return dict(data[WRAPPER])
    if isinstance(data, dict) and data.get("klass") == WRAPPER:
        return dict(data)
    raise ValueError("not a transaction")


class FedaPay:
    identifier = "fedapay"
    hosted = True

    def __init__(self, identifier: str = "fedapay") -> None:
        self.identifier = identifier

    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method,
            str(payments_setting("FEDAPAY_URL")) + path,
            json=payload,
            headers={
                "Authorization": f"Bearer {payments_setting('FEDAPAY_SECRET_KEY')}",
                "X-Version": "1.0.0",
                "X-Source": "Guichet",
            },
            timeout=httpx.Timeout(float(payments_setting("HTTP_TIMEOUT_SECONDS")), connect=5.0),
        )
        response.raise_for_status()
        return response.json()

    def start(self, payment: Payment, *, description: str, return_url: str) -> StartResult:
        """Create the transaction (our identifier as its merchant reference), then its hosted page."""
        try:
            created = _unwrap(
                self._request(
                    "POST",
                    "/v1/transactions",
                    {
                        "description": description[:100],
                        "amount": payment.amount,
                        "currency": {"iso": payment.currency},
                        "callback_url": return_url,
                        "merchant_reference": payment.public_id,
                        "customer": {"phone_number": {"number": payment.phone, "country": "tg"}}
                        if payment.phone
                        else {},
                    },
                )
            )
        except httpx.ConnectError:
            return StartResult(StartOutcome.UNREACHABLE, detail="gateway unreachable")
        except httpx.HTTPStatusError as exc:
            logger.warning(
                "fedapay: create %s refused (HTTP %s)", payment.public_id, exc.response.status_code
            )
            return StartResult(StartOutcome.REFUSED, detail=f"refused (HTTP {exc.response.status_code})")
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("fedapay: create %s no answer (%s)", payment.public_id, type(exc).__name__)
            return StartResult(StartOutcome.UNCERTAIN, detail="no answer from the gateway")
        reference = str(created.get("id") or "")
        try:
            token = self._request("POST", f"/v1/transactions/{reference}/token")
            url = str(token["url"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            logger.warning("fedapay: token for %s failed (%s)", payment.public_id, type(exc).__name__)
            return StartResult(StartOutcome.UNCERTAIN, gateway_reference=reference, detail="no payment page")
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            return StartResult(
                StartOutcome.UNCERTAIN, gateway_reference=reference, detail="unexpected page address"
            )
        return StartResult(
            StartOutcome.REGISTERED, gateway_reference=reference, redirect_url=url, detail="registered"
        )

    def status(self, payment: Payment) -> StatusResult:
        if not payment.gateway_reference:
            return StatusResult(GatewayStatus.NOT_FOUND, detail="no transaction was created")
        try:
            data = _unwrap(self._request("GET", f"/v1/transactions/{payment.gateway_reference}"))
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404:
                return StatusResult(GatewayStatus.NOT_FOUND)
            return StatusResult(GatewayStatus.UNAVAILABLE, detail=f"HTTP {exc.response.status_code}")
        except (httpx.HTTPError, ValueError) as exc:
            return StatusResult(GatewayStatus.UNAVAILABLE, detail=type(exc).__name__)
        return self.read_transaction(data, payment)

    @staticmethod
    def read_transaction(data: Mapping[str, Any], payment: Payment) -> StatusResult:
        reference = str(data.get("id") or "")
        if reference != payment.gateway_reference:
            return StatusResult(GatewayStatus.UNAVAILABLE, detail="answer about another transaction")
        merchant = data.get("merchant_reference")
        if merchant and merchant != payment.public_id:
            return StatusResult(GatewayStatus.UNAVAILABLE, detail="answer about another payment")
        currency = data.get("currency")
        currency_id = data.get("currency_id")
        iso = (
            currency.get("iso")
            if isinstance(currency, dict)
            else CURRENCY_IDS.get(currency_id, "")
            if isinstance(currency_id, int)
            else ""
        )
        amount = data.get("amount")
        status = STATUSES.get(str(data.get("status") or ""), GatewayStatus.UNAVAILABLE)
        safe = {
            "status": str(data.get("status") or "")[:40],
            "id": reference,
            "amount": amount,
            "currency": iso,
            "mode": str(data.get("mode") or "")[:20],
            "phone_number": mask_phone(str(data.get("phone_number") or "")),
        }
        return StatusResult(
            status,
            amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            currency=str(iso or ""),
            gateway_reference=reference,
            operator_reference=str(data.get("reference") or data.get("transaction_key") or "")[:64],
            network="CARD",
            paid_at=str(data.get("approved_at") or "")[:40],
            data=safe,
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackHint:
        """A signed webhook, checked on the raw bytes; it only says which transaction to fetch."""
        verify_signature(
            headers.get("x-fedapay-signature", ""), body, str(payments_setting("FEDAPAY_WEBHOOK_SECRET"))
        )
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise MalformedCallback("not JSON") from None
        entity = data.get("entity") if isinstance(data, dict) else None
        if not isinstance(entity, dict) or not entity.get("id"):
            raise MalformedCallback("no transaction")
        return CallbackHint(
            identifier=str(entity.get("merchant_reference") or ""), gateway_reference=str(entity["id"])
        )

    def parse_return(self, params: Mapping[str, str]) -> CallbackHint | None:
        # FedaPay adds ?id=…&status=…: the id says which transaction to fetch; the status is ignored.
        reference = str(params.get("id") or "")
        return CallbackHint(identifier="", gateway_reference=reference) if reference.isdigit() else None

    def refund(self, payment: Payment, amount: int) -> StatusResult:
        raise RefundNotSupported("Refunds through FedaPay are not wired yet: paid out by hand.")


providers.register("fedapay")(FedaPay("fedapay"))
