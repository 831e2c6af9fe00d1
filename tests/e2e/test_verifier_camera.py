"""The verifier's live camera in Chromium, through a fake camera that films the permit's PDF.

Chromium is launched with a fake capture device playing a YUV4MPEG2 file: a few frames of an
empty desk, then the permit's PDF page held up to the phone (the QR code as the PDF draws it,
found on the rendered page). Desktop Chromium has no BarcodeDetector, the iPhone's Safari and
Firefox neither: the page reads the video's frames with jsQR, with no network (issue 9's "Done
when": the network off, the QR scanned from a screen, VALID; revoked in the back office, the
list refreshed, REVOKED).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, expect

from guichet.accounts.roles import Role
from guichet.permits.documents import permit_pdf
from guichet.permits.models import Permit
from tests.e2e.conftest import assert_accessible, sign_in_staff, submit
from tests.factories import StaffFactory
from tests.permits.conftest import issued

FRAME = (640, 480)
PHONE = {"width": 390, "height": 844}

# What the tests watch in the page: every stream the camera gave, and every frame jsQR read
# (counted through the page's own `window.jsQR`, wrapped when its file defines it).
WATCH = """
(() => {
  window.__streams = [];
  window.__reads = [];
  const media = navigator.mediaDevices;
  if (media && media.getUserMedia) {
    const original = media.getUserMedia.bind(media);
    media.getUserMedia = (constraints) => original(constraints).then((stream) => {
      window.__streams.push(stream);
      return stream;
    });
  }
  let reader;
  Object.defineProperty(window, "jsQR", {
    configurable: true,
    get: () => reader,
    set: (fn) => {
      reader = (data, width, height, options) => {
        window.__reads.push([performance.now(), width, height]);
        return fn(data, width, height, options);
      };
    },
  });
})();
"""


# --- the fake camera's film ----------------------------------------------------------------------


def write_y4m(path: Path, frames: list[Image.Image], fps: int = 10) -> Path:
    """YUV4MPEG2, 4:2:0 (C420jpeg: full-range YCbCr, as Pillow converts): what Chromium's fake
    capture device plays, in a loop."""
    width, height = frames[0].size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            out.write(cb.resize(half, Image.Resampling.BOX).tobytes())
            out.write(cr.resize(half, Image.Resampling.BOX).tobytes())
    return path


def qr_region_of_pdf(pdf: bytes) -> Image.Image:
    """The PDF's first page rendered as a screen shows it, cut around its QR code (with some of
    the page around it), as a person holds the phone over it."""
    page = pdfium.PdfDocument(pdf)[0].render(scale=150 / 72).to_pil().convert("RGB")
    found = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, "the permit's page has one QR code"
    corners = found[0].position
    xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
    ys = [corners.top_left.y, corners.top_right.y, corners.bottom_left.y, corners.bottom_right.y]
    side = max(max(xs) - min(xs), max(ys) - min(ys))
    margin = side // 2
    box = (
        max(0, min(xs) - margin),
        max(0, min(ys) - margin),
        min(page.width, max(xs) + margin),
        min(page.height, max(ys) + margin),
    )
    return page.crop(box)


def film(region: Image.Image, folder: Path) -> Path:
    """Three frames of an empty grey desk, then the page in front of the camera, moving a little."""
    empty = Image.new("RGB", FRAME, (96, 96, 92))
    scale = min(FRAME[0] * 0.9 / region.width, FRAME[1] * 0.9 / region.height)
    shown = region.resize(
        (round(region.width * scale), round(region.height * scale)), Image.Resampling.LANCZOS
    )
    frames = [empty] * 3
    for dx, dy in ((0, 0), (4, 2), (-3, 3), (2, -4), (-2, -1)):
        frame = empty.copy()
        frame.paste(shown, ((FRAME[0] - shown.width) // 2 + dx, (FRAME[1] - shown.height) // 2 + dy))
        frames.append(frame)
    return write_y4m(folder / "camera.y4m", frames)


# --- a browser whose camera plays a given film ----------------------------------------------------


@pytest.fixture
def camera_browser(playwright: Playwright, browser_type_launch_args: dict[str, Any]) -> Iterator[Any]:
    """camera_browser(y4m) -> a Chromium whose camera plays that file (closed after the test)."""
    launched: list[Browser] = []

    def launch(y4m: Path) -> Browser:
        args = [
            *browser_type_launch_args.get("args", []),
            "--use-fake-ui-for-media-stream",  # the camera is allowed without a prompt
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}",
        ]
        browser = playwright.chromium.launch(**{**browser_type_launch_args, "args": args})
        launched.append(browser)
        return browser

    yield launch
    for browser in launched:
        browser.close()


# The path of Safari, Firefox and desktop Chromium, wherever the tests run.
NO_DETECTOR = "delete window.BarcodeDetector;"
# A browser whose BarcodeDetector knows no QR codes (it reads other barcodes only).
DETECTOR_WITHOUT_QR = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["ean_13", "code_128"]); }
  constructor() { window.__detectorCalls = 0; }
  detect() { window.__detectorCalls += 1; return Promise.resolve([]); }
};
"""


def phone_page(browser: Browser, browser_context_args: dict[str, Any], detector: str = NO_DETECTOR) -> Page:
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE, "has_touch": True})
    context.add_init_script(detector + WATCH)
    return context.new_page()


def open_verifier(page: Page, site: str) -> None:
    """The page opened once with a network: its script, its service worker and its trust list."""
    page.goto(f"{site}/verifier/")
    page.wait_for_function("() => window.GuichetVerifierPage !== undefined")
    page.evaluate("() => window.GuichetVerifierPage.ready")
    page.evaluate("() => navigator.serviceWorker.ready")
    # The worker has taken the page over (clients.claim): the camera's reader comes from its cache.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#verifier-list")).not_to_have_attribute("data-issued-at", "")


def scan(page: Page) -> Any:
    """Press the camera button; the page reads the QR from the film and checks it: a new answer."""
    page.evaluate("() => document.getElementById('verdict')?.setAttribute('data-seen', '')")
    start = page.locator("#verifier-camera")
    expect(start).to_be_visible()
    start.click()
    verdict = page.locator("#verdict:not([data-seen])")
    expect(verdict).to_be_visible(timeout=15_000)
    return verdict


def camera_released(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => window.__streams.length > 0 && window.__streams.every("
            "s => s.getTracks().every(t => t.readyState === 'ended'))"
            " && document.getElementById('verifier-video').srcObject === null"
        )
    )


def test_the_camera_reads_the_pdfs_qr_offline_then_the_revocation_after_a_refresh(
    project_translations: None,
    site: str,
    camera_browser: Any,
    browser_context_args: dict[str, Any],
    tmp_path: Path,
) -> None:
    dossier = issued("vitres-teintees")
    permit = Permit.objects.get(dossier=dossier)
    browser = camera_browser(film(qr_region_of_pdf(permit_pdf(permit)), tmp_path))
    page = phone_page(browser, browser_context_args)

    open_verifier(page, site)
    expect(page.locator("#verifier-scan")).to_have_attribute("data-reader", "jsqr")
    assert page.evaluate("() => window.jsQR") is None  # not loaded yet: it will come from the worker
    assert_accessible(page)

    page.context.set_offline(True)
    readers: list[Any] = []
    page.on("response", lambda response: readers.append(response) if "jsQR" in response.url else None)
    verdict = scan(page)
    assert [r.from_service_worker for r in readers] == [True]  # the reader came from the worker's cache
    expect(verdict).to_have_attribute("data-outcome", "VALID")
    expect(verdict).to_contain_text("VALIDE")
    expect(verdict).to_contain_text("TG1234AB")
    expect(verdict).to_contain_text("sans réseau")  # checked on the phone, against the held list
    expect(page.locator("textarea[name=code]")).to_have_value(permit.qr_text)
    expect(page.locator("#verifier-camera-status")).to_have_text("Code QR lu. Vérification…")
    expect(page.locator("#verifier-video-box")).to_be_hidden()
    assert camera_released(page)  # the light goes off as soon as the code is read
    reads = page.evaluate("() => window.__reads")
    assert reads, "the frames were read by jsQR"
    assert all(width <= 720 and height <= 720 for _t, width, height in reads)  # a downscaled frame
    assert_accessible(page)

    # The supervisor revokes it in the back office (another browser, with a network).
    staff_context = browser.new_context(**browser_context_args)
    staff = staff_context.new_page()
    supervisor = StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)])
    sign_in_staff(staff, site, supervisor)
    staff.goto(f"{site}/agents/dossiers/{dossier.reference}/")
    staff.locator(f"a[href$='/{permit.number}/revoquer/']").click()
    staff.locator("textarea[name=reason]").fill("Véhicule vendu, vitres non conformes.")
    submit(staff, "main form")
    staff.wait_for_url(f"{site}/agents/dossiers/{dossier.reference}/")
    staff_context.close()

    # Offline, the held list does not know yet: still VALID (the bound decision 0030 accepts).
    expect(scan(page)).to_have_attribute("data-outcome", "VALID")

    # Back in network range the page refreshes its list by itself; then offline again.
    page.context.set_offline(False)
    page.wait_for_function(
        "(n) => window.GuichetVerifierPage.held().list.revoked.some(r => r.number === n)", arg=permit.number
    )
    page.context.set_offline(True)
    verdict = scan(page)
    expect(verdict).to_have_attribute("data-outcome", "REVOKED")
    expect(verdict).to_contain_text("TG1234AB")
    assert camera_released(page)
    assert_accessible(page)


def test_the_camera_stops_when_asked_and_reads_a_few_frames_a_second(
    project_translations: None,
    site: str,
    camera_browser: Any,
    browser_context_args: dict[str, Any],
    tmp_path: Path,
) -> None:
    desk = write_y4m(tmp_path / "desk.y4m", [Image.new("RGB", FRAME, (96, 96, 92))] * 3)
    page = phone_page(camera_browser(desk), browser_context_args)
    open_verifier(page, site)

    page.locator("#verifier-camera").click()
    status = page.locator("#verifier-camera-status")
    expect(status).to_have_text(
        "La caméra est allumée : présentez le code QR devant elle, à une vingtaine de centimètres."
    )
    stop = page.get_by_role("button", name="Arrêter la caméra")
    expect(stop).to_be_visible()
    expect(stop).to_be_focused()
    expect(page.get_by_label("Image de la caméra")).to_be_visible()
    expect(page.locator("#verifier-camera")).to_be_hidden()
    assert_accessible(page)

    # Throttled: over two seconds, a frame every 200 ms at most, one after the other.
    page.wait_for_function("() => window.__reads.length >= 1")
    first = page.evaluate("() => window.__reads.length")
    page.wait_for_timeout(2000)
    reads = page.evaluate("() => window.__reads")
    assert 3 <= len(reads) - first <= 11
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(reads)]
    assert min(gaps) >= 190

    stop.click()
    expect(status).to_have_text("La caméra est éteinte.")
    expect(page.locator("#verifier-video-box")).to_be_hidden()
    expect(page.locator("#verifier-camera")).to_be_focused()
    assert camera_released(page)
    stopped = page.evaluate("() => window.__reads.length")
    page.wait_for_timeout(600)
    assert page.evaluate("() => window.__reads.length") == stopped  # the loop ended with the stream
    expect(page.locator("#verdict")).to_have_count(0)
    assert_accessible(page)

    # Escape closes it too.
    page.locator("#verifier-camera").click()
    expect(stop).to_be_focused()
    page.keyboard.press("Escape")
    expect(status).to_have_text("La caméra est éteinte.")
    assert camera_released(page)


def test_a_detector_without_qr_codes_leaves_the_frames_to_jsqr(
    site: str, camera_browser: Any, browser_context_args: dict[str, Any], tmp_path: Path
) -> None:
    dossier = issued("autorisation-entree")
    permit = Permit.objects.filter(dossier=dossier).order_by("item").first()
    assert permit is not None
    browser = camera_browser(film(qr_region_of_pdf(permit_pdf(permit)), tmp_path))
    page = phone_page(browser, browser_context_args, detector=DETECTOR_WITHOUT_QR)
    open_verifier(page, site)
    expect(page.locator("#verifier-scan")).to_have_attribute("data-reader", "jsqr")
    verdict = scan(page)  # online: the server answers
    expect(verdict).to_have_attribute("data-outcome", "NOT_YET_VALID")  # valid from the arrival date
    expect(verdict).to_contain_text(permit.subject)
    expect(page.locator("textarea[name=code]")).to_have_value(permit.qr_text)
    assert page.evaluate("() => window.__reads.length") >= 1
    assert page.evaluate("() => window.__detectorCalls") == 0
    assert camera_released(page)
