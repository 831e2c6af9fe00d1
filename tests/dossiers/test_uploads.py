"""The first bytes decide what a file claims to be; then it must really be one, and images are rewritten."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps, PngImagePlugin
from pypdf import PdfWriter

from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput
from guichet.demo.files import demo_pdf, demo_png
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import DossierDocument
from guichet.dossiers.uploads import MAX_IMAGE_SIDE, accepted_labels, check_upload
from tests.factories import make_dossier

PDF = demo_pdf("Lettre")
PNG = demo_png()
GPS_IFD = 0x8825
ORIENTATION = 0x0112
HTML = b"<html><script>alert(document.cookie)</script></html>"


def jpeg(width: int = 64, height: int = 32, *, orientation: int | None = None, gps: bool = False) -> bytes:
    """A JPEG from a phone: optionally turned (EXIF orientation) and with the place it was taken."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue: shows which way is up
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (6.0, 8.0, 13.0), 3: "E", 4: (1.0, 12.0, 45.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` × `height` pixels in a few bytes: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A compressed stream of zeros: a real bomb inflates to width × height × 3 bytes.
    idat = zlib.compress(b"\x00" * 2_000_000, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def check(content: bytes, accept: tuple[str, ...] = ("pdf", "jpeg", "png"), name: str = "scan.bin"):
    return check_upload(SimpleUploadedFile(name, content), accept=accept, max_size_mb=5)


# --- what a file is ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind", "content_type"),
    [(PDF, "pdf", "application/pdf"), (jpeg(), "jpeg", "image/jpeg"), (PNG, "png", "image/png")],
)
def test_each_accepted_kind_is_recognised_by_its_first_bytes(content, kind, content_type):
    upload = SimpleUploadedFile("scan.bin", content, content_type="text/plain")

    checked = check_upload(upload, accept=("pdf", "jpeg", "png"), max_size_mb=5)

    assert (checked.kind.name, checked.kind.content_type, checked.original_size) == (
        kind,
        content_type,
        len(content),
    )
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()
    assert checked.size == len(checked.content)
    assert upload.tell() == 0


def test_a_declared_type_does_not_make_a_png_a_pdf():
    upload = SimpleUploadedFile("lettre.pdf", PNG, content_type="application/pdf")
    with pytest.raises(InvalidInput, match="Send a PDF file"):
        check_upload(upload, accept=("pdf",), max_size_mb=5)


def test_no_accept_list_means_the_default_kinds():
    assert check(jpeg(), accept=()).kind.name == "jpeg"
    assert accepted_labels(()) == "PDF, JPEG, PNG"
    with pytest.raises(InvalidInput, match="PDF, JPEG, PNG"):
        check(b"GIF89a" + b"0" * 50, accept=())


def test_the_size_limit_is_inclusive():
    limit = 1024 * 1024
    at_limit = SimpleUploadedFile("a.pdf", demo_pdf("Lettre", size=limit))
    assert check_upload(at_limit, accept=("pdf",), max_size_mb=1).size == limit
    over = SimpleUploadedFile("a.pdf", demo_pdf("Lettre", size=limit + 1))
    with pytest.raises(InvalidInput, match="limit is 1 MB"):
        check_upload(over, accept=("pdf",), max_size_mb=1)


def test_an_empty_file_is_refused():
    with pytest.raises(InvalidInput, match="empty"):
        check_upload(SimpleUploadedFile("a.pdf", b""), accept=("pdf",), max_size_mb=1)


def test_the_original_name_loses_its_folders():
    assert check(PDF, name="x.pdf").original_name == "x.pdf"
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload.name = "../../etc/passwd.pdf"
    assert "/" not in check_upload(upload, accept=("pdf",), max_size_mb=1).original_name


# --- images: measured before decoding, then rewritten --------------------------------------


def test_a_huge_png_of_a_few_kilobytes_is_refused_from_its_header():
    bomb = png_header_only(30_000, 30_000)
    assert len(bomb) < 10_000

    with pytest.raises(
        InvalidInput, match=r"30000 × 30000 pixels; the limit is 10000 pixels on a side"
    ) as error:
        check(bomb)
    assert "lower resolution" in str(error.value)


@pytest.mark.parametrize(
    ("width", "height"), [(MAX_IMAGE_SIDE + 1, 10), (10, MAX_IMAGE_SIDE + 1), (8_000, 6_000)]
)
def test_an_image_too_long_on_a_side_or_too_many_megapixels_is_refused(width, height):
    with pytest.raises(InvalidInput, match="40 megapixels"):
        check(png_header_only(width, height))


def test_a_jpeg_with_html_appended_and_its_gps_position_comes_out_clean():
    sent = jpeg(gps=True) + HTML
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)  # the position is there

    checked = check(sent, accept=("jpeg",))

    assert HTML not in checked.content
    assert b"<script" not in checked.content
    assert b"PhoneMaker" not in checked.content
    stored = Image.open(io.BytesIO(checked.content))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert not stored.getexif().get_ifd(GPS_IFD)
    assert stored.size == (64, 32)
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest() != hashlib.sha256(sent).hexdigest()


def test_the_orientation_a_phone_recorded_is_applied():
    # Orientation 6: the camera was held turned; viewers rotate the picture 90° clockwise.
    sent = jpeg(64, 32, orientation=6)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(sent)))

    stored = Image.open(io.BytesIO(check(sent).content))

    assert stored.size == (32, 64)
    assert ORIENTATION not in stored.getexif()
    top_left = stored.getpixel((2, 2))
    assert top_left == pytest.approx(expected.getpixel((2, 2)), abs=12)


def test_a_photo_keeps_the_senders_jpeg_quality_neither_blurrier_nor_larger():
    image = Image.effect_noise((400, 300), 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=60)
    sent = out.getvalue()

    stored = check(sent).content

    assert 0.9 * len(sent) <= len(stored) <= 1.1 * len(sent)
    assert Image.open(io.BytesIO(stored)).quantization == Image.open(io.BytesIO(sent)).quantization


def test_a_png_loses_its_text_chunks_and_trailing_bytes():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-author-name")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (10, 20, 30, 128)).save(out, format="PNG", pnginfo=info)
    sent = out.getvalue() + HTML

    stored = check(sent, accept=("png",)).content

    assert b"secret-author-name" not in stored
    assert HTML not in stored
    image = Image.open(io.BytesIO(stored))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (20, 10))
    assert image.getpixel((0, 0)) == (10, 20, 30, 128)


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"3" * 100,  # the signature, then nothing of a PNG
        jpeg()[:200],  # cut off in the middle
        b"\xff\xd8\xff\xe0" + b"2" * 100,
    ],
    ids=["png-signature-only", "truncated-jpeg", "jpeg-signature-only"],
)
def test_a_damaged_image_is_refused_with_what_to_do(content):
    with pytest.raises(InvalidInput, match=r"damaged and cannot be opened\. Save or scan it again"):
        check(content)


# --- PDFs: must parse, must not be locked ----------------------------------------------------


def test_a_pdf_that_does_not_parse_is_refused():
    with pytest.raises(InvalidInput, match="This PDF file is damaged"):
        check(b"%PDF-1.4\n" + b"0" * 2_000)


def test_a_password_protected_pdf_is_refused_with_what_to_do():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)

    with pytest.raises(InvalidInput, match=r"protected by a password.*without a password"):
        check(out.getvalue())


def test_a_pdf_is_stored_as_sent():
    checked = check(PDF)
    assert checked.content == PDF
    assert checked.sha256 == hashlib.sha256(PDF).hexdigest()


# --- attach_document: what is stored, and how many --------------------------------------------

FENCE_ANSWERS = {
    "applicant_type": "person",
    "full_name": "Afi Mensah",
    "phone": "+22890000001",
    "prefecture": "golfe",
    "commune": "golfe-1",
    "address": "Rue 12, portail bleu.",
    "fence_length_m": 120,
    "public_way": "yes",
    "installer": "Électro Sécurité Lomé",
    "work_start": "2031-01-15",
}


@pytest.fixture
def fence(db):
    return make_dossier("cloture-electrifiee", answers=dict(FENCE_ANSWERS))


def attach(dossier, field_name: str, content: bytes, name: str = "piece.jpg") -> DossierDocument:
    return dossiers.attach_document(
        dossier,
        actor=Actor.for_user(dossier.applicant),
        field_name=field_name,
        upload=SimpleUploadedFile(name, content),
    )


def test_the_re_encoded_image_is_what_is_stored_with_its_own_sha256(fence):
    sent = jpeg(gps=True) + HTML

    document = attach(fence, "id_document", sent)

    with default_storage.open(document.file.name, "rb") as stored_file:
        stored = stored_file.read()
    assert HTML not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    assert document.size == len(stored)
    assert (document.content_type, document.original_name) == ("image/jpeg", "piece.jpg")


def test_a_bomb_is_refused_and_nothing_is_stored(fence):
    with pytest.raises(InvalidInput, match="30000 × 30000"):
        attach(fence, "id_document", png_header_only(30_000, 30_000), "carte.png")
    assert not DossierDocument.objects.exists()


def test_a_field_takes_at_most_its_catalogue_number_of_files(fence):
    field = fence.definition.field("id_document")
    assert field.max_files == 5  # the default when the catalogue says nothing
    for number in range(field.max_files):
        attach(fence, "id_document", PDF, f"page-{number}.pdf")

    with pytest.raises(InvalidInput, match=r"at most 5 files\. Put several pages together in one PDF"):
        attach(fence, "id_document", PDF, "page-6.pdf")

    assert fence.documents.filter(field_name="id_document").count() == 5
    attach(fence, "site_plan", PDF, "plan.pdf")  # another field has its own count


def test_a_dossier_takes_at_most_the_configured_number_of_files(fence, settings):
    settings.GUICHET_MAX_DOCUMENTS_PER_DOSSIER = 3
    attach(fence, "id_document", PDF)
    attach(fence, "id_document", PDF)
    attach(fence, "site_plan", PDF)

    with pytest.raises(InvalidInput, match="A request holds at most 3 files"):
        attach(fence, "property_title", PDF)

    assert fence.documents.count() == 3


def test_the_refusals_read_in_french(project_translations):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(InvalidInput, match="Numérisez-la à une résolution"):
        check(png_header_only(30_000, 30_000))
    with translation.override("fr"), pytest.raises(InvalidInput, match="est endommagé"):
        check(b"%PDF-1.4\n" + b"0" * 2_000)


ONE_FILE_SERVICE = """
code: une-piece
prefix: UNP
administration: mspc
unit: police
title: {fr: Une pièce, en: One document}
summary: {fr: Une seule pièce., en: A single document.}
who_may_apply: {fr: Tout le monde., en: Anyone.}
steps:
  - key: documents
    title: {fr: La pièce, en: The document}
    fields:
      - name: card
        type: file
        max_files: 1
        label: {fr: Carte, en: Card}
"""


def test_the_catalogue_sets_a_fields_number_of_files(db, tmp_path):
    from guichet.dossiers.services import start_dossier
    from tests.dossiers.conftest import publish_file
    from tests.factories import CitizenFactory

    service = publish_file(tmp_path, "une-piece", ONE_FILE_SERVICE)
    citizen = CitizenFactory()
    dossier = start_dossier(service, actor=Actor.for_user(citizen), language="en")
    assert dossier.definition.field("card").max_files == 1
    attach(dossier, "card", PDF)

    with pytest.raises(InvalidInput, match=r"at most 1 file\. Put the pages together in one PDF"):
        attach(dossier, "card", PDF)
    assert dossier.documents.count() == 1


def test_a_catalogue_file_cannot_allow_no_file_at_all(db, tmp_path):
    from guichet.catalog.definition import DefinitionError
    from tests.dossiers.conftest import publish_file

    with pytest.raises(DefinitionError, match="max_files"):
        publish_file(tmp_path, "une-piece", ONE_FILE_SERVICE.replace("max_files: 1", "max_files: 0"))


def test_a_file_too_big_is_told_in_the_readers_way_of_writing_sizes(project_translations):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from guichet.dossiers.uploads import check_upload

    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 600 * 1024), "application/pdf")
    with translation.override("fr"), pytest.raises(InvalidInput) as french:
        check_upload(big, accept=("pdf",), max_size_mb=1)
    with translation.override("en"), pytest.raises(InvalidInput) as english:
        check_upload(big, accept=("pdf",), max_size_mb=1)

    assert "1,6 Mo" in str(french.value)
    assert "la limite est de 1 Mo" in str(french.value)
    assert "1.6 MB" in str(english.value)
    assert "the limit is 1 MB" in str(english.value)
