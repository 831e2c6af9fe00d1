"""Demo accounts and a few dossiers for the embedded run; safe to run at every start.

Everything is created through the use cases, so the demo data carries the same audit
rows, timeline events and notifications as real data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
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
from guichet.demo.files import demo_pdf, demo_png
from guichet.denunciations.keyring import unlock_inspector
from guichet.denunciations.models import InspectorKey
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
DEMO_CODES_PATH = "/demo/codes/"

ALL_UNITS = "*"  # every unit of the administration

# As typed from the project folder, where `make run` leaves the virtual environment.
TOTP_COMMAND = ".venv/bin/python manage.py totp_code"
LOGINS_FILE_NAME = "demo-logins.txt"


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
    DemoStaff("agent", "Kodjo", "Agbeko", Role.AGENT, ("cabinet", "protection-civile", "police")),
    DemoStaff("superviseur", "Ama", "Lawson", Role.SUPERVISOR, ("cabinet", "protection-civile")),
    # The police commander who sets an event's agents and hours (the quote) seeing the unit's calendar.
    DemoStaff("commandant", "Edem", "Kpodar", Role.SUPERVISOR, ("police",)),
    # The cashier of the units where the authorizations are paid (tinted windows; events and entry).
    DemoStaff("caissier", "Yao", "Amouzou", Role.CASHIER, ("cabinet", "police")),
    DemoStaff("inspecteur", "Essi", "Adjovi", Role.INSPECTOR, ("inspection",)),
    # A second inspector: disclosing a confidential reporter's identity takes two (denunciations).
    DemoStaff("inspectrice", "Akouvi", "Mensah", Role.INSPECTOR, ("inspection",)),
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
        "prefecture": "golfe",
        "commune": "golfe-1",
        "address": "Rue 12, maison à portail bleu, derrière l’école primaire de Bè-Kpota.",
        "fence_length_m": 120,
        "public_way": "yes",
        "installer": "Électro Sécurité Lomé",
        "work_start": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }


class Command(BaseCommand):
    help = "Create the demo accounts (citizen and staff) and a few dossiers; safe to run again. Never in production."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION or not settings.GUICHET_DEMO:
            raise CommandError(
                "seed_demo creates accounts whose passwords are published: it runs only in the embedded "
                "demo (GUICHET_DEMO), never in production (GUICHET_DEPLOYMENT=production)."
            )
        if not Service.objects.exists():
            load_catalog()
        with transaction.atomic():
            citizen = self._citizen()
            staff = [(member, self._staff_member(member)) for member in DEMO_STAFF]
        for member, user in staff:  # inspectors' report keys exist before the first report is filed
            if (
                member.role == Role.INSPECTOR
                and not InspectorKey.objects.filter(user=user, active=True).exists()
            ):
                unlock_inspector(user, password=member.password)
        # Each filing use case is its own durable transaction, as it is for a person on the portal.
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
        # An issued tinted-window authorization: a PDF with a signed QR to try on /verifier/.
        from guichet.permits.demo import issue_demo_permit

        permit = issue_demo_permit(citizen)
        if permit is not None:
            filed.append(permit.dossier)
        return filed

    # --- what the person at the terminal needs ------------------------------------------

    def _print_summary(
        self, citizen: User, staff: list[tuple[DemoStaff, User]], created_dossiers: list[Dossier]
    ) -> None:
        lines = summary_lines(citizen, staff, created_dossiers)
        path = logins_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"(kept in {path}; printed again once the server answers)")


def logins_file() -> Path:
    """Where the demo logins are kept for the terminal banner and for a newcomer to reopen."""
    return Path(settings.VAR_DIR) / LOGINS_FILE_NAME


def summary_lines(
    citizen: User, staff: list[tuple[DemoStaff, User]], created_dossiers: list[Dossier]
) -> list[str]:
    """Everything a person at the terminal needs to sign in, as plain lines."""
    base = settings.GUICHET["BASE_URL"]
    rule = "=" * 78
    lines = [rule, f" Guichet demo is ready: {base}/", rule, ""]
    lines += [
        f"Citizen portal        {base}/",
        f"Citizen sign-in       {base}{CITIZEN_SIGN_IN_PATH}",
        f"  {citizen.display_name}",
        f"    phone             {CITIZEN_PHONE}   ({format_phone(CITIZEN_PHONE)})",
        f"    password          {CITIZEN_PASSWORD}",
        "    or ask for a code: the SMS is printed in this terminal by the worker,",
        f"    and the demo's recent codes are listed at {base}{DEMO_CODES_PATH}",
    ]
    for dossier in Dossier.objects.for_applicant(citizen).select_related("service").order_by("created_at"):
        lines.append(
            f"    dossier           {dossier.reference}  {dossier.service.title_fr} ({dossier.state})"
        )
    if created_dossiers:
        lines.append(f"    ({len(created_dossiers)} demo dossiers filed just now)")
    lines += ["", f"Staff sign-in         {base}{STAFF_SIGN_IN_PATH}  (password, then the 6-digit TOTP code)"]
    for member, user in staff:
        roles = sorted(f"{m.role} @ {m.unit.code}" for m in user.memberships.select_related("unit"))
        superuser = "; Django superuser" if user.is_superuser else ""
        lines += [
            "",
            f"  {user.username:<19} password {member.password}",
            f"    roles             {'; '.join(roles)}{superuser}",
            f"    TOTP              {totp_uri(user)}",
        ]
    lines += [
        "",
        f"Django admin          {base}{ADMIN_PATH}  (admin)",
        f"Denunciations         {base}/signalement/  (reporters; inspectors read them at {base}/inspection/)",
        f"Payment sandboxes     {settings.GUICHET_PAYMENTS['PAYGATE_URL']}/phone  (T-Money and Flooz: the payer's phone;"
        " test number 70 00 00 01 is paid at once)",
        f"                      {settings.GUICHET_PAYMENTS['FEDAPAY_URL']}/  (cards)",
        f"Finance               {base}/paiements/finance/  (caissier)",
        f"Current TOTP code:    {TOTP_COMMAND} <username>   e.g. {TOTP_COMMAND} agent",
        "Or add an otpauth:// URI to any authenticator app (FreeOTP, Aegis, Google Authenticator...).",
        rule,
    ]
    return lines
