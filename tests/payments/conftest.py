"""Payments tests: the real PayGate client over real HTTP, against the local sandbox in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from guichet.catalog.services import publish_service
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.payments.sandbox.paygate import Gateway, make_server
from tests.factories import AdministrationFactory, CitizenFactory, load_mspc_catalog

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


@pytest.fixture
def paygate(settings) -> Iterator[Gateway]:
    """The sandbox gateway on a free port; the portal's settings point at it. No callbacks unless set."""
    gateway = Gateway(auth_token=TOKEN)
    server = make_server("127.0.0.1", 0, gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GUICHET_PAYMENTS = {
        **settings.GUICHET_PAYMENTS,
        "PAYGATE_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "PAYGATE_AUTH_TOKEN": TOKEN,
        "HTTP_TIMEOUT_SECONDS": 2,
    }
    yield gateway
    server.shutdown()
    server.server_close()


def fee_service_loaded() -> None:
    from guichet.catalog.models import Service

    if not Service.objects.filter(code="vitres-test").exists():
        load_mspc_catalog()
        AdministrationFactory()
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
