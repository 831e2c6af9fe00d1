"""A permit as PDF (French and English together): the signed QR, and the data a checker compares.

A tinted-window authorization gets a second page, a windscreen sticker (100 × 100 mm) with the
plate, the end date and the QR.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from guichet.catalog.display import country_name
from guichet.core.pdf import dejavu_fonts
from guichet.permits import types
from guichet.permits.models import Permit
from guichet.permits.signing import qr_for

STICKER = (100 * mm, 100 * mm)

DETAIL_LABELS = {
    "vehicle": ("Véhicule", "Vehicle"),
    "tint_level": ("Niveau de teinte", "Tint level"),
    "birth_date": ("Date de naissance", "Date of birth"),
    "arrival_date": ("Date d’arrivée", "Arrival date"),
    "port_of_entry": ("Point d’entrée", "Port of entry"),
    "stay_days": ("Durée du séjour (jours)", "Length of stay (days)"),
    "address": ("Adresse", "Address"),
    "prefecture": ("Préfecture", "Prefecture"),
    "fence_length_m": ("Longueur de clôture (m)", "Fence length (m)"),
    "installer": ("Installateur", "Installer"),
    "venue": ("Lieu", "Venue"),
    "event_date": ("Date de l’événement", "Event date"),
    "start_time": ("Début", "Start"),
    "end_time": ("Fin", "End"),
    "agents": ("Agents de police", "Police officers"),
    "hours": ("Heures", "Hours"),
}


def _qr_image(text: str) -> ImageReader:
    image = io.BytesIO()
    qr_for(text).save(image, kind="png", scale=6, border=4)
    image.seek(0)
    return ImageReader(image)


def _date(value) -> str:  # type: ignore[no-untyped-def]
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def _rows(permit: Permit) -> list[tuple[str, str]]:
    kind = permit.kind
    rows = [
        ("N° du document / Document no.", permit.number),
        ("Titulaire / Holder", permit.holder),
        (f"{kind.subject_label['fr']} / {kind.subject_label['en']}", permit.subject),
    ]
    if permit.subject2 and kind.subject2_label:
        second = permit.subject2
        if permit.permit_type == types.ENTRY.code:  # the QR signs the ISO code; the page names it
            with translation.override("fr"):
                french = country_name(second)
            with translation.override("en"):
                english = country_name(second)
            second = french if french == english else f"{french} / {english}"
        rows.append((f"{kind.subject2_label['fr']} / {kind.subject2_label['en']}", second))
    for key, value in permit.details.items():
        if value and key in DETAIL_LABELS:
            fr, en = DETAIL_LABELS[key]
            rows.append((f"{fr} / {en}", str(value)))
    rows += [
        ("Valable du / Valid from", _date(permit.valid_from)),
        ("Valable jusqu’au / Valid until", _date(permit.valid_until)),
        ("Délivré par / Issued by", f"{permit.unit.name_fr} / {permit.unit.name_en}"),
        ("Dossier / File", permit.dossier.reference),
        ("Délivré le / Issued on", _date(permit.issued_at)),
    ]
    return rows


def _main_page(pdf: canvas.Canvas, permit: Permit, qr: ImageReader) -> None:
    regular, bold = dejavu_fonts()
    width, height = A4
    left, y = 18 * mm, height - 20 * mm
    pdf.setFont(bold, 11)
    pdf.drawString(left, y, "République Togolaise — Ministère de la Sécurité et de la Protection Civile")
    y -= 5 * mm
    pdf.setFont(regular, 9)
    pdf.drawString(left, y, "Togolese Republic — Ministry of Security and Civil Protection")
    y -= 12 * mm
    pdf.setFont(bold, 17)
    pdf.drawString(left, y, permit.kind.title["fr"])
    y -= 7 * mm
    pdf.setFont(regular, 13)
    pdf.drawString(left, y, permit.kind.title["en"])
    y -= 8 * mm
    size = 70 * mm
    pdf.drawImage(qr, (width - size) / 2, y - size, size, size)
    y -= size + 8 * mm
    for label, value in _rows(permit):
        pdf.setFont(regular, 9)
        pdf.drawString(left, y, label)
        pdf.setFont(bold, 11)
        pdf.drawString(left + 70 * mm, y, value[:60])
        y -= 7 * mm
    y -= 4 * mm
    pdf.setFont(regular, 9)
    lines = [
        "Contrôle : scannez le code QR avec la page /verifier/ du Guichet (elle marche aussi sans réseau).",
        "Comparez les données affichées avec le véhicule, le passeport ou le lieu.",
        "Check: scan the QR code with Guichet's /verifier/ page (it also works without a network).",
        "Compare the data shown with the vehicle, the passport or the place.",
    ]
    for line in lines:
        pdf.drawString(left, y, line)
        y -= 5 * mm
    pdf.showPage()


def _sticker_page(pdf: canvas.Canvas, permit: Permit, qr: ImageReader) -> None:
    regular, bold = dejavu_fonts()
    pdf.setPageSize(STICKER)
    width, height = STICKER
    pdf.setLineWidth(0.5)
    pdf.rect(2 * mm, 2 * mm, width - 4 * mm, height - 4 * mm)
    pdf.setFont(bold, 9)
    pdf.drawCentredString(width / 2, height - 9 * mm, "VITRES TEINTÉES AUTORISÉES")
    pdf.setFont(regular, 7)
    pdf.drawCentredString(width / 2, height - 13 * mm, "Tinted windows authorized — MSPC Togo")
    size = 56 * mm
    pdf.drawImage(qr, (width - size) / 2, 24 * mm, size, size)
    pdf.setFont(bold, 14)
    pdf.drawCentredString(width / 2, 16 * mm, permit.subject)
    pdf.setFont(regular, 7)
    until = timezone.localtime(permit.valid_until).strftime("%d/%m/%Y")
    pdf.drawCentredString(width / 2, 10 * mm, f"N° {permit.number} — jusqu’au / until {until}")
    pdf.showPage()


def permit_pdf(permit: Permit) -> bytes:
    """The permit's PDF: one A4 page, and for tinted windows a sticker page."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{permit.kind.title['fr']} {permit.number}")
    pdf.setAuthor(str(settings.GUICHET["SITE_NAME"]))
    qr = _qr_image(permit.qr_text)
    _main_page(pdf, permit, qr)
    if permit.permit_type == types.TINTED_WINDOWS.code:
        _sticker_page(pdf, permit, qr)
    pdf.save()
    return buffer.getvalue()
