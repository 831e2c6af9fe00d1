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

STAFF_USERNAMES = ["agent", "superviseur", "commandant", "caissier", "inspecteur", "admin"]


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
    assert units_of("agent") == {(code, Role.AGENT) for code in [*both, "police"]}
    assert units_of("commandant") == {("police", Role.SUPERVISOR)}
    assert units_of("superviseur") == {(code, Role.SUPERVISOR) for code in both}
    assert units_of("caissier") == {("cabinet", Role.CASHIER), ("police", Role.CASHIER)}
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
    assert sorted(d.service.code for d in dossiers) == [
        "cloture-electrifiee",
        "suggestion",
        "vitres-teintees",
    ]
    # The tinted-window request comes issued: a demo permit to try on /verifier/.
    assert {d.state for d in dossiers} == {DossierState.IN_REVIEW, DossierState.ISSUED}
    # Its fee was paid at the counter: a payment with its numbered receipt, as a real one.
    from guichet.payments.models import Payment

    paid = Payment.objects.get(
        dossier__service__code="vitres-teintees", dossier__applicant__phone="+22890000001"
    )
    assert paid.amount == 12_000
    assert paid.receipt.number
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
    assert "printed in this terminal" in output
    for username in STAFF_USERNAMES:
        assert f"demo-{username}-2026" in output
        assert totp_uri(User.objects.get(username=username)) in output
    assert ".venv/bin/python manage.py totp_code agent" in output


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


def test_seed_demo_keeps_the_logins_in_a_file_under_var(settings):
    output = seed()

    kept = (settings.VAR_DIR / "demo-logins.txt").read_text(encoding="utf-8")
    assert kept.strip() in output
    assert "demo-citoyen-2026" in kept
    for username in STAFF_USERNAMES:
        assert totp_uri(User.objects.get(username=username)) in kept


def test_the_banner_commands_work_as_printed_from_the_project_folder():
    output = seed()

    command = next(line for line in output.splitlines() if "e.g." in line).split("e.g. ")[1].split()
    # `.venv/bin/python manage.py totp_code agent`: the virtual environment `make run` creates.
    assert command[:3] == [".venv/bin/python", "manage.py", "totp_code"]
    assert "VENV := .venv" in (settings.BASE_DIR / "Makefile").read_text(encoding="utf-8")
    assert (settings.BASE_DIR / "manage.py").exists()
    out = io.StringIO()
    call_command(*command[2:], stdout=out, stderr=io.StringIO())
    verify_staff_totp(User.objects.get(username=command[3]), out.getvalue().strip())


@pytest.fixture
def answering_server():
    """A local web server that answers every request with 503, as /healthz does while starting."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/healthz"
    server.shutdown()
    server.server_close()


def test_demo_logins_prints_the_kept_logins_once_the_server_answers(answering_server):
    seed()
    out, err = io.StringIO(), io.StringIO()

    call_command("demo_logins", wait_for=answering_server, timeout=5, stdout=out, stderr=err)

    assert out.getvalue() == (settings.VAR_DIR / "demo-logins.txt").read_text(encoding="utf-8")
    assert err.getvalue() == ""


def test_demo_logins_says_so_when_the_server_never_answers():
    seed()
    out, err = io.StringIO(), io.StringIO()

    call_command("demo_logins", wait_for="http://127.0.0.1:9/healthz", timeout=0.3, stdout=out, stderr=err)

    assert "did not answer" in err.getvalue()
    assert "demo-citoyen-2026" in out.getvalue()


@pytest.mark.parametrize(
    "command", [["seed_demo"], ["totp_code", "agent"], ["demo_logins"]], ids=lambda c: c[0]
)
def test_demo_commands_refuse_when_the_demo_is_off(settings, command):
    StaffFactory(username="agent")
    settings.GUICHET_DEMO = False
    out = io.StringIO()

    with pytest.raises(CommandError, match="GUICHET_DEMO"):
        call_command(*command, stdout=out, stderr=io.StringIO())

    assert out.getvalue() == ""
    assert not Dossier.objects.exists()
