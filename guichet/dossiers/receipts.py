"""Receipt codes: the only way back to a file filed anonymously.

A code is shown once; only its keyed hash is kept on the dossier. It is typed back any way
a person might (any case, spaces, dashes, O for 0), so the hash is of its canonical form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from django.conf import settings

from guichet.dossiers.models import Dossier

# Crockford's base32: no I, L, O or U, so nothing reads as another character. 16 of them
# carry 80 bits, as the 20 hexadecimal digits of the first codes did, in four groups of four.
RECEIPT_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH: Final = 16
_RECEIPT_LOOKALIKES: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
_LEGACY_RECEIPT_LENGTH: Final = 20  # 1A2B-3C4D-5E6F-7A8B-9C0D, hashed with its dashes


def issue_receipt_code(dossier: Dossier) -> str:
    """Give an anonymous draft its receipt code (shown once; only its hash is kept)."""
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(RECEIPT_LENGTH))
    dossier.receipt_hash = _receipt_hash(dossier.reference, code)
    Dossier.objects.filter(pk=dossier.pk).update(receipt_hash=dossier.receipt_hash)
    return format_receipt_code(code)


def normalise_receipt_code(raw: str) -> str:
    """The code as issued, whatever the case, spaces, dashes or look-alike letters typed."""
    return "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum()).translate(_RECEIPT_LOOKALIKES)


def format_receipt_code(code: str) -> str:
    """Groups of four, easy to copy by hand: ABCD-EFGH-JKMN-PQRS."""
    canonical = normalise_receipt_code(code)
    return "-".join(canonical[i : i + 4] for i in range(0, len(canonical), 4))


def _receipt_hash(reference: str, code: str) -> str:
    canonical = normalise_receipt_code(code)
    if len(canonical) == _LEGACY_RECEIPT_LENGTH and all(ch in "0123456789ABCDEF" for ch in canonical):
        canonical = format_receipt_code(canonical)  # the first codes were hashed with their dashes
    key = f"guichet.dossiers.receipt:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{reference}:{canonical}".encode(), hashlib.sha256).hexdigest()


def receipt_matches(dossier: Dossier, code: str) -> bool:
    """Whether `code` is the receipt code of `dossier`, typed any way a person might."""
    return bool(dossier.receipt_hash) and hmac.compare_digest(
        dossier.receipt_hash, _receipt_hash(dossier.reference, code)
    )
