"""The cryptography of denunciations: libsodium (PyNaCl) and Argon2id, nothing of our own.

- Each report has an X25519 key pair; its contents are sealed to the report's public key
  (`SealedBox`), so anyone may add to a report but only a holder of its private key reads it.
- The report's private key is sealed to the public key of every inspector who may read it
  (and to the offline recovery key), and kept for the reporter under a key derived from
  the receipt code (Argon2id, the report's own salt).
- An inspector's private key is kept under a key derived from their password (Argon2id).
- The receipt code is found again through its Argon2id hash (argon2-cffi) under a random
  salt kept in the database, never derived from SECRET_KEY.

Argon2id costs come from settings.GUICHET_DENUNCIATIONS (tests lower them).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from django.conf import settings
from nacl import pwhash
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

SALT_BYTES = pwhash.argon2id.SALTBYTES  # 16
KEY_BYTES = SecretBox.KEY_SIZE  # 32

__all__ = ["CryptoError", "KeyPair"]


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


def derive_key(secret: str, salt: bytes, ops: int, mem_kib: int) -> bytes:
    """A 32-byte secret key from a password or a receipt code (Argon2id, libsodium)."""
    return bytes(pwhash.argon2id.kdf(KEY_BYTES, secret.encode(), salt, opslimit=ops, memlimit=mem_kib * 1024))


def lookup_hash(code: str, salt: bytes, ops: int, mem_kib: int) -> str:
    """The Argon2id hash (argon2-cffi) under which a receipt code is found again, in hex."""
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
