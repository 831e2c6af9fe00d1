#!/usr/bin/env python
"""What the upload checks cost: time and bytes for the files people really send.

A benchmark, not a test: it prints a table and always exits 0.

    .venv/bin/python bench/uploads.py            # phone photo, A4 scans, a PDF, a bomb
    .venv/bin/python bench/uploads.py --quick    # small sizes, a few seconds

Each file is made here (Pillow, or the demo PDF), then goes through
`guichet.dossiers.uploads.check_upload` as attach_document calls it: sniffing, the header
measure, decoding, EXIF orientation and re-encoding for images, parsing for PDFs. The
figures are the best of three runs; "stored" is what attach_document would write.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")


def _photo(width: int, height: int) -> bytes:
    """A phone photo: noisy pixels (they compress like a real scene), EXIF with GPS, turned."""
    from PIL import Image

    image = Image.effect_noise((width, height), 40).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (6.0, 8.0, 13.0), 3: "E", 4: (1.0, 12.0, 45.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


def _scan(width: int, height: int) -> bytes:
    """A scanned A4 page as PNG: mostly white with lines of dark text-like strokes."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for y in range(height // 20, height - height // 20, max(1, height // 60)):
        draw.line((width // 10, y, width - width // 10, y), fill=30, width=max(1, height // 400))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _bomb(side: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10**6, 9))


def samples(quick: bool) -> list[tuple[str, Callable[[], bytes]]]:
    from guichet.demo.files import demo_pdf

    scale = 4 if quick else 1
    return [
        (f"phone photo {4000 // scale}×{3000 // scale} JPEG", lambda: _photo(4000 // scale, 3000 // scale)),
        (f"A4 scan 300 dpi {2480 // scale}×{3508 // scale} PNG", lambda: _scan(2480 // scale, 3508 // scale)),
        (
            "PDF, 4 MB" if not quick else "PDF, 200 KB",
            lambda: demo_pdf("Titre", size=(200_000 if quick else 4_000_000)),
        ),
        ("PNG bomb 30000×30000", lambda: _bomb(30_000)),
    ]


def measure(content: bytes) -> tuple[float, str, int]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guichet.core.errors import InvalidInput
    from guichet.dossiers.uploads import check_upload

    best, outcome, stored = float("inf"), "", 0
    for _run in range(3):
        upload = SimpleUploadedFile("sample", content)
        started = time.perf_counter()
        try:
            checked = check_upload(upload, accept=("pdf", "jpeg", "png"), max_size_mb=10)
            outcome, stored = "stored", checked.size
        except InvalidInput as refusal:
            outcome, stored = f"refused: {str(refusal)[:48]}…", 0
        best = min(best, time.perf_counter() - started)
    return best, outcome, stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    args = parser.parse_args(argv)

    import django

    django.setup()
    print(f"{'file':<34} {'sent':>10} {'stored':>10} {'ms':>8}  outcome")
    for label, make in samples(args.quick):
        content = make()
        seconds, outcome, stored = measure(content)
        print(f"{label:<34} {len(content):>10,} {stored:>10,} {seconds * 1000:>8.1f}  {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
