from __future__ import annotations

from typing import Any

import pytest

from tests.factories import load_mspc_catalog


@pytest.fixture(autouse=True)
def catalog(db: None) -> None:
    """Every portal page shows the MSPC catalogue."""
    load_mspc_catalog()


@pytest.fixture
def quick_resend(settings: Any) -> None:
    """Codes may be asked again at once (the 30-second wait is tested on its own)."""
    settings.GUICHET = {**settings.GUICHET, "OTP_RESEND_SECONDS": 0}
