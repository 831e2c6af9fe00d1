"""What every service's uploads get on top of the file checks: room per dossier, a virus scan, phone photos."""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageDraw

from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput
from guichet.demo.files import demo_pdf
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import DossierDocument
from guichet.dossiers.uploads import (
    ScanUnavailable,
    check_room,
    check_upload,
    clamd_instream,
    group_allowance,
)
from tests.dossiers.test_uploads import FENCE_ANSWERS, GPS_IFD, ORIENTATION
from tests.factories import make_dossier

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _both_languages(project_translations: None) -> None:
    """Messages are read in French and in English, as the product says them."""


# The EICAR test file, assembled here so that no antivirus on a developer's machine quarantines
# this source: every scanner flags it, and it does nothing.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def said(error: Exception, language: str, call) -> str:
    with translation.override(language):
        try:
            call()
        except type(error) as raised:
            return str(raised)
    raise AssertionError("no error")


# --- room per dossier ----------------------------------------------------------------------------------

ROOM = [
    # used, adding, accepted, French, English
    (0, 5 * MB, True, "", ""),
    (35 * MB, 5 * MB, True, "", ""),  # exactly the limit
    (
        38 * MB,
        5 * MB,
        False,
        "Ce fichier fait 5 Mo, mais les fichiers de cette demande ne peuvent dépasser 40 Mo en tout et il ne reste que 2 Mo.",
        "This file is 5 MB but the files of this request may take 40 MB in all, and only 2 MB is left.",
    ),
    (40 * MB, 1024, False, "il ne reste que 0 Mo", "only 0 MB is left"),
    (39 * MB + MB // 2, MB, False, "il ne reste que 0,5 Mo", "only 0.5 MB is left"),
]


@pytest.mark.parametrize(("used", "adding", "accepted", "fr", "en"), ROOM)
def test_room_left_in_a_dossier(used, adding, accepted, fr, en):
    def call():
        check_room(used=used, adding=adding)

    if accepted:
        call()
        return
    with pytest.raises(InvalidInput):
        call()
    assert fr in said(InvalidInput(), "fr", call)
    assert en in said(InvalidInput(), "en", call)


@pytest.fixture
def fence(db):
    return make_dossier("cloture-electrifiee", answers=dict(FENCE_ANSWERS))


def attach(dossier, field_name: str, content: bytes, name: str) -> DossierDocument:
    return dossiers.attach_document(
        dossier,
        actor=Actor.for_user(dossier.applicant),
        field_name=field_name,
        upload=SimpleUploadedFile(name, content),
    )


def test_a_file_past_the_dossier_room_is_refused_against_its_field(fence, settings):
    settings.GUICHET = {**settings.GUICHET, "UPLOAD_MAX_TOTAL_MB": 1}
    big = demo_pdf("Plan") + b"%" + b"x" * (700 * 1024)  # a PDF padded with a comment: still a PDF
    attach(fence, "site_plan", big, "plan.pdf")

    with translation.override("en"), pytest.raises(InvalidInput) as error:
        attach(fence, "id_document", big, "carte.pdf")

    assert "only 0.3 MB is left" in str(error.value)
    assert list(error.value.errors) == ["id_document"]
    assert fence.documents.count() == 1
    attach(fence, "id_document", demo_pdf("Carte"), "carte.pdf")  # a small one still fits


# --- the virus scan through clamd's INSTREAM protocol ----------------------------------------------------


class FakeClamd:
    """A local TCP server speaking clamd's INSTREAM protocol, with one signature: the EICAR string.

    It reads `zINSTREAM\\0`, then length-prefixed chunks up to a zero length, exactly as clamd
    does, and answers `stream: OK\\0` or `stream: Eicar-Test-Signature FOUND\\0`.
    """

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = connection.recv(size - len(data))
            if not part:
                raise ConnectionError("closed")
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                connection, _peer = self.server.accept()
            except OSError:
                return
            with connection:
                command = b""
                while not command.endswith(b"\0"):
                    command += self._read(connection, 1)
                assert command == b"zINSTREAM\0"
                stream = b""
                while True:
                    (length,) = struct.unpack("!L", self._read(connection, 4))
                    if length == 0:
                        break
                    stream += self._read(connection, length)
                self.received.append(stream)
                verdict = b"Eicar-Test-Signature FOUND" if EICAR in stream else b"OK"
                connection.sendall(b"stream: " + verdict + b"\0")

    def close(self) -> None:
        # Closing alone leaves the thread blocked in accept() on Linux, still taking connections
        # meant for a server that later gets the same port (it once swallowed a FedaPay sandbox
        # request): shut the socket down, which wakes accept(), then wait for the thread.
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture
def clamd(settings) -> Iterator[FakeClamd]:
    fake = FakeClamd()
    settings.GUICHET = {**settings.GUICHET, "CLAMD_ADDRESS": fake.address, "CLAMD_TIMEOUT_SECONDS": 2}
    yield fake
    fake.close()


def check(content: bytes):
    return check_upload(
        SimpleUploadedFile("piece.pdf", content), accept=("pdf", "jpeg", "png"), max_size_mb=5
    )


def test_the_scan_is_off_by_default(settings):
    assert settings.GUICHET["CLAMD_ADDRESS"] == ""
    check(demo_pdf("Lettre") + b"\n%" + EICAR)  # not scanned: nothing to refuse it


def test_a_clean_file_passes_the_scan_in_several_chunks(clamd):
    pdf = demo_pdf("Lettre") + b"\n%" + b"y" * 200_000  # more than three INSTREAM chunks
    check(pdf)
    assert clamd.received == [pdf]


def test_a_file_carrying_the_test_signature_is_refused(clamd):
    infected = demo_pdf("Lettre") + b"\n%" + EICAR
    with pytest.raises(InvalidInput) as error:
        check(infected)
    assert not isinstance(error.value, ScanUnavailable)
    assert said(InvalidInput(), "en", lambda: check(infected)).startswith(
        "This file carries a virus (Eicar-Test-Signature), so it was not kept."
    )
    assert said(InvalidInput(), "fr", lambda: check(infected)).startswith(
        "Ce fichier contient un virus (Eicar-Test-Signature) : il n’a pas été gardé."
    )


def test_an_infected_upload_is_not_stored(fence, clamd):
    with pytest.raises(InvalidInput, match="virus"):
        attach(fence, "id_document", demo_pdf("Carte") + b"\n%" + EICAR, "carte.pdf")
    assert not DossierDocument.objects.exists()


def test_the_scan_on_but_clamd_unreachable_refuses_with_try_again(settings):
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there any more
    settings.GUICHET = {**settings.GUICHET, "CLAMD_ADDRESS": f"127.0.0.1:{port}", "CLAMD_TIMEOUT_SECONDS": 1}
    with pytest.raises(ScanUnavailable):
        check(demo_pdf("Lettre"))
    assert "send the file again in a few minutes" in said(
        ScanUnavailable(), "en", lambda: check(demo_pdf("L"))
    )
    assert "renvoyez le fichier dans quelques minutes" in said(
        ScanUnavailable(), "fr", lambda: check(demo_pdf("L"))
    )


def test_a_clamd_that_says_error_refuses_too(settings):
    server = socket.create_server(("127.0.0.1", 0))

    def answer_error() -> None:
        connection, _peer = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"INSTREAM size limit exceeded. ERROR\0")

    thread = threading.Thread(target=answer_error, daemon=True)
    thread.start()
    settings.GUICHET = {**settings.GUICHET, "CLAMD_ADDRESS": f"127.0.0.1:{server.getsockname()[1]}"}
    with pytest.raises(ScanUnavailable):
        check(demo_pdf("Lettre"))
    server.close()


def test_the_client_speaks_to_a_unix_socket(tmp_path):
    path = str(tmp_path / "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def answer_ok() -> None:
        connection, _peer = server.accept()
        with connection:
            data = b""
            while not data.endswith(struct.pack("!L", 0)):
                data += connection.recv(65536)
            connection.sendall(b"stream: OK\0")

    threading.Thread(target=answer_ok, daemon=True).start()
    assert clamd_instream(b"hello", address=f"unix://{path}", timeout=15) == "OK"
    server.close()


# --- a phone photo of a paper document ---------------------------------------------------------------------


def phone_photo(width: int = 4032, height: int = 3024, orientation: int = 6) -> bytes:
    """A paper page photographed by a phone held upright: stored sideways with EXIF saying "turn it"."""
    page = Image.new("RGB", (width, height), (245, 243, 238))
    draw = ImageDraw.Draw(page)
    margin, step = width // 20, max(height // 30, 4)
    for line in range(margin, height - margin, step):
        draw.rectangle(
            (margin, line, width - margin - (line % (width // 4 + 1)), line + step // 3), fill=(30, 30, 30)
        )
    corner = min(width, height) // 10
    draw.rectangle((0, 0, corner, corner), fill=(200, 0, 0))  # a red corner: top left as stored
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (6.0, 8.0, 13.0), 3: "E", 4: (1.0, 12.0, 45.0)}
    out = io.BytesIO()
    page.save(out, format="JPEG", exif=exif, quality=85)
    return out.getvalue()


def test_a_phone_photo_of_a_paper_document_passes_upright_and_without_metadata():
    sent = phone_photo()
    assert len(sent) < 5 * MB

    started = time.perf_counter()
    checked = check_upload(
        SimpleUploadedFile("IMG_2041.jpg", sent), accept=("pdf", "jpeg", "png"), max_size_mb=5
    )
    elapsed = time.perf_counter() - started

    stored = Image.open(io.BytesIO(checked.content))
    assert stored.size == (3024, 4032)  # turned upright, as the phone meant
    assert not stored.getexif()  # no orientation left to apply twice, no position, no maker
    # Orientation 6 turns the picture clockwise: the stored top-left red corner ends top right.
    assert stored.getpixel((3024 - 50, 50))[0] > 150
    assert stored.getpixel((50, 50))[0] < 150 or stored.getpixel((50, 50))[1] > 150
    assert elapsed < 2.0


@pytest.mark.parametrize(("width", "height"), [(4000, 3000), (3264, 2448), (4624, 3472)])
def test_common_phone_sizes_pass(width, height):
    checked = check_upload(
        SimpleUploadedFile("photo.jpg", phone_photo(width, height, orientation=1)),
        accept=("jpeg",),
        max_size_mb=10,
    )
    assert Image.open(io.BytesIO(checked.content)).size == (width, height)


# --- a photo large enough to recognise a face ----------------------------------------------------------

PHOTO_SIZES = [
    # (width, height, EXIF orientation), accepted, French, English
    ((600, 800, 1), True, "", ""),
    ((300, 300, 1), True, "", ""),
    (
        (299, 400, 1),
        False,
        "Cette image ne fait que 299 × 400 pixels : il faut au moins 300 pixels de chaque côté",
        "This image is only 299 × 400 pixels: it must have at least 300 pixels on each side",
    ),
    ((64, 64, 1), False, "ne fait que 64 × 64 pixels", "only 64 × 64 pixels"),
    ((400, 200, 6), False, "ne fait que 200 × 400 pixels", "only 200 × 400 pixels"),  # measured upright
]


@pytest.mark.parametrize(("photo", "accepted", "fr", "en"), PHOTO_SIZES)
def test_a_photo_has_a_minimum_side(photo, accepted, fr, en):
    def call():
        check_upload(
            SimpleUploadedFile("photo.jpg", phone_photo(*photo)),
            accept=("jpeg", "png"),
            max_size_mb=5,
            min_image_side=300,
        )

    if accepted:
        call()
        return
    assert fr in said(InvalidInput(), "fr", call)
    assert en in said(InvalidInput(), "en", call)


def test_a_pdf_is_not_measured_as_an_image():
    check_upload(
        SimpleUploadedFile("scan.pdf", demo_pdf("Passeport")),
        accept=("pdf",),
        max_size_mb=5,
        min_image_side=300,
    )


def test_each_traveller_brings_room_of_their_own(settings):
    from tests.catalog.test_procedures import definition

    entry = definition("autorisation_entree")
    assert group_allowance(entry, {"travellers": [{}, {}, {}]}) == (3 * (2 + 2 + 3), 3 * 15 * MB)
    assert group_allowance(entry, {}) == (0, 0)
    settings.GUICHET = {**settings.GUICHET, "UPLOAD_MAX_TOTAL_MB_PER_ITEM": 5}
    assert group_allowance(entry, {"travellers": [{}]})[1] == 5 * MB
    check_room(used=40 * MB, adding=4 * MB, extra=5 * MB)  # fits thanks to the traveller's room
