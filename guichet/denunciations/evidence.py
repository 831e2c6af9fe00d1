"""Evidence for a denunciation: what a file really is, and a copy of it without metadata.

Issue 10, point 5, and decision 0031. The original is kept (sealed, with its SHA-256); inspectors
read by default a copy that tells nothing about the phone or the place:

- JPEG and PNG photos are re-encoded (guichet.dossiers.uploads);
- PDFs go through `mat2 --lightweight` (pypdf rewrites the pages when mat2 is missing or fails);
- Word and LibreOffice documents (DOCX, ODT, ODS) go through `mat2 --lightweight`, once their ZIP
  directory has been checked (documents.py) and before their copy is read back (no name left);
- videos and voice recordings go through `mat2` (MP4, MOV, M4A, MP3, OGG/Opus, WAV), or through
  ffmpeg with mat2's own arguments for the containers mat2 has no parser for (3GP, WebM, AMR),
  then ffprobe must read the copy back: audio or video only, a duration, no tag but neutral ones.

The type is read from the bytes (uploads.sniff_media), never from the name or the browser. How
the tools run on the plaintext (a private RAM directory, no shell, prlimit, a timeout) is
tools.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import wave
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter

from guichet.catalog.display import file_size
from guichet.core.errors import InvalidInput
from guichet.denunciations import documents
from guichet.denunciations.access import conf
from guichet.denunciations.tools import missing_tools, private_dir, read_at_most, run_tool, write_new
from guichet.dossiers.uploads import (
    KINDS,
    MEDIA_KINDS,
    OTHER_MEDIA,
    check_upload,
    scan_for_viruses,
    sniff_media,
)

MB = 1024 * 1024
# Tags ffmpeg itself writes into a clean file; anything else left is a reason to refuse.
NEUTRAL_TAGS = frozenset(
    {"language", "handler_name", "vendor_id", "major_brand", "minor_version", "compatible_brands"}
    | {"duration", "encoder"}
)
PROBE_OUTPUT_LIMIT = 256 * 1024

# mat2's own ffmpeg arguments (libmat2/video.py), but only the video and audio streams: a data
# track (a phone's GPS track, subtitles) or a cover picture is left behind.
_FFMPEG_CLEAN = (
    "-map", "0:V?", "-map", "0:a?", "-codec", "copy",
    "-map_metadata", "-1", "-map_chapters", "-1", "-disposition", "0",
    "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
)  # fmt: skip


@dataclass(frozen=True)
class Media:
    """How one accepted recording container is cleaned and what its clean copy is."""

    family: str  # "video" or "audio": the size limit, before anything is decoded
    suffix: str  # the temporary file's name (mat2 chooses its parser by the name)
    cleaners: tuple[str, ...]  # "mat2", or "ffmpeg:<muxer>", tried in order
    clean_ext: str
    clean_types: tuple[str, str]  # content type of the clean copy: (with video, audio only)


MEDIA = {
    "mp4": Media("video", ".mp4", ("mat2", "ffmpeg:mp4"), "mp4", ("video/mp4", "audio/mp4")),
    "mov": Media("video", ".mp4", ("mat2", "ffmpeg:mp4"), "mp4", ("video/mp4", "audio/mp4")),
    "m4a": Media("audio", ".mp4", ("mat2", "ffmpeg:mp4"), "m4a", ("video/mp4", "audio/mp4")),
    "3gp": Media("video", ".3gp", ("ffmpeg:3gp",), "3gp", ("video/3gpp", "audio/3gpp")),
    "webm": Media("video", ".webm", ("ffmpeg:webm",), "webm", ("video/webm", "audio/webm")),
    "mp3": Media("audio", ".mp3", ("mat2",), "mp3", ("audio/mpeg", "audio/mpeg")),
    "ogg": Media("audio", ".ogg", ("mat2",), "ogg", ("audio/ogg", "audio/ogg")),
    "wav": Media("audio", ".wav", ("mat2",), "wav", ("audio/wav", "audio/wav")),
    "amr": Media("audio", ".amr", ("ffmpeg:amr",), "amr", ("audio/amr", "audio/amr")),
}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "pdf": "pdf"}
EXTENSIONS |= {name: name for name in (*MEDIA, *documents.DOCUMENTS)}
# Clean copies Chromium and Firefox play in the page (checked with Chromium 3GP as H.264/AAC);
# AMR plays in no browser: the inspector downloads it.
NOT_PLAYABLE = frozenset({"audio/amr"})


@dataclass(frozen=True)
class PreparedFile:
    """An evidence file checked as the upload pipeline checks it, with a copy without metadata."""

    kind: str
    content_type: str  # of the clean copy
    original: bytes
    clean: bytes
    sha256: str  # of the original
    media: str = "image"  # image, document, video or audio: how an inspector is shown it
    original_content_type: str = ""
    clean_ext: str = ""
    duration: float | None = None


def accepted_labels() -> str:
    names = [KINDS[n].label for n in ("jpeg", "png", "pdf")] + [k.label for k in MEDIA_KINDS.values()]
    names += [d.label for d in documents.DOCUMENTS.values()]
    return ", ".join(names)


def self_test() -> str | None:
    """Clean a tiny generated WAV as a real upload would: None when it works, else what failed (checks.py: mat2 may be installed yet unable to run, e.g. where its
    bubblewrap sandbox cannot start)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * 1600)  # 0.2 s of silence
    try:
        _clean_media(out.getvalue(), MEDIA["wav"])
    except InvalidInput:
        return "mat2 could not clean a short WAV recording"
    return None


def prepare_evidence(upload: UploadedFile) -> PreparedFile:
    """Check a file (type from its bytes, size, damage) and make its copy without metadata."""
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if any(head.startswith(m) for n in ("jpeg", "png", "pdf") for m in KINDS[n].magic):
        return _prepare_image_or_pdf(upload)
    if documents.is_document(head):
        return _prepare_document(upload)
    found = sniff_media(head)
    if found in OTHER_MEDIA:
        raise InvalidInput(
            _(
                "This file is in %(kind)s format, from which we cannot remove hidden information such as "
                "the place or the phone. Share it again from your phone as MP4 (video), MP3 (sound) or "
                "JPEG (photo), then send the new file."
            )
            % {"kind": OTHER_MEDIA[found]}
        )
    if found not in MEDIA:
        raise InvalidInput(
            _("This file is not of an accepted kind. Send a %(kinds)s file.") % {"kinds": accepted_labels()}
        )
    return _prepare_media(upload, found)


def _prepare_image_or_pdf(upload: UploadedFile) -> PreparedFile:
    checked = check_upload(upload, accept=("jpeg", "png", "pdf"), max_size_mb=int(conf("MAX_FILE_MB")))
    upload.seek(0)
    original = b"".join(upload.chunks())
    pdf = checked.kind.name == "pdf"
    return PreparedFile(
        kind=checked.kind.name,
        content_type=checked.kind.content_type,
        original=original,
        clean=clean_pdf(checked.content) if pdf else checked.content,
        sha256=hashlib.sha256(original).hexdigest(),
        media="document" if pdf else "image",
        original_content_type=checked.kind.content_type,
        clean_ext=EXTENSIONS[checked.kind.name],
    )


def _prepare_media(upload: UploadedFile, name: str) -> PreparedFile:
    kind, media = MEDIA_KINDS[name], MEDIA[name]
    size = upload.size or 0
    limit_mb = int(conf("MAX_VIDEO_MB" if media.family == "video" else "MAX_AUDIO_MB"))
    if size > limit_mb * MB:
        raise InvalidInput(
            (
                _(
                    "This video is %(size)s; the limit is %(limit)s. Send only the part that shows the "
                    "facts (most phones can trim a video), or record it again at a lower quality."
                )
                if media.family == "video"
                else _(
                    "This recording is %(size)s; the limit is %(limit)s. Send only the part that matters "
                    "(trim it on your phone), or send it in several shorter files."
                )
            )
            % {"size": file_size(round(size / MB, 1)), "limit": file_size(limit_mb)}
        )
    if missing_tools():
        raise InvalidInput(
            _(
                "Videos and sound recordings cannot be received just now. Send your report with its photos "
                "or documents; you can add the recording later from your report, with your receipt code."
            )
        )
    upload.seek(0)
    original = b"".join(upload.chunks())
    scan_for_viruses(original)
    clean, has_video, duration = _clean_media(original, media)
    return PreparedFile(
        kind=name,
        content_type=media.clean_types[0 if has_video else 1],
        original=original,
        clean=clean,
        sha256=hashlib.sha256(original).hexdigest(),
        media="video" if has_video else "audio",
        original_content_type=kind.content_type,
        clean_ext=media.clean_ext,
        duration=duration,
    )


def _prepare_document(upload: UploadedFile) -> PreparedFile:
    """A DOCX, ODT or ODS: its ZIP directory checked, then `mat2 --lightweight`, then its copy read back."""
    size, limit_mb = upload.size or 0, int(conf("MAX_FILE_MB"))
    if size > limit_mb * MB:
        raise InvalidInput(
            _(
                "This document is %(size)s; the limit is %(limit)s. Remove its large pictures (send them as "
                "photos), or save it as PDF, then send the new file."
            )
            % {"size": file_size(round(size / MB, 1)), "limit": file_size(limit_mb)}
        )
    upload.seek(0)
    original = b"".join(upload.chunks())
    kind = documents.inspect(original)  # before any tool: the central directory alone
    if shutil.which("mat2") is None:
        raise InvalidInput(
            _(
                "Word and LibreOffice documents cannot be received just now. Save yours as PDF (File, then "
                "Save as or Export as PDF) and send the PDF."
            )
        )
    scan_for_viruses(original)
    return PreparedFile(
        kind=kind.name,
        content_type=kind.content_type,
        original=original,
        clean=_clean_document(original, kind),
        sha256=hashlib.sha256(original).hexdigest(),
        media="document",
        original_content_type=kind.content_type,
        clean_ext=kind.name,
    )


def _clean_document(original: bytes, kind: documents.Document) -> bytes:
    """mat2's copy, once documents.check_clean has read it back; InvalidInput otherwise.

    `--unknown-members omit`: a part mat2 has no rule for (a DOCX's comments, an embedded object)
    is left out of the copy rather than kept as it is or failing the whole document.
    """
    with private_dir() as work:
        source = os.path.join(work, "evidence." + kind.name)  # mat2 picks its parser by the name
        write_new(source, original)
        limit = 4 * len(original) + MB
        args = ["mat2", "--lightweight", "--unknown-members", "omit", source]
        clean = None
        if run_tool(args, work=work, max_file_bytes=limit):
            clean = read_at_most(os.path.join(work, f"evidence.cleaned.{kind.name}"), limit)
    refusal = documents.check_clean(clean or b"", kind)
    if refusal is not None:
        raise refusal
    return clean or b""


def _cannot_clean(media: Media) -> InvalidInput:
    return InvalidInput(
        _(
            "We could not read this video or recording to remove its hidden information (place, phone), "
            "so it was not kept. Your other answers are kept. Share it again from your phone as MP4 "
            "(video) or MP3 (sound), then send the new file."
        )
        if media.family == "video"
        else _(
            "We could not read this recording to remove its hidden information, so it was not kept. "
            "Your other answers are kept. Share it again from your phone as MP3 or M4A, then send "
            "the new file."
        )
    )


def _clean_media(original: bytes, media: Media) -> tuple[bytes, bool, float]:
    """The clean copy, whether it holds a picture, and its duration; InvalidInput when no cleaner
    gives a copy that ffprobe reads back as plain audio or video."""
    with private_dir() as work:
        source = os.path.join(work, "evidence" + media.suffix)
        write_new(source, original)
        limit = 2 * len(original) + MB
        for number, cleaner in enumerate(media.cleaners):
            if cleaner == "mat2":
                produced = os.path.join(work, "evidence.cleaned" + media.suffix)
                args = ["mat2", source]
            else:
                muxer = cleaner.split(":", 1)[1]
                produced = os.path.join(work, f"copy-{number}{media.suffix}")
                args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", source]
                args += [*_FFMPEG_CLEAN, "-f", muxer, "-y", produced]
            if not run_tool(args, work=work, max_file_bytes=limit):
                continue
            clean = read_at_most(produced, limit)
            if clean is None:
                continue
            probed = probe(produced, work=work)
            if probed is not None:
                return clean, probed[0], probed[1]
        raise _cannot_clean(media)


def probe(path: str, *, work: str) -> tuple[bool, float] | None:
    """(has a picture, duration in seconds) when ffprobe reads `path` as plain audio or video
    with nothing but neutral tags; None otherwise."""
    report = os.path.join(work, "probe.json")
    args = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path]
    if not run_tool(args, work=work, max_file_bytes=PROBE_OUTPUT_LIMIT, stdout_path=report):
        return None
    raw = read_at_most(report, PROBE_OUTPUT_LIMIT)
    os.unlink(report)
    try:
        found = json.loads(raw or b"")
    except ValueError:
        return None
    return _plain_media(found) if isinstance(found, dict) else None


def _plain_media(found: dict[str, Any]) -> tuple[bool, float] | None:
    streams = [s for s in found.get("streams") or [] if isinstance(s, dict)]
    form = found.get("format") or {}
    tags = [*(form.get("tags") or {}).keys()]
    for stream in streams:
        tags += (stream.get("tags") or {}).keys()
    plain = bool(streams) and all(
        s.get("codec_type") in {"audio", "video"} and not (s.get("disposition") or {}).get("attached_pic")
        for s in streams
    )
    try:
        duration = float(form.get("duration") or 0)
    except (TypeError, ValueError):
        duration = 0
    if not plain or duration <= 0 or any(str(tag).lower() not in NEUTRAL_TAGS for tag in tags):
        return None
    return any(s.get("codec_type") == "video" for s in streams), round(duration, 1)


# --- PDFs ----------------------------------------------------------------------------------


def clean_pdf(data: bytes) -> bytes:
    """`mat2 --lightweight`'s copy when mat2 is here and gives a readable PDF of as many pages;
    otherwise the pages written afresh by pypdf."""
    pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
    if shutil.which("mat2") is not None:
        with private_dir() as work:
            source = os.path.join(work, "evidence.pdf")
            write_new(source, data)
            limit = 4 * len(data) + MB
            if run_tool(["mat2", "--lightweight", source], work=work, max_file_bytes=limit):
                clean = read_at_most(os.path.join(work, "evidence.cleaned.pdf"), limit)
                if clean is not None and _pdf_pages(clean) == pages:
                    return clean
    return strip_pdf_metadata(data)


def _pdf_pages(data: bytes) -> int:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return -1 if reader.is_encrypted else len(reader.pages)
    except Exception:  # a malformed file may fail anywhere inside the parser
        return -1


def strip_pdf_metadata(data: bytes) -> bytes:
    """The pages of a PDF written afresh: no document information, no XMP, no attachments."""
    reader = PdfReader(io.BytesIO(data), strict=False)
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_metadata({"/Producer": ""})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
