"""verify_text on every bad input the issue lists: each a row, each a precise outcome, never a crash."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from guichet.permits import signing
from guichet.permits.signing import Claims, kid_for, sign_claims, sign_cose, to_text
from guichet.permits.verify import Outcome, TrustedKey, verify_text

NOW = 1_800_000_000
DAY = 86_400


@dataclass
class MemoryTrust:
    issuer: str = "MSPC"
    keys: dict[bytes, TrustedKey] = field(default_factory=dict)
    revoked: set[tuple[int, str]] = field(default_factory=set)

    def add(self, permit_type: int, not_before: int = NOW - 100 * DAY, not_after: int | None = None):
        private = ec.generate_private_key(ec.SECP256R1())
        kid = kid_for(private.public_key())
        self.keys[kid] = TrustedKey(kid, permit_type, private.public_key(), not_before, not_after)
        return private, kid

    def key(self, kid: bytes) -> TrustedKey | None:
        return self.keys.get(kid)

    def is_revoked(self, permit_type: int, number: str) -> bool:
        return (permit_type, number) in self.revoked


CLAIMS = Claims(
    issuer="MSPC",
    permit_type=1,
    number="7K3M9QXT2A",
    subject="TG1234AB",
    not_before=NOW - DAY,
    expiry=NOW + 365 * DAY,
    subject2="VF1RFB00X12345678",
    holder="K. AMEGAH",
)


@pytest.fixture
def world():
    trust = MemoryTrust()
    private, kid = trust.add(1)
    other_private, other_kid = trust.add(2)
    return trust, private, kid, other_private, other_kid


def _cose_parts(text: str) -> list:
    return list(cbor2.loads(base45.b45decode(text[4:])).value)


def _rebuild(parts: list) -> str:
    return to_text(cbor2.dumps(cbor2.CBORTag(18, parts)))


def test_a_genuine_permit_is_valid_and_carries_its_claims(world):
    trust, private, kid, *_ = world
    verdict = verify_text(sign_claims(CLAIMS, private, kid), now=NOW, trust=trust)
    assert verdict.outcome == Outcome.VALID
    assert verdict.reason == "ok"
    assert verdict.claims == CLAIMS
    assert verdict.kid == kid


def _flip_signature_byte(text, private, kid, other_private, other_kid):
    parts = _cose_parts(text)
    sig = bytearray(parts[3])
    sig[10] ^= 0x01
    parts[3] = bytes(sig)
    return _rebuild(parts)


def _change_claim(**changes):
    def make(text, private, kid, other_private, other_kid):
        parts = _cose_parts(text)
        parts[2] = replace(CLAIMS, **changes).to_cbor()
        return _rebuild(parts)

    return make


def _forged_with_known_kid(text, private, kid, other_private, other_kid):
    forger = ec.generate_private_key(ec.SECP256R1())
    return sign_claims(CLAIMS, forger, kid)


def _unknown_key(text, private, kid, other_private, other_kid):
    stranger = ec.generate_private_key(ec.SECP256R1())
    return sign_claims(CLAIMS, stranger, kid_for(stranger.public_key()))


def _kid_of_other_type(text, private, kid, other_private, other_kid):
    return sign_claims(CLAIMS, other_private, other_kid)  # claims say type 1, key is type 2's


def _alg(alg):
    def make(text, private, kid, other_private, other_kid):
        protected = cbor2.dumps({1: alg, 4: kid})
        payload = CLAIMS.to_cbor()
        tbs = signing.sig_structure(protected, payload)
        if alg == 5:  # HMAC 256/256 keyed with the public key, the classic confusion attack
            pub = signing.public_point(private.public_key())
            sig = hmac.new(pub, tbs, hashlib.sha256).digest()
        elif alg == -8:
            sig = b"\0" * 64
        else:
            sig = b""
        return _rebuild([protected, {}, payload, sig])

    return make


def _alg_in_unprotected(text, private, kid, other_private, other_kid):
    parts = _cose_parts(text)
    parts[1] = {1: -7}
    return _rebuild(parts)


def _der_signature(text, private, kid, other_private, other_kid):
    parts = _cose_parts(text)
    parts[3] = private.sign(signing.sig_structure(parts[0], parts[2]), ec.ECDSA(hashes.SHA256()))
    return _rebuild(parts)


def _extra_claim(text, private, kid, other_private, other_kid):
    payload = cbor2.loads(CLAIMS.to_cbor())
    payload[99] = "x"
    return to_text(sign_cose(cbor2.dumps(payload), private, kid))


def _claims_not_a_map(text, private, kid, other_private, other_kid):
    return to_text(sign_cose(cbor2.dumps([1, 2, 3]), private, kid))


def _no_kid(text, private, kid, other_private, other_kid):
    protected = cbor2.dumps({1: -7})
    payload = CLAIMS.to_cbor()
    return _rebuild(
        [protected, {}, payload, signing.raw_signature(private, signing.sig_structure(protected, payload))]
    )


def _crit_header(text, private, kid, other_private, other_kid):
    protected = cbor2.dumps({1: -7, 2: [99], 4: kid})
    payload = CLAIMS.to_cbor()
    return _rebuild(
        [protected, {}, payload, signing.raw_signature(private, signing.sig_structure(protected, payload))]
    )


def _untagged(text, private, kid, other_private, other_kid):
    return to_text(cbor2.dumps(_cose_parts(text)))  # no tag 18


def _text(value: str) -> Callable:
    return lambda *args: value


def _bytes(data: bytes) -> Callable:
    return lambda *args: to_text(data)


def _deep_nesting(*args):
    return to_text(b"\xd2" + b"\x81" * 150 + b"\x00")


# (name, make(text, private, kid, other_private, other_kid) -> text, outcome, reason)
BAD = [
    ("one signature byte flipped", _flip_signature_byte, Outcome.NOT_GENUINE, "bad_signature"),
    ("plate changed", _change_claim(subject="TG9999ZZ"), Outcome.NOT_GENUINE, "bad_signature"),
    ("expiry pushed", _change_claim(expiry=NOW + 9000 * DAY), Outcome.NOT_GENUINE, "bad_signature"),
    ("number changed", _change_claim(number="AAAAAAAAAA"), Outcome.NOT_GENUINE, "bad_signature"),
    ("VIN changed", _change_claim(subject2="XXXXXXXXXXXXXXXXX"), Outcome.NOT_GENUINE, "bad_signature"),
    ("type changed", _change_claim(permit_type=2), Outcome.NOT_GENUINE, "bad_signature"),
    ("forged with a known kid", _forged_with_known_kid, Outcome.NOT_GENUINE, "bad_signature"),
    ("key not in the trust list", _unknown_key, Outcome.NOT_GENUINE, "unknown_kid"),
    ("kid of another permit type", _kid_of_other_type, Outcome.NOT_GENUINE, "kid_type_mismatch"),
    ("algorithm none", _alg(None), Outcome.NOT_GENUINE, "alg_not_allowed"),
    ("algorithm HMAC", _alg(5), Outcome.NOT_GENUINE, "alg_not_allowed"),
    ("algorithm EdDSA", _alg(-8), Outcome.NOT_GENUINE, "alg_not_allowed"),
    ("algorithm as text", _alg("ES256"), Outcome.NOT_GENUINE, "alg_not_allowed"),
    ("header outside the signature", _alg_in_unprotected, Outcome.NOT_GENUINE, "bad_header"),
    ("critical header", _crit_header, Outcome.NOT_GENUINE, "bad_header"),
    ("no kid", _no_kid, Outcome.NOT_GENUINE, "unknown_kid"),
    ("DER signature", _der_signature, Outcome.NOT_GENUINE, "bad_signature"),
    ("signed extra claim", _extra_claim, Outcome.NOT_GENUINE, "bad_claims"),
    ("signed claims not a map", _claims_not_a_map, Outcome.NOT_GENUINE, "bad_claims"),
    ("untagged COSE", _untagged, Outcome.NOT_GENUINE, "not_cose_sign1"),
    (
        "wrong prefix",
        _text("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE"),
        Outcome.NOT_GENUINE,
        "wrong_prefix",
    ),
    ("lower-case prefix", lambda t, *a: "tg1:" + t[4:], Outcome.NOT_GENUINE, "wrong_prefix"),
    ("a URL", _text("https://example.com/x"), Outcome.NOT_GENUINE, "wrong_prefix"),
    ("empty", _text(""), Outcome.NOT_GENUINE, "wrong_prefix"),
    ("prefix only", _text("TG1:"), Outcome.NOT_GENUINE, "bad_base45"),
    ("invalid Base45 characters", _text("TG1:abc"), Outcome.NOT_GENUINE, "bad_base45"),
    ("Base45 out of range", _text("TG1:ZZZ"), Outcome.NOT_GENUINE, "bad_base45"),
    ("Base45 one dangling char", lambda t, *a: t + "A", Outcome.NOT_GENUINE, "bad_base45"),
    ("oversized text", _text("TG1:" + "0" * 100_000), Outcome.NOT_GENUINE, "too_long"),
    ("oversized COSE", _bytes(b"\x00" * 401), Outcome.NOT_GENUINE, "too_large"),
    (
        "huge declared array",
        _bytes(b"\xd2\x9b\x7f\xff\xff\xff\xff\xff\xff\xff"),
        Outcome.NOT_GENUINE,
        "not_cbor",
    ),
    (
        "huge declared string",
        _bytes(b"\xd2\x84\x5b\x7f\xff\xff\xff\xff\xff\xff\xff"),
        Outcome.NOT_GENUINE,
        "not_cbor",
    ),
    ("huge declared map", _bytes(b"\xbb\x7f\xff\xff\xff\xff\xff\xff\xff"), Outcome.NOT_GENUINE, "not_cbor"),
    ("deep nesting", _deep_nesting, Outcome.NOT_GENUINE, "not_cbor"),
    ("indefinite-length array", _bytes(b"\xd2\x9f\x00\xff"), Outcome.NOT_GENUINE, "not_cbor"),
    ("a float", _bytes(b"\xfb" + b"\x00" * 8), Outcome.NOT_GENUINE, "not_cbor"),
    (
        "trailing bytes",
        lambda t, *a: to_text(base45.b45decode(t[4:]) + b"\x00"),
        Outcome.NOT_GENUINE,
        "not_cbor",
    ),
    ("truncated", lambda t, *a: to_text(base45.b45decode(t[4:])[:-5]), Outcome.NOT_GENUINE, "not_cbor"),
    (
        "other CBOR tag",
        _bytes(cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", []]))),
        Outcome.NOT_GENUINE,
        "not_cose_sign1",
    ),
    ("zlib bomb prefix", _text("HC1:" + "0" * 500), Outcome.NOT_GENUINE, "wrong_prefix"),
]


@pytest.mark.parametrize(("name", "make", "outcome", "reason"), BAD, ids=[row[0] for row in BAD])
def test_bad_input_is_refused_with_its_reason(world, name, make, outcome, reason):
    trust, private, kid, other_private, other_kid = world
    text = make(sign_claims(CLAIMS, private, kid), private, kid, other_private, other_kid)
    started = time.perf_counter()
    verdict = verify_text(text, now=NOW, trust=trust)
    assert time.perf_counter() - started < 0.5
    assert (verdict.outcome, verdict.reason) == (outcome, reason)
    assert verdict.claims is None


@pytest.mark.parametrize(
    ("now", "revoked", "expected_type", "outcome"),
    [
        (NOW + 366 * DAY, False, None, Outcome.EXPIRED),
        (CLAIMS.expiry, False, None, Outcome.EXPIRED),
        (NOW - 2 * DAY, False, None, Outcome.NOT_YET_VALID),
        (NOW, True, None, Outcome.REVOKED),
        (NOW, False, 2, Outcome.WRONG_TYPE),
        (NOW, False, 1, Outcome.VALID),
    ],
)
def test_genuine_but_not_valid_says_why_and_shows_the_claims(world, now, revoked, expected_type, outcome):
    trust, private, kid, *_ = world
    if revoked:
        trust.revoked.add((1, CLAIMS.number))
    verdict = verify_text(
        sign_claims(CLAIMS, private, kid), now=now, expected_type=expected_type, trust=trust
    )
    assert verdict.outcome == outcome
    assert verdict.claims == CLAIMS


def test_a_key_used_outside_its_validity_is_not_genuine(world):
    trust, *_ = world
    private, kid = trust.add(1, not_before=NOW, not_after=NOW + 10 * DAY)
    early = replace(CLAIMS, not_before=NOW - DAY)  # signed before the key existed
    assert verify_text(sign_claims(early, private, kid), now=NOW, trust=trust).reason == "key_not_valid"
    late = replace(CLAIMS, not_before=NOW + DAY, expiry=NOW + 20 * DAY)  # past the key's last permit
    assert (
        verify_text(sign_claims(late, private, kid), now=NOW + 2 * DAY, trust=trust).reason == "key_not_valid"
    )


def test_another_issuer_is_not_genuine(world):
    trust, private, kid, *_ = world
    text = sign_claims(replace(CLAIMS, issuer="XXXX"), private, kid)
    assert verify_text(text, now=NOW, trust=trust).reason == "wrong_issuer"


def test_not_text_is_refused():
    assert verify_text(b"TG1:", trust=MemoryTrust()).outcome == Outcome.NOT_GENUINE
    assert verify_text(None, trust=MemoryTrust()).outcome == Outcome.NOT_GENUINE


def test_a_trust_that_fails_gives_not_genuine_not_an_error(world):
    _trust, private, kid, *_ = world

    class Broken(MemoryTrust):
        def key(self, kid):
            raise RuntimeError("database down")

    assert verify_text(sign_claims(CLAIMS, private, kid), now=NOW, trust=Broken()).reason == "internal_error"


def test_claims_over_119_bytes_are_refused_when_signing():
    with pytest.raises(ValueError, match="119"):
        replace(CLAIMS, subject="X" * 80).to_cbor()


def test_the_cose_bytes_are_the_rfc_9052_shape(world):
    _trust, private, kid, *_ = world
    data = base45.b45decode(sign_claims(CLAIMS, private, kid)[4:])
    message = cbor2.loads(data)
    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {1: -7, 4: kid}
    assert unprotected == {}
    assert len(signature) == 64
    # An independent check with cryptography's own DER verifier on the RFC's Sig_structure.
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    private.public_key().verify(der, tbs, ec.ECDSA(hashes.SHA256()))


# RFC 9052 Appendix C.2.1 (RFC 8152 C.2.1), "Single ECDSA Signature": ES256 with the examples' key "11".
RFC_X = "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff"
RFC_Y = "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e"
RFC_SIGNATURE = (
    "8eb33e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e"
    "2af9a291aa32e14ab834dc56ed2a223444547e01f11d3b0916e5a4c345cacb36"
)
RFC_MESSAGE = "d28443a10126a10442313154546869732069732074686520636f6e74656e742e5840" + RFC_SIGNATURE


def test_the_rfc_9052_es256_example_verifies_with_our_sig_structure():
    public = ec.EllipticCurvePublicNumbers(int(RFC_X, 16), int(RFC_Y, 16), ec.SECP256R1()).public_key()
    tbs = signing.sig_structure(bytes.fromhex("a10126"), b"This is the content.")
    assert tbs.hex() == "846a5369676e61747572653143a101264054546869732069732074686520636f6e74656e742e"
    assert signing.raw_signature_valid(public, tbs, bytes.fromhex(RFC_SIGNATURE))
    assert not signing.raw_signature_valid(public, tbs + b"x", bytes.fromhex(RFC_SIGNATURE))


def test_the_rfc_example_itself_is_refused_for_its_unprotected_kid():
    # Our format signs everything it reads: a kid outside the protected header is not accepted.
    with pytest.raises(signing.MalformedError) as refused:
        signing.parse_cose(bytes.fromhex(RFC_MESSAGE))
    assert refused.value.reason == "bad_header"
