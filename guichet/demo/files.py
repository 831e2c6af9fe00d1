"""Small real files for the demo dossiers and for tests: they pass every upload check."""

from __future__ import annotations

import struct
import zlib


def demo_pdf(title: str, *, size: int = 0) -> bytes:
    """A one-page PDF with a line of text; `size` pads it to exactly that many bytes."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"

    def tail(xref: int) -> bytes:
        return (
            f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
            + b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
            + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        )

    # A comment line before the cross-reference table makes the file exactly `size` bytes.
    fixed = len(tail(0)) - 1  # the tail, less the digits of the offset it ends with
    for digits in range(1, 13):
        padding = size - len(out) - fixed - digits
        if padding >= 2 and len(str(len(out) + padding)) == digits:
            out += b"%" + b"0" * (padding - 2) + b"\n"
            break
    out += tail(len(out))
    return bytes(out)


def demo_png(width: int = 240, height: int = 150) -> bytes:
    """A small grey-blue PNG (a stand-in for a scanned ID card), written without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((200, 214, 230)) * width  # filter byte, then RGB pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )
