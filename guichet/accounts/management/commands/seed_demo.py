"""Demo accounts and a few dossiers for the embedded run; safe to run at every start.

Everything is created through the use cases, so the demo data carries the same audit
rows, timeline events and notifications as real data.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from guichet.accounts.contacts import Contact, format_phone
from guichet.accounts.models import Unit, User
from guichet.accounts.roles import Role
from guichet.accounts.services import (
    create_staff_member,
    get_or_create_citizen,
    totp_uri,
    update_citizen_profile,
)
from guichet.catalog.models import Service
from guichet.catalog.services import load_catalog
from guichet.core.actors import Actor
from guichet.dossiers.models import Dossier
from guichet.dossiers.services import attach_document, save_answers, start_dossier, submit_dossier

CITIZEN_PHONE = "+22890000001"
CITIZEN_FIRST_NAME = "Afi"
CITIZEN_LAST_NAME = "Mensah"
CITIZEN_PASSWORD = "demo-citoyen-2026"  # noqa: S105  (published on purpose: demo only, refused in production)

# Paths of the sign-in pages, as the portal and back office mount them.
CITIZEN_SIGN_IN_PATH = "/compte/connexion/"
STAFF_SIGN_IN_PATH = "/agents/connexion/"
ADMIN_PATH = "/admin/"

ALL_UNITS = "*"  # every unit of the administration


@dataclass(frozen=True)
class DemoStaff:
    username: str
    first_name: str
    last_name: str
    role: Role
    units: tuple[str, ...]
    superuser: bool = False

    @property
    def password(self) -> str:
        return f"demo-{self.username}-2026"


DEMO_STAFF = (
    DemoStaff("agent", "Kodjo", "Agbeko", Role.AGENT, ("cabinet", "protection-civile")),
    DemoStaff("superviseur", "Ama", "Lawson", Role.SUPERVISOR, ("cabinet", "protection-civile")),
    DemoStaff("caissier", "Yao", "Amouzou", Role.CASHIER, ("cabinet",)),
    DemoStaff("inspecteur", "Essi", "Adjovi", Role.INSPECTOR, ("inspection",)),
    DemoStaff("admin", "Komi", "Dossou", Role.ADMINISTRATOR, (ALL_UNITS,), superuser=True),
)

SUGGESTION_ANSWERS: dict[str, Any] = {
    "category": "reception",
    "subject": "Horaires du commissariat de Bè",
    "message": (
        "Le commissariat de Bè ferme à 17 h. Beaucoup de travailleurs ne peuvent pas venir avant. "
        "Pourriez-vous ouvrir un guichet le samedi matin pour les dépôts de plainte et les attestations ?"
    ),
    "signed": "yes",
    "full_name": f"{CITIZEN_FIRST_NAME} {CITIZEN_LAST_NAME}",
}


def _fence_answers() -> dict[str, Any]:
    return {
        "applicant_type": "person",
        "full_name": f"{CITIZEN_FIRST_NAME} {CITIZEN_LAST_NAME}",
        "niu": "",
        "phone": CITIZEN_PHONE,
        "prefecture": "Golfe",
        "commune": "Bè-Kpota",
        "address": "Rue 12, maison à portail bleu, derrière l’école primaire de Bè-Kpota.",
        "fence_length_m": 120,
        "public_way": "yes",
        "installer": "Électro Sécurité Lomé",
        "work_start": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with a line of text: enough for the upload checks and a viewer."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def demo_png(width: int = 240, height: int = 150) -> bytes:
    """A small grey-blue PNG (a stand-in for a scanned ID card), written without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((200, 214, 230)) * width  # filter byte, then RGB pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


class Command(BaseCommand):
    help = "Create the demo accounts (citizen and staff) and a few dossiers; safe to run again. Never in production."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts whose passwords are published: it never runs in production "
                "(GUICHET_DEPLOYMENT=production)."
            )
        if not Service.objects.exists():
            load_catalog()
        with transaction.atomic():
            citizen = self._citizen()
            staff = [(member, self._staff_member(member)) for member in DEMO_STAFF]
            created_dossiers = self._dossiers(citizen)
        self._print_summary(citizen, staff, created_dossiers)

    # --- accounts ---------------------------------------------------------------------

    def _citizen(self) -> User:
        citizen, created = get_or_create_citizen(Contact("phone", CITIZEN_PHONE), language="fr")
        if created or not citizen.first_name or not citizen.has_usable_password():
            update_citizen_profile(
                citizen,
                actor=Actor.for_user(citizen),
                first_name=CITIZEN_FIRST_NAME,
                last_name=CITIZEN_LAST_NAME,
                language="fr",
                password=CITIZEN_PASSWORD,
            )
        return citizen

    def _units(self, codes: tuple[str, ...]) -> list[Unit]:
        administration = settings.GUICHET["ADMINISTRATION_CODE"]
        units = Unit.objects.filter(administration__code=administration)
        if codes != (ALL_UNITS,):
            units = units.filter(code__in=codes)
        found = list(units)
        missing = set(codes) - {unit.code for unit in found} - {ALL_UNITS}
        if missing or not found:
            raise CommandError(
                f"Unit(s) {', '.join(sorted(missing)) or '(any)'} of {administration!r} not found: "
                "run `manage.py load_catalog` first."
            )
        return found

    def _staff_member(self, member: DemoStaff) -> User:
        existing = User.objects.filter(username=member.username).first()
        if existing is not None:
            if not existing.is_staff_member:
                raise CommandError(f"A citizen account is named {member.username!r}; remove it or rename it.")
            return existing
        return create_staff_member(
            username=member.username,
            password=member.password,
            first_name=member.first_name,
            last_name=member.last_name,
            email=f"{member.username}@demo.guichet.example",
            roles=[(unit, member.role) for unit in self._units(member.units)],
            superuser=member.superuser,
        )

    # --- dossiers ---------------------------------------------------------------------

    def _dossiers(self, citizen: User) -> list[Dossier]:
        """File two requests for the demo citizen, the first time only, so the queue is not empty."""
        if Dossier.objects.for_applicant(citizen).exists():
            return []
        actor = Actor.for_user(citizen)
        filed = []

        suggestion = start_dossier(Service.objects.get(code="suggestion"), actor=actor, language="fr")
        save_answers(suggestion, actor=actor, answers=SUGGESTION_ANSWERS)
        filed.append(submit_dossier(suggestion, actor=actor))

        fence = start_dossier(Service.objects.get(code="cloture-electrifiee"), actor=actor, language="fr")
        save_answers(fence, actor=actor, answers=_fence_answers())
        documents = {
            "id_document": SimpleUploadedFile("carte-identite.png", demo_png(), content_type="image/png"),
            "property_title": SimpleUploadedFile(
                "titre-foncier.pdf", demo_pdf("Titre foncier - document de démonstration"), "application/pdf"
            ),
            "site_plan": SimpleUploadedFile(
                "plan-de-situation.pdf",
                demo_pdf("Plan de situation - document de démonstration"),
                "application/pdf",
            ),
        }
        for field_name, upload in documents.items():
            attach_document(fence, actor=actor, field_name=field_name, upload=upload)
        filed.append(submit_dossier(fence, actor=actor))
        return filed

    # --- what the person at the terminal needs ------------------------------------------

    def _print_summary(
        self, citizen: User, staff: list[tuple[DemoStaff, User]], created_dossiers: list[Dossier]
    ) -> None:
        base = settings.GUICHET["BASE_URL"]
        rule = "=" * 78
        write = self.stdout.write
        write(rule)
        write(self.style.SUCCESS(f" Guichet demo is ready: {base}/"))
        write(rule)
        write("")
        write(f"Citizen portal        {base}/")
        write(f"Citizen sign-in       {base}{CITIZEN_SIGN_IN_PATH}")
        write(f"  {citizen.display_name}")
        write(f"    phone             {CITIZEN_PHONE}   ({format_phone(CITIZEN_PHONE)})")
        write(f"    password          {CITIZEN_PASSWORD}")
        write("    or ask for a code: it appears in this terminal (the SMS is printed by the worker)")
        for dossier in (
            Dossier.objects.for_applicant(citizen).select_related("service").order_by("created_at")
        ):
            write(f"    dossier           {dossier.reference}  {dossier.service.title_fr} ({dossier.state})")
        if created_dossiers:
            write(f"    ({len(created_dossiers)} demo dossiers filed just now)")
        write("")
        write(f"Staff sign-in         {base}{STAFF_SIGN_IN_PATH}  (password, then the 6-digit TOTP code)")
        for member, user in staff:
            roles = sorted(f"{m.role} @ {m.unit.code}" for m in user.memberships.select_related("unit"))
            write("")
            write(f"  {user.username:<19} password {member.password}")
            write(
                f"    roles             {'; '.join(roles)}{'; Django superuser' if user.is_superuser else ''}"
            )
            write(f"    TOTP              {totp_uri(user)}")
        write("")
        write(f"Django admin          {base}{ADMIN_PATH}  (admin)")
        write(
            "Current TOTP code:    python manage.py totp_code <username>   e.g. python manage.py totp_code agent"
        )
        write("Add an otpauth:// URI to any authenticator app (FreeOTP, Aegis, Google Authenticator...).")
        write(rule)
