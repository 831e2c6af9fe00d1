"""The verifier page in Chromium: the offline verifier's script against the bad-input table, and a
checker's journey (the page opened once, the network cut, permits still checked, a stale list).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import assert_accessible
from tests.factories import make_dossier
from tests.verifier.conftest import permit_maker
from tests.verifier.signer import NOW, Signer, bad_input_vectors

STATIC = Path(__file__).resolve().parents[2] / "guichet" / "verifier" / "static" / "verifier"
ORIGIN = "http://localhost"  # a secure context for WebCrypto, served by page.route: no server


@pytest.fixture
def core_page(page: Page) -> Page:
    """A blank page at a secure origin with verify-core.js loaded, nothing else."""

    def serve(route: Route) -> None:
        if route.request.url.endswith("/verify-core.js"):
            route.fulfill(body=(STATIC / "verify-core.js").read_text(), content_type="text/javascript")
        else:
            route.fulfill(body='<!doctype html><title>t</title><script src="/verify-core.js"></script>',
                          content_type="text/html")  # fmt: skip

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("() => window.GuichetVerifier !== undefined")
    return page


RUN_VECTORS = """async ([signed, root, rootKid, vectors, now]) => {
  const V = window.GuichetVerifier;
  const list = await V.openTrustList(signed, root, rootKid);
  const out = [];
  for (const [name, text, expected] of vectors) {
    const t0 = performance.now();
    const v = await V.verifyText(text, list, {expectedType: expected, now: now});
    out.push([name, v.status, v.reason, performance.now() - t0]);
  }
  return out;
}"""


def test_the_offline_verifier_answers_the_whole_bad_input_table(core_page: Page) -> None:
    signer = Signer()
    signer.revoked.add((1, "TREVOKED"))
    vectors = bad_input_vectors(signer)
    results = core_page.evaluate(
        RUN_VECTORS,
        [json.dumps(signer.trust_list()), signer.root_jwk(), signer.root_kid(),
         [[name, text, expected] for name, text, expected, _o, _r in vectors], NOW],
    )  # fmt: skip
    got = {name: (status, reason) for name, status, reason, _ms in results}
    wanted = {name: (outcome, reason) for name, _t, _e, outcome, reason in vectors}
    assert got == wanted
    assert max(ms for *_rest, ms in results) < 200  # bounded: a CBOR bomb is refused at once


def test_the_page_refuses_a_trust_list_badly_signed_or_older_than_the_one_held(core_page: Page) -> None:
    signer = Signer()
    forger = Signer()
    outcome = core_page.evaluate(
        """async ([good, older, forged, wrongRoot, tampered, root, rootKid]) => {
          const V = window.GuichetVerifier;
          const reason = (p) => p.then(() => "accepted", (e) => e.reason);
          const held = await V.openTrustList(good, root, rootKid);
          const old = await V.openTrustList(older, root, rootKid);
          return {
            forged: await reason(V.openTrustList(forged, root, rootKid)),
            wrongRoot: await reason(V.openTrustList(wrongRoot, root, rootKid)),
            tampered: await reason(V.openTrustList(tampered, root, rootKid)),
            olderKept: V.newer(held, old),
            sameAccepted: V.newer(held, held),
          };
        }""",
        [
            json.dumps(signer.trust_list()),
            json.dumps(signer.trust_list(issued_at=NOW - 3600)),
            json.dumps(signer.trust_list(key=forger.root)),  # our root's kid, another key's signature
            json.dumps(forger.trust_list()),
            json.dumps({**signer.trust_list(), "payload": forger.trust_list()["payload"]}),
            signer.root_jwk(),
            signer.root_kid(),
        ],
    )
    assert outcome == {
        "forged": "bad_signature",
        "wrongRoot": "unknown_root",
        "tampered": "bad_signature",
        "olderKept": False,
        "sameAccepted": True,
    }


# --- the journey -----------------------------------------------------------------------------


def wait_ready(page: Page) -> None:
    """The page's script has run and its trust list is loaded or refreshed."""
    page.wait_for_function("() => window.GuichetVerifierPage !== undefined")
    page.evaluate("() => window.GuichetVerifierPage.ready")


def check(page: Page, text: str) -> Any:
    page.locator("textarea[name=code]").fill(text)
    page.locator("#verifier-form button[type=submit]").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_be_visible()
    return verdict


def test_a_checker_loses_the_network_and_keeps_checking(
    project_translations: None, site: str, page: Page, settings: Any
) -> None:
    from django.utils import timezone

    make = permit_maker(make_dossier())
    valid = make(1)
    revoked = make(1, revoked=True)
    entry = make(2)
    now = timezone.now()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/verifier/")
    wait_ready(page)
    page.evaluate("() => navigator.serviceWorker.ready")
    expect(page.locator("#verifier-list")).not_to_have_attribute("data-issued-at", "")
    assert_accessible(page)

    # Online, the server answers (the same words as without script).
    expect(check(page, valid.qr_text)).to_have_attribute("data-outcome", "VALID")
    expect(page.locator("#verdict")).to_contain_text("TG1234AB")
    assert_accessible(page)

    page.context.set_offline(True)
    page.reload()  # the service worker's copy
    wait_ready(page)
    expect(page.locator("#verifier-list")).not_to_have_attribute("data-issued-at", "")

    verdict = check(page, valid.qr_text)
    expect(verdict).to_have_attribute("data-outcome", "VALID")
    expect(verdict).to_contain_text("VALIDE")
    expect(verdict).to_contain_text("TG1234AB")
    expect(verdict).to_contain_text("sans réseau")
    assert_accessible(page)

    expect(check(page, revoked.qr_text)).to_have_attribute("data-outcome", "REVOKED")
    forged = valid.qr_text[:-4] + ("0000" if not valid.qr_text.endswith("0000") else "1111")
    expect(check(page, forged)).to_have_attribute("data-outcome", "NOT_GENUINE")
    page.locator("input[name=purpose][value=border]").check()
    expect(check(page, valid.qr_text)).to_have_attribute("data-outcome", "WRONG_TYPE")
    expect(check(page, entry.qr_text)).to_have_attribute("data-outcome", "VALID")
    expect(check(page, valid.number)).to_have_attribute("data-reason", "number_offline")

    # Past the maximum offline age the page no longer says VALID.
    page.clock.set_system_time(now + dt.timedelta(hours=settings.GUICHET_PERMITS["MAX_OFFLINE_HOURS"] + 1))
    page.locator("input[name=purpose][value=all]").check()
    verdict = check(page, valid.qr_text)
    expect(verdict).to_have_attribute("data-outcome", "ONLINE_CHECK_REQUIRED")
    expect(verdict).to_contain_text("VÉRIFICATION EN LIGNE NÉCESSAIRE")
    assert_accessible(page)


def test_a_photo_of_the_qr_is_read_on_the_phone(
    project_translations: None, site: str, page: Page, tmp_path: Path
) -> None:
    from guichet.permits.signing import qr_for

    permit = permit_maker(make_dossier())(1)
    photo = tmp_path / "qr.png"
    qr_for(permit.qr_text).save(str(photo), scale=6, border=4)
    page.goto(f"{site}/verifier/")
    wait_ready(page)
    page.locator("#verifier-photo").set_input_files(str(photo))
    verdict = page.locator("#verdict")
    expect(verdict).to_be_visible()
    expect(verdict).to_have_attribute("data-outcome", "VALID")
    expect(verdict).to_contain_text(permit.number)
    expect(page.locator("textarea[name=code]")).to_have_value(permit.qr_text)


def test_the_page_keeps_its_list_when_offered_a_forged_or_older_one(site: str, page: Page) -> None:
    page.goto(f"{site}/verifier/")
    wait_ready(page)
    held = page.evaluate("() => window.GuichetVerifierPage.held().signed")
    issued_at = page.evaluate("() => window.GuichetVerifierPage.held().list.issued_at")
    envelope = json.loads(held)
    payload = json.loads(__import__("base64").urlsafe_b64decode(envelope["payload"] + "=="))
    older = {**payload, "issued_at": payload["issued_at"] - 3600, "revoked": []}
    forged_payload = __import__("base64").urlsafe_b64encode(json.dumps(older).encode()).rstrip(b"=").decode()
    accepted = page.evaluate(
        "async (lists) => { const out = []; for (const l of lists) out.push(await window.GuichetVerifierPage.offer(l)); return out; }",
        [
            json.dumps({**envelope, "payload": forged_payload}),
            "not json",
            json.dumps({**envelope, "signature": "AAAA"}),
        ],
    )
    assert accepted == [False, False, False]
    assert page.evaluate("() => window.GuichetVerifierPage.held().list.issued_at") == issued_at
    # Offered again, the genuine list is accepted (not older than itself); the note says what happened.
    assert page.evaluate("(l) => window.GuichetVerifierPage.offer(l)", held) is True


def test_without_javascript_the_server_answers(site: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    permit = permit_maker(make_dossier())(2)
    page.goto(f"{site}/verifier/")
    page.locator("input[name=purpose][value=roadside]").check()
    page.locator("textarea[name=code]").fill(permit.qr_text)
    page.locator("#verifier-form button[type=submit]").click()
    expect(page.locator("#verdict")).to_have_class(re.compile("verdict-wrong"))
    expect(page.locator("#verdict")).to_contain_text("A01234567")
    assert_accessible(page)
    context.close()
