"""The journeys' accessibility check itself: it finds a violation, with or without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import _axe_violations, _violations_without_scripting

BROKEN = "() => { const i = document.createElement('img'); i.src = '/x.png'; document.querySelector('main').prepend(i); }"


@pytest.mark.parametrize("javascript", [True, False])
def test_a_missing_alt_text_is_found(site: str, new_context: Any, javascript: bool) -> None:
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(f"{site}/verifier/")
    check = _axe_violations if javascript else _violations_without_scripting
    assert check(page) == []
    page.evaluate(BROKEN)
    assert any(v.startswith("image-alt") for v in check(page))
    page.goto(f"{site}/")  # the twin follows the page to its next address
    assert check(page) == []
