"""Evidence videos and recordings (issue 10, point 5; decision 0031): real files made by ffmpeg,
cleaned by mat2 or ffmpeg, read back by ffprobe."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.audit.models import AuditEvent
from guichet.core.errors import InvalidInput
from guichet.denunciations import evidence, services, tools
from guichet.denunciations.models import Evidence, Mode, Report
from guichet.denunciations.trace import find
from guichet.dossiers.uploads import sniff_media
from tests.denunciations.conftest import SENTENCE, facts, png_upload, staff_client
from tests.denunciations.test_attacks import file_through_the_site, form_data, reporter

GPS = "+06.1319+001.2228/"
TAGS = [
    "-metadata",
    "title=CanaryTitle",
    "-metadata",
    "artist=CanaryArtist",
    "-metadata",
    "comment=CanaryComment",
]
CANARIES = [b"canarytitle", b"canaryartist", b"canarycomment", b"06.1319"]
VIDEO = ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=15"]
SOUND = ["-f", "lavfi", "-i", "sine=duration=1"]


def ffmpeg(out: Path, *args: str) -> bytes:
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args, str(out)]
    subprocess.run(command, check=True, timeout=60)  # noqa: S603
    return out.read_bytes()


def amr_file() -> bytes:
    """AMR-NB at 12.2 kbit/s, 50 frames (1 s): Debian's ffmpeg reads AMR but cannot write it."""
    return b"#!AMR\n" + b"".join(b"\x3c" + bytes((i * 7 + j) % 256 for j in range(31)) for i in range(50))


# name, how ffmpeg makes it, the kind read from the bytes, video or audio, clean content type,
# canaries the original must hold (proof that the test can fail).
CASES: list[tuple[str, list[str], str, str, str, list[bytes]]] = [
    (
        "video.mp4",
        [*VIDEO, *SOUND, "-c:v", "libx264", "-c:a", "aac", "-shortest", "-movflags", "use_metadata_tags",
         "-metadata", f"location={GPS}", *TAGS],
        "mp4", "video", "video/mp4", [b"canarytitle", b"06.1319"],
    ),
    (
        "iphone.mov",
        [*VIDEO, *SOUND, "-c:v", "libx264", "-c:a", "aac", "-shortest", "-metadata", f"location={GPS}", *TAGS],
        "mov", "video", "video/mp4", [b"canarytitle", b"06.1319"],
    ),
    ("old-phone.3gp", [*VIDEO, *SOUND, "-c:v", "libx264", "-c:a", "aac", "-shortest", *TAGS],
     "3gp", "video", "video/3gpp", [b"canarytitle"]),
    ("clip.webm", [*VIDEO, *SOUND, "-c:v", "libvpx", "-c:a", "libopus", "-shortest", *TAGS],
     "webm", "video", "video/webm", [b"canarytitle"]),
    ("memo.m4a", [*SOUND, "-c:a", "aac", *TAGS], "m4a", "audio", "audio/mp4", [b"canaryartist"]),
    ("song.mp3", [*SOUND, *TAGS], "mp3", "audio", "audio/mpeg", [b"canaryartist", b"canarycomment"]),
    ("PTT-20261102-WA0001.opus", [*SOUND, "-c:a", "libopus", "-f", "ogg", *TAGS],
     "ogg", "audio", "audio/ogg", [b"canaryartist", b"canarycomment"]),
    ("record.wav", [*SOUND, *TAGS], "wav", "audio", "audio/wav", [b"canaryartist", b"canarycomment"]),
    ("voice.amr", [], "amr", "audio", "audio/amr", []),
]  # fmt: skip


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("media")
    made = {name: ffmpeg(folder / name, *args) for name, args, *_rest in CASES if args}
    made["voice.amr"] = amr_file()
    return made


def ffprobe(data: bytes, folder: Path) -> dict[str, Any]:
    path = folder / "probe.bin"
    path.write_bytes(data)
    command = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    out = subprocess.run(command, check=True, capture_output=True, timeout=30)  # noqa: S603
    return json.loads(out.stdout)


@pytest.mark.once
@pytest.mark.parametrize(("name", "args", "kind", "family", "content_type", "held"), CASES)
def test_recordings_are_cleaned_still_play_and_keep_their_original(
    media, ram, tmp_path, *, monkeypatch, name, args, kind, family, content_type, held
):
    original = media[name]
    for canary in held:
        assert canary in original.lower(), f"{name} was made without {canary!r}"
    ran = []
    real_run = evidence.run_tool
    monkeypatch.setattr(evidence, "run_tool", lambda args, **k: ran.append(args[0]) or real_run(args, **k))

    prepared = evidence.prepare_evidence(SimpleUploadedFile(name, original, content_type="text/plain"))

    # mat2 where it has a parser, else ffmpeg with mat2's arguments; then ffprobe reads the copy.
    assert ran == [evidence.MEDIA[kind].cleaners[0].split(":")[0], "ffprobe"]

    assert (prepared.kind, prepared.media, prepared.content_type) == (kind, family, content_type)
    assert prepared.original == original
    assert prepared.sha256 == hashlib.sha256(original).hexdigest()
    for canary in CANARIES:
        assert canary not in prepared.clean.lower()
    probed = ffprobe(prepared.clean, tmp_path)
    assert not any(c.decode() in json.dumps(probed).lower() for c in CANARIES)
    tags = {**probed["format"].get("tags", {})}
    for stream in probed["streams"]:
        tags |= stream.get("tags", {})
    assert {t.lower() for t in tags} <= evidence.NEUTRAL_TAGS
    assert abs(float(probed["format"]["duration"]) - 1.0) < 0.2
    assert prepared.duration is not None
    assert abs(prepared.duration - 1.0) < 0.2
    types = {s["codec_type"] for s in probed["streams"]}
    assert types == ({"video", "audio"} if family == "video" else {"audio"})
    assert list(ram.iterdir()) == []  # the plaintext copies are gone


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("video.mp4", b"<html><script>alert(1)</script></html>" * 20, "not of an accepted kind"),
        ("note.mp3", b"just some text, named like a recording" * 10, "not of an accepted kind"),
        # The bytes announce an MP4 (or an MP3), then nothing a player can read.
        ("broken.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40,
         "could not read this video"),
        ("broken.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00garbage" * 400, "could not read this recording"),
        ("film.mkv", b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 64, "MKV format"),
        ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "HEIC format"),
        ("voice.aac", b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 64, "AAC format"),
    ],
)  # fmt: skip
@pytest.mark.once
def test_files_that_are_not_what_they_claim_or_cannot_be_cleaned_are_refused(ram, name, data, message):
    with pytest.raises(InvalidInput) as refused:
        evidence.prepare_evidence(SimpleUploadedFile(name, data, content_type="video/mp4"))
    assert message in str(refused.value)
    assert list(ram.iterdir()) == []


@pytest.mark.once
@pytest.mark.parametrize(("name", "setting", "words"), [("video.mp4", "MAX_VIDEO_MB", "This video is"),
                                                        ("song.mp3", "MAX_AUDIO_MB", "This recording is")])  # fmt: skip
def test_recordings_over_their_limit_are_refused_before_any_tool_runs(
    media, ram, settings, *, name, setting, words
):
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, setting: 1}
    big = media[name] + bytes(1024 * 1024)  # a valid start, then more than 1 MB
    with pytest.raises(InvalidInput) as refused:
        evidence.prepare_evidence(SimpleUploadedFile(name, big))
    assert words in str(refused.value)
    assert "the limit is" in str(refused.value)
    # Under the limit the same kind is taken.
    assert evidence.prepare_evidence(SimpleUploadedFile(name, media[name])).kind


@pytest.mark.once
def test_a_tool_over_its_time_is_killed_and_the_file_refused(media, ram, settings):
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, "CLEAN_TIMEOUT_SECONDS": 0.01}
    with pytest.raises(InvalidInput, match="could not read this video"):
        evidence.prepare_evidence(SimpleUploadedFile("video.mp4", media["video.mp4"]))
    assert list(ram.iterdir()) == []


@pytest.mark.once
def test_without_mat2_and_ffmpeg_recordings_are_refused_and_photos_and_pdfs_still_work(
    media, ram, monkeypatch, tmp_path
):
    from pypdf import PdfWriter

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert evidence.missing_tools() == ["mat2", "ffmpeg", "ffprobe"]
    with pytest.raises(InvalidInput, match="cannot be received just now"):
        evidence.prepare_evidence(SimpleUploadedFile("video.mp4", media["video.mp4"]))
    assert evidence.prepare_evidence(png_upload()).kind == "png"
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_metadata({"/Author": "CanaryAuthor"})
    pdf = Path(tmp_path / "a.pdf")
    writer.write(pdf)
    prepared = evidence.prepare_evidence(SimpleUploadedFile("a.pdf", pdf.read_bytes()))
    assert b"CanaryAuthor" not in prepared.clean  # pypdf wrote the pages afresh


@pytest.mark.once
def test_pdfs_go_through_mat2_lightweight(ram, tmp_path, monkeypatch):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(200, 300)
    writer.add_metadata({"/Author": "CanaryAuthor", "/Creator": "CanaryPhoneScanner"})
    pdf = tmp_path / "scan.pdf"
    writer.write(pdf)
    ran = []
    real_run = evidence.run_tool
    monkeypatch.setattr(evidence, "run_tool", lambda args, **k: ran.append(args[:2]) or real_run(args, **k))
    prepared = evidence.prepare_evidence(SimpleUploadedFile("scan.pdf", pdf.read_bytes()))
    assert ran
    assert ran[0][:2] == ["mat2", "--lightweight"]
    assert b"canary" not in prepared.clean.lower()
    assert len(PdfReader(__import__("io").BytesIO(prepared.clean)).pages) == 3
    assert list(ram.iterdir()) == []


@pytest.mark.once
def test_the_private_directory_is_the_users_alone_and_in_ram_by_default(settings):
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, "EVIDENCE_TEMP_DIR": ""}
    work = tools.work_dir()
    try:
        assert stat.S_IMODE(os.stat(work).st_mode) == 0o700
        if os.path.isdir(tools.RAM_DIR):
            assert work.startswith(tools.RAM_DIR + "/")
    finally:
        os.rmdir(work)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isommp42", "m4a"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "mov"),
        (b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00isom3gp4", "3gp"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isommp42", "mp4"),
        (b"\x00\x00\x00\x18ftypXXXX\x00\x00\x00\x00YYYYZZZZ", None),  # ISO BMFF of no brand we know
        (b"\xff\xfb\x90\x64" + b"\x00" * 16, "mp3"),
        (b"\xff\xf1\x50\x80" + b"\x00" * 16, "aac"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"#!AMR-WB\n\x00", "amr"),
        (b"OggS\x00\x02", "ogg"),
        (b"fLaC\x00\x00", "flac"),
        (b"%PDF-1.7", None),
    ],
)
@pytest.mark.once
def test_the_container_is_read_from_the_first_bytes(head, kind):
    assert sniff_media(head) == kind


# --- through the site and the inspector's page ---------------------------------------------------


def test_a_video_reaches_the_inspector_without_touching_the_disk_and_plays_in_the_page(
    world, keys, media, *, ram, settings, monkeypatch
):
    from django.core.files import uploadedfile

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # Django would spill anything bigger to a temporary file
    spilled: list[Any] = []
    real_init = uploadedfile.TemporaryUploadedFile.__init__
    monkeypatch.setattr(
        uploadedfile.TemporaryUploadedFile,
        "__init__",
        lambda self, *a, **k: spilled.append(a) or real_init(self, *a, **k),
    )
    uploads = [
        SimpleUploadedFile("VID_20261102_143012.mov", media["iphone.mov"], content_type="video/quicktime"),
        SimpleUploadedFile("PTT-20261102-WA0001.opus", media["PTT-20261102-WA0001.opus"]),
    ]
    file_through_the_site(reporter(), evidence=uploads)
    assert spilled == []
    report = Report.objects.get()
    assert report.evidence.count() == 2
    # Neither the canaries nor the phone's file names are readable anywhere.
    assert find(["CanaryTitle", "CanaryArtist", "06.1319", "VID_20261102", "WA0001"]) == []

    inspector = staff_client(world.inspector, keys["inspector"])
    page = inspector.get(reverse("denunciations:inspection_report", args=[report.public_id])).content.decode()
    assert '<video controls preload="none"' in page
    assert '<audio controls preload="none"' in page
    assert "Download the copy without metadata" in page or "Télécharger la copie sans métadonnées" in page
    video, sound = Evidence.objects.filter(report=report).order_by("pk")
    response = inspector.get(reverse("denunciations:inspection_evidence", args=[report.public_id, video.pk]))
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"canarytitle" not in response.content.lower()
    response = inspector.get(reverse("denunciations:inspection_evidence", args=[report.public_id, sound.pk]))
    assert (response["Content-Type"], response["Content-Disposition"][:7]) == ("audio/ogg", "inline;")
    original = inspector.post(reverse("denunciations:inspection_original", args=[report.public_id, video.pk]))
    assert original["Content-Type"] == "video/quicktime"
    assert original["Content-Disposition"].startswith("attachment;")
    assert original.content == media["iphone.mov"]
    verbs = list(AuditEvent.objects.filter(verb__startswith="denunciation.").values_list("verb", flat=True))
    assert verbs.count("denunciation.file_read") == 2
    assert verbs.count("denunciation.original_read") == 1


def test_a_refused_recording_keeps_what_was_typed_and_says_what_to_do(world, ram):
    broken = SimpleUploadedFile(
        "video.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x01" * 900
    )
    response = reporter().post(reverse("denunciations:new", args=["anonymous"]), form_data(evidence=[broken]))
    assert response.status_code == 400
    text = response.content.decode()
    assert SENTENCE in text  # the narrative is still in the form
    assert "MP4" in text
    assert "choose them again" in text or "choisissez-les" in text.lower()
    assert Report.objects.count() == 0


def test_a_recording_added_later_by_the_reporter(world, keys, media, ram):
    filed = services.file_report(mode=Mode.ANONYMOUS, facts=facts())
    prepared = evidence.prepare_evidence(SimpleUploadedFile("memo.m4a", media["memo.m4a"]))
    services.add_reporter_evidence(filed.report, files=[prepared])
    clean, details = services.open_evidence(
        keys["inspector"], filed.report, filed.report.evidence.get().pk, original=False
    )
    assert details["media"] == "audio"
    assert details["content_type"] == "audio/mp4"
    assert details["name"].endswith(".m4a")
    assert abs(details["duration"] - 1.0) < 0.2
    assert b"canaryartist" not in clean.lower()


def test_a_voice_note_no_browser_plays_is_offered_as_a_download(world, keys, ram):
    prepared = evidence.prepare_evidence(SimpleUploadedFile("voice.amr", amr_file()))
    filed = services.file_report(mode=Mode.ANONYMOUS, facts=facts(), files=[prepared])
    inspector = staff_client(world.inspector, keys["inspector"])
    page = inspector.get(reverse("denunciations:inspection_report", args=[filed.report.public_id]))
    text = page.content.decode()
    assert "<audio" not in text
    assert "Browsers do not play this format" in text
    assert 'download="' in text


def test_a_data_track_mat2_cannot_carry_over_goes_through_ffmpeg_with_video_and_sound_only(
    ram, tmp_path, monkeypatch
):
    # A camera's MOV with a timecode track: mat2's MP4 copy fails on it, ffmpeg keeps only picture and sound.
    original = ffmpeg(
        tmp_path / "camera.mov",
        *VIDEO, *SOUND, "-c:v", "libx264", "-c:a", "aac", "-shortest", "-timecode", "01:02:03:04",
        "-metadata", f"location={GPS}", *TAGS,
    )  # fmt: skip
    assert b"06.1319" in original
    assert "data" in {s["codec_type"] for s in ffprobe(original, tmp_path)["streams"]}
    ran = []
    real_run = evidence.run_tool
    monkeypatch.setattr(evidence, "run_tool", lambda args, **k: ran.append(args[0]) or real_run(args, **k))
    prepared = evidence.prepare_evidence(SimpleUploadedFile("camera.mov", original))
    assert ran == ["mat2", "ffmpeg", "ffprobe"]
    assert b"06.1319" not in prepared.clean
    assert {s["codec_type"] for s in ffprobe(prepared.clean, tmp_path)["streams"]} == {"video", "audio"}
    assert list(ram.iterdir()) == []


@pytest.mark.once
def test_the_deployment_check_cleans_a_recording_for_real(ram, monkeypatch, tmp_path):
    from guichet.denunciations.checks import evidence_cleaning_works

    assert evidence_cleaning_works(None) == []  # the tools here clean a recording
    # mat2 installed but unable to run (its sandbox refused, say): the programs are found, and yet.
    broken = tmp_path / "bin"
    broken.mkdir()
    for tool in ("mat2", "ffmpeg", "ffprobe"):
        script = broken / tool
        script.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(broken))
    assert evidence.missing_tools() == []
    assert [w.id for w in evidence_cleaning_works(None)] == ["denunciations.W002"]


@pytest.mark.once
def test_a_tool_may_not_write_a_file_larger_than_its_limit(ram, tmp_path):
    """A crafted file must not make a tool fill the RAM directory: writes past the limit kill it."""
    work = tmp_path / "scratch"
    work.mkdir()
    big = work / "big"
    writes = ["sh", "-c", f"head -c 5000000 /dev/zero > {big}"]
    assert tools.run_tool(writes, work=str(work), max_file_bytes=1_000_000) is False
    assert big.stat().st_size <= 1_000_000
    assert tools.run_tool(writes, work=str(work), max_file_bytes=10_000_000) is True
    assert big.stat().st_size == 5_000_000
