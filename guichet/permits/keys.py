"""Signing keys: private halves in files or the environment, public halves in `SigningKey` rows.

- `<KEYS_DIR>/<kid hex>.pem`, or the variable `GUICHET_PERMIT_KEY_<KID HEX>` (PEM), per permit type;
- `<KEYS_DIR>/root.pem`, or `GUICHET_PERMIT_ROOT_KEY`: the root key that signs the trust list.
KEYS_DIR is the setting GUICHET_PERMITS["KEYS_DIR"], else VAR_DIR/keys. Files are written 0600.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from guichet.core.errors import DomainError
from guichet.permits.models import Permit, SigningKey
from guichet.permits.signing import kid_for

ROOT_ENV = "GUICHET_PERMIT_ROOT_KEY"


class KeyMissing(DomainError):
    code = "permit_key_missing"


def keys_dir() -> Path:
    configured = settings.GUICHET_PERMITS.get("KEYS_DIR") or ""
    return Path(configured) if configured else Path(settings.VAR_DIR) / "keys"


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _load_private(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise KeyMissing("a permit key must be an EC P-256 private key")
    return key


def private_key(kid_hex: str) -> ec.EllipticCurvePrivateKey:
    env = os.environ.get(f"GUICHET_PERMIT_KEY_{kid_hex.upper()}")
    if env:
        return _load_private(env.encode())
    path = keys_dir() / f"{kid_hex}.pem"
    if not path.exists():
        raise KeyMissing(f"the private key {kid_hex} is not in {keys_dir()} nor in the environment")
    return _load_private(path.read_bytes())


def current_key(permit_type: int) -> SigningKey | None:
    return SigningKey.objects.filter(permit_type=permit_type, retired_at__isnull=True).first()


@transaction.atomic
def create_key(permit_type: int, *, now: dt.datetime | None = None) -> SigningKey:
    """A new key for `permit_type`; the current one (if any) is retired and stays published
    until the last permit it signed expires."""
    now = now or timezone.now()
    key = ec.generate_private_key(ec.SECP256R1())
    kid_hex = kid_for(key.public_key()).hex()
    _write_private(keys_dir() / f"{kid_hex}.pem", key)
    old = (
        SigningKey.objects.select_for_update()
        .filter(permit_type=permit_type, retired_at__isnull=True)
        .first()
    )
    if old is not None:
        last = (
            Permit.objects.filter(kid=old.kid)
            .order_by("-valid_until")
            .values_list("valid_until", flat=True)
            .first()
        )
        old.retired_at = now
        old.retire_after = last or now
        old.save(update_fields=["retired_at", "retire_after"])
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    row = SigningKey.objects.create(
        kid=kid_hex, permit_type=permit_type, public_pem=pem.decode(), not_before=now
    )
    from guichet.permits import trust  # trust reads keys: imported here, not at the top

    trust.forget()  # every process trusts the new key at its next check
    return row


def signing_key(permit_type: int) -> tuple[SigningKey, ec.EllipticCurvePrivateKey]:
    """The current key of a permit type and its private half; created on demand outside production."""
    row = current_key(permit_type)
    if row is None:
        if not settings.GUICHET_PERMITS["CREATE_MISSING_KEYS"]:
            raise KeyMissing(f"no signing key for permit type {permit_type}: run `permit_keys create`")
        row = create_key(permit_type)
    return row, private_key(row.kid)


# --- the root key ---------------------------------------------------------------------


def root_private_key(*, create: bool | None = None) -> ec.EllipticCurvePrivateKey:
    env = os.environ.get(ROOT_ENV)
    if env:
        return _load_private(env.encode())
    path = keys_dir() / "root.pem"
    if not path.exists():
        if not (settings.GUICHET_PERMITS["CREATE_MISSING_KEYS"] if create is None else create):
            raise KeyMissing(f"no root key in {path} nor in {ROOT_ENV}: run `permit_keys create-root`")
        with contextlib.suppress(FileExistsError):  # another process made it first
            _write_private(path, ec.generate_private_key(ec.SECP256R1()))
    return _load_private(path.read_bytes())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def root_public_jwk() -> dict[str, str]:
    """The root key's public JWK, pinned in the verifier page (with `kid`, base64url)."""
    public = root_private_key().public_key()
    return {**jwk(public), "kid": b64url(kid_for(public))}
