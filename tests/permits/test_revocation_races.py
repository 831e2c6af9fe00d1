"""Revocations racing each other and the daily expiry (PostgreSQL: SQLite serialises writers).

Revoking locks the permit, then its file; expiring does the same, in the same order. Whatever
the interleaving, a permit is revoked once (one audit row, one message to the holder), and a
group file whose permits all end is closed once.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.core.actors import Actor
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from guichet.permits import services
from guichet.permits.models import Permit
from guichet.permits.verify import Outcome, verify_text
from tests.concurrency import race
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")


def supervisor_of(dossier: Dossier) -> Actor:
    return Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)]))


def test_two_supervisors_revoking_one_permit_revoke_it_once(issue):
    for _round in range(3):
        dossier = issue("vitres-teintees")
        permit = Permit.objects.get(dossier=dossier)
        first, second = supervisor_of(dossier), supervisor_of(dossier)
        outcomes = race(
            lambda p=permit, a=first: services.revoke_permit(p, actor=a, reason="Vitres non conformes."),
            lambda p=permit, a=second: services.revoke_permit(p, actor=a, reason="Plaque falsifiée."),
        )
        assert outcomes == ["done", "refused"]  # the second is told it is already revoked
        assert AuditEvent.objects.filter(verb="permit.revoked", target_id=str(permit.pk)).count() == 1
        assert (
            Notification.objects.filter(event="permit_revoked", dossier_reference=dossier.reference).count()
            == 1
        )
        assert Dossier.objects.get(pk=dossier.pk).state == DossierState.REVOKED
        assert verify_text(permit.qr_text).outcome == Outcome.REVOKED


def test_a_group_file_whose_permits_are_revoked_at_once_is_closed_once(issue):
    dossier = issue("autorisation-entree")
    permits = list(Permit.objects.filter(dossier=dossier))
    assert len(permits) == 2  # one per traveller
    supervisors = [supervisor_of(dossier) for _permit in permits]
    outcomes = race(
        *[
            lambda p=permit, a=actor: services.revoke_permit(p, actor=a, reason="Visa annulé.")
            for permit, actor in zip(permits, supervisors, strict=True)
        ]
    )
    assert outcomes == ["done", "done"]
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.REVOKED
    closed = AuditEvent.objects.filter(
        verb="dossier.state_changed", target_id=str(dossier.pk), data__to=DossierState.REVOKED
    )
    assert closed.count() == 1  # closed by whichever revocation came second, once
    assert all(verify_text(p.qr_text).outcome == Outcome.REVOKED for p in permits)


def test_a_revocation_racing_the_daily_expiry_leaves_one_end(issue):
    for _round in range(3):
        dossier = issue("cloture-electrifiee")
        permit = Permit.objects.get(dossier=dossier)
        Permit.objects.filter(pk=permit.pk).update(valid_until=timezone.now())  # due to expire now
        supervisor = supervisor_of(dossier)
        outcomes = race(
            lambda p=permit, a=supervisor: services.revoke_permit(p, actor=a, reason="Fraude."),
            services.expire_due_permits,
        )
        assert outcomes == ["done", "done"]
        stored = Dossier.objects.get(pk=dossier.pk)
        # Whichever ran first closed the file; the other found it closed and left it.
        assert stored.state in {DossierState.REVOKED, DossierState.EXPIRED}
        permit.refresh_from_db()
        assert permit.revoked_at is not None
        assert permit.expired_at is not None
