"""The server-side check of a permit text: `verify_text` answers a `Verdict` and never raises.

The order of the checks is the order a forger would attack: size and prefix before decoding,
the COSE shape (bounded) before the header, the algorithm and the key before the signature, the
signature before reading any claim, then the key's permit type and validity, the expected type,
revocation and dates. Everything that is not provably ours is NOT_GENUINE with a reason code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from guichet.permits.signing import (
    ALG_ES256,
    KID_BYTES,
    Claims,
    MalformedError,
    from_text,
    parse_cose,
    raw_signature_valid,
)


class Outcome(StrEnum):
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    REVOKED = "REVOKED"
    NOT_GENUINE = "NOT_GENUINE"
    WRONG_TYPE = "WRONG_TYPE"


# Reason codes (stable: the API and the offline page use the same ones).
# NOT_GENUINE: too_long, wrong_prefix, bad_base45, too_large, not_cbor, not_cose_sign1, bad_header,
#   alg_not_allowed, unknown_kid, bad_signature, bad_claims, wrong_issuer, kid_type_mismatch,
#   key_not_valid, internal_error.
# Others: ok (VALID), expired, not_yet_valid, revoked, wrong_type.


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str
    claims: Claims | None = None
    kid: bytes | None = None

    @property
    def genuine(self) -> bool:
        return self.claims is not None


class TrustedKey(NamedTuple):
    kid: bytes
    permit_type: int
    public_key: ec.EllipticCurvePublicKey
    not_before: int
    not_after: int | None  # None while the key still signs


class Trust(Protocol):
    issuer: str

    def key(self, kid: bytes) -> TrustedKey | None: ...

    def is_revoked(self, permit_type: int, number: str) -> bool: ...


def _not_genuine(reason: str, kid: bytes | None = None) -> Verdict:
    return Verdict(Outcome.NOT_GENUINE, reason, None, kid)


def verify_text(
    text: object, *, expected_type: int | None = None, now: int | None = None, trust: Trust | None = None
) -> Verdict:
    """The verdict on a scanned or typed permit text. Bounded in time and memory; never raises."""
    try:
        if trust is None:
            from guichet.permits.trust import database_trust

            trust = database_trust()
        return _verify(text, expected_type, int(time.time()) if now is None else now, trust)
    except Exception:  # a verifier must answer; a bug here is logged, the permit is not accepted
        import logging

        logging.getLogger(__name__).exception("permit verification failed")
        return _not_genuine("internal_error")


def _verify(text: object, expected_type: int | None, now: int, trust: Trust) -> Verdict:  # noqa: PLR0911, PLR0912
    if not isinstance(text, str):
        return _not_genuine("wrong_prefix")
    try:
        sign1 = parse_cose(from_text(text))
    except MalformedError as exc:
        return _not_genuine(exc.reason)
    if type(sign1.alg) is not int or sign1.alg != ALG_ES256:
        return _not_genuine("alg_not_allowed", sign1.kid)
    if sign1.kid is None or len(sign1.kid) != KID_BYTES:
        return _not_genuine("unknown_kid", sign1.kid)
    key = trust.key(sign1.kid)
    if key is None:
        return _not_genuine("unknown_kid", sign1.kid)
    if not raw_signature_valid(key.public_key, sign1.signed_bytes(), sign1.signature):
        return _not_genuine("bad_signature", sign1.kid)
    claims = Claims.from_cbor(sign1.payload)
    if claims is None:
        return _not_genuine("bad_claims", sign1.kid)
    if claims.issuer != trust.issuer:
        return _not_genuine("wrong_issuer", sign1.kid)
    if claims.permit_type != key.permit_type:
        return _not_genuine("kid_type_mismatch", sign1.kid)
    if claims.not_before < key.not_before or (key.not_after is not None and claims.expiry > key.not_after):
        return _not_genuine("key_not_valid", sign1.kid)
    if expected_type is not None and claims.permit_type != expected_type:
        return Verdict(Outcome.WRONG_TYPE, "wrong_type", claims, sign1.kid)
    if trust.is_revoked(claims.permit_type, claims.number):
        return Verdict(Outcome.REVOKED, "revoked", claims, sign1.kid)
    if now < claims.not_before:
        return Verdict(Outcome.NOT_YET_VALID, "not_yet_valid", claims, sign1.kid)
    if now >= claims.expiry:
        return Verdict(Outcome.EXPIRED, "expired", claims, sign1.kid)
    return Verdict(Outcome.VALID, "ok", claims, sign1.kid)
