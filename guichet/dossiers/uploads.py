"""Checks every uploaded file must pass before it is stored.

The declared type and the name are not trusted: the first bytes decide. Deeper checks
(re-encoding images, metadata removal, virus scan) come with the hardened pipeline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from guichet.core.errors import InvalidInput


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


@dataclass(frozen=True)
class CheckedUpload:
    kind: Kind
    size: int
    sha256: str
    original_name: str


def accepted_labels(accept: tuple[str, ...]) -> str:
    return ", ".join(KINDS[name].label for name in (accept or DEFAULT_ACCEPT))


def check_upload(upload: UploadedFile, *, accept: tuple[str, ...], max_size_mb: int) -> CheckedUpload:
    """Return what the file really is, or raise InvalidInput with what to do instead."""
    accept = accept or DEFAULT_ACCEPT
    size = upload.size or 0
    if size == 0:
        raise InvalidInput(_("This file is empty. Choose the file again."))
    if size > max_size_mb * 1024 * 1024:
        raise InvalidInput(
            _(
                "This file is %(size).1f MB; the limit is %(limit)s MB. Scan it at a lower resolution or compress it."
            )
            % {"size": size / 1024 / 1024, "limit": max_size_mb}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = next((KINDS[n] for n in accept if any(head.startswith(m) for m in KINDS[n].magic)), None)
    if kind is None:
        raise InvalidInput(
            _("This file is not of an accepted kind. Send a %(kinds)s file.")
            % {"kinds": accepted_labels(accept)}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "document").replace("/", "_").replace("\\", "_")[-150:]
    return CheckedUpload(kind=kind, size=size, sha256=digest.hexdigest(), original_name=name)
