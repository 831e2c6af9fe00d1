"""Browser journeys: Debian's Chromium driven by Playwright against Django's live server."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Page

from guichet.demo.files import demo_pdf, demo_png
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


# The HTML parser treats <noscript> content as markup only where scripting is off.
SCRIPTING_ENABLED = (
    "() => { const d = document.createElement('div'); d.innerHTML = '<noscript><p></p></noscript>';"
    " return d.querySelector('noscript p') === null; }"
)


def _axe_violations(page: Page) -> list[str]:
    # Evaluated through the DevTools protocol: the page's strict CSP forbids injected <script> tags.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    # Only the violations, computed and sent back: the passes axe lists by default cost 3 to 4
    # times the run and tens of kilobytes per page over the DevTools protocol.
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa'], resultTypes: ['violations']}))"
        ".violations"
    )
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})" for v in violations
    ]


class _Twin:
    """A page that runs script for axe only, serving the DOM of a JavaScript-off page at its address.

    One per JavaScript-off context, kept until that context closes: a new browser context for
    each check cost most of the half second each check took.
    """

    def __init__(self, page: Page) -> None:
        self.html, self.url = "", ""
        self.context = page.context.browser.new_context(viewport=page.viewport_size)  # type: ignore[union-attr]
        self.page = self.context.new_page()
        self.page.route("**/*", self._serve)

    def _serve(self, route: Any) -> None:
        if route.request.url == self.url and route.request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)
        elif route.request.resource_type == "script":
            route.abort()  # the site's own scripts stay off, as in the page audited
        else:
            route.continue_()

    def violations(self, page: Page) -> list[str]:
        self.html, self.url = page.content(), page.url
        self.page.goto(self.url)
        return _axe_violations(self.page)


_twins: dict[int, _Twin] = {}


def _violations_without_scripting(page: Page) -> list[str]:
    """Audit a page of a JavaScript-off context: axe needs timers, which never fire there.

    The page's DOM as it stands is served again at the same address to a twin page that runs
    script for axe only (the site's own scripts are blocked), with the same viewport and styles.
    """
    key = id(page.context)
    twin = _twins.get(key)
    if twin is None:
        twin = _twins[key] = _Twin(page)

        def forget(_context: Any, key: int = key, twin: _Twin = twin) -> None:
            _twins.pop(key, None)
            twin.context.close()

        page.context.on("close", forget)
    return twin.violations(page)


def assert_accessible(page: Page) -> None:
    """No WCAG 2 A/AA violation on the page as it stands (axe-core, shipped by npm)."""
    if page.evaluate(SCRIPTING_ENABLED):
        violations = _axe_violations(page)
    else:
        violations = _violations_without_scripting(page)
    assert violations == [], f"{page.url}: " + "; ".join(violations)


def last_code_sent_to(recipient: str) -> str:
    """The one-time code in the newest message to `recipient` (the embedded outbox keeps bodies)."""
    body = (
        Notification.objects.filter(recipient=recipient, event="one_time_code")
        .latest("created_at", "id")
        .body
    )
    return next(word for word in body.replace(".", " ").split() if word.isdigit() and len(word) == 6)


# --- what the journeys share ---------------------------------------------------------------

STAFF_PASSWORD = "correct horse battery staple"

# A minimal but real PDF and PNG: the upload checks read the first bytes (guichet/dossiers/uploads.py).
PDF_BYTES = demo_pdf("Pièce justificative")
PNG_BYTES = demo_png(8, 8)

REFERENCE_IN_URL = re.compile(r"/dossiers/([A-Z0-9]{3}-[A-Z0-9]{4}-[A-Z0-9]{4})/")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Chromium announces en-US by default; the people Guichet serves read French first.
    return {**browser_context_args, "locale": "fr-TG", "timezone_id": "Africa/Lome"}


@pytest.fixture
def no_resend_pause(settings: Any) -> None:
    """A journey's visits are seconds apart, not the half minute a person waits between two codes."""
    settings.GUICHET = {**settings.GUICHET, "OTP_RESEND_SECONDS": 0}


def write_pdf(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(PDF_BYTES)
    return path


def write_png(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(PNG_BYTES)
    return path


def reference_in(url: str) -> str:
    """The dossier reference in a portal or back-office address."""
    match = REFERENCE_IN_URL.search(url)
    assert match, f"no dossier reference in {url}"
    return match.group(1)


def wait_for_path(page: Page, path: str) -> None:
    """Wait until the page shows `path` (a fragment may ride along: a redirect keeps it)."""
    page.wait_for_url(lambda url: urlsplit(url).path.endswith(path))


def submit(page: Page, form: str) -> None:
    """Press the submit button of the form matched by the CSS selector `form`."""
    page.locator(form).locator("button[type=submit], button:not([type])").first.click()


def type_code(page: Page, code: str) -> None:
    """On a "type the code we sent" page: type the code and continue."""
    page.locator("input[name=code]").fill(code)
    submit(page, "form:has(input[name=action][value=verify])")


def sign_in_citizen(page: Page, site: str, *, typed: str, e164: str) -> None:
    """Sign in on the citizen page with a code sent to a phone number."""
    page.goto(f"{site}/compte/connexion/")
    assert_accessible(page)
    page.locator("input[name=contact]").fill(typed)
    submit(page, "main form:has(input[name=contact])")
    page.wait_for_url("**/compte/connexion/code/")
    assert_accessible(page)
    type_code(page, last_code_sent_to(e164))
    page.wait_for_url("**/mes-dossiers/")
    assert_accessible(page)


def sign_in_staff(page: Page, site: str, staff: Any) -> None:
    """The staff sign-in: password, then the authenticator app's current code."""
    page.goto(f"{site}/agents/connexion/")
    assert_accessible(page)
    page.locator("input[name=username]").fill(staff.username)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    submit(page, "form[action='/agents/connexion/']")
    page.wait_for_url("**/agents/connexion/code/**")
    assert_accessible(page)
    page.locator("input[name=code]").fill(pyotp.TOTP(staff.totp_secret).now())
    submit(page, "form[action='/agents/connexion/code/']")
    # Staff land on the dossier queue; inspectors who only inspect, in the inspection inbox.
    page.wait_for_url(lambda url: url in {f"{site}/agents/", f"{site}/inspection/"})
    assert_accessible(page)


def open_action(page: Page, name: str) -> None:
    """Unfold an action of the back-office dossier page (a <details> element) if it is folded."""
    details = page.locator(f"details#action-{name}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
