"""Receipt codes: 16 random digits, shown once in groups of four, typed back any way."""

from __future__ import annotations

import re
import secrets
from typing import Final

CODE_DIGITS: Final = 16
# Longer than any honest way of typing 16 digits with separators; refused before any work.
MAX_TYPED_LENGTH: Final = 40
_SEPARATORS = re.compile(r"[\s\-.]")
_CODE_IN_TEXT = re.compile(r"(?<!\d)(?:\d[\s\-.]?){15}\d(?!\d)")


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def normalise(raw: str) -> str | None:
    """The 16 digits of a typed code, or None if it cannot be one (checked before any hashing)."""
    if len(raw) > MAX_TYPED_LENGTH:
        return None
    digits = _SEPARATORS.sub("", raw)
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def format_code(code: str) -> str:
    """1234 5678 9012 3456: easy to copy by hand."""
    return " ".join(code[i : i + 4] for i in range(0, CODE_DIGITS, 4))


def codes_in(text: str, *, at_most: int = 3) -> list[str]:
    """Runs of 16 digits in a text (with or without separators), as candidate receipt codes."""
    found = []
    for match in _CODE_IN_TEXT.finditer(text):
        digits = normalise(match.group(0))
        if digits and digits not in found:
            found.append(digits)
        if len(found) >= at_most:
            break
    return found
