"""Human-friendly dossier references with a check character.

A reference looks like `SUG-7K3M-9QXT`: the service prefix, then eight characters of
Crockford's base 32 (no I, L, O or U, so nothing is read two ways), the last of which
is a Luhn mod 32 check character. Any single mistyped character and most swaps of two
neighbours are caught before the database is asked.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_N = len(ALPHABET)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
PATTERN = re.compile(r"^([A-Z]{3})([0-9A-Z]{8})$")


class InvalidReference(ValueError):
    """The text is not a well-formed reference, or its check character is wrong."""


def check_character(body: str) -> str:
    """Luhn mod N over the base-32 alphabet."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _i in range(7))
    full = body + check_character(body)
    return f"{prefix}-{full[:4]}-{full[4:]}"


def normalise(raw: str) -> str:
    """Return the canonical reference for what a person typed, or raise InvalidReference."""
    compact = re.sub(r"[\s\-_.]", "", raw.upper())
    match = PATTERN.match(compact)
    if not match:
        raise InvalidReference(raw)
    prefix, rest = match.groups()
    rest = rest.translate(_READ_AS)
    if any(ch not in ALPHABET for ch in rest) or check_character(rest[:-1]) != rest[-1]:
        raise InvalidReference(raw)
    return f"{prefix}-{rest[:4]}-{rest[4:]}"
