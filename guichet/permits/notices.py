"""Telling the applicant their permit is ready: SMS or e-mail with the link to their file."""

from __future__ import annotations

from guichet.catalog.definition import Confidentiality
from guichet.core.text import bilingual
from guichet.dossiers.models import Dossier
from guichet.dossiers.services import dossier_url
from guichet.notifications.services import notify_contact
from guichet.permits.models import Permit


def notify_revoked(permit: Permit) -> None:
    """The holder learns their permit was withdrawn, and why."""
    dossier = permit.dossier
    contact = dossier.contact
    if contact is None:
        return
    notify_contact(
        contact,
        "permit_revoked",
        language=dossier.language,
        context={
            "reference": dossier.reference,
            "document": bilingual(permit.kind.title, dossier.language),
            "number": permit.number,
            "reason": permit.revoked_reason,
            "url": dossier_url(dossier),
        },
        dossier_reference=dossier.reference,
        unit_id=dossier.unit_id,
        restricted=dossier.definition.confidentiality == Confidentiality.RESTRICTED,
    )


def notify_issued(dossier: Dossier, permits: list[Permit]) -> None:
    contact = dossier.contact
    if contact is None:
        return
    notify_contact(
        contact,
        "permit_issued",
        language=dossier.language,
        context={
            "reference": dossier.reference,
            "document": bilingual(permits[0].kind.title, dossier.language),
            "count": len(permits),
            "numbers": ", ".join(permit.number for permit in permits),
            "url": dossier_url(dossier),
        },
        dossier_reference=dossier.reference,
        unit_id=dossier.unit_id,
        restricted=dossier.definition.confidentiality == Confidentiality.RESTRICTED,
    )
