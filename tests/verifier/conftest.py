"""Permits for the verifier's tests, signed by guichet.permits' own keys (the database trust)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from guichet.permits.keys import signing_key
from guichet.permits.models import Permit
from guichet.permits.signing import Claims, sign_claims
from tests.factories import make_dossier

DAY = dt.timedelta(days=1)
SUBJECTS = {
    1: ("TG1234AB", "VF1AB000123456789"),
    2: ("A01234567", "GHA"),
    3: ("LOME-ADIDOGOME", ""),
    4: ("FESTIVAL", ""),
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters and the trust list's cached copy
    yield
    cache.clear()


@pytest.fixture
def issue(db):
    """issue(type, number=..., valid_from=..., valid_until=..., revoked=False) -> Permit."""
    return permit_maker(make_dossier())


def permit_maker(dossier: Any) -> Any:
    """A function making permits of `dossier`, signed with the permits app's current keys."""
    counter = iter(range(1000))

    def make(
        permit_type: int = 1,
        *,
        number: str | None = None,
        subject: str | None = None,
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
        revoked: bool = False,
    ) -> Permit:
        now = timezone.now().replace(microsecond=0)
        valid_from = valid_from or now - DAY
        valid_until = valid_until or now + 300 * DAY
        number = number or f"T{permit_type}{next(counter):04d}ABCD"[:10]
        subject = subject or SUBJECTS[permit_type][0]
        subject2 = SUBJECTS[permit_type][1]
        row, private = signing_key(permit_type)
        claims = Claims(
            issuer=settings.GUICHET_PERMITS["ISSUER"],
            permit_type=permit_type,
            number=number,
            subject=subject,
            not_before=int(valid_from.timestamp()),
            expiry=int(valid_until.timestamp()),
            subject2=subject2 or None,
            holder="K. AMEGAH",
        )
        if valid_from < row.not_before:
            type(row).objects.filter(pk=row.pk).update(not_before=valid_from - DAY)
        permit = Permit.objects.create(
            number=number,
            permit_type=permit_type,
            dossier=dossier,
            unit_id=dossier.unit_id,
            holder="Kossi AMEGAH",
            subject=subject,
            subject2=subject2,
            valid_from=valid_from,
            valid_until=valid_until,
            kid=row.kid,
            qr_text=sign_claims(claims, private, bytes.fromhex(row.kid)),
            revoked_at=now if revoked else None,
            revoked_reason="Test" if revoked else "",
        )
        cache.clear()  # the trust list is rebuilt with this permit's revocation
        return permit

    return make


def answer_of(response: Any) -> dict[str, Any]:
    return response.json()["answer"]
