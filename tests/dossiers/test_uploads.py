"""The first bytes decide what a file is; its name and declared type are not trusted."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.core.errors import InvalidInput
from guichet.dossiers.uploads import accepted_labels, check_upload

PDF = b"%PDF-1.7\n" + b"1" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"2" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"3" * 100


@pytest.mark.parametrize(
    ("content", "kind", "content_type"),
    [(PDF, "pdf", "application/pdf"), (JPEG, "jpeg", "image/jpeg"), (PNG, "png", "image/png")],
)
def test_each_accepted_kind_is_recognised_by_its_first_bytes(content, kind, content_type):
    upload = SimpleUploadedFile("scan.bin", content, content_type="text/plain")

    checked = check_upload(upload, accept=("pdf", "jpeg", "png"), max_size_mb=5)

    assert (checked.kind.name, checked.kind.content_type, checked.size) == (kind, content_type, len(content))
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert upload.tell() == 0  # left ready to be stored


def test_a_declared_type_does_not_make_a_png_a_pdf():
    upload = SimpleUploadedFile("lettre.pdf", PNG, content_type="application/pdf")
    with pytest.raises(InvalidInput, match="Send a PDF file"):
        check_upload(upload, accept=("pdf",), max_size_mb=5)


def test_no_accept_list_means_the_default_kinds():
    assert check_upload(SimpleUploadedFile("a", JPEG), accept=(), max_size_mb=5).kind.name == "jpeg"
    assert accepted_labels(()) == "PDF, JPEG, PNG"
    with pytest.raises(InvalidInput, match="PDF, JPEG, PNG"):
        check_upload(SimpleUploadedFile("a.gif", b"GIF89a" + b"0" * 50), accept=(), max_size_mb=5)


def test_the_size_limit_is_inclusive():
    limit = 1024 * 1024
    at_limit = SimpleUploadedFile("a.pdf", PDF[:9] + b"0" * (limit - 9))
    assert check_upload(at_limit, accept=("pdf",), max_size_mb=1).size == limit
    over = SimpleUploadedFile("a.pdf", PDF[:9] + b"0" * (limit - 8))
    with pytest.raises(InvalidInput, match="limit is 1 MB"):
        check_upload(over, accept=("pdf",), max_size_mb=1)


def test_an_empty_file_is_refused():
    with pytest.raises(InvalidInput, match="empty"):
        check_upload(SimpleUploadedFile("a.pdf", b""), accept=("pdf",), max_size_mb=1)


def test_the_original_name_loses_its_folders():
    checked = check_upload(SimpleUploadedFile("x.pdf", PDF), accept=("pdf",), max_size_mb=1)
    assert checked.original_name == "x.pdf"
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload.name = "../../etc/passwd.pdf"
    assert "/" not in check_upload(upload, accept=("pdf",), max_size_mb=1).original_name
