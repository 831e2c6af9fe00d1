"""Who may open back-office pages and act on a dossier: the authorization matrix.

Personas, for a dossier of unit U:
  anonymous; a citizen; staff who never passed the TOTP step; staff of another unit
  (every right, elsewhere); staff without the right anywhere (a cashier of U); staff with
  the right elsewhere but not in U; staff with the right in U.
On every refusal the dossier, its timeline and the outbox stay as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from guichet.accounts.models import Membership, User
from guichet.accounts.roles import Role
from guichet.dossiers.models import Dossier, DossierEvent, EventKind
from guichet.dossiers.states import DossierState
from tests.backoffice.conftest import Snapshot, fence_dossier, sign_in_staff, staff, suggestion_dossier
from tests.factories import CitizenFactory, StaffFactory

SIGN_IN = "/agents/connexion/"


def _with_second_role(user: User, unit, role: Role) -> User:
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def make_persona(name: str, unit, units) -> User | None:
    """The persona `name`, for a dossier of `unit` (the police unit stands for any other unit)."""
    other = units["police"]
    builders = {
        "anonymous": lambda: None,
        "citizen": CitizenFactory,
        "unverified_staff": lambda: staff(unit, Role.SUPERVISOR),
        "other_unit": lambda: _with_second_role(staff(other, Role.SUPERVISOR), other, Role.INSPECTOR),
        "no_right": lambda: staff(unit, Role.CASHIER),
        "right_elsewhere": lambda: _with_second_role(staff(unit, Role.CASHIER), other, Role.SUPERVISOR),
        "with_right": lambda: staff(unit, Role.SUPERVISOR),
    }
    return builders[name]()


def client_as(client, user: User | None, persona: str):
    if user is None:
        return client
    if persona in {"citizen", "unverified_staff"}:
        client.force_login(user)
        return client
    return sign_in_staff(client, user)


@dataclass(frozen=True)
class ActionCase:
    name: str
    url_name: str
    make: Callable[[], Dossier]
    data: Callable[[Dossier], dict[str, str]]
    done: Callable[[Dossier, User], bool]


def _colleague(dossier: Dossier) -> User:
    return StaffFactory(roles=[(dossier.unit, Role.AGENT)], username="colleague")


ACTIONS = [
    ActionCase("take", "take", fence_dossier, lambda d: {}, lambda d, u: d.assigned_to_id == u.pk),
    ActionCase(
        "assign",
        "assign",
        fence_dossier,
        lambda d: {"assign-assignee": str(_colleague(d).pk)},
        lambda d, u: d.assigned_to is not None and d.assigned_to.username == "colleague",
    ),
    ActionCase(
        "request_info",
        "request_info",
        fence_dossier,
        lambda d: {"request_info-message": "Envoyez le plan coté."},
        lambda d, u: d.state == DossierState.INFO_REQUESTED,
    ),
    ActionCase(
        "approve",
        "approve",
        fence_dossier,
        lambda d: {"approve-note": ""},
        lambda d, u: d.state == DossierState.ISSUED,  # the fence authorization is issued at once
    ),
    ActionCase(
        "reject",
        "reject",
        fence_dossier,
        lambda d: {"reject-reason": "La clôture longe une école."},
        lambda d, u: d.state == DossierState.REJECTED,
    ),
    ActionCase(
        "answer",
        "answer",
        suggestion_dossier,
        lambda d: {"answer-answer": "Merci, nous ouvrirons le samedi."},
        lambda d, u: d.state == DossierState.ANSWERED,
    ),
    ActionCase(
        "message",
        "message",
        fence_dossier,
        lambda d: {"message-message": "Nous passerons mardi."},
        lambda d, u: d.events.filter(kind=EventKind.MESSAGE_TO_APPLICANT, public=True).exists(),
    ),
    ActionCase(
        "note",
        "note",
        fence_dossier,
        lambda d: {"note-text": "Vérifier le titre foncier."},
        lambda d, u: d.events.filter(kind=EventKind.INTERNAL_NOTE, public=False).exists(),
    ),
]

# persona -> expected status of an action POST
ACTION_OUTCOMES = {
    "anonymous": 302,
    "citizen": 302,
    "unverified_staff": 302,
    "other_unit": 404,
    "no_right": 403,
    "right_elsewhere": 403,
}


@pytest.mark.parametrize("case", ACTIONS, ids=lambda case: case.name)
@pytest.mark.parametrize("persona", list(ACTION_OUTCOMES))
def test_refused_actions_change_nothing(client, units, case, persona):
    dossier = case.make()
    user = make_persona(persona, dossier.unit, units)
    data = case.data(dossier)
    before = Snapshot.of(dossier)
    response = client_as(client, user, persona).post(
        f"/agents/dossiers/{dossier.reference}/actions/{case.url_name}/", data
    )
    assert response.status_code == ACTION_OUTCOMES[persona]
    if response.status_code == 302:
        assert response["Location"].startswith(SIGN_IN)
    assert Snapshot.of(dossier) == before
    dossier.refresh_from_db()
    if user is not None:
        assert not case.done(dossier, user)


@pytest.mark.parametrize("case", ACTIONS, ids=lambda case: case.name)
def test_staff_with_the_right_can_act(client, units, case):
    dossier = case.make()
    user = make_persona("with_right", dossier.unit, units)
    data = case.data(dossier)
    events_before = DossierEvent.objects.filter(dossier=dossier).count()
    response = sign_in_staff(client, user).post(
        f"/agents/dossiers/{dossier.reference}/actions/{case.url_name}/", data
    )
    assert response.status_code == 302
    assert response["Location"] == f"/agents/dossiers/{dossier.reference}/"
    dossier.refresh_from_db()
    assert case.done(dossier, user)
    assert DossierEvent.objects.filter(dossier=dossier).count() > events_before


@pytest.mark.parametrize("case", ACTIONS, ids=lambda case: case.name)
def test_actions_refuse_get(client, units, case):
    dossier = case.make()
    user = make_persona("with_right", dossier.unit, units)
    before = Snapshot.of(dossier)
    response = sign_in_staff(client, user).get(
        f"/agents/dossiers/{dossier.reference}/actions/{case.url_name}/"
    )
    assert response.status_code == 405
    assert Snapshot.of(dossier) == before


def test_an_agent_may_take_but_not_assign_to_someone_else(client, units):
    dossier = fence_dossier()
    agent = staff(dossier.unit, Role.AGENT)
    colleague = staff(dossier.unit, Role.AGENT)
    before = Snapshot.of(dossier)
    response = sign_in_staff(client, agent).post(
        f"/agents/dossiers/{dossier.reference}/actions/assign/", {"assign-assignee": colleague.pk}
    )
    assert response.status_code == 403
    assert Snapshot.of(dossier) == before


def test_a_supervisor_cannot_assign_to_someone_who_cannot_process(client, units):
    dossier = fence_dossier()
    supervisor = staff(dossier.unit, Role.SUPERVISOR)
    cashier = staff(dossier.unit, Role.CASHIER)
    outsider = staff(units["police"], Role.AGENT)
    sign_in_staff(client, supervisor)
    before = Snapshot.of(dossier)
    for candidate in (cashier, outsider):
        response = client.post(
            f"/agents/dossiers/{dossier.reference}/actions/assign/", {"assign-assignee": candidate.pk}
        )
        assert response.status_code == 200
        assert 'href="#id_assign-assignee"' in response.content.decode()
    assert Snapshot.of(dossier) == before


# --- reading pages -------------------------------------------------------------------------------

PAGE_OUTCOMES = {
    "anonymous": 302,
    "citizen": 302,
    "unverified_staff": 302,
    "other_unit": 404,
    "no_role": 403,
    "cashier": 200,  # VIEW is enough to read a file of one's unit
    "with_right": 200,
}


def page_persona(name: str, dossier: Dossier, units) -> User | None:
    if name == "no_role":
        return StaffFactory()
    if name == "cashier":
        return staff(dossier.unit, Role.CASHIER)
    return make_persona(name, dossier.unit, units)


@pytest.mark.parametrize("persona", list(PAGE_OUTCOMES))
def test_dossier_page_matrix(client, units, persona):
    dossier = fence_dossier()
    user = page_persona(persona, dossier, units)
    before = Snapshot.of(dossier)
    response = client_as(client, user, persona).get(f"/agents/dossiers/{dossier.reference}/")
    assert response.status_code == PAGE_OUTCOMES[persona]
    if response.status_code == 302:
        assert response["Location"] == f"{SIGN_IN}?next=/agents/dossiers/{dossier.reference}/"
    # Only a permitted reader sees what the applicant wrote.
    assert ("Électro Sécurité Lomé" in response.content.decode()) == (response.status_code == 200)
    assert Snapshot.of(dossier) == before


@pytest.mark.parametrize("persona", list(PAGE_OUTCOMES))
def test_document_download_matrix(client, units, persona):
    dossier = fence_dossier()
    document = dossier.documents.get(field_name="site_plan")
    user = page_persona(persona, dossier, units)
    response = client_as(client, user, persona).get(
        f"/agents/dossiers/{dossier.reference}/documents/{document.pk}/"
    )
    assert response.status_code == PAGE_OUTCOMES[persona]
    if response.status_code == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("persona", list(PAGE_OUTCOMES))
def test_queue_matrix(client, units, persona):
    dossier = fence_dossier()
    user = page_persona(persona, dossier, units)
    response = client_as(client, user, persona).get("/agents/")
    expected = {"other_unit": 200}.get(persona, PAGE_OUTCOMES[persona])  # their own (empty) queue
    assert response.status_code == expected
    shows = dossier.reference in response.content.decode()
    assert shows == (persona in {"cashier", "with_right"})


OUTBOX_OUTCOMES = {
    "anonymous": 302,
    "citizen": 302,
    "agent": 403,
    "cashier": 403,
    "inspector": 403,
    "supervisor": 200,
    "administrator": 200,
}


@pytest.mark.parametrize("persona", list(OUTBOX_OUTCOMES))
def test_outbox_matrix(client, units, persona):
    suggestion_dossier()  # writes a notification
    unit = units["cabinet"]
    user = {
        "anonymous": None,
        "citizen": CitizenFactory(),
        "agent": staff(unit, Role.AGENT),
        "cashier": staff(unit, Role.CASHIER),
        "inspector": staff(units["inspection"], Role.INSPECTOR),
        "supervisor": staff(unit, Role.SUPERVISOR),
        "administrator": staff(unit, Role.ADMINISTRATOR),
    }[persona]
    response = client_as(client, user, persona).get("/agents/messages/")
    assert response.status_code == OUTBOX_OUTCOMES[persona]
    assert ("dossier_submitted" in response.content.decode()) == (response.status_code == 200)


@pytest.mark.django_db
def test_a_colleague_reaching_for_another_units_file_is_refused_and_recorded(client, units):
    from guichet.audit.models import AuditEvent

    dossier = fence_dossier()
    colleague = make_persona("other_unit", dossier.unit, units)
    before = AuditEvent.objects.count()

    response = client_as(client, colleague, "other_unit").get(f"/agents/dossiers/{dossier.reference}/")
    missing = client.get("/agents/dossiers/CLO-0000-0000/")

    assert response.status_code == missing.status_code == 404
    refused = AuditEvent.objects.filter(verb="dossier.access_refused")
    assert refused.count() == 1 == AuditEvent.objects.count() - before
    assert refused.get().actor_user_id == colleague.pk
    assert refused.get().data["reference"] == dossier.reference
