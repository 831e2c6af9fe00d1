"""Personas and dossiers for the back-office tests, and a helper that signs a staff member in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guichet.accounts.models import Unit, User
from guichet.accounts.roles import Role
from guichet.accounts.services import STAFF_VERIFIED_SESSION_KEY
from guichet.core.actors import Actor
from guichet.demo.files import demo_pdf, demo_png
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier, DossierEvent
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from tests.factories import CitizenFactory, StaffFactory, make_dossier, service

FENCE_ANSWERS = {
    "applicant_type": "person",
    "full_name": "Afi Mensah",
    "niu": "",
    "phone": "+22890000001",
    "prefecture": "golfe",
    "commune": "golfe-1",
    "address": "Rue 12, portail bleu.",
    "fence_length_m": 120,
    "public_way": "yes",
    "installer": "Électro Sécurité Lomé",
    "work_start": "2031-01-15",
}


def sign_in_staff(client: Client, user: User) -> Client:
    """Sign `user` in as if both steps (password, then TOTP) had been passed."""
    client.force_login(user)
    session = client.session
    session[STAFF_VERIFIED_SESSION_KEY] = True
    session.save()
    return client


def fence_dossier(applicant: User | None = None) -> Dossier:
    """An electrified-fence request in review (free, so no payment), with its three documents."""
    applicant = applicant or CitizenFactory()
    actor = Actor.for_user(applicant)
    dossier = dossiers.start_dossier(service("cloture-electrifiee"), actor=actor, language="fr")
    dossiers.save_answers(dossier, actor=actor, answers=dict(FENCE_ANSWERS))
    uploads = {
        "id_document": SimpleUploadedFile("carte.png", demo_png(), content_type="image/png"),
        "property_title": SimpleUploadedFile("titre.pdf", demo_pdf("Titre foncier"), "application/pdf"),
        "site_plan": SimpleUploadedFile("plan.pdf", demo_pdf("Plan de situation"), "application/pdf"),
    }
    for field_name, upload in uploads.items():
        dossiers.attach_document(dossier, actor=actor, field_name=field_name, upload=upload)
    dossiers.submit_dossier(dossier, actor=actor)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    return dossier


def suggestion_dossier(
    state: DossierState = DossierState.IN_REVIEW, applicant: User | None = None
) -> Dossier:
    return make_dossier("suggestion", applicant=applicant, state=state)


@dataclass(frozen=True)
class Snapshot:
    """What a refused request must leave untouched."""

    state: str
    assigned_to_id: int | None
    events: int
    notifications: int

    @classmethod
    def of(cls, dossier: Dossier) -> Snapshot:
        dossier.refresh_from_db()
        return cls(
            state=dossier.state,
            assigned_to_id=dossier.assigned_to_id,
            events=DossierEvent.objects.filter(dossier=dossier).count(),
            notifications=Notification.objects.count(),
        )


@pytest.fixture
def units(db) -> dict[str, Unit]:
    service("suggestion")  # loads the MSPC catalogue and its units
    return {unit.code: unit for unit in Unit.objects.all()}


@pytest.fixture
def client_for(client: Client):
    """`client_for(user)`: a client signed in as staff (or as a citizen, who never gets the staff key)."""

    def make(user: User | None) -> Client:
        if user is None:
            return client
        if user.is_staff_member:
            return sign_in_staff(client, user)
        client.force_login(user)
        return client

    return make


def staff(unit: Unit, role: Role, **kwargs: object) -> User:
    return StaffFactory(roles=[(unit, role)], **kwargs)
