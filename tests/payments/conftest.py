"""Payments tests: the real PayGate client over real HTTP, against the local sandbox in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from guichet.catalog.services import load_administration, publish_service
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.payments.sandbox import fedapay as fedapay_sandbox
from guichet.payments.sandbox.paygate import Gateway, make_server
from tests.factories import CitizenFactory

TOKEN = "test-paygate-token"
FEE = 12000

# A decision service with a fixed fee, like the tinted-window authorization.
FEE_SERVICE = """
code: vitres-test
prefix: VTT
administration: mspc
unit: police
title: {fr: Vitres teintées (essai), en: Tinted windows (test)}
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


@pytest.fixture(scope="session")
def paygate_server() -> Iterator[ThreadingHTTPServer]:
    """One sandbox server for the session (stopping one costs half a second); each test gets a fresh gateway."""
    server = make_server("127.0.0.1", 0, Gateway(auth_token=TOKEN))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def paygate(settings, paygate_server) -> Gateway:
    """The sandbox gateway, empty; the portal's settings point at it. No callbacks unless a test sets one."""
    gateway = Gateway(auth_token=TOKEN)
    paygate_server.RequestHandlerClass.gateway = gateway  # type: ignore[attr-defined]
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": f"http://127.0.0.1:{paygate_server.server_address[1]}",
        "PAYGATE_AUTH_TOKEN": TOKEN,
        "HTTP_TIMEOUT_SECONDS": 2,
    }
    return gateway


FEDAPAY_KEY = "sk_test_guichet"
FEDAPAY_WEBHOOK_SECRET = "wh_test_guichet"


@pytest.fixture(scope="session")
def fedapay_server() -> Iterator[ThreadingHTTPServer]:
    server = fedapay_sandbox.make_server(
        "127.0.0.1", 0, fedapay_sandbox.Gateway(secret_key=FEDAPAY_KEY, webhook_secret=FEDAPAY_WEBHOOK_SECRET)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fedapay(settings, fedapay_server) -> fedapay_sandbox.Gateway:
    """The FedaPay sandbox, empty; it sends no webhook unless a test sets one (tests post them, signed)."""
    base = f"http://127.0.0.1:{fedapay_server.server_address[1]}"
    gateway = fedapay_sandbox.Gateway(
        secret_key=FEDAPAY_KEY, webhook_secret=FEDAPAY_WEBHOOK_SECRET, base_url=base
    )
    fedapay_server.RequestHandlerClass.gateway = gateway  # type: ignore[attr-defined]
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "FEDAPAY_URL": base,
        "FEDAPAY_SECRET_KEY": FEDAPAY_KEY,
        "FEDAPAY_WEBHOOK_SECRET": FEDAPAY_WEBHOOK_SECRET,
        "HTTP_TIMEOUT_SECONDS": 2,
    }
    return gateway


def fee_service_loaded() -> None:
    from guichet.catalog.models import Service

    if not Service.objects.filter(code="vitres-test").exists():
        # The ministry and its units only: the other service files are not these tests' concern.
        administration = Path(settings.GUICHET["CATALOG_DIR"]) / "_mspc.yaml"
        load_administration(administration.read_text(encoding="utf-8"), actor=SYSTEM)
        publish_service(FEE_SERVICE, actor=SYSTEM)


def awaiting_dossier(applicant=None) -> Dossier:
    """A dossier filed and waiting for its 12,000 FCFA, through the real use cases."""
    from guichet.catalog.models import Service

    fee_service_loaded()
    applicant = applicant or CitizenFactory()
    actor = Actor.for_user(applicant)
    dossier = dossiers.start_dossier(Service.objects.get(code="vitres-test"), actor=actor, language="fr")
    dossiers.save_answers(dossier, actor=actor, answers={"plate": "TG 1234 AB"})
    dossiers.submit_dossier(dossier, actor=actor)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def dossier(db) -> Dossier:
    return awaiting_dossier()


@pytest.fixture
def applicant(dossier) -> Actor:
    return Actor.for_user(dossier.applicant)
