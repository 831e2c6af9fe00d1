"""References: a Luhn mod 32 check character over Crockford's base 32.

Measured here, over every position and every ordered pair of distinct characters: each
single substitution is caught, and each swap of two neighbours is caught except one class
that no Luhn mod N can catch: the swap of the first and last characters of the alphabet
("0Z" <-> "Z0"), whose doubled values both sum to the same digit sum (2 x 31 = 62 -> 1 + 30 = 31).
That is 14 of the 6,944 possible neighbour swaps (0.2 %).
"""

from __future__ import annotations

import re

import pytest

from guichet.dossiers.references import ALPHABET, InvalidReference, check_character, new_reference, normalise

# The only neighbour swaps a Luhn mod 32 check lets through.
UNDETECTABLE_SWAP = frozenset({"0", "Z"})


def reference(body: str) -> str:
    """A full reference for eight characters (seven plus the check)."""
    return f"SUG-{body[:4]}-{body[4:]}"


def valid_body(fixed: dict[int, str]) -> str:
    """Eight characters with `fixed` characters at given positions and a right check character.

    Position 7 is the check character: when it is fixed, a free body position is tuned until
    the check character comes out as wanted (a Luhn check is a bijection of each position).
    """
    chars = ["7"] * 7
    for position, char in fixed.items():
        if position < 7:
            chars[position] = char
    if 7 not in fixed:
        return "".join(chars) + check_character("".join(chars))
    free = next(p for p in range(7) if p not in fixed)
    for candidate in ALPHABET:
        chars[free] = candidate
        if check_character("".join(chars)) == fixed[7]:
            return "".join(chars) + fixed[7]
    raise AssertionError("a Luhn check reaches every character")


def rejected(body: str) -> bool:
    try:
        normalise(reference(body))
    except InvalidReference:
        return True
    return False


def test_the_alphabet_has_32_unambiguous_characters():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


@pytest.mark.parametrize("prefix", ["SUG", "CEL", "ESP"])
def test_generated_references_validate(prefix):
    for _ in range(200):
        ref = new_reference(prefix)
        assert re.fullmatch(rf"{prefix}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", ref)
        assert normalise(ref) == ref


def test_every_single_character_substitution_is_rejected():
    for position in range(8):
        body = valid_body({})
        for char in ALPHABET:
            if char == body[position]:
                continue
            assert rejected(body[:position] + char + body[position + 1 :]), (body, position, char)


def test_every_single_character_substitution_is_rejected_on_random_references():
    for _ in range(50):
        ref = new_reference("SUG")
        body = ref[4:8] + ref[9:]
        for position in range(8):
            for char in ALPHABET.replace(body[position], ""):
                assert rejected(body[:position] + char + body[position + 1 :])


def test_every_swap_of_distinct_neighbours_is_rejected_but_0_and_z():
    missed = []
    total = 0
    for position in range(7):
        for first in ALPHABET:
            for second in ALPHABET:
                if first == second:
                    continue
                body = valid_body({position: first, position + 1: second})
                assert not rejected(body)
                swapped = body[:position] + second + first + body[position + 2 :]
                total += 1
                if not rejected(swapped):
                    missed.append((position, first + second))
    assert total == 7 * 32 * 31
    assert {pair for _position, pair in missed} == {"0Z", "Z0"}
    assert len(missed) == 14  # both orders at each of the 7 neighbour positions


def test_case_spaces_and_separators_normalise():
    body = valid_body({0: "K", 1: "M", 4: "Q", 5: "X"})
    a, b = body[:4], body[4:]
    for typed in [f"sug-{a.lower()}-{b.lower()}", f"  SUG {a} {b}  ", f"SUG{a}{b}", f"Sug.{a}_{b.lower()}"]:
        assert normalise(typed) == reference(body), typed


def test_letters_read_as_digits_normalise():
    body = valid_body({0: "0", 1: "1", 2: "1", 3: "V"})  # 0, 1 (from I), 1 (from L), V (from U)
    assert body[:4] == "011V"
    assert normalise(f"SUG-OIlu-{body[4:]}") == reference(body)
    assert normalise(f"sug oilu {body[4:].lower()}") == reference(body)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "SUG",
        "SUG-1234",
        "SU-1234-5678",
        "SUGG-1234-5678",
        "SUG-1234-56789",
        "123-4567-89AB",
        "SUG-12*4-5678",
    ],
)
def test_malformed_references_are_rejected(typed):
    with pytest.raises(InvalidReference):
        normalise(typed)
