"""Receipts as PDF (French and English together), with a QR code to the public check page."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from guichet.core.pdf import dejavu_fonts as _fonts
from guichet.core.text import bilingual
from guichet.payments.models import Network, Receipt

SALT = "guichet.payments.receipt-check"


def check_token(receipt: Receipt) -> str:
    """A short signature of the receipt number: the check page cannot be walked by counting."""
    return signing.Signer(salt=SALT).sign(receipt.number).split(":")[-1]


def token_matches(number: str, token: str) -> bool:
    try:
        signing.Signer(salt=SALT).unsign(f"{number}:{token}")
    except signing.BadSignature:
        return False
    return True


def check_url(receipt: Receipt) -> str:
    path = reverse("payments:receipt_check", kwargs={"number": receipt.number})
    return f"{settings.GUICHET['BASE_URL']}{path}?c={check_token(receipt)}"


def xof(amount: int) -> str:
    return f"{amount:,}".replace(",", " ") + " FCFA"


def method_label(network: str) -> str:
    labels: dict[str, str] = {Network.TMONEY: "Mixx by Yas (T-Money)", Network.FLOOZ: "Moov Money (Flooz)"}
    return labels.get(network, network)


def receipt_pdf(receipt: Receipt) -> bytes:
    """One A5 page: French first, English below each label; amounts in FCFA without decimals."""
    regular, bold = _fonts()
    payment = receipt.payment
    dossier = payment.dossier
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A5, pageCompression=1)
    pdf.setTitle(f"Reçu {receipt.number}")
    pdf.setAuthor(str(settings.GUICHET["SITE_NAME"]))
    width, height = A5
    left, y = 14 * mm, height - 16 * mm
    pdf.setFont(bold, 11)
    pdf.drawString(left, y, "République Togolaise — Ministère de la Sécurité et de la Protection Civile")
    y -= 6 * mm
    pdf.setFont(bold, 16)
    pdf.drawString(left, y, f"Reçu de paiement / Payment receipt  {receipt.number}")
    y -= 10 * mm
    issued = timezone.localtime(receipt.issued_at).strftime("%d/%m/%Y %H:%M")
    rows = [
        ("Dossier / File", dossier.reference),
        ("Démarche / Service", bilingual(dossier.definition.title, "fr")),
        ("", bilingual(dossier.definition.title, "en")),
        ("Date", issued),
        ("Moyen / Method", method_label(payment.network)),
        ("Téléphone / Phone", payment.masked_phone),
        ("Réf. passerelle / Gateway ref.", payment.gateway_reference or "—"),
        ("Réf. opérateur / Operator ref.", payment.operator_reference or "—"),
        ("Notre référence / Our reference", payment.public_id),
    ]
    for label, value in rows:
        pdf.setFont(regular, 9)
        pdf.drawString(left, y, label)
        pdf.setFont(bold if label else regular, 10)
        pdf.drawString(left + 55 * mm, y, str(value)[:60])
        y -= 6 * mm
    y -= 3 * mm
    pdf.setFont(bold, 11)
    pdf.drawString(left, y, "Détail / Details")
    y -= 6 * mm
    for line in payment.fee_lines:
        pdf.setFont(regular, 9)
        pdf.drawString(left, y, f"{bilingual(line['label'], 'fr')} / {bilingual(line['label'], 'en')}"[:70])
        pdf.drawRightString(width - left, y, xof(int(line["amount"])))
        y -= 5.5 * mm
    pdf.setFont(bold, 12)
    pdf.drawString(left, y - 2 * mm, "Total payé / Total paid")
    pdf.drawRightString(width - left, y - 2 * mm, xof(payment.amount))
    qr = segno.make(check_url(receipt), error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=4, border=2)
    image.seek(0)
    size = 32 * mm
    pdf.drawImage(ImageReader(image), left, 14 * mm, size, size)
    pdf.setFont(regular, 8)
    pdf.drawString(left + size + 4 * mm, 14 * mm + size - 6 * mm, "Vérifier ce reçu : scannez le code.")
    pdf.drawString(left + size + 4 * mm, 14 * mm + size - 10 * mm, "Check this receipt: scan the code.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
