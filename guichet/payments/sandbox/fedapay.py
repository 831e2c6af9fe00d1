"""A local FedaPay: the same endpoints, envelopes and signed webhooks, and a hosted card page.

Started by `make run` (Procfile `fedapay`, 127.0.0.1:8011) and by the tests (in a thread).
No Django; transactions live in memory.

    POST /v1/transactions              Bearer key; {description, amount, currency: {iso}, callback_url, customer}
                                       → {"v1/transaction": {..., "klass": "v1/transaction"}}
    POST /v1/transactions/{id}/token   → {"token": …, "url": …}   (not wrapped)
    GET  /v1/transactions/{id}         → {"v1/transaction": {...}}
    GET  /pay/{token}                  the hosted page: approve, decline, let expire, pay another amount
    GET  /                             the pending transactions, each with a link to its page

After the payer acts, a webhook signed as FedaPay signs them (`X-FEDAPAY-SIGNATURE:
t=<unix>,s=<hex>`, HMAC-SHA256 of "{t}." + body) goes to `--webhook-url`, and the browser
is sent back to the transaction's callback_url with `?id=…&status=…`. Errors are
`{"message": …, "errors": {…}}` with HTTP 401, 404 or 422.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import html
import itertools
import json
import logging
import secrets
import threading
import time
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

logger = logging.getLogger("fedapay-sandbox")
KLASS = "v1/transaction"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},s={digest}"


class Gateway:
    def __init__(
        self, *, secret_key: str, webhook_secret: str, webhook_url: str = "", base_url: str = ""
    ) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.base_url = base_url
        self.transactions: dict[int, dict[str, Any]] = {}
        self.tokens: dict[str, int] = {}
        self.lock = threading.Lock()
        self._next = itertools.count(int(time.time()) % 10**7 * 10)
        self.webhooks_sent: list[dict[str, Any]] = []

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount, currency = body.get("amount"), body.get("currency")
        errors: dict[str, list[str]] = {}
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            errors["amount"] = ["The amount must be a positive whole number."]
        if not isinstance(currency, dict) or currency.get("iso") != "XOF":
            errors["currency"] = ['The currency must be {"iso": "XOF"}.']
        if not str(body.get("description") or "").strip():
            errors["description"] = ["The description is required."]
        if errors:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {
                "message": "The given data was invalid.",
                "errors": errors,
            }
        with self.lock:
            number = next(self._next)
            self.transactions[number] = {
                "klass": KLASS,
                "id": number,
                "reference": f"trx_{secrets.token_hex(4)}",
                "description": str(body.get("description")),
                "amount": amount,
                "currency": {"iso": "XOF"},
                "currency_id": 1,
                "status": "pending",
                "mode": None,
                "callback_url": str(body.get("callback_url") or ""),
                "merchant_reference": body.get("merchant_reference"),
                "created_at": _now(),
                "approved_at": None,
            }
        return HTTPStatus.OK, {KLASS: dict(self.transactions[number])}

    def token(self, number: int) -> tuple[int, dict[str, Any]]:
        if number not in self.transactions:
            return HTTPStatus.NOT_FOUND, {"message": "Transaction not found", "errors": {}}
        token = secrets.token_urlsafe(16)
        self.tokens[token] = number
        return HTTPStatus.OK, {"token": token, "url": f"{self.base_url}/pay/{token}"}

    def get(self, number: int) -> tuple[int, dict[str, Any]]:
        if number not in self.transactions:
            return HTTPStatus.NOT_FOUND, {"message": "Transaction not found", "errors": {}}
        return HTTPStatus.OK, {KLASS: dict(self.transactions[number])}

    def act(self, number: int, action: str, amount: int | None = None) -> dict[str, Any] | None:
        with self.lock:
            tx = self.transactions.get(number)
            if tx is None or tx["status"] != "pending":
                return tx
            if action in {"approve", "pay_other"}:
                tx["status"] = "approved"
                tx["mode"] = "card"
                tx["approved_at"] = _now()
                if action == "pay_other":
                    tx["amount"] = amount if amount is not None else tx["amount"] - 1
            elif action == "decline":
                tx["status"] = "declined"
            elif action == "expire":
                tx["status"] = "expired"
            else:
                return tx
            event = {"name": f"transaction.{tx['status']}", "entity": dict(tx)}
        self.send_webhook(event)
        return tx

    def send_webhook(self, event: dict[str, Any]) -> None:
        if not self.webhook_url:
            return
        body = json.dumps(event).encode()
        self.webhooks_sent.append(event)
        headers = {
            "Content-Type": "application/json",
            "X-FEDAPAY-SIGNATURE": signature(self.webhook_secret, body),
        }

        def post() -> None:
            request = urllib.request.Request(self.webhook_url, data=body, headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    response.read()
            except OSError as exc:
                logger.warning("webhook not delivered: %s", exc)

        threading.Thread(target=post, daemon=True).start()


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — FedaPay sandbox</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}}
button{{font-size:1rem;margin:.25rem .25rem .25rem 0;padding:.5rem .75rem}} label{{display:block;margin-top:.5rem}}
li{{margin:.5rem 0}}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>"""


def card_page(tx: dict[str, Any], token: str) -> str:
    amount = f"{tx['amount']:,} FCFA".replace(",", " ")
    if tx["status"] != "pending":
        return PAGE.format(title="Card payment", body=f"<p>This payment is {html.escape(tx['status'])}.</p>")
    body = (
        f"<p><strong>{amount}</strong><br>{html.escape(tx['description'])}</p>"
        "<p>Sandbox card page: no card is charged. Choose what the card holder does.</p>"
        f'<form method="post" action="/pay/{html.escape(token)}">'
        '<button name="action" value="approve">Pay with the test card</button>'
        '<button name="action" value="decline">Decline</button>'
        '<button name="action" value="expire">Let expire</button>'
        '<label for="amount">Pay a different amount (FCFA)</label>'
        '<input id="amount" name="amount" inputmode="numeric">'
        '<button name="action" value="pay_other">Pay this amount</button></form>'
    )
    return PAGE.format(title="Card payment", body=body)


class Handler(BaseHTTPRequestHandler):
    gateway: Gateway
    server_version = "FedaPaySandbox/1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _authorised(self) -> bool:
        if self.headers.get("Authorization", "") == f"Bearer {self.gateway.secret_key}":
            return True
        self._json(HTTPStatus.UNAUTHORIZED, {"message": "Unauthenticated.", "errors": {}})
        return False

    def _number(self, text: str) -> int | None:
        return int(text) if text.isdigit() else None

    def do_GET(self) -> None:
        parts = urlsplit(self.path).path.strip("/").split("/")
        gateway = self.gateway
        if parts[:2] == ["v1", "transactions"] and len(parts) == 3:
            if self._authorised():
                number = self._number(parts[2])
                self._json(
                    *gateway.get(number)
                    if number is not None
                    else (HTTPStatus.NOT_FOUND, {"message": "Not found", "errors": {}})
                )
        elif parts[0] == "pay" and len(parts) == 2 and parts[1] in gateway.tokens:
            tx = gateway.transactions[gateway.tokens[parts[1]]]
            self._send(HTTPStatus.OK, card_page(tx, parts[1]).encode(), "text/html; charset=utf-8")
        elif parts == [""]:
            pending = [
                f'<li data-merchant-reference="{html.escape(str(tx["merchant_reference"]))}"><a href="/pay/{token}">'
                f"{tx['amount']} FCFA — {html.escape(tx['description'])}</a></li>"
                for token, number in gateway.tokens.items()
                if (tx := gateway.transactions[number])["status"] == "pending"
            ]
            body = "<ul>" + "".join(pending) + "</ul>" if pending else "<p>Nothing is waiting.</p>"
            self._send(
                HTTPStatus.OK,
                PAGE.format(title="FedaPay sandbox", body=body).encode(),
                "text/html; charset=utf-8",
            )
        else:
            self._json(HTTPStatus.NOT_FOUND, {"message": "Not found", "errors": {}})

    def do_POST(self) -> None:
        parts = urlsplit(self.path).path.strip("/").split("/")
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        gateway = self.gateway
        if parts[0] == "pay" and len(parts) == 2 and parts[1] in gateway.tokens:
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            amount = form.get("amount", "").strip()
            tx = gateway.act(
                gateway.tokens[parts[1]], form.get("action", ""), int(amount) if amount.isdigit() else None
            )
            back = (tx or {}).get("callback_url") or "/"
            query = urlencode({"id": (tx or {}).get("id", ""), "status": (tx or {}).get("status", "")})
            self._send(
                HTTPStatus.SEE_OTHER,
                b"",
                "text/plain",
                {"Location": f"{back}{'&' if '?' in back else '?'}{query}"},
            )
            return
        if parts[:2] != ["v1", "transactions"] or not self._authorised():
            if parts[:2] != ["v1", "transactions"]:
                self._json(HTTPStatus.NOT_FOUND, {"message": "Not found", "errors": {}})
            return
        if len(parts) == 2:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._json(
                    HTTPStatus.UNPROCESSABLE_ENTITY, {"message": "The given data was invalid.", "errors": {}}
                )
                return
            self._json(*gateway.create(body))
        elif len(parts) == 4 and parts[3] == "token" and (number := self._number(parts[2])) is not None:
            self._json(*gateway.token(number))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"message": "Not found", "errors": {}})


def make_server(host: str, port: int, gateway: Gateway) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"gateway": gateway})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    if not gateway.base_url:
        gateway.base_url = f"http://{host}:{server.server_address[1]}"
    return server


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--secret-key", default="sk_sandbox_guichet")
    parser.add_argument("--webhook-secret", default="wh_sandbox_guichet")
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/paiements/rappel/fedapay/")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    gateway = Gateway(
        secret_key=args.secret_key, webhook_secret=args.webhook_secret, webhook_url=args.webhook_url
    )
    server = make_server(args.host, args.port, gateway)
    logger.info("FedaPay sandbox on http://%s:%s (pending payments: /)", args.host, args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
