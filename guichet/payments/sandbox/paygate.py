"""A local PayGate: the same endpoints, fields and codes as the real gateway, and a phone page.

Started by `make run` (Procfile `paygate`, 127.0.0.1:8010) and by the tests (in a thread,
on a free port). No Django: it is the gateway's side, and keeps its transactions in memory.

    POST /api/v1/pay      {auth_token, phone_number, amount, description, identifier, network}
                          → {"tx_reference": n, "status": 0|2|4|6}  (registered, bad token, bad parameters, duplicate)
    POST /api/v2/status   {auth_token, identifier}      → the transaction, status 0 paid, 2 pending, 4 expired, 6 cancelled
    POST /api/v1/status   {auth_token, tx_reference}    → the same, by their reference
    GET  /phone           the payer's phone: pending payments, approve / decline / let expire / pay another amount

On approval it POSTs the (unsigned) callback to `callback_url`, as the real one does.
Test numbers (any network) with fixed outcomes, for automated tests:
    +228 70 00 00 01  paid at once (and the callback sent)
    +228 70 00 00 02  declined at once (cancelled)
    +228 70 00 00 03  expired at once
    +228 70 00 00 04  paid at once, but no callback is ever sent (a lost callback)
    +228 70 00 00 05  paid at once with another amount (amount mismatch)
    anything else     pending until someone acts on the phone page
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import itertools
import json
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger("paygate-sandbox")

PAID, PENDING, EXPIRED, CANCELLED = 0, 2, 4, 6
REGISTERED, BAD_TOKEN, BAD_PARAMETERS, DUPLICATE = 0, 2, 4, 6
NETWORKS = {"FLOOZ": "FLOOZ", "TMONEY": "T-Money"}
AUTO = {
    "70000001": "pay",
    "70000002": "decline",
    "70000003": "expire",
    "70000004": "pay_silently",
    "70000005": "pay_other",
}


def normalise_phone(raw: object) -> str | None:
    """As typed (+228…, 228…, 8 digits) → 228XXXXXXXX, the gateway's own form; None if not a Togolese number."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if len(digits) == 11 and digits.startswith("228"):
        digits = digits[3:]
    return "228" + digits if len(digits) == 8 else None


@dataclass
class Transaction:
    tx_reference: int
    identifier: str
    amount: int
    network: str
    phone_number: str
    description: str
    status: int = PENDING
    payment_reference: str = ""
    datetime: str = ""

    def as_status(self) -> dict[str, Any]:
        return {
            "tx_reference": self.tx_reference,
            "identifier": self.identifier,
            "amount": self.amount,
            "payment_reference": self.payment_reference,
            "payment_method": NETWORKS[self.network],
            "datetime": self.datetime,
            "phone_number": self.phone_number,
            "status": self.status,
        }


class Gateway:
    """The sandbox's state: transactions by our identifier, and what to do when one is paid."""

    def __init__(self, *, auth_token: str, callback_url: str = "") -> None:
        self.auth_token = auth_token
        self.callback_url = callback_url
        self.by_identifier: dict[str, Transaction] = {}
        self.lock = threading.Lock()
        # References never repeat across restarts: the portal keeps them unique per gateway.
        self._next = itertools.count(int(time.time() * 10))
        self.callbacks_sent: list[dict[str, Any]] = []

    def pay(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("auth_token") != self.auth_token:
            return {"status": BAD_TOKEN}
        amount, identifier = body.get("amount"), body.get("identifier")
        network = str(body.get("network") or "")
        phone = normalise_phone(body.get("phone_number"))
        if (
            not isinstance(amount, int)
            or isinstance(amount, bool)
            or amount <= 0
            or not isinstance(identifier, str)
            or not identifier
            or len(identifier) > 64
            or network not in NETWORKS
            or phone is None
        ):
            return {"status": BAD_PARAMETERS}
        with self.lock:
            if identifier in self.by_identifier:
                return {"tx_reference": self.by_identifier[identifier].tx_reference, "status": DUPLICATE}
            tx = Transaction(
                next(self._next), identifier, amount, network, phone, str(body.get("description") or "")
            )
            self.by_identifier[identifier] = tx
        action = AUTO.get(phone[3:])
        if action:
            self.act(tx.tx_reference, action)
        return {"tx_reference": tx.tx_reference, "status": REGISTERED}

    def find(self, tx_reference: int) -> Transaction | None:
        return next((tx for tx in self.by_identifier.values() if tx.tx_reference == tx_reference), None)

    def status(self, body: dict[str, Any], *, by_reference: bool = False) -> dict[str, Any]:
        if body.get("auth_token") != self.auth_token:
            return {"status": BAD_TOKEN}
        if by_reference:
            try:
                tx = self.find(int(body.get("tx_reference")))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                tx = None
        else:
            tx = self.by_identifier.get(str(body.get("identifier") or ""))
        if tx is None:
            # Undocumented upstream; our choice (decision 0025): a complete object, reference 0, expired.
            return {
                "tx_reference": 0,
                "identifier": str(body.get("identifier") or ""),
                "amount": 0,
                "payment_reference": "",
                "payment_method": "",
                "datetime": _now(),
                "phone_number": "",
                "status": EXPIRED,
            }
        return tx.as_status()

    def act(self, tx_reference: int, action: str, amount: int | None = None) -> Transaction | None:
        """What the payer does on the phone: pay, decline, let expire, pay another amount."""
        with self.lock:
            tx = self.find(tx_reference)
            if tx is None or tx.status != PENDING:
                return tx
            if action in {"pay", "pay_silently", "pay_other"}:
                tx.status = PAID
                tx.payment_reference = (
                    f"{'MP' if tx.network == 'TMONEY' else 'FL'}{tx.tx_reference % 10**9:09d}"
                )
                tx.datetime = _now()
                if action == "pay_other":
                    tx.amount = amount if amount is not None else tx.amount - 1
            elif action == "decline":
                tx.status = CANCELLED
            elif action == "expire":
                tx.status = EXPIRED
            else:
                return tx
        if tx.status == PAID and action != "pay_silently":
            self.send_callback(tx)
        return tx

    def send_callback(self, tx: Transaction) -> None:
        """The real callback: on success only, unsigned, sent once and never retried."""
        if not self.callback_url:
            return
        body = {k: v for k, v in tx.as_status().items() if k != "status"}
        self.callbacks_sent.append(body)

        def post() -> None:
            request = urllib.request.Request(  # noqa: S310  (a URL the sandbox's operator gave)
                self.callback_url,
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    response.read()
            except OSError as exc:
                logger.warning("callback for %s not delivered: %s", tx.identifier, exc)

        threading.Thread(target=post, daemon=True).start()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


PHONE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox phone — PayGate</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}}
li{{border:1px solid #767676;border-radius:.5rem;padding:.75rem;margin:.5rem 0;list-style:none}}
button{{font-size:1rem;margin:.25rem .25rem .25rem 0;padding:.5rem .75rem}} ul{{padding:0}}
label{{display:block;margin-top:.5rem}}</style></head>
<body><main><h1>Sandbox phone (PayGate)</h1>
<p>This page plays the payer's phone. Payments waiting for a PIN are listed here.</p>
<p><a href="/phone">Refresh</a></p>
<h2>Waiting for confirmation</h2>{pending}
<h2>Recent</h2>{recent}</main></body></html>"""


def render_phone_page(gateway: Gateway) -> str:
    pending: list[str] = []
    recent: list[str] = []
    for tx in sorted(gateway.by_identifier.values(), key=lambda t: -t.tx_reference):
        label = (
            f"<strong>{tx.amount:,} FCFA</strong> · {html.escape(NETWORKS[tx.network])} · "
            f"+{tx.phone_number[:3]} {tx.phone_number[3:]}<br>{html.escape(tx.description)}"
        ).replace(",", " ")
        if tx.status == PENDING:
            pending.append(
                f'<li data-identifier="{html.escape(tx.identifier)}">{label}'
                f'<form method="post" action="/phone/{tx.tx_reference}">'
                '<button name="action" value="pay">Approve (type the PIN)</button>'
                '<button name="action" value="decline">Decline</button>'
                '<button name="action" value="expire">Let expire</button>'
                f'<label for="amount-{tx.tx_reference}">Pay a different amount (FCFA)</label>'
                f'<input id="amount-{tx.tx_reference}" name="amount" inputmode="numeric">'
                '<button name="action" value="pay_other">Pay this amount</button></form></li>'
            )
        elif len(recent) < 10:
            word = {PAID: "paid", EXPIRED: "expired", CANCELLED: "declined"}[tx.status]
            recent.append(f"<li>{label}<br>{word}</li>")
    return PHONE_PAGE.format(
        pending="<ul>" + "".join(pending) + "</ul>" if pending else "<p>Nothing is waiting.</p>",
        recent="<ul>" + "".join(recent) + "</ul>" if recent else "<p>Nothing yet.</p>",
    )


class Handler(BaseHTTPRequestHandler):
    gateway: Gateway
    server_version = "PayGateSandbox/1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict[str, Any]) -> None:
        # Result codes come with HTTP 200, as upstream: clients read `status` from a 200 reply.
        self._send(HTTPStatus.OK, json.dumps(data).encode(), "application/json")

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path in {"/phone", "/phone/"}:
            self._send(HTTPStatus.OK, render_phone_page(self.gateway).encode(), "text/html; charset=utf-8")
        elif path == "/healthz":
            self._send(HTTPStatus.OK, b"ok", "text/plain")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        raw = self._body()
        if path.startswith("/phone/"):
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            amount = form.get("amount", "").strip()
            with contextlib.suppress(ValueError):
                self.gateway.act(
                    int(path.removeprefix("/phone/")),
                    form.get("action", ""),
                    int(amount) if amount.isdigit() else None,
                )
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", "/phone")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._json({"status": BAD_PARAMETERS})
        elif path == "/api/v1/pay":
            self._json(self.gateway.pay(body))
        elif path == "/api/v2/status":
            self._json(self.gateway.status(body))
        elif path == "/api/v1/status":
            self._json(self.gateway.status(body, by_reference=True))
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")


def make_server(host: str, port: int, gateway: Gateway) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"gateway": gateway})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--auth-token", default="sandbox-paygate-token")
    parser.add_argument("--callback-url", default="http://127.0.0.1:8000/paiements/rappel/paygate/")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = make_server(
        args.host, args.port, Gateway(auth_token=args.auth_token, callback_url=args.callback_url)
    )
    logger.info("PayGate sandbox on http://%s:%s (phone page: /phone)", args.host, args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
