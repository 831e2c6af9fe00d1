"""Issue → PDF → render the page → decode the QR from the image → verify, for each permit type."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp

from guichet.permits import types
from guichet.permits.documents import permit_pdf
from guichet.permits.models import Permit
from guichet.permits.signing import qr_for
from guichet.permits.verify import Outcome, verify_text

pytestmark = pytest.mark.django_db

CODES = {
    "vitres-teintees": types.TINTED_WINDOWS.code,
    "autorisation-entree": types.ENTRY.code,
    "cloture-electrifiee": types.FENCE.code,
    "couverture-securitaire": types.EVENT.code,
}


def qr_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    texts = []
    for page in document:
        image = page.render(scale=150 / 72).to_pil()
        # QR codes only: with every format on, zxing once read a line of the page as another
        # kind of barcode ('D:$B') on a loaded machine.
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        texts += [result.text for result in found]
    return texts


@pytest.mark.parametrize("code", CODES)
def test_the_qr_read_from_the_rendered_pdf_verifies(issue, code):
    dossier = issue(code)
    permit = Permit.objects.filter(dossier=dossier).first()
    assert permit.permit_type == CODES[code]
    pdf = permit_pdf(permit)
    texts = qr_texts(pdf)
    pages = 2 if code == "vitres-teintees" else 1  # the windscreen sticker
    assert texts == [permit.qr_text] * pages
    verdict = verify_text(texts[0], now=int(permit.valid_from.timestamp()) + 60)
    assert verdict.outcome == Outcome.VALID
    assert verdict.claims.subject == permit.subject
    qr = qr_for(permit.qr_text)
    claims_bytes = len(verdict.claims.to_cbor())
    print(
        f"\n{types.PERMIT_TYPES[CODES[code]].slug}: QR version {qr.version}, claims {claims_bytes} bytes,"
        f" text {len(permit.qr_text)} characters, PDF {len(pdf)} bytes"
    )
    assert qr.version <= 10
    assert claims_bytes <= 119


def test_the_pdf_speaks_french_and_english(issue):
    import io

    from pypdf import PdfReader

    permit = Permit.objects.filter(dossier=issue("autorisation-entree")).first()
    text = PdfReader(io.BytesIO(permit_pdf(permit))).pages[0].extract_text()
    assert "Autorisation d’entrée" in text
    assert "Entry authorization" in text
    assert permit.subject in text  # the passport number the officer compares
    assert "Valable jusqu’au / Valid until" in text
