"""What the payments tests share: recorded payloads, and acting as the payer or the gateway."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client

from guichet.payments.models import Payment
from guichet.payments.sandbox.paygate import Gateway

PAYLOADS = Path(__file__).parent / "payloads"
CALLBACK_URL = "/paiements/rappel/paygate/"


def payload(name: str, payment: Payment | None = None, *, amount: int | None = None) -> str:
    """A recorded gateway payload (text), about `payment` when given."""
    text = (PAYLOADS / "paygate" / name).read_text(encoding="utf-8").strip()
    if payment is not None:
        text = text.replace("{identifier}", payment.public_id)
        text = text.replace("{amount}", str(amount if amount is not None else payment.amount))
    return text


def post_callback(client: Client, body: str | bytes, provider: str = "paygate") -> Any:
    return client.post(f"/paiements/rappel/{provider}/", data=body, content_type="application/json")


def callback_for(client: Client, payment: Payment, name: str = "callback_tx_number.json") -> Any:
    return post_callback(client, payload(name, payment))


def payer_acts(gateway: Gateway, payment: Payment, action: str = "pay", amount: int | None = None) -> None:
    """What the payer does on the sandbox phone (approve, decline, let expire, pay another amount)."""
    gateway.act(gateway.by_identifier[payment.public_id].tx_reference, action, amount)


def as_json(response: Any) -> dict[str, Any]:
    return json.loads(response.content)
