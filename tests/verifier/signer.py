"""An independent signer for the permit format (cryptography + cbor2 only, not guichet.permits).

It writes the texts both verifiers must judge: genuine ones, and every forgery of the bad-input
table of issue 9. The server verifier (guichet.permits.verify) and the offline page's script
(verify-core.js) are run against the same vectors, so the two cannot drift apart silently.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from guichet.permits.verify import TrustedKey

ISSUER = "MSPC"
NOW = 1_790_000_000  # a fixed clock (2026-09-21)
DAY = 86400


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw_sign(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    raw = point(key)
    return {"kty": "EC", "crv": "P-256", "x": b64url(raw[1:33]), "y": b64url(raw[33:])}


@dataclass
class Signer:
    """One key per permit type, a root key for the trust list, and what is revoked."""

    keys: dict[int, ec.EllipticCurvePrivateKey] = field(default_factory=dict)
    root: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    revoked: set[tuple[int, str]] = field(default_factory=set)
    issuer: str = ISSUER

    def __post_init__(self) -> None:
        for permit_type in (1, 2, 3, 4):
            self.keys.setdefault(permit_type, ec.generate_private_key(ec.SECP256R1()))

    def kid(self, permit_type: int) -> bytes:
        return hashlib.sha256(point(self.keys[permit_type])).digest()[:8]

    # --- the Trust protocol of guichet.permits.verify (the server verifier's test double) ---
    def key(self, kid: bytes) -> TrustedKey | None:
        for permit_type, private in self.keys.items():
            if self.kid(permit_type) == kid:
                return TrustedKey(kid, permit_type, private.public_key(), NOW - 400 * DAY, None)
        return None

    def is_revoked(self, permit_type: int, number: str) -> bool:
        return (permit_type, number) in self.revoked

    # --- texts ---------------------------------------------------------------------------
    @staticmethod
    def claims(
        permit_type: int = 1, number: str = "TV7K2M9Q", changes: dict[int, Any] | None = None
    ) -> dict[int, Any]:
        claims: dict[int, Any] = {
            1: ISSUER,
            2: permit_type,
            3: number,
            4: "TG1234AB" if permit_type == 1 else "A01234567",
            5: NOW - 10 * DAY,
            6: NOW + 355 * DAY,
        }
        if permit_type == 1:
            claims[7] = "VF1AB000123456789"
        claims[8] = "K. AMEGAH"
        claims.update(changes or {})
        return {k: v for k, v in claims.items() if v is not None}

    def cose(
        self,
        claims: dict[int, Any],
        *,
        key: ec.EllipticCurvePrivateKey | None = None,
        kid: bytes | None = None,
        protected: dict[int, Any] | None = None,
        payload: bytes | None = None,
        signature: bytes | None = None,
    ) -> bytes:
        permit_type = claims.get(2, 1)
        key = key or self.keys[permit_type]
        kid = kid if kid is not None else self.kid(permit_type)
        header = cbor2.dumps(protected if protected is not None else {1: -7, 4: kid}, canonical=True)
        body = cbor2.dumps(claims, canonical=True)
        signed = cbor2.dumps(["Signature1", header, b"", body])
        sig = signature if signature is not None else raw_sign(key, signed)
        return cbor2.dumps(cbor2.CBORTag(18, [header, {}, payload if payload is not None else body, sig]))

    def text(self, claims: dict[int, Any] | None = None, **kwargs: Any) -> str:
        return "TG1:" + base45.b45encode(self.cose(claims or self.claims(), **kwargs)).decode("ascii")

    # --- the trust list ------------------------------------------------------------------
    def trust_list(
        self, *, issued_at: int = NOW, max_offline_hours: int = 72, key: Any = None
    ) -> dict[str, str]:
        body = {
            "v": 1,
            "issued_at": issued_at,
            "max_offline_hours": max_offline_hours,
            "issuer": self.issuer,
            "keys": [
                {
                    "kid": b64url(self.kid(t)),
                    "type": t,
                    "alg": "ES256",
                    "jwk": jwk(k),
                    "not_before": NOW - 400 * DAY,
                    "not_after": None,
                }
                for t, k in self.keys.items()
            ],
            "revoked": [{"type": t, "number": n} for t, n in sorted(self.revoked)],
        }
        payload = json.dumps(body, separators=(",", ":")).encode()
        return {
            "payload": b64url(payload),
            "kid": b64url(hashlib.sha256(point(self.root)).digest()[:8]),
            "signature": b64url(raw_sign(key or self.root, payload)),
        }

    def root_jwk(self) -> dict[str, str]:
        return jwk(self.root)

    def root_kid(self) -> str:
        return b64url(hashlib.sha256(point(self.root)).digest()[:8])


def b45(data: bytes) -> str:
    return "TG1:" + base45.b45encode(data).decode("ascii")


def bad_input_vectors(signer: Signer) -> list[tuple[str, str, int | None, str, str]]:
    """(name, text, expected type, outcome, reason): the table of issue 9, plus genuine ones."""
    s = signer
    valid = s.claims()
    other = ec.generate_private_key(ec.SECP256R1())
    signed = cbor2.dumps(["Signature1", cbor2.dumps({1: -7, 4: s.kid(1)}, canonical=True), b"",
                          cbor2.dumps(valid, canonical=True)])  # fmt: skip
    good_sig = raw_sign(s.keys[1], signed)
    flipped = bytes([good_sig[0] ^ 0x01]) + good_sig[1:]
    hmac_sig = hmac.new(point(s.keys[1]), signed, hashlib.sha256).digest()
    vectors: list[tuple[str, str, int | None, str, str]] = [
        ("valid tinted windows", s.text(valid), None, "VALID", "ok"),
        ("valid entry at the border", s.text(s.claims(2, "EA4XR8PJ")), 2, "VALID", "ok"),
        (
            "valid fence",
            s.text(s.claims(3, "EF9QW3ZD", changes={4: "LOME-ADIDOGOME-12", 7: None})),
            None,
            "VALID",
            "ok",
        ),
        (
            "forged signature with a known kid",
            s.text(valid, key=other, kid=s.kid(1)),
            None,
            "NOT_GENUINE",
            "bad_signature",
        ),
        (
            "one signature byte flipped",
            s.text(valid, signature=flipped),
            None,
            "NOT_GENUINE",
            "bad_signature",
        ),
        (
            "signature of the wrong length",
            s.text(valid, signature=good_sig[:63]),
            None,
            "NOT_GENUINE",
            "bad_signature",
        ),
        (
            "alg none (text)",
            s.text(valid, protected={1: "none", 4: s.kid(1)}, signature=b""),
            None,
            "NOT_GENUINE",
            "alg_not_allowed",
        ),
        ("no alg", s.text(valid, protected={4: s.kid(1)}), None, "NOT_GENUINE", "alg_not_allowed"),
        (
            "HMAC-SHA256 (alg 5)",
            s.text(valid, protected={1: 5, 4: s.kid(1)}, signature=hmac_sig),
            None,
            "NOT_GENUINE",
            "alg_not_allowed",
        ),
        (
            "EdDSA claimed on a P-256 kid",
            s.text(valid, protected={1: -8, 4: s.kid(1)}),
            None,
            "NOT_GENUINE",
            "alg_not_allowed",
        ),
        ("unknown kid", s.text(valid, key=other, kid=b"\x01" * 8), None, "NOT_GENUINE", "unknown_kid"),
        ("kid of 4 bytes", s.text(valid, kid=b"\x01" * 4), None, "NOT_GENUINE", "unknown_kid"),
        (
            "kid of the entry key on a tinted-window permit",
            s.text(valid, key=s.keys[2], kid=s.kid(2)),
            None,
            "NOT_GENUINE",
            "kid_type_mismatch",
        ),
        (
            "expired",
            s.text(s.claims(changes={5: NOW - 400 * DAY + 1, 6: NOW - DAY})),
            None,
            "EXPIRED",
            "expired",
        ),
        ("expires this very second", s.text(s.claims(changes={6: NOW})), None, "EXPIRED", "expired"),
        ("not yet valid", s.text(s.claims(changes={5: NOW + DAY})), None, "NOT_YET_VALID", "not_yet_valid"),
        ("revoked", s.text(s.claims(number="TREVOKED")), None, "REVOKED", "revoked"),
        ("tinted windows on the entry screen", s.text(valid), 2, "WRONG_TYPE", "wrong_type"),
        ("entry on the roadside screen", s.text(s.claims(2, "EA4XR8PJ")), 1, "WRONG_TYPE", "wrong_type"),
        (
            "another issuer, signed by us",
            s.text(s.claims(changes={1: "XX"})),
            None,
            "NOT_GENUINE",
            "wrong_issuer",
        ),
        ("claims nested (signed)", s.text({**valid, 8: ["a", ["b"]]}), None, "NOT_GENUINE", "bad_claims"),
        ("claims with a float date (signed)", s.text({**valid, 6: 1.9e9}), None, "NOT_GENUINE", "bad_claims"),
        ("wrong prefix", "HC1:" + s.text(valid)[4:], None, "NOT_GENUINE", "wrong_prefix"),
        ("empty text", "", None, "NOT_GENUINE", "wrong_prefix"),
        ("prefix only", "TG1:", None, "NOT_GENUINE", "bad_base45"),
        ("invalid Base45 character", "TG1:ABC~DEF", None, "NOT_GENUINE", "bad_base45"),
        ("Base45 of impossible length", "TG1:ABCD", None, "NOT_GENUINE", "bad_base45"),
        ("Base45 triplet over 65535", "TG1:::::::", None, "NOT_GENUINE", "bad_base45"),
        ("oversized text", "TG1:" + "A" * 100_000, None, "NOT_GENUINE", "too_long"),
        ("CBOR bomb: 300 nested arrays", b45(b"\x81" * 300 + b"\x00"), None, "NOT_GENUINE", "not_cbor"),
        (
            "CBOR bomb: array declaring 2^64-1 items",
            b45(b"\x9b" + b"\xff" * 8 + b"\x00"),
            None,
            "NOT_GENUINE",
            "not_cbor",
        ),
        (
            "CBOR bomb: array declaring 2^32-1 items",
            b45(b"\xd2\x9a\xff\xff\xff\xff"),
            None,
            "NOT_GENUINE",
            "not_cbor",
        ),
        (
            "CBOR bomb: byte string declaring 4 GB",
            b45(b"\xd2\x84\x5a\xff\xff\xff\xff"),
            None,
            "NOT_GENUINE",
            "not_cbor",
        ),
        (
            "CBOR bomb: map declaring 2^32-1 pairs",
            b45(b"\xd2\x84\x43\xa1\x01\x26\xba\xff\xff\xff\xff"),
            None,
            "NOT_GENUINE",
            "not_cbor",
        ),
        ("indefinite-length array", b45(b"\xd2\x9f\xff"), None, "NOT_GENUINE", "not_cbor"),
        (
            "not tag 18",
            b45(cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""]))),
            None,
            "NOT_GENUINE",
            "not_cose_sign1",
        ),
        ("trailing bytes", b45(s.cose(valid) + b"\x00"), None, "NOT_GENUINE", "not_cbor"),
        (
            "unprotected header used",
            b45(
                cbor2.dumps(
                    cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {4: s.kid(1)}, cbor2.dumps(valid), good_sig])
                )
            ),
            None,
            "NOT_GENUINE",
            "bad_header",
        ),
    ]
    for claim in (1, 2, 3, 4, 5, 6, 7, 8):
        changed = dict(valid)
        changed[claim] = (changed[claim] + 1) if isinstance(changed[claim], int) else changed[claim] + "X"
        vectors.append(
            (
                f"claim {claim} changed after signing",
                s.text(valid, payload=cbor2.dumps(changed, canonical=True), signature=good_sig),
                None,
                "NOT_GENUINE",
                "bad_signature",
            )
        )
    return vectors
