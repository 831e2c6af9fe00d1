"""The cryptography of denunciations: libsodium (PyNaCl) and Argon2id, nothing of our own.

- Each report has an X25519 key pair; its contents are sealed to the report's public key
  (`SealedBox`), so anyone may add to a report but only a holder of its private key reads it.
- The report's private key is sealed to the public key of every inspector who may read it
  (and to the offline recovery key), and kept for the reporter under a key derived from
  the receipt code (Argon2id, the report's own salt).
- An inspector's private key is kept under a key derived from their password (Argon2id).
- The receipt code is found again through its Argon2id hash (argon2-cffi) under a random
  salt kept in the database, never derived from SECRET_KEY.

Argon2id costs come from settings.GUICHET_DENUNCIATIONS (tests lower them). Each derivation
takes tens of MiB for a tenth of a second: at most KDF_CONCURRENCY run at once in a process,
so a flood of receipt codes (from many addresses, past the per-connection slow-down) queues
instead of exhausting the server's memory; a caller that waits too long gets `Busy`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from django.conf import settings
from nacl import pwhash
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

SALT_BYTES = pwhash.argon2id.SALTBYTES  # 16
KEY_BYTES = SecretBox.KEY_SIZE  # 32

__all__ = ["Busy", "CryptoError", "KeyPair"]
# How long a derivation may wait for a free slot unless its caller says otherwise.
DEFAULT_WAIT_SECONDS = 30.0


class Busy(Exception):
    """Every Argon2id slot of this process stayed taken for as long as the caller could wait."""


_slots: tuple[int, threading.BoundedSemaphore] | None = None
_slots_lock = threading.Lock()


def _semaphore() -> threading.BoundedSemaphore:
    global _slots  # noqa: PLW0603  (one per process, remade if the setting changes)
    size = max(1, int(settings.GUICHET_DENUNCIATIONS["KDF_CONCURRENCY"]))
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        return _slots[1]


@contextmanager
def argon2_slot(wait: float | None = None) -> Iterator[None]:
    """Hold one of the process's Argon2id slots; `Busy` if none frees up within `wait` seconds
    (DEFAULT_WAIT_SECONDS when not given)."""
    slots = _semaphore()
    if not slots.acquire(timeout=DEFAULT_WAIT_SECONDS if wait is None else wait):
        raise Busy
    try:
        yield
    finally:
        slots.release()


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    private: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        key = PrivateKey.generate()
        return cls(public=bytes(key.public_key), private=bytes(key))


def costs() -> tuple[int, int]:
    """The Argon2id costs for new derivations (passes, memory in KiB); each result stores its own."""
    conf = settings.GUICHET_DENUNCIATIONS
    return int(conf["KDF_OPSLIMIT"]), int(conf["KDF_MEMLIMIT_KIB"])


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive_key(secret: str, salt: bytes, ops: int, mem_kib: int, *, wait: float | None = None) -> bytes:
    """A 32-byte secret key from a password or a receipt code (Argon2id, libsodium)."""
    with argon2_slot(wait):
        return bytes(
            pwhash.argon2id.kdf(KEY_BYTES, secret.encode(), salt, opslimit=ops, memlimit=mem_kib * 1024)
        )


def lookup_hash(code: str, salt: bytes, ops: int, mem_kib: int, *, wait: float | None = None) -> str:
    """The Argon2id hash (argon2-cffi) under which a receipt code is found again, in hex."""
    with argon2_slot(wait):
        raw = hash_secret_raw(
            code.encode(),
            salt,
            time_cost=ops,
            memory_cost=max(mem_kib, 8),
            parallelism=1,
            hash_len=32,
            type=Type.ID,
        )
    return raw.hex()


def seal(public_key: bytes, plaintext: bytes) -> bytes:
    """Encrypt for the holder of the private half of `public_key` (anonymous sender)."""
    return bytes(SealedBox(PublicKey(public_key)).encrypt(plaintext))


def unseal(private_key: bytes, ciphertext: bytes) -> bytes:
    """Open what `seal` made; raises CryptoError if the key is not the right one."""
    return bytes(SealedBox(PrivateKey(private_key)).decrypt(ciphertext))


def lock(key: bytes, plaintext: bytes) -> bytes:
    """Secret-key encryption (XSalsa20-Poly1305, random nonce carried in front)."""
    return bytes(SecretBox(key).encrypt(plaintext))


def unlock(key: bytes, ciphertext: bytes) -> bytes:
    """Open what `lock` made; raises CryptoError on a wrong key or a changed ciphertext."""
    return bytes(SecretBox(key).decrypt(ciphertext))


def random_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
