"""Personas for the denunciation tests: inspectors (one of them also in the police), others staff."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guichet.accounts.models import Unit, User
from guichet.accounts.roles import Role
from guichet.accounts.services import STAFF_VERIFIED_SESSION_KEY
from guichet.catalog.services import load_administration
from guichet.demo.files import demo_png
from guichet.denunciations import keyring, services
from guichet.denunciations.models import Mode
from guichet.denunciations.sessions import remember_inspector
from tests.factories import StaffFactory

PASSWORD = "correct horse battery staple"
SENTENCE = "Le brigadier Kodjo a exigé 5000 francs au poste de Bè-Kpota"


@pytest.fixture(autouse=True)
def _fast_argon2(settings: Any) -> None:
    """Argon2id at its smallest cost: what the tests prove does not depend on it."""
    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "KDF_OPSLIMIT": 1,
        "KDF_MEMLIMIT_KIB": 8,
    }


def facts(**overrides: Any) -> dict[str, Any]:
    base = {
        "role": "victim",
        "date": "2026-11-02",
        "time": "14:30",
        "prefecture": "golfe",
        "commune": "golfe-1",
        "place": "Carrefour de Bè",
        "map_point": "",
        "force": "police",
        "unit_or_post": "Poste de Bè-Kpota",
        "officer_name": "",
        "officer_number": "",
        "vehicle_plate": "",
        "officer_description": "",
        "category": "racket",
        "money": "paid",
        "amount": 5000,
        "narrative": SENTENCE,
        "witnesses": "",
    }
    return {**base, **overrides}


@dataclass
class World:
    inspection: Unit
    police: Unit
    gendarmerie: Unit
    inspector: User
    colleague: User
    police_inspector: User  # an inspector who also belongs to the police: conflicted
    agent: User
    supervisor: User
    administrator: User


@pytest.fixture
def world(db: None) -> World:
    # The ministry and its units only: the service files are not needed here.
    load_administration((settings.GUICHET["CATALOG_DIR"] / "_mspc.yaml").read_text(encoding="utf-8"))
    units = {u.code: u for u in Unit.objects.all()}
    inspection, police = units["inspection"], units["police"]
    return World(
        inspection=inspection,
        police=police,
        gendarmerie=units["gendarmerie"],
        inspector=StaffFactory(roles=[(inspection, Role.INSPECTOR)], email="insp1@example.org"),
        colleague=StaffFactory(roles=[(inspection, Role.INSPECTOR)], email="insp2@example.org"),
        police_inspector=StaffFactory(
            roles=[(inspection, Role.INSPECTOR), (police, Role.AGENT)], email="insp3@example.org"
        ),
        agent=StaffFactory(roles=[(police, Role.AGENT)]),
        supervisor=StaffFactory(roles=[(inspection, Role.SUPERVISOR)]),
        administrator=StaffFactory(roles=[(inspection, Role.ADMINISTRATOR)]),
    )


def unlock(user: User) -> keyring.Unlocked:
    return keyring.unlock_inspector(user, password=PASSWORD)


@pytest.fixture
def keys(world: World) -> dict[str, keyring.Unlocked]:
    """Every inspector unlocked once (their key pairs exist before reports are filed)."""
    return {name: unlock(getattr(world, name)) for name in ("inspector", "colleague", "police_inspector")}


def staff_client(user: User, unlocked: keyring.Unlocked | None = None) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[STAFF_VERIFIED_SESSION_KEY] = True
    session.save()
    if unlocked is not None:
        from django.http import HttpRequest, HttpResponse

        request, response = HttpRequest(), HttpResponse()
        request.session = client.session
        remember_inspector(request, response, unlocked)
        request.session.save()
        client.cookies.update(response.cookies)
    return client


def png_upload(name: str = "IMG_20261102_143012.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_png(8, 8), content_type="image/png")


def file_anonymous(**overrides: Any) -> services.Filed:
    return services.file_report(mode=Mode.ANONYMOUS, facts=facts(**overrides))


@pytest.fixture
def ram(settings: Any, tmp_path: Path) -> Path:
    """The evidence tools' private directories go here, so that a test sees what is left behind."""
    folder = tmp_path / "work"
    folder.mkdir()
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, "EVIDENCE_TEMP_DIR": str(folder)}
    return folder
