from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted by their English msgid, whatever the .po files come to say."""
    with translation.override("en"):
        yield
