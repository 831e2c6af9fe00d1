"""Word-processor documents as evidence (DOCX, ODT, ODS): what a ZIP really is, and whether mat2's
copy of it still names anyone.

Decision 0031, "Documents". A DOCX or an OpenDocument file is a ZIP; its name and the browser's
content type are ignored, its entries decide: `[Content_Types].xml` with `word/document.xml` is a
DOCX; a first entry `mimetype` holding an OpenDocument type is an ODT or ODS. Before any tool runs
the central directory alone is read (nothing is extracted): entry count, declared sizes,
compression ratios and names are bounded, and macros, passwords and other archives are refused
with what to do. Python's zipfile never inflates an entry past its declared size, and mat2 runs
under prlimit, so a lying directory cannot make either fill memory or the RAM directory.

After `mat2 --lightweight --unknown-members omit` (evidence.py), `check_clean` reads the copy back:
it must still be the same kind with its main part, and no XML part may still carry an author,
a company or a comment (mat2 0.13 leaves ODF comments and the tracked changes of a DOCX's headers
and footnotes; such a file is refused rather than shown with a name in it).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from guichet.catalog.display import file_size
from guichet.core.errors import InvalidInput

MB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
# An OLE compound file: a Word 97-2003 .doc, or an Office document protected by a password.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A typed account with a few photos holds 10 to 60 entries and a few MB once inflated.
MAX_ENTRIES = 2000
MAX_UNCOMPRESSED = 100 * MB
# A zip bomb: one entry of zeros inflates 1000:1. XML compresses 5-20:1. Entries under
# RATIO_FLOOR are not held to the ratio (a few KB of repeated XML may exceed it and harm nothing;
# MAX_UNCOMPRESSED bounds them all together).
MAX_RATIO = 100
RATIO_FLOOR = MB
PART_LIMIT = MB  # the small parts read to know the kind: mimetype, [Content_Types].xml, manifest
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Document:
    name: str
    label: str
    content_type: str
    main: str  # the part holding the text: the clean copy must still have it


DOCUMENTS = {
    "docx": Document(
        "docx",
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "word/document.xml",
    ),
    "odt": Document("odt", "ODT", "application/vnd.oasis.opendocument.text", "content.xml"),
    "ods": Document("ods", "ODS", "application/vnd.oasis.opendocument.spreadsheet", "content.xml"),
}
_ODF = {d.content_type: d.name for d in DOCUMENTS.values() if d.name != "docx"}
# What must be gone from every XML part of the clean copy (an author, a company, a comment).
_LEFTOVERS = {
    "docx": (b":author=", b"<dc:creator", b"lastModifiedBy", b"<Company", b"<Manager"),
    "odt": (b"<dc:creator", b"initial-creator", b":annotation"),
    "ods": (b"<dc:creator", b"initial-creator", b":annotation"),
}


def is_document(head: bytes) -> bool:
    """The bytes start as a ZIP or an OLE compound file: the document path decides what it is."""
    return head.startswith((ZIP_MAGIC, OLE_MAGIC))


def _as_pdf() -> str:
    return _("Open it, save it as PDF (File, then Save as or Export as PDF) and send the PDF.")


def _refused(reason: str) -> InvalidInput:
    return InvalidInput(f"{reason} {_as_pdf()}")


def inspect(data: bytes) -> Document:
    """The kind of document `data` is, read from its central directory and a few small parts;
    InvalidInput saying what to do for anything else."""
    if data.startswith(OLE_MAGIC):
        raise _refused(
            _(
                "This is an older Word file (.doc) or a document protected by a password, which we cannot "
                "open to remove the author's name."
            )
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_directory(infos)
            return _kind(archive, infos)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, RuntimeError):
        raise _damaged() from None


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    total = sum(info.file_size for info in infos)
    bomb = any(
        info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        for info in infos
    )
    if len(infos) > MAX_ENTRIES or total > MAX_UNCOMPRESSED or bomb:
        raise _refused(
            _(
                "This document would take %(size)s once opened (the limit is %(limit)s), or is built to look "
                "smaller than it is."
            )
            % {"size": file_size(round(total / MB, 1)), "limit": file_size(MAX_UNCOMPRESSED // MB)}
        )
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or ":" in name.split("/")[0]:
            raise _damaged()
        if info.flag_bits & 0x1:
            raise _password()


def _damaged() -> InvalidInput:
    return InvalidInput(
        _("This document is damaged and cannot be opened. Save it again, or as PDF, then send the new file.")
    )


def _password() -> InvalidInput:
    return InvalidInput(
        _(
            "This document is protected by a password, so the inspectors could not open it. Save it again "
            "without a password, or as PDF, then send the new file."
        )
    )


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as handle:
        return handle.read(PART_LIMIT)


def _kind(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> Document:
    names = {info.filename for info in infos}
    macros = any(n.lower().endswith("vbaproject.bin") or n.startswith(("Basic/", "Scripts/")) for n in names)
    if "[Content_Types].xml" in names:
        types = _read_part(archive, archive.getinfo("[Content_Types].xml"))
        macros = macros or b"macroenabled" in types.lower()
    if macros:
        raise _refused(
            _(
                "This document contains macros (small programs), which we do not accept: they can carry a virus."
            )
        )
    if infos and infos[0].filename == "mimetype":
        mimetype = _read_part(archive, infos[0]).strip().decode("ascii", "replace")
        if mimetype in _ODF and "content.xml" in names:
            if "META-INF/manifest.xml" not in names:
                raise _damaged()
            if b"encryption-data" in _read_part(archive, archive.getinfo("META-INF/manifest.xml")):
                raise _password()
            return DOCUMENTS[_ODF[mimetype]]
    elif "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCUMENTS["docx"]
    if "[Content_Types].xml" in names or (infos and infos[0].filename == "mimetype"):
        raise _refused(
            _(
                "We accept Word (DOCX) and LibreOffice (ODT, ODS) documents, not this kind of office "
                "file (an Excel workbook or a presentation, for example)."
            )
        )
    raise InvalidInput(
        _(
            "This is a compressed archive (ZIP). Do not send an archive: send the files it contains one by "
            "one (photos, videos, recordings, PDF, Word or LibreOffice documents)."
        )
    )


def check_clean(clean: bytes, kind: Document) -> InvalidInput | None:
    """None when mat2's copy is the same kind of document, with its text, and no XML part still names
    anyone; otherwise the refusal to give."""
    broken = _refused(_("We could not remove the hidden information (the author's name) from this document."))
    try:
        if inspect(clean) != kind:
            return broken
        with zipfile.ZipFile(io.BytesIO(clean)) as archive:
            names = archive.namelist()
            if archive.testzip() is not None or kind.main not in names:
                return broken
            if any(n == "meta.xml" or n.startswith("word/comments") for n in names):
                return broken
            if any(
                _holds(archive, info, _LEFTOVERS[kind.name])
                for info in archive.infolist()
                if info.filename.endswith((".xml", ".rels"))
            ):
                return InvalidInput(
                    _(
                        "This document holds comments, or changes tracked with the name of who made them, and "
                        "we cannot remove those names. Delete the comments and accept all changes (or save it "
                        "as PDF), then send the new file."
                    )
                )
    except (
        InvalidInput,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        ValueError,
        RuntimeError,
    ):
        return broken
    return None


def _holds(archive: zipfile.ZipFile, info: zipfile.ZipInfo, needles: tuple[bytes, ...]) -> bool:
    """Whether a part holds one of `needles`, read in chunks (a needle may straddle two)."""
    overlap = max(len(n) for n in needles) - 1
    tail = b""
    with archive.open(info) as handle:
        while chunk := handle.read(CHUNK):
            window = tail + chunk
            if any(n in window for n in needles):
                return True
            tail = window[-overlap:]
    return False
