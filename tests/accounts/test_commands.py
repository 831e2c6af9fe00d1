"""The demo commands: seed_demo (accounts and dossiers, idempotent) and totp_code."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from guichet.accounts.models import User
from guichet.accounts.roles import Permission, Role
from guichet.accounts.services import totp_uri, verify_staff_totp
from guichet.audit.models import AuditEvent
from guichet.dossiers.models import Dossier
from guichet.dossiers.services import staff_can
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from tests.factories import CitizenFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db

STAFF_USERNAMES = ["agent", "superviseur", "caissier", "inspecteur", "admin"]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def units_of(username: str) -> set[tuple[str, str]]:
    return {
        (m.unit.code, m.role) for m in User.objects.get(username=username).memberships.select_related("unit")
    }


def test_seed_demo_loads_the_catalogue_and_creates_the_demo_citizen():
    seed()

    citizen = User.objects.get(phone="+22890000001")
    assert not citizen.is_staff_member
    assert (citizen.first_name, citizen.last_name) == ("Afi", "Mensah")
    assert citizen.check_password("demo-citoyen-2026")


def test_seed_demo_creates_staff_with_their_roles_and_passwords():
    seed()

    for username in STAFF_USERNAMES:
        user = User.objects.get(username=username)
        assert user.is_staff_member
        assert user.check_password(f"demo-{username}-2026")
        assert len(user.totp_secret) >= 16
    both = {"cabinet", "protection-civile"}
    assert units_of("agent") == {(code, Role.AGENT) for code in both}
    assert units_of("superviseur") == {(code, Role.SUPERVISOR) for code in both}
    assert units_of("caissier") == {("cabinet", Role.CASHIER)}
    assert units_of("inspecteur") == {("inspection", Role.INSPECTOR)}
    assert units_of("admin") == {
        (code, Role.ADMINISTRATOR)
        for code in ["cabinet", "police", "gendarmerie", "inspection", "protection-civile"]
    }
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser
    assert not User.objects.filter(
        username__in=["agent", "superviseur", "caissier", "inspecteur"], is_superuser=True
    ).exists()


def test_seed_demo_files_dossiers_the_demo_agent_can_process():
    seed()

    dossiers = Dossier.objects.filter(applicant__phone="+22890000001")
    assert sorted(d.service.code for d in dossiers) == ["cloture-electrifiee", "suggestion"]
    assert {d.state for d in dossiers} == {DossierState.IN_REVIEW}
    fence = dossiers.get(service__code="cloture-electrifiee")
    assert set(fence.documents.values_list("field_name", flat=True)) == {
        "id_document",
        "property_title",
        "site_plan",
    }
    agent, inspector = User.objects.get(username="agent"), User.objects.get(username="inspecteur")
    for dossier in dossiers:
        assert staff_can(agent, dossier, Permission.PROCESS)
        assert not staff_can(inspector, dossier, Permission.VIEW)


def test_seed_demo_prints_every_login_and_the_totp_hint():
    output = seed()

    assert settings.GUICHET["BASE_URL"] in output
    assert "+22890000001" in output
    assert "demo-citoyen-2026" in output
    assert "appears in this terminal" in output
    for username in STAFF_USERNAMES:
        assert f"demo-{username}-2026" in output
        assert totp_uri(User.objects.get(username=username)) in output
    assert "manage.py totp_code" in output


def test_seed_demo_run_again_changes_nothing():
    seed()
    secrets_before = dict(User.objects.values_list("username", "totp_secret"))
    counts_before = (
        User.objects.count(),
        Dossier.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )

    output = seed()

    assert dict(User.objects.values_list("username", "totp_secret")) == secrets_before
    assert (
        User.objects.count(),
        Dossier.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    ) == (counts_before)
    assert "demo-agent-2026" in output


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        seed()

    assert not User.objects.exists()
    assert not Dossier.objects.exists()


def test_totp_code_prints_a_code_the_staff_sign_in_accepts():
    staff = StaffFactory(username="agent", roles=[(UnitFactory(code="cabinet"), Role.AGENT)])
    out = io.StringIO()

    call_command("totp_code", "agent", stdout=out, stderr=io.StringIO())

    code = out.getvalue().strip()
    assert len(code) == 6
    assert code.isdigit()
    verify_staff_totp(staff, code)  # raises if the code is not the current one
    assert AuditEvent.objects.filter(verb="staff.signed_in", target_id=str(staff.pk)).exists()


def test_totp_code_refuses_unknown_names_and_citizens():
    CitizenFactory(username="c-someone")

    for username in ["nobody", "c-someone"]:
        with pytest.raises(CommandError, match="No staff member"):
            call_command("totp_code", username, stdout=io.StringIO(), stderr=io.StringIO())


def test_totp_code_refuses_to_run_in_production(settings):
    StaffFactory(username="agent")
    settings.PRODUCTION = True
    out = io.StringIO()

    with pytest.raises(CommandError, match="production"):
        call_command("totp_code", "agent", stdout=out, stderr=io.StringIO())

    assert out.getvalue() == ""
