"""What the portal tests share: small real files, codes read from the outbox, filing helpers."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guichet.demo.files import demo_pdf, demo_png
from guichet.dossiers.models import Dossier
from guichet.notifications.models import Notification

# A minimal but real PDF and PNG: the upload checks read the first bytes.
PDF_BYTES = demo_pdf("Pièce justificative")
PNG_BYTES = demo_png(8, 8)

SUGGESTION = {
    "category": "online_services",
    "subject": "Horaires du commissariat",
    "message": "Ouvrir le samedi.",
}


def pdf(name: str = "piece.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def last_code_sent_to(recipient: str) -> str:
    """The 6-digit code of the newest message to `recipient` (the embedded outbox keeps bodies)."""
    body = (
        Notification.objects.filter(recipient=recipient, event="one_time_code")
        .latest("created_at", "id")
        .body
    )
    match = re.search(r"\b(\d{6})\b", body)
    assert match, body
    return match.group(1)


def submission_key(client: Client, code: str) -> str:
    """The hidden key the service page draws for its Start button."""
    page = client.get(reverse("portal:service", kwargs={"code": code})).content.decode()
    match = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page)
    assert match, "no Start form on the service page"
    return match.group(1)


def start(client: Client, code: str, *, anonymous: bool = False, key: str | None = None) -> Any:
    data = {"submission_key": key or submission_key(client, code)}
    if anonymous:
        data["anonymous"] = "on"
    return client.post(reverse("portal:start", kwargs={"code": code}), data)


def newest_dossier() -> Dossier:
    return Dossier.objects.latest("created_at", "id")


def step_url(dossier: Dossier, step_key: str) -> str:
    return reverse("portal:step", kwargs={"reference": dossier.reference, "step_key": step_key})


def file_suggestion(client: Client, *, anonymous: bool = False, signed: str = "no") -> Dossier:
    """Start, answer both steps and file a suggestion as whoever the client is."""
    response = start(client, "suggestion", anonymous=anonymous)
    assert response.status_code == 302, response
    dossier = newest_dossier()
    assert response["Location"] == step_url(dossier, "suggestion")
    client.post(step_url(dossier, "suggestion"), SUGGESTION)
    client.post(step_url(dossier, "identity"), {"signed": signed, "full_name": "Afi Mensah"})
    response = client.post(reverse("portal:check", kwargs={"reference": dossier.reference}))
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier.refresh_from_db()
    return dossier


def confirm_guest(client: Client, contact: str, recipient: str) -> None:
    """Prove a contact through the guest code pages."""
    response = client.post(reverse("portal:identify"), {"contact": contact})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("portal:identify_code"), {"code": last_code_sent_to(recipient)})
    assert response.status_code == 302, response.content.decode()[:2000]
