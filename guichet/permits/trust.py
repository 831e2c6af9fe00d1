"""What a verifier trusts: the published public keys and the revocation list (decision 0027).

`database_trust()` is what `verify_text` asks on the server; `trust_list_bytes()` is the same
knowledge signed by the root key for the offline page. Both are cached briefly and dropped when
a permit is revoked or a key rotates (`forget()`).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

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

KEYS_CACHE = "permits:keys:v1"
LIST_CACHE = "permits:trust-list:v1"
REVOKED_CACHE = "permits:revoked:v1"


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


def _key_rows() -> list[tuple[str, int, str, int, int | None]]:
    rows = cache.get(KEYS_CACHE)
    if rows is None:
        rows = [
            (
                key.kid,
                key.permit_type,
                key.public_pem,
                int(key.not_before.timestamp()),
                _unix(key.retire_after),
            )
            for key in _published_keys(timezone.now())
        ]
        cache.set(KEYS_CACHE, rows, settings.GUICHET_PERMITS["TRUST_LIST_CACHE_SECONDS"])
    return rows


class DatabaseTrust:
    def __init__(self) -> None:
        self.issuer: str = settings.GUICHET_PERMITS["ISSUER"]
        self._keys: dict[bytes, TrustedKey] | None = None

    def key(self, kid: bytes) -> TrustedKey | None:
        if self._keys is None:
            self._keys = {
                bytes.fromhex(kid_hex): TrustedKey(
                    bytes.fromhex(kid_hex), permit_type, _public(pem), nbf, naf
                )
                for kid_hex, permit_type, pem, nbf, naf in _key_rows()
            }
        return self._keys.get(kid)

    def is_revoked(self, permit_type: int, number: str) -> bool:
        return (permit_type, number) in _revoked()


def _revoked() -> frozenset[tuple[int, str]]:
    """Every revoked permit (revocations are few), as the check answered from the database.

    Read from the shared cache (a deployment of several processes must have one: check
    guichet.E003), which `forget()` empties at each revocation's commit, so a revocation is
    seen at once by every process; one query per cache period instead of one per check (it
    was most of the public check's time).
    """
    rows = cache.get(REVOKED_CACHE)
    if rows is None:
        rows = list(Permit.objects.filter(revoked_at__isnull=False).values_list("permit_type", "number"))
        cache.set(REVOKED_CACHE, rows, settings.GUICHET_PERMITS["TRUST_LIST_CACHE_SECONDS"])
    return frozenset((int(permit_type), str(number)) for permit_type, number in rows)


def database_trust() -> DatabaseTrust:
    return DatabaseTrust()


def forget() -> None:
    """Drop the cached keys and trust list once the current transaction commits."""

    def drop() -> None:
        cache.delete_many([KEYS_CACHE, LIST_CACHE, REVOKED_CACHE])

    drop()  # and again at commit: a list built meanwhile saw the rows as they were before
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
