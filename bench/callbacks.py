#!/usr/bin/env python
"""PayGate callbacks at the running portal: duplicates, out of order, concurrent. Callbacks per second, and the counts.

A benchmark, not a test: it prints figures and exits 0 (`--strict`: exit 1 when a count is wrong).

    .venv/bin/python bench/callbacks.py                       # 1,000 callbacks, 250 payments, 200 paid
    .venv/bin/python bench/callbacks.py --callbacks 5000 --payments 1000 --paid 800 --concurrency 32

It needs PostgreSQL: the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432),
on which it creates its own database (`guichet_bench_callbacks`), dropped at the end unless
`--keep`. What it does:

1. starts the PayGate sandbox in this process (a thread, a free port; it sends no callback
   itself) and migrates the bench database;
2. files `--payments` dossiers of a 12,000 FCFA service through the real use cases and starts
   a payment for each (the portal's client calls the sandbox over HTTP);
3. approves `--paid` of them on the sandbox's phone page; the others stay pending;
4. starts the portal (gunicorn, `--web-workers` processes, on the same database and sandbox);
5. fires `--callbacks` callbacks at `/paiements/rappel/paygate/` from `--concurrency` threads,
   shuffled: every paid payment at least once, then duplicates, some for payments still
   pending (out of order: the status call says pending), some with forged identifiers,
   `tx_reference` as a number or a string, `T-Money` or `TMONEY`;
6. prints callbacks per second and the final counts: succeeded payments, receipts, success
   rows in the ledger, dossiers paid: each must equal the number of distinct paid payments.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import say, server_url, with_database  # noqa: E402

DATABASE = "guichet_bench_callbacks"
TOKEN = "bench-paygate-token"  # noqa: S105
SERVICE = """
code: vitres-bench
prefix: VTB
administration: mspc
unit: police
title: {fr: Vitres teintées (banc d’essai), en: Tinted windows (bench)}
summary: {fr: Une démarche payante., en: A paid service.}
who_may_apply: {fr: Toute personne., en: Anyone.}
sla_days: 10
fee:
  rule: fixed
  lines:
    - {label: {fr: Frais de dossier, en: File fee}, amount: 2000}
    - {label: {fr: Autorisation, en: Authorization}, amount: 10000}
workflow: decision
steps:
  - key: vehicle
    title: {fr: Le véhicule, en: The vehicle}
    fields:
      - {name: plate, type: text, label: {fr: Immatriculation, en: Plate}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def recreate_database(url: str) -> None:
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def prepare(count: int) -> list[str]:
    """File `count` dossiers and start a payment for each; return our identifiers."""
    from django.conf import settings
    from django.core.management import call_command

    from guichet.accounts.models import User
    from guichet.catalog.models import Service
    from guichet.catalog.services import load_administration, publish_service
    from guichet.core.actors import SYSTEM, Actor
    from guichet.dossiers import services as dossiers
    from guichet.payments import services as payments

    call_command("migrate", verbosity=0)
    administration = Path(settings.GUICHET["CATALOG_DIR"]) / "_mspc.yaml"
    load_administration(administration.read_text(encoding="utf-8"), actor=SYSTEM)
    publish_service(SERVICE, actor=SYSTEM)
    service = Service.objects.get(code="vitres-bench")
    identifiers = []
    for i in range(count):
        user = User.objects.create_user(username=f"bench{i}", phone=f"+22890{i:06d}")
        actor = Actor.for_user(user)
        dossier = dossiers.start_dossier(service, actor=actor, language="fr")
        dossiers.save_answers(dossier, actor=actor, answers={"plate": f"TG {i:04d} AB"})
        dossiers.submit_dossier(dossier, actor=actor)
        started = payments.start_payment(dossier, actor=actor, network="TMONEY", phone=f"90{i:06d}")
        identifiers.append(started.payment.public_id)
    return identifiers


def callback_bodies(
    gateway, paid: list[str], pending: list[str], total: int, rng: random.Random
) -> list[bytes]:
    """`total` callbacks: each paid payment once, then duplicates, early ones for pending payments, forgeries."""
    chosen = list(paid)
    while len(chosen) < total:
        roll = rng.random()
        if roll < 0.10 and pending:
            chosen.append(rng.choice(pending))
        elif roll < 0.15:
            chosen.append("GPFORGED" + "".join(rng.choice("0123456789ABCDEFGHJK") for _ in range(12)))
        else:
            chosen.append(rng.choice(paid))
    rng.shuffle(chosen)
    bodies = []
    for identifier in chosen[:total]:
        tx = gateway.by_identifier.get(identifier)
        reference = tx.tx_reference if tx else rng.randrange(10**9)
        bodies.append(
            json.dumps(
                {
                    "tx_reference": reference if rng.random() < 0.5 else str(reference),
                    "identifier": identifier,
                    "payment_reference": tx.payment_reference if tx else "MP0",
                    "amount": tx.amount if tx else 12000,
                    "datetime": tx.datetime if tx else "2026-01-01T00:00:00Z",
                    "phone_number": tx.phone_number if tx else "22890000000",
                    "payment_method": rng.choice(["T-Money", "TMONEY"]),
                }
            ).encode()
        )
    return bodies


def wait_until_up(url: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the portal did not answer at {url}")


def main() -> int:  # noqa: PLR0915  (a script that reads top to bottom)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--callbacks", type=int, default=1000)
    parser.add_argument("--payments", type=int, default=250)
    parser.add_argument("--paid", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a final count is wrong")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311  (a reproducible mix, not a secret)

    from guichet.payments.sandbox.paygate import Gateway, make_server

    gateway = Gateway(auth_token=TOKEN)
    sandbox = make_server("127.0.0.1", free_port(), gateway)
    threading.Thread(target=sandbox.serve_forever, daemon=True).start()
    database_url = with_database(server_url(), DATABASE)
    tmp = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guichet.settings",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "TASKS_BACKEND": "dummy",  # the payment notices are written to the outbox, not sent
        "GUICHET_VAR_DIR": str(tmp),
        "PAYGATE_URL": f"http://127.0.0.1:{sandbox.server_address[1]}",
        "PAYGATE_AUTH_TOKEN": TOKEN,
        "LOG_LEVEL": "ERROR",
        "GUICHET_DEMO": "false",
    }
    os.environ.update(env)
    say(f"database {DATABASE}; sandbox on {env['PAYGATE_URL']}")
    recreate_database(database_url)
    web = None
    try:
        import django

        django.setup()
        started = time.monotonic()
        identifiers = prepare(args.payments)
        say(f"{len(identifiers)} dossiers filed and payments started in {time.monotonic() - started:.1f} s")
        paid = identifiers[: args.paid]
        for identifier in paid:
            gateway.act(gateway.by_identifier[identifier].tx_reference, "pay")
        pending = identifiers[args.paid :]
        bodies = callback_bodies(gateway, paid, pending, args.callbacks, rng)

        port = free_port()
        web = subprocess.Popen(  # noqa: S603
            [
                sys.executable, "-m", "gunicorn", "guichet.wsgi", "--workers", str(args.web_workers),
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        say(f"portal: gunicorn, {args.web_workers} workers, on 127.0.0.1:{port}")

        import httpx

        local = threading.local()
        url = f"http://127.0.0.1:{port}/paiements/rappel/paygate/"

        def fire(body: bytes) -> int:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(timeout=30)
            return client.post(url, content=body, headers={"Content-Type": "application/json"}).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(args.concurrency) as pool:
            codes = Counter(pool.map(fire, bodies))
        elapsed = time.monotonic() - started

        from guichet.dossiers.models import DossierEvent
        from guichet.payments.models import Payment, PaymentEvent, Receipt

        counts = {
            "succeeded payments": Payment.objects.filter(state="succeeded").count(),
            "receipts": Receipt.objects.count(),
            "ledger success rows": PaymentEvent.objects.filter(to_state="succeeded").count(),
            "dossiers paid": DossierEvent.objects.filter(to_state="paid").count(),
        }
        say(
            f"callbacks: {len(bodies)} from {args.concurrency} threads in {elapsed:.2f} s; HTTP {dict(codes)}"
        )
        say(f"distinct paid payments: {len(paid)}")
        for name, value in counts.items():
            say(f"{name}: {value}{'' if value == len(paid) else '  <-- differs'}")
        say(f"callbacks per second: {len(bodies) / elapsed:.0f}")
        wrong = any(value != len(paid) for value in counts.values())
        return 1 if wrong and args.strict else 0
    finally:
        if web is not None:
            web.terminate()
            web.wait(10)
        sandbox.shutdown()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    raise SystemExit(main())
