"""Browser journeys: Debian's Chromium driven by Playwright against Django's live server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from guichet.notifications.models import Notification
from tests.factories import load_mspc_catalog

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture
def site(live_server: Any, transactional_db: None) -> str:
    """The live portal with the MSPC catalogue loaded; returns its base URL."""
    load_mspc_catalog()
    return str(live_server.url)


def assert_accessible(page: Page) -> None:
    """No WCAG 2 A/AA violation on the page as it stands (axe-core, shipped by npm)."""
    # Evaluated through the DevTools protocol: the page's strict CSP forbids injected <script> tags.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    violations = [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in result["violations"]
    ]
    assert violations == [], f"{page.url}: " + "; ".join(violations)


def last_code_sent_to(recipient: str) -> str:
    """The one-time code in the newest message to `recipient` (the embedded outbox keeps bodies)."""
    body = (
        Notification.objects.filter(recipient=recipient, event="one_time_code")
        .latest("created_at", "id")
        .body
    )
    return next(word for word in body.replace(".", " ").split() if word.isdigit() and len(word) == 6)
