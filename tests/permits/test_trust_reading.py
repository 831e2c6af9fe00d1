"""The server's reading of keys and revocations: kept per process, re-read when the stamp changes.

Another web process is played by this one with its reading put back: `forget()` in the
revoking process drops its own reading at once, while the others notice the deleted stamp at
their next look at the cache, at most TRUST_RECHECK_MS later.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache

from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.permits import keys, services, trust
from guichet.permits.models import Permit
from guichet.permits.signing import Claims, sign_claims
from guichet.permits.types import FENCE
from guichet.permits.verify import Outcome, verify_text
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fence(issue):
    dossier = issue("cloture-electrifiee")
    return dossier, Permit.objects.get(dossier=dossier)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    clock = Clock()
    monkeypatch.setattr(trust.time, "monotonic", clock)
    return clock


def revoke_elsewhere(dossier: Any, permit: Permit) -> None:
    """Revoke as a supervisor's process would, then put back this process's older reading."""
    reading = trust._known
    supervisor = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    services.revoke_permit(permit, actor=Actor.for_user(supervisor), reason="Titre foncier falsifié.")
    trust._known = reading


def test_the_revoking_process_sees_the_revocation_at_once(fence, settings, clock):
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "TRUST_RECHECK_MS": 60_000}
    dossier, permit = fence
    assert verify_text(permit.qr_text).outcome == Outcome.VALID
    supervisor = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    services.revoke_permit(permit, actor=Actor.for_user(supervisor), reason="Titre foncier falsifié.")
    assert verify_text(permit.qr_text).outcome == Outcome.REVOKED


def test_another_process_sees_it_once_its_reading_is_older_than_the_recheck_time(fence, settings, clock):
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "TRUST_RECHECK_MS": 1000}
    dossier, permit = fence
    assert verify_text(permit.qr_text).outcome == Outcome.VALID
    revoke_elsewhere(dossier, permit)
    clock.now += 0.5
    assert verify_text(permit.qr_text).outcome == Outcome.VALID  # within the second: its reading
    clock.now += 0.6
    assert verify_text(permit.qr_text).outcome == Outcome.REVOKED  # the stamp it held is gone


def test_with_no_recheck_time_every_check_asks_the_cache(fence, settings, clock):
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "TRUST_RECHECK_MS": 0}
    dossier, permit = fence
    assert verify_text(permit.qr_text).outcome == Outcome.VALID
    revoke_elsewhere(dossier, permit)
    assert verify_text(permit.qr_text).outcome == Outcome.REVOKED


def test_an_unchanged_stamp_costs_one_cache_read_and_no_query(
    fence, settings, clock, django_assert_num_queries, monkeypatch
):
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "TRUST_RECHECK_MS": 1000}
    _dossier, permit = fence
    verify_text(permit.qr_text)
    reads: list[str] = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a, **k: reads.append(key) or real_get(key, *a, **k))
    with django_assert_num_queries(0):
        for _ in range(5):
            assert verify_text(permit.qr_text).outcome == Outcome.VALID
        assert reads == []  # within the recheck time: nothing asked
        clock.now += 2
        assert verify_text(permit.qr_text).outcome == Outcome.VALID
    assert reads == [trust.STAMP_CACHE]


def test_a_reading_made_while_a_revocation_commits_is_not_kept(fence, settings, clock):
    """The stamp a reading was filed under is deleted at the revocation's commit: the next
    check reads again, even though that reading was made after the first delete."""
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "TRUST_RECHECK_MS": 0}
    _dossier, permit = fence
    trust.forget()
    stale = trust._current()  # made with the revocation not yet visible
    Permit.objects.filter(pk=permit.pk).update(revoked_at=permit.valid_from)
    cache.delete(trust.STAMP_CACHE)  # what the commit's forget() does in every process's cache
    trust._known = stale
    assert verify_text(permit.qr_text).outcome == Outcome.REVOKED


def test_a_new_key_is_trusted_at_once(fence, settings, clock):
    settings.GUICHET_PERMITS = {**settings.GUICHET_PERMITS, "TRUST_RECHECK_MS": 60_000}
    _dossier, permit = fence
    assert verify_text(permit.qr_text).outcome == Outcome.VALID  # the reading holds the old key
    row = keys.create_key(FENCE.code)
    now = int(time.time()) + 1
    text = sign_claims(
        Claims(settings.GUICHET_PERMITS["ISSUER"], FENCE.code, "ZZ9Z9Z9Z9Z", "LOT-1", now, now + 86400, None, "A"),
        keys.private_key(row.kid),
        bytes.fromhex(row.kid),
    )  # fmt: skip
    assert verify_text(text, now=now + 10).reason == "ok"
