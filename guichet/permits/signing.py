"""Signed permit payloads: CBOR claims in a COSE_Sign1 (ES256), Base45 text behind `TG1:` (decision 0027).

This module is pure (no database): it encodes, signs, decodes and checks bytes. Which keys
are trusted and which permits are revoked is asked of a `Trust` object (`verify.py` has the
database one; the offline verifier page does the same checks in the browser).

Formats, fixed:
- Claims: a CBOR map with integer keys 1 issuer (text), 2 permit type (int), 3 number (text),
  4 subject (text), 5 not-before (int, Unix seconds), 6 expiry (int), 7 optional second subject
  (text, the VIN), 8 optional short holder text (text, at most 24 characters).
- COSE_Sign1 (RFC 9052 §4.2), tag 18: [bstr .cbor {1: -7, 4: kid (8 bytes)}, {}, bstr claims,
  bstr signature (64 bytes, r||s)], signed over ["Signature1", protected, h'', payload].
- Text: "TG1:" + Base45 (RFC 9285) of the COSE bytes; QR alphanumeric, error correction M.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import base45  # type: ignore[import-untyped]
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

PREFIX = "TG1:"
COSE_SIGN1_TAG = 18
ALG_ES256 = -7
HEADER_ALG = 1
HEADER_KID = 4
KID_BYTES = 8
SIGNATURE_BYTES = 64
MAX_CLAIMS_BYTES = 119  # a version 10 QR at error correction M (RECIPES.md, measured again in tests)
MAX_HOLDER_CHARS = 24
# Bounds checked before any decoding: a genuine text is about 280 characters.
MAX_TEXT_CHARS = 700
MAX_COSE_BYTES = 400

C_ISSUER, C_TYPE, C_NUMBER, C_SUBJECT, C_NOT_BEFORE, C_EXPIRY, C_SUBJECT2, C_HOLDER = range(1, 9)


@dataclass(frozen=True)
class Claims:
    issuer: str
    permit_type: int
    number: str
    subject: str
    not_before: int
    expiry: int
    subject2: str | None = None
    holder: str | None = None

    def to_cbor(self) -> bytes:
        claims: dict[int, object] = {
            C_ISSUER: self.issuer,
            C_TYPE: self.permit_type,
            C_NUMBER: self.number,
            C_SUBJECT: self.subject,
            C_NOT_BEFORE: self.not_before,
            C_EXPIRY: self.expiry,
        }
        if self.subject2:
            claims[C_SUBJECT2] = self.subject2
        if self.holder:
            claims[C_HOLDER] = self.holder[:MAX_HOLDER_CHARS]
        data: bytes = cbor2.dumps(claims, canonical=True)
        if len(data) > MAX_CLAIMS_BYTES:
            raise ValueError(f"claims are {len(data)} bytes, at most {MAX_CLAIMS_BYTES} fit the QR")
        return data

    @classmethod
    def from_cbor(cls, data: bytes) -> Claims | None:  # noqa: PLR0911 (one return per check)
        """The claims, or None when the bytes are not exactly the claims format."""
        try:
            value = safe_loads(data, max_depth=1)
        except CBORShapeError:
            return None
        if not isinstance(value, Mapping) or not all(type(k) is int for k in value):
            return None
        if set(value) - {C_ISSUER, C_TYPE, C_NUMBER, C_SUBJECT, C_NOT_BEFORE, C_EXPIRY, C_SUBJECT2, C_HOLDER}:
            return None
        texts = (C_ISSUER, C_NUMBER, C_SUBJECT)
        ints = (C_TYPE, C_NOT_BEFORE, C_EXPIRY)
        if not all(isinstance(value.get(k), str) and value[k] for k in texts):
            return None
        if not all(type(value.get(k)) is int for k in ints):
            return None
        for k in (C_SUBJECT2, C_HOLDER):
            if k in value and not isinstance(value[k], str):
                return None
        if len(value.get(C_HOLDER) or "") > MAX_HOLDER_CHARS:
            return None
        return cls(
            issuer=value[C_ISSUER],
            permit_type=value[C_TYPE],
            number=value[C_NUMBER],
            subject=value[C_SUBJECT],
            not_before=value[C_NOT_BEFORE],
            expiry=value[C_EXPIRY],
            subject2=value.get(C_SUBJECT2),
            holder=value.get(C_HOLDER),
        )


# --- bounded CBOR ---------------------------------------------------------------------


class CBORShapeError(ValueError):
    pass


def _scan(data: bytes, pos: int, depth: int, max_depth: int) -> int:  # noqa: PLR0912 (one per major type)
    """Walks one CBOR item from `pos` without allocating; returns where it ends.

    Only definite lengths, integers, byte and text strings, arrays, maps and tags; every
    declared length is checked against the bytes actually present, so a declared array of
    2**63 items or a string of 4 GB fails here before cbor2 sees it.
    """
    if pos >= len(data):
        raise CBORShapeError("truncated")
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if pos + size > len(data):
            raise CBORShapeError("truncated")
        arg = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        raise CBORShapeError("indefinite length or reserved")
    if major in (0, 1):
        return pos
    if major in (2, 3):
        if arg > len(data) - pos:
            raise CBORShapeError("string longer than the data")
        return pos + arg
    if major in (4, 5):
        if depth >= max_depth and arg:
            raise CBORShapeError("nested too deep")
        items = arg * (2 if major == 5 else 1)
        if items > len(data) - pos:  # every item takes at least one byte
            raise CBORShapeError("more items than bytes")
        for _ in range(items):
            pos = _scan(data, pos, depth + 1, max_depth)
        return pos
    if major == 6:
        if depth >= max_depth:
            raise CBORShapeError("nested too deep")
        return _scan(data, pos, depth + 1, max_depth)
    if major == 7 and 20 <= info <= 23:
        return pos  # false, true, null, undefined: one byte each (an `alg` of null is refused later)
    raise CBORShapeError("floats and other simple values are not part of the format")


def safe_loads(data: bytes, *, max_depth: int) -> object:
    """cbor2.loads, after `_scan` has checked the whole input is one bounded item. Raises ValueError."""
    if _scan(data, 0, 0, max_depth) != len(data):
        raise CBORShapeError("trailing bytes")
    try:
        return cbor2.loads(data)
    except Exception as exc:  # cbor2 raises its own errors on e.g. invalid UTF-8
        raise CBORShapeError(str(exc)) from exc


# --- keys -----------------------------------------------------------------------------


def kid_for(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The key identifier: the first 8 bytes of SHA-256 of the uncompressed public point."""
    return hashlib.sha256(public_point(public_key)).digest()[:KID_BYTES]


def public_point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def raw_signature(private_key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """ES256 over `message`, as the 64 raw bytes r||s (COSE and WebCrypto), not DER."""
    r, s = decode_dss_signature(private_key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def raw_signature_valid(public_key: ec.EllipticCurvePublicKey, message: bytes, signature: bytes) -> bool:
    if len(signature) != SIGNATURE_BYTES:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


# --- COSE_Sign1 -----------------------------------------------------------------------


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    data: bytes = cbor2.dumps(["Signature1", protected, b"", payload])
    return data


def protected_header(kid: bytes) -> bytes:
    data: bytes = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: kid}, canonical=True)
    return data


def sign_cose(payload: bytes, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    protected = protected_header(kid)
    signature = raw_signature(private_key, sig_structure(protected, payload))
    data: bytes = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return data


@dataclass(frozen=True)
class Sign1:
    """A COSE_Sign1 whose shape is right; its signature is not checked yet."""

    protected: bytes
    alg: object
    kid: bytes | None
    payload: bytes
    signature: bytes

    def signed_bytes(self) -> bytes:
        return sig_structure(self.protected, self.payload)


class MalformedError(ValueError):
    """The bytes are not a COSE_Sign1 of our shape; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_cose(data: bytes) -> Sign1:
    """Checks the shape (bounded) and returns the parts. Raises MalformedError."""
    if len(data) > MAX_COSE_BYTES:
        raise MalformedError("too_large")
    try:
        # tag 18 -> array -> items -> a header map's entries: depth 3 at most; the payload stays a byte string here.
        value = safe_loads(data, max_depth=3)
    except CBORShapeError:
        raise MalformedError("not_cbor") from None
    if isinstance(value, cbor2.CBORTag):
        if value.tag != COSE_SIGN1_TAG:
            raise MalformedError("not_cose_sign1")
        value = value.value
    else:
        raise MalformedError("not_cose_sign1")
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise MalformedError("not_cose_sign1")
    protected, unprotected, payload, signature = value
    if not (isinstance(protected, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise MalformedError("not_cose_sign1")
    if not isinstance(unprotected, Mapping) or unprotected:
        raise MalformedError("bad_header")  # everything we read must be signed
    try:
        header = safe_loads(protected, max_depth=1)
    except CBORShapeError:
        raise MalformedError("bad_header") from None
    if not isinstance(header, Mapping) or set(header) - {HEADER_ALG, HEADER_KID}:
        raise MalformedError("bad_header")  # no `crit`, nothing we would have to understand
    kid = header.get(HEADER_KID)
    if kid is not None and not isinstance(kid, bytes):
        raise MalformedError("bad_header")
    return Sign1(protected, header.get(HEADER_ALG), kid, payload, signature)


# --- text -----------------------------------------------------------------------------


def to_text(cose: bytes) -> str:
    return PREFIX + base45.b45encode(cose).decode("ascii")


def from_text(text: str) -> bytes:
    """The COSE bytes of a permit text. Raises MalformedError (too_long, wrong_prefix, bad_base45)."""
    if len(text) > MAX_TEXT_CHARS:
        raise MalformedError("too_long")
    text = text.strip()
    if not text.startswith(PREFIX):
        raise MalformedError("wrong_prefix")
    body = text[len(PREFIX) :]
    if not body:
        raise MalformedError("bad_base45")
    try:
        data: bytes = base45.b45decode(body)
    except Exception:
        raise MalformedError("bad_base45") from None
    return data


def sign_claims(claims: Claims, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> str:
    """The QR text of a permit: TG1: + Base45(COSE_Sign1(claims))."""
    return to_text(sign_cose(claims.to_cbor(), private_key, kid))


def qr_for(text: str):  # type: ignore[no-untyped-def]
    """The QR code (segno) of a permit text: alphanumeric, error correction M, version at most 10."""
    import segno

    qr = segno.make_qr(text, error="m", mode="alphanumeric", boost_error=False)
    if isinstance(qr.version, int) and qr.version > 10:
        raise ValueError(f"permit QR is version {qr.version}, more than 10")
    return qr
