"""Files of each permit-issuing service driven to `issued` through the real use cases."""

from __future__ import annotations

from typing import Any

import pytest

from guichet.accounts.roles import Role
from guichet.catalog.definition import document_slot
from guichet.core.actors import Actor
from guichet.demo.management.commands.seed_demo import _fence_answers
from guichet.dossiers import quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.catalog.test_procedures import entry_answers, event_answers, file_request, tinted_answers
from tests.factories import StaffFactory

TINTED_DOCUMENTS = {
    "office_proof": "nomination.pdf",
    "cover_letter": "lettre.pdf",
    "criminal_record": "casier.pdf",
    "id_scan": "cni.png",
    "registration_card": "carte-grise.png",
}


def entry_documents(keys: tuple[str, ...] = ("aaaa0001", "aaaa0002")) -> dict[str, str]:
    documents = {"contract": "contrat.pdf"}
    for key in keys:
        documents[document_slot("photo", key)] = "photo.png"
        documents[document_slot("passport_scan", key)] = "passeport.pdf"
        documents[document_slot("criminal_record", key)] = "casier.pdf"
    return documents


FENCE_ANSWERS: dict[str, Any] = _fence_answers()


def pay(dossier: Dossier) -> None:
    cashier = Actor.for_user(StaffFactory())
    dossiers.record_payment(dossier, payment_reference="TEST", amount=dossier.fee_total or 0, actor=cashier)


def approve(dossier: Dossier, role: Role = Role.AGENT) -> Dossier:
    dossier.refresh_from_db()
    agent = Actor.for_user(StaffFactory(roles=[(dossier.unit, role)]))
    points = [point.key for point in dossier.definition.checklist]
    if points:
        dossiers.tick_checklist(dossier, actor=agent, ticked=points)
    dossiers.approve_dossier(dossier, actor=agent, note="Conforme.")
    dossier.refresh_from_db()
    return dossier


def issued(code: str) -> Dossier:
    if code == "vitres-teintees":
        dossier = file_request(code, tinted_answers(), TINTED_DOCUMENTS)
        pay(dossier)
    elif code == "autorisation-entree":
        dossier = file_request(code, entry_answers(), entry_documents())
        pay(dossier)
    elif code == "couverture-securitaire":
        dossier = file_request(
            code, event_answers(), {"venue_authorization": "autorisation-lieu.pdf", "site_plan": "plan.png"}
        )
        pay(dossier)
        dossier.refresh_from_db()
        agent = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
        points = [point.key for point in dossier.definition.checklist]
        dossiers.tick_checklist(dossier, actor=agent, ticked=points)
        quote = quotes.propose_quote(dossier, actor=agent, agents=6, hours=8)
        quotes.accept_quote(dossier, actor=Actor.for_user(dossier.applicant), number=quote.number)
        dossier.refresh_from_db()
        pay(dossier)
    else:
        dossier = file_request(
            code,
            FENCE_ANSWERS,
            {"id_document": "cni.png", "property_title": "titre.pdf", "site_plan": "plan.pdf"},
        )
        if dossier.state == DossierState.AWAITING_PAYMENT:
            pay(dossier)
    return approve(dossier)


@pytest.fixture
def issue():
    return issued
