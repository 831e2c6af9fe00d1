"""A demo tinted-window authorization, issued through the real use cases (seed_demo calls it once),
so a newcomer has a PDF with a signed QR to try on /verifier/."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guichet.accounts.models import User
from guichet.accounts.roles import Role
from guichet.catalog.models import Service
from guichet.core.actors import SYSTEM, Actor
from guichet.demo.files import demo_pdf, demo_png
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.payments import services as payments
from guichet.payments.models import Network
from guichet.permits.models import Permit

TINTED_DOCUMENTS = {
    "office_proof": "nomination.pdf",
    "cover_letter": "lettre.pdf",
    "criminal_record": "casier-judiciaire.pdf",
    "id_scan": "carte-identite.png",
    "registration_card": "carte-grise.png",
}


def _answers(full_name: str, phone: str) -> dict[str, object]:
    return {
        "full_name": full_name,
        "id_type": "national_id",
        "id_number": "0123-456-789",
        "niu": "",
        "phone": phone,
        "plate": "TG 1234 AB",
        "vin": "VF1RFB0005A123456",
        "make": "Toyota",
        "model": "Land Cruiser",
        "colour": "Noir",
        "windows": ["rear_window", "rear_side"],
        "tint_level": "medium",
        "ground": "by_right",
        "office": "general_officer",
        "criminal_record_date": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
    }


def _upload(name: str) -> SimpleUploadedFile:
    if name.endswith(".png"):
        return SimpleUploadedFile(name, demo_png(), content_type="image/png")
    return SimpleUploadedFile(name, demo_pdf(f"{name} - document de démonstration"), "application/pdf")


def _pay_at_the_counter(dossier: Dossier) -> None:
    """The fee paid in cash to the unit's cashier: a payment, its ledger and a numbered receipt,
    as the finance page and the file's page show them (a bare "paid" would leave no receipt)."""
    cashier = (
        User.objects.filter(memberships__unit=dossier.unit, memberships__role=Role.CASHIER, is_active=True)
        .order_by("pk")
        .first()
    )
    if cashier is None:
        dossiers.record_payment(
            dossier, payment_reference="DEMO", amount=dossier.fee_total or 0, actor=SYSTEM
        )
        return
    payments.record_counter_payment(
        dossier,
        actor=Actor.for_user(cashier),
        method=Network.CASH,
        amount=dossier.fee_total or 0,
        counter_receipt=f"DEMO-{dossier.reference}",
    )


def issue_demo_permit(citizen: User) -> Permit | None:
    """File, pay at the counter, review and approve a tinted-window request for `citizen`; returns its permit."""
    service = Service.objects.filter(code="vitres-teintees").first()
    if service is None:
        return None
    actor = Actor.for_user(citizen)
    dossier = dossiers.start_dossier(service, actor=actor, language="fr")
    dossiers.save_answers(
        dossier, actor=actor, answers=_answers(citizen.get_full_name(), citizen.phone or "")
    )
    for field_name, name in TINTED_DOCUMENTS.items():
        dossiers.attach_document(dossier, actor=actor, field_name=field_name, upload=_upload(name))
    dossiers.submit_dossier(dossier, actor=actor)
    dossier = Dossier.objects.get(pk=dossier.pk)
    if dossier.fee_total:
        _pay_at_the_counter(dossier)
    agent = (
        User.objects.filter(memberships__unit=dossier.unit, memberships__role=Role.AGENT, is_active=True)
        .order_by("pk")
        .first()
    )
    if agent is None:
        return None
    staff = Actor.for_user(agent)
    dossiers.tick_checklist(
        dossier, actor=staff, ticked=[point.key for point in dossier.definition.checklist]
    )
    dossiers.approve_dossier(dossier, actor=staff, note="Démonstration : conforme.")
    return Permit.objects.filter(dossier=dossier).first()
