"""Checks every uploaded file must pass before it is stored, and the bytes that are stored.

The declared type and the name are not trusted: the first bytes decide what a file claims
to be, then the file must really be one. Images are measured from their header before a
single pixel is decoded, then re-encoded by Pillow: the orientation a phone recorded is
applied, and metadata (GPS position, camera serial) and anything appended after the image
(HTML, a script, a second file) are left behind. PDFs must parse and must not be
encrypted: staff have to be able to open them. What is stored is the re-encoded image or
the PDF as sent, with the sha256 of those stored bytes.

Two limits and one optional check come from settings: the room all files of one dossier may
take together (`UPLOAD_MAX_TOTAL_MB`), and a virus scan by a clamd daemon (`CLAMD_ADDRESS`,
off when empty). When the scan is on and the daemon cannot answer, the file is refused with
"try again", never stored unscanned.
"""

from __future__ import annotations

import hashlib
import io
import socket
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin
from pypdf import PdfReader

from guichet.catalog.display import file_size
from guichet.core.errors import InvalidInput

if TYPE_CHECKING:
    # Only for type checking: the catalogue's definition imports this module (upload kinds).
    from guichet.catalog.definition import ServiceDefinition

# An ID card or a plan scanned at 600 dpi stays well inside these bounds; a decompression
# bomb (a few KB that decode to gigabytes) does not.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 10_000
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Kind:
    name: str
    content_type: str
    magic: tuple[bytes, ...]
    label: str


KINDS = {
    "pdf": Kind("pdf", "application/pdf", (b"%PDF-",), "PDF"),
    "jpeg": Kind("jpeg", "image/jpeg", (b"\xff\xd8\xff",), "JPEG"),
    "png": Kind("png", "image/png", (b"\x89PNG\r\n\x1a\n",), "PNG"),
}
DEFAULT_ACCEPT = ("pdf", "jpeg", "png")

# Pillow's reader for each image kind (a phone's MPO file is a JPEG followed by a second
# picture: the JPEG reader takes the first and the rest is dropped).
IMAGE_READERS: dict[str, Callable[[io.BytesIO], ImageFile.ImageFile]] = {
    "jpeg": JpegImagePlugin.JpegImageFile,
    "png": PngImagePlugin.PngImageFile,
}


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check, and the exact bytes to store."""

    kind: Kind
    content: bytes
    sha256: str
    original_name: str
    original_size: int

    @property
    def size(self) -> int:
        return len(self.content)


def accepted_labels(accept: tuple[str, ...]) -> str:
    return ", ".join(KINDS[name].label for name in (accept or DEFAULT_ACCEPT))


def check_upload(
    upload: UploadedFile, *, accept: tuple[str, ...], max_size_mb: int, min_image_side: int | None = None
) -> CheckedUpload:
    """Return what the file really is and the bytes to store, or raise InvalidInput with what to do.

    `min_image_side`: an image must have at least this many pixels on its shorter side (a photo
    of a person must be recognisable), measured once upright.
    """
    accept = accept or DEFAULT_ACCEPT
    size = upload.size or 0
    if size == 0:
        raise InvalidInput(_("This file is empty. Choose the file again."))
    if size > max_size_mb * 1024 * 1024:
        raise InvalidInput(
            _("This file is %(size)s; the limit is %(limit)s. Scan it at a lower resolution or compress it.")
            % {"size": file_size(round(size / 1024 / 1024, 1)), "limit": file_size(max_size_mb)}
        )
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    kind = next((KINDS[n] for n in accept if any(data.startswith(m) for m in KINDS[n].magic)), None)
    if kind is not None:
        # The bytes as sent are scanned: a PDF is stored as sent, and an image's trailer may hide a file.
        scan_for_viruses(data)
    if kind is None:
        raise InvalidInput(
            _("This file is not of an accepted kind. Send a %(kinds)s file.")
            % {"kinds": accepted_labels(accept)}
        )
    content = check_pdf(data) if kind.name == "pdf" else reencode_image(data, kind, min_side=min_image_side)
    name = (upload.name or "document").replace("/", "_").replace("\\", "_")[-150:]
    return CheckedUpload(
        kind=kind,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=name,
        original_size=size,
    )


def _damaged(kind: Kind) -> InvalidInput:
    return InvalidInput(
        _(
            "This %(kind)s file is damaged and cannot be opened. Save or scan it again, then send the new file."
        )
        % {"kind": kind.label}
    )


def _too_large_image(width: int, height: int) -> InvalidInput:
    return InvalidInput(
        _(
            "This image is %(width)s × %(height)s pixels; the limit is %(side)s pixels on a side and "
            "%(megapixels)s megapixels in all. Scan it at a lower resolution, or take the photo again "
            "at a smaller size."
        )
        % {
            "width": width,
            "height": height,
            "side": MAX_IMAGE_SIDE,
            "megapixels": MAX_IMAGE_PIXELS // 1_000_000,
        }
    )


def reencode_image(data: bytes, kind: Kind, *, min_side: int | None = None) -> bytes:
    """Measure the image from its header, then decode and write it afresh, without metadata."""
    try:
        # The format's own reader, not Image.open: it reads the header and decodes nothing,
        # and our bound (lower than Pillow's) decides with the real size in the message.
        image = IMAGE_READERS[kind.name](io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, struct.error):
        raise _damaged(kind) from None
    with image:
        width, height = image.size
        if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
            raise _too_large_image(width, height)
        try:
            image.load()
            jpeg_options = _same_jpeg_quality(image)
            upright = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError, struct.error, Image.DecompressionBombError):
            raise _damaged(kind) from None
    if min_side is not None and min(upright.size) < min_side:
        raise InvalidInput(
            _(
                "This image is only %(width)s × %(height)s pixels: it must have at least %(side)s pixels on "
                "each side to be recognisable. Take the photo again, closer, or send the original file "
                "rather than a thumbnail."
            )
            % {"width": upright.size[0], "height": upright.size[1], "side": min_side}
        )
    return _encode(upright, kind, jpeg_options)


def _same_jpeg_quality(image: Image.Image) -> dict[str, Any]:
    """The sender's own quantization tables: the photo is stored neither blurrier nor larger."""
    if not isinstance(image, JpegImagePlugin.JpegImageFile) or image.mode not in {"RGB", "L"}:
        return {"quality": JPEG_QUALITY}
    tables = getattr(image, "quantization", None)
    sampling = JpegImagePlugin.get_sampling(image)
    if not tables or sampling == -1:
        return {"quality": JPEG_QUALITY}
    return {"qtables": tables, "subsampling": sampling}


def _encode(image: Image.Image, kind: Kind, jpeg_options: dict[str, Any]) -> bytes:
    # Nothing read from the file is written back but pixels: no EXIF, no ICC profile, no text chunk.
    out = io.BytesIO()
    if kind.name == "jpeg":
        if image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
            jpeg_options = {"quality": JPEG_QUALITY}
        image.save(out, format="JPEG", **jpeg_options)
    else:
        if image.mode not in {"1", "L", "LA", "P", "RGB", "RGBA"}:
            image = image.convert("RGBA")
        options = {}
        if image.mode in {"P", "L", "RGB"} and "transparency" in image.info:
            options["transparency"] = image.info["transparency"]
        image.info = {}
        image.save(out, format="PNG", **options)
    return out.getvalue()


def check_pdf(data: bytes) -> bytes:
    """The PDF as sent, once its structure and every page have been read."""
    kind = KINDS["pdf"]
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        # Reading each page's box walks the whole page tree.
        pages = [] if encrypted else [page.mediabox for page in reader.pages]
    except Exception:  # a malformed file may fail anywhere inside the parser
        raise _damaged(kind) from None
    if encrypted:
        raise InvalidInput(
            _(
                "This PDF is protected by a password, so the ministry could not open it. "
                "Save or print it again as a PDF without a password, then send the new file."
            )
        )
    if not pages:
        raise InvalidInput(
            _("This PDF has no page. Save or scan the document again, then send the new file.")
        )
    return data


# --- the room one dossier's files take together ------------------------------------------------

MB = 1024 * 1024


def _megabytes(size: int) -> str:
    return file_size(max(round(size / MB, 1), 0.1) if size > 0 else 0)


def group_allowance(definition: ServiceDefinition, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(files, bytes) a dossier may hold beyond its own limits for the items of its repeating groups.

    A group of 20 travellers with a photo, a passport and a criminal record each cannot fit the
    limits of one person's request: each item brings the files its questions take (their
    `max_files`) and `UPLOAD_MAX_TOTAL_MB_PER_ITEM` of room.
    """
    per_item_bytes = int(settings.GUICHET.get("UPLOAD_MAX_TOTAL_MB_PER_ITEM", 15)) * MB
    files = size = 0
    for field in definition.fields:
        if not field.is_group:
            continue
        items = answers.get(field.name)
        count = len(items) if isinstance(items, list) else 0
        files += count * sum(inner.max_files for inner in field.fields if inner.type == "file")
        size += count * per_item_bytes
    return files, size


def check_room(*, used: int, adding: int, extra: int = 0) -> None:
    """Refuse a file that would take the dossier's files past `UPLOAD_MAX_TOTAL_MB`, saying the room left.

    `extra` is the room a dossier's group items bring (group_allowance).
    """
    limit = int(settings.GUICHET.get("UPLOAD_MAX_TOTAL_MB", 40)) * MB + extra
    if used + adding <= limit:
        return
    left = max(limit - used, 0)
    raise InvalidInput(
        _(
            "This file is %(size)s but the files of this request may take %(limit)s in all, and only "
            "%(left)s is left. Send a smaller file (scan at a lower resolution, or fewer pages), or "
            "remove a file you no longer need."
        )
        % {"size": _megabytes(adding), "limit": _megabytes(limit), "left": _megabytes(left)}
    )


# --- virus scan by clamd (optional) --------------------------------------------------------------

CLAMD_CHUNK = 64 * 1024


class ScanUnavailable(InvalidInput):
    """The scan is on but clamd did not answer: the file is refused until it can be scanned."""

    code = "scan_unavailable"


def _clamd_connect(address: str, timeout: float) -> socket.socket:
    """`tcp://host:port`, `host:port`, or `unix:///path` (a bare path is a Unix socket too)."""
    if address.startswith("unix://") or address.startswith("/"):
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.settimeout(timeout)
        unix.connect(address.removeprefix("unix://"))
        return unix
    host, _sep, port = address.removeprefix("tcp://").rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def clamd_instream(data: bytes, *, address: str, timeout: float) -> str:
    """Send `data` to clamd with the INSTREAM command; returns its reply without the "stream: " prefix.

    The protocol (clamd(8)): `zINSTREAM\\0`, then chunks each preceded by its length as 4 bytes
    in network order, then a zero length; the reply ends with a NUL: `stream: OK`,
    `stream: <signature> FOUND` or `... ERROR`.
    """
    with _clamd_connect(address, timeout) as connection:
        connection.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), CLAMD_CHUNK):
            chunk = data[start : start + CLAMD_CHUNK]
            connection.sendall(struct.pack("!L", len(chunk)) + chunk)
        connection.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            received = connection.recv(4096)
            if not received:
                break
            reply += received
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip().removeprefix("stream:").strip()


def scan_for_viruses(data: bytes) -> None:
    """Refuse a file clamd flags, or any file while the scan is on and clamd cannot answer."""
    address = str(settings.GUICHET.get("CLAMD_ADDRESS") or "")
    if not address:
        return
    try:
        reply = clamd_instream(
            data, address=address, timeout=float(settings.GUICHET.get("CLAMD_TIMEOUT_SECONDS", 30))
        )
    except (OSError, ValueError):
        reply = ""
    if reply == "OK":
        return
    if reply.endswith(" FOUND"):
        raise InvalidInput(
            _(
                "This file carries a virus (%(name)s), so it was not kept. Check your computer or phone "
                "with an antivirus, then send a clean copy of the document."
            )
            % {"name": reply.removesuffix(" FOUND")}
        )
    # Unreachable, timed out, or an error such as a size limit: never store a file unscanned.
    raise ScanUnavailable(
        _(
            "We could not check this file for viruses just now, so it was not kept. Your answers are saved: "
            "send the file again in a few minutes."
        )
    )


# --- audio and video: what the first bytes announce (a denunciation's evidence) -------------------
#
# Only the denunciations take recordings (guichet/denunciations/evidence.py cleans them). The
# container is read from the bytes, never from the name or the browser's content type: ISO BMFF
# (MP4, MOV, 3GP, M4A) by its `ftyp` box and brand, the others by their signature.

MEDIA_KINDS = {
    "mp4": Kind("mp4", "video/mp4", (), "MP4"),
    "mov": Kind("mov", "video/quicktime", (), "MOV"),
    "3gp": Kind("3gp", "video/3gpp", (), "3GP"),
    "m4a": Kind("m4a", "audio/mp4", (), "M4A"),
    "webm": Kind("webm", "video/webm", (), "WebM"),
    "mp3": Kind("mp3", "audio/mpeg", (b"ID3",), "MP3"),
    "ogg": Kind("ogg", "audio/ogg", (b"OggS",), "OGG"),
    "wav": Kind("wav", "audio/wav", (), "WAV"),
    "amr": Kind("amr", "audio/amr", (b"#!AMR\n", b"#!AMR-WB\n"), "AMR"),
}

# Containers recognised but not taken: the person is told what to send instead.
OTHER_MEDIA = {
    "heic": "HEIC",
    "matroska": "MKV",
    "aac": "AAC",
    "avi": "AVI",
    "wmv": "WMV",
    "flac": "FLAC",
}

_ISO_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"mmp4",
    b"dash", b"XAVC", b"MP4 ", b"f4v ",
}  # fmt: skip
_ISO_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}


def _iso_bmff(data: bytes) -> str | None:
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > min(len(data), 4096):
        return None
    major = data[8:12]
    brands = {major} | {data[i : i + 4] for i in range(16, size - 3, 4)}
    rules = (
        ("heic", major in _ISO_HEIF_BRANDS),
        ("mov", major == b"qt  "),
        ("3gp", major[:3] in {b"3gp", b"3g2", b"3ge", b"3gg"}),
        ("m4a", major in {b"M4A ", b"M4B ", b"F4A "}),
        ("mp4", bool(brands & _ISO_MP4_BRANDS)),
    )
    return next((name for name, matches in rules if matches), None)


def _mpeg_audio_frame(data: bytes) -> str | None:
    """An MP3 frame header (MPEG audio layer I-III), or an AAC ADTS header (layer bits 00)."""
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        return None
    if data[1] & 0xF6 == 0xF0:
        return "aac"
    version, layer = (data[1] >> 3) & 3, (data[1] >> 1) & 3
    bitrate, rate = data[2] >> 4, (data[2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate == 15 or rate == 3:
        return None
    return "mp3"


def _ebml(data: bytes) -> str:
    """WebM or another Matroska file: the DocType element (0x4282) near the start says which."""
    head = data[:4096]
    at = head.find(b"\x42\x82")
    return "webm" if at != -1 and head[at + 3 : at + 7] == b"webm" else "matroska"


_SIGNATURES: tuple[tuple[bytes, Callable[[bytes], str | None]], ...] = (
    (b"\x1a\x45\xdf\xa3", _ebml),
    (b"RIFF", lambda data: {b"WAVE": "wav", b"AVI ": "avi"}.get(data[8:12])),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", lambda data: "wmv"),
    (b"fLaC", lambda data: "flac"),
    *(
        (magic, lambda data, name=name: name)
        for name in ("mp3", "ogg", "amr")
        for magic in MEDIA_KINDS[name].magic
    ),
)


def sniff_media(data: bytes) -> str | None:
    """The audio or video container the bytes start with: a MEDIA_KINDS name, an OTHER_MEDIA
    name (recognised, not taken), or None when they are no recording we know."""
    iso = _iso_bmff(data)
    if iso is not None:
        return iso
    for magic, name_of in _SIGNATURES:
        if data.startswith(magic):
            return name_of(data)
    return _mpeg_audio_frame(data)
