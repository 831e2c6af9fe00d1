"""What a verifier trusts: the published public keys and the revocation list (decision 0027).

`database_trust()` is what `verify_text` asks on the server (kept in each process, checked
against a stamp in the shared cache at most every second); `trust_list_bytes()` is the same knowledge
signed by the root key for the offline page (kept in the shared cache). Both are dropped when a
permit is revoked or a key is made (`forget()`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from functools import lru_cache
from typing import NamedTuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from guichet.permits.keys import b64url, jwk, root_private_key
from guichet.permits.models import Permit, SigningKey
from guichet.permits.signing import kid_for, raw_signature
from guichet.permits.verify import TrustedKey

LIST_CACHE = "permits:trust-list:v1"


def _unix(value: dt.datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


@lru_cache(maxsize=256)
def _public(pem: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise TypeError("a permit key is an EC public key")
    return key


def _published_keys(now: dt.datetime) -> list[SigningKey]:
    """Keys still signing, and retired keys until the last permit they signed expires."""
    return list(SigningKey.objects.filter(Q(retire_after__isnull=True) | Q(retire_after__gt=now)))


STAMP_CACHE = "permits:trust-stamp:v1"


class _Known(NamedTuple):
    """What this process read of the published keys and the revocations, under one stamp."""

    stamp: str
    keys: dict[bytes, TrustedKey]
    revoked: frozenset[tuple[int, str]]
    checked_at: float  # time.monotonic() when the stamp was last found unchanged


_known: _Known | None = None


def _read_database() -> tuple[dict[bytes, TrustedKey], frozenset[tuple[int, str]]]:
    keys = {
        bytes.fromhex(key.kid): TrustedKey(
            bytes.fromhex(key.kid),
            key.permit_type,
            _public(key.public_pem),
            int(key.not_before.timestamp()),
            _unix(key.retire_after),
        )
        for key in _published_keys(timezone.now())
    }
    # Every revoked permit: revocations are few, and a check must answer from them all.
    revoked = frozenset(
        (int(permit_type), str(number))
        for permit_type, number in Permit.objects.filter(revoked_at__isnull=False).values_list(
            "permit_type", "number"
        )
    )
    return keys, revoked


def _current() -> _Known:
    """The keys and revocations as the database holds them, read again only when they change.

    A stamp in the shared cache (a deployment of several processes must share one: check
    guichet.E003) names one reading of the database; `forget()` deletes it when a permit is
    revoked or a key is made, and the next check of every process reads the database again.
    A process asks for the stamp at most every TRUST_RECHECK_MS (one round trip to the cache
    was most of a check's time), so a revocation reaches the other processes within that
    time and the revoking one at once. The stamp is set before the database is read: a stamp
    deleted meanwhile (a revocation committing) is never found again, so a reading older than
    a revocation cannot outlive it. It expires with the cache period, for keys that retire
    with time.
    """
    global _known  # noqa: PLW0603  (one reading per process, replaced whole)
    known, now = _known, time.monotonic()
    recheck = settings.GUICHET_PERMITS["TRUST_RECHECK_MS"] / 1000
    if known is not None and now - known.checked_at < recheck:
        return known
    stamp = cache.get(STAMP_CACHE)
    if stamp is not None and known is not None and known.stamp == stamp:
        _known = known._replace(checked_at=now)
        return _known
    if stamp is None:
        cache.add(STAMP_CACHE, secrets.token_hex(8), settings.GUICHET_PERMITS["TRUST_LIST_CACHE_SECONDS"])
        stamp = cache.get(STAMP_CACHE) or ""  # the stamp another process set first, if it did
    keys, revoked = _read_database()
    known = _Known(stamp, keys, revoked, now)
    if stamp:  # no stamp at all (the cache refuses writes): read the database at every check
        _known = known
    return known


class DatabaseTrust:
    """The trust `verify_text` uses on the server: one consistent reading for one check."""

    def __init__(self) -> None:
        self.issuer: str = settings.GUICHET_PERMITS["ISSUER"]
        self._known: _Known | None = None

    def _reading(self) -> _Known:
        if self._known is None:
            self._known = _current()
        return self._known

    def key(self, kid: bytes) -> TrustedKey | None:
        return self._reading().keys.get(kid)

    def is_revoked(self, permit_type: int, number: str) -> bool:
        return (permit_type, number) in self._reading().revoked


def database_trust() -> DatabaseTrust:
    return DatabaseTrust()


def forget() -> None:
    """Make every process read keys and revocations again, and rebuild the trust list: now,
    and again once the current transaction commits (a reading made meanwhile saw the rows as
    they were before)."""

    def drop() -> None:
        global _known  # noqa: PLW0603
        _known = None
        cache.delete_many([STAMP_CACHE, LIST_CACHE])

    drop()
    transaction.on_commit(drop)


def trust_list_payload(now: dt.datetime) -> dict[str, object]:
    keys = [
        {
            "kid": b64url(bytes.fromhex(key.kid)),
            "type": key.permit_type,
            "alg": "ES256",
            "jwk": jwk(_public(key.public_pem)),
            "not_before": int(key.not_before.timestamp()),
            "not_after": _unix(key.retire_after),
        }
        for key in _published_keys(now)
    ]
    revoked = [
        {"type": permit_type, "number": number}
        for permit_type, number in Permit.objects.filter(revoked_at__isnull=False, valid_until__gt=now)
        .order_by("permit_type", "number")
        .values_list("permit_type", "number")
    ]
    return {
        "v": 1,
        "issued_at": int(now.timestamp()),
        "max_offline_hours": settings.GUICHET_PERMITS["MAX_OFFLINE_HOURS"],
        "keys": keys,
        "revoked": revoked,
    }


def build_trust_list(now: dt.datetime | None = None) -> bytes:
    """The signed trust list: {"payload", "kid", "signature"} (JSON bytes), decision 0027."""
    payload = json.dumps(
        trust_list_payload(now or timezone.now()), separators=(",", ":"), ensure_ascii=False
    ).encode()
    root = root_private_key()
    envelope = {
        "payload": b64url(payload),
        "kid": b64url(kid_for(root.public_key())),
        "signature": b64url(raw_signature(root, payload)),
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def trust_list_bytes() -> bytes:
    """The signed trust list, built at most once per cache period (and after each change)."""
    data = cache.get(LIST_CACHE)
    if data is None:
        data = build_trust_list()
        cache.set(LIST_CACHE, data, settings.GUICHET_PERMITS["TRUST_LIST_CACHE_SECONDS"])
    return bytes(data)
