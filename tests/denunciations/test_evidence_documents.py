"""Word and LibreOffice documents as evidence (decision 0031, "Documents"): DOCX, ODT and ODS built
by hand with zipfile (python-docx is not installed), their ZIP directory checked before mat2 runs,
`mat2 --lightweight` for the copy, the copy read back for names."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.core.errors import InvalidInput
from guichet.denunciations import documents, evidence
from guichet.denunciations.models import Evidence, Report
from guichet.denunciations.trace import find
from tests.denunciations.conftest import staff_client
from tests.denunciations.test_attacks import file_through_the_site, reporter

ACCOUNT = "Le policier du poste de Be a demande 5000 FCFA au carrefour."
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_NS = (
    f'xmlns:office="{OFFICE}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Names a document carries without its writer knowing: author, last editor, company, comment and
# tracked-change authors.
CANARIES = [
    b"canaryauthor",
    b"canaryeditor",
    b"canarycompany",
    b"canarymanager",
    b"canarycomment",
    b"canarytrack",
]


def zipped(parts: list[tuple[str, str | bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            stored = name == "mimetype"  # an OpenDocument's first entry, not compressed
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx(*, main_type: str = DOCX_MAIN, extra: list[tuple[str, str | bytes]] | None = None) -> bytes:
    """A DOCX as Word writes one: core and app properties with names, a comment, tracked changes."""
    override = '<Override PartName="/{}" ContentType="application/vnd.openxmlformats-{}"/>'
    types = (
        f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'
        + override.format("word/comments.xml", "officedocument.wordprocessingml.comments+xml")
        + override.format("docProps/core.xml", "package.core-properties+xml")
        + override.format("docProps/app.xml", "officedocument.extended-properties+xml")
        + "</Types>"
    )
    rel = '<Relationship Id="{}" Type="http://schemas.openxmlformats.org/{}" Target="{}"/>'
    rels = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
    body = (
        f'{XML}<w:document xmlns:w="{W}"><w:body><w:p><w:commentRangeStart w:id="0"/>'
        f'<w:r><w:t>{ACCOUNT}</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>'
        '<w:p><w:ins w:id="1" w:author="CanaryTrackIns" w:date="2026-11-02T10:00:00Z"><w:r><w:t>Il etait seul.</w:t>'
        '</w:r></w:ins><w:del w:id="2" w:author="CanaryTrackDel" w:date="2026-11-02T10:00:00Z"><w:r>'
        "<w:delText>Ils etaient deux.</w:delText></w:r></w:del></w:p></w:body></w:document>"
    )
    return zipped(
        [
            ("[Content_Types].xml", types),
            (
                "_rels/.rels",
                XML
                + rels.format(
                    rel.format(
                        "rId1", "officeDocument/2006/relationships/officeDocument", "word/document.xml"
                    )
                    + rel.format(
                        "rId2", "package/2006/relationships/metadata/core-properties", "docProps/core.xml"
                    )
                    + rel.format(
                        "rId3", "officeDocument/2006/relationships/extended-properties", "docProps/app.xml"
                    )
                ),
            ),
            (
                "word/_rels/document.xml.rels",
                XML
                + rels.format(
                    rel.format("rId1", "officeDocument/2006/relationships/comments", "comments.xml")
                ),
            ),
            ("word/document.xml", body),
            (
                "word/comments.xml",
                f'{XML}<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="CanaryCommentAuthor" w:initials="CC">'
                "<w:p><w:r><w:t>CanaryCommentText</w:t></w:r></w:p></w:comment></w:comments>",
            ),
            (
                "docProps/core.xml",
                f"{XML}<cp:coreProperties "
                'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>CanaryAuthor</dc:creator>'
                "<cp:lastModifiedBy>CanaryEditor</cp:lastModifiedBy></cp:coreProperties>",
            ),
            (
                "docProps/app.xml",
                f'{XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                "<Company>CanaryCompany</Company><Manager>CanaryManager</Manager></Properties>",
            ),
            *(extra or []),
        ]
    )


def odf(
    mimetype: str = ODT,
    *,
    comment: bool = False,
    manifest_extra: str = "",
    extra: list[tuple[str, str]] | None = None,
) -> bytes:
    """An ODT (or ODS) as LibreOffice writes one: meta.xml with names, a tracked change, maybe a comment."""
    annotation = (
        "<office:annotation><dc:creator>CanaryCommentAuthor</dc:creator><text:p>CanaryCommentText</text:p>"
        "</office:annotation>"
        if comment
        else ""
    )
    if mimetype == ODT:
        body = (
            '<office:text><text:tracked-changes><text:changed-region text:id="ct1"><text:deletion>'
            "<office:change-info><dc:creator>CanaryTrackAuthor</dc:creator><dc:date>2026-11-02T10:00:00</dc:date>"
            "</office:change-info><text:p>Ils etaient deux.</text:p></text:deletion></text:changed-region>"
            f"</text:tracked-changes><text:p>{ACCOUNT}{annotation}</text:p></office:text>"
        )
    else:
        body = (
            '<office:spreadsheet><table:table table:name="Sommes"><table:table-row><table:table-cell>'
            f"<text:p>{ACCOUNT}{annotation}</text:p></table:table-cell></table:table-row></table:table>"
            "</office:spreadsheet>"
        )
    entry = '<manifest:file-entry manifest:full-path="{}" manifest:media-type="{}"/>'
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        + entry.format("/", mimetype)
        + entry.format("content.xml", "text/xml")
        + entry.format("meta.xml", "text/xml")
        + manifest_extra
        + "</manifest:manifest>"
    )
    return zipped(
        [
            ("mimetype", mimetype),
            ("META-INF/manifest.xml", manifest),
            (
                "content.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.2">'
                f"<office:body>{body}</office:body></office:document-content>",
            ),
            (
                "meta.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODF_NS} office:version="1.2">'
                "<office:meta><meta:initial-creator>CanaryAuthor</meta:initial-creator><dc:creator>CanaryEditor"
                '</dc:creator><meta:user-defined meta:name="Company">CanaryCompany</meta:user-defined>'
                "</office:meta></office:document-meta>",
            ),
            *(extra or []),
        ]
    )


def inflated(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The programs evidence.py starts, in order (they still run)."""
    started: list[list[str]] = []
    real_run = evidence.run_tool
    monkeypatch.setattr(
        evidence, "run_tool", lambda args, **k: started.append(list(args)) or real_run(args, **k)
    )
    return started


@pytest.mark.once
@pytest.mark.parametrize(
    ("name", "make", "kind", "content_type", "main", "held"),
    [
        (
            "Plainte 02-11.docx",
            docx,
            "docx",
            documents.DOCUMENTS["docx"].content_type,
            "word/document.xml",
            CANARIES,
        ),
        ("plainte.odt", odf, "odt", ODT, "content.xml", [b"canaryauthor", b"canaryeditor", b"canarytrack"]),
        ("sommes.ods", lambda: odf(ODS), "ods", ODS, "content.xml", [b"canaryauthor", b"canarycompany"]),
    ],
)
def test_documents_lose_their_names_keep_their_text_and_their_original(
    ram, ran, *, name, make, kind, content_type, main, held
):
    original = make()
    parts = b"".join(inflated(original).values()).lower()
    for canary in held:
        assert canary in parts, f"{name} was made without {canary!r}"

    prepared = evidence.prepare_evidence(SimpleUploadedFile(name, original, content_type="application/pdf"))

    assert [args[:4] for args in ran] == [["mat2", "--lightweight", "--unknown-members", "omit"]]
    assert (prepared.kind, prepared.media, prepared.content_type, prepared.clean_ext) == (
        kind,
        "document",
        content_type,
        kind,
    )
    assert prepared.original == original
    assert prepared.sha256 == hashlib.sha256(original).hexdigest()
    clean = inflated(prepared.clean)
    assert ACCOUNT.encode() in clean[main]  # the account itself is still there
    for canary in CANARIES:
        assert canary not in b"".join(clean.values()).lower()
    assert "meta.xml" not in clean
    assert not any(part.startswith("word/comments") for part in clean)
    assert documents.inspect(prepared.clean) == documents.DOCUMENTS[kind]
    if kind != "docx":
        assert zipfile.ZipFile(io.BytesIO(prepared.clean)).infolist()[0].filename == "mimetype"
    assert list(ram.iterdir()) == []


def docx_with_a_change_in_its_header() -> bytes:
    header = (
        f'{XML}<w:hdr xmlns:w="{W}"><w:p><w:ins w:id="9" w:author="CanaryTrackHeader"><w:r><w:t>Commissariat</w:t>'
        "</w:r></w:ins></w:p></w:hdr>"
    )
    parts = inflated(docx(extra=[("word/header1.xml", header)]))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/word/header1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>',
    )
    return zipped(list(parts.items()))


@pytest.mark.once
@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("plainte.odt", lambda: odf(comment=True)),
        ("sommes.ods", lambda: odf(ODS, comment=True)),
        ("plainte.docx", docx_with_a_change_in_its_header),
    ],
    ids=["odt-comment", "ods-comment", "docx-header-change"],
)
def test_names_mat2_leaves_behind_make_the_document_refused_after_cleaning(ram, ran, *, name, make):
    # Measured with mat2 0.13 --lightweight: it keeps <office:annotation> (its dc:creator) in an
    # OpenDocument's content.xml, and removes tracked changes from word/document.xml only (a header's
    # or a footnote's keep their w:author). A mat2 that starts removing them makes this test fail.
    with pytest.raises(InvalidInput, match="Delete the comments and accept all changes") as refused:
        evidence.prepare_evidence(SimpleUploadedFile(name, make()))
    assert "PDF" in str(refused.value)
    assert [args[0] for args in ran] == ["mat2"]
    assert list(ram.iterdir()) == []


@pytest.mark.once
@pytest.mark.parametrize(
    ("name", "data"),
    [
        # A macro-enabled Word document: its content type and its vbaProject.bin.
        ("plainte.docm", docx(main_type="application/vnd.ms-word.document.macroEnabled.main+xml")),
        ("plainte.docx", docx(extra=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 512)])),
        ("plainte.odt", odf(extra=[("Basic/Standard/Module1.xml", "<script/>")])),
        ("plainte.odt", odf(extra=[("Scripts/python/run.py", "import os")])),
    ],
)
def test_documents_with_macros_are_refused_before_any_tool(ram, ran, *, name, data):
    with pytest.raises(InvalidInput, match="macros") as refused:
        evidence.prepare_evidence(SimpleUploadedFile(name, data))
    assert "save it as PDF" in str(refused.value)
    assert ran == []


def bomb_docx(megabytes: int = 200) -> bytes:
    """A valid DOCX plus one entry of zeros: 200 MB inflated from about 200 KB sent."""
    out = io.BytesIO(docx())
    zeros = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/image1.png", "w", force_zip64=True) as entry,
    ):
        for _ in range(megabytes):
            entry.write(zeros)
    return out.getvalue()


@pytest.mark.once
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (bomb_docx, "once opened"),
        (lambda: bomb_docx(20), "once opened"),  # under the total, over the ratio (1000:1)
        (
            lambda: docx(extra=[(f"word/media/p{i}.xml", "<a/>") for i in range(documents.MAX_ENTRIES)]),
            "once opened",
        ),
        (lambda: docx(extra=[("../../etc/cron.d/evil", "* * * * * root sh")]), "damaged"),
        (lambda: docx(extra=[("/etc/passwd", "root")]), "damaged"),
    ],
    ids=["zip-bomb", "ratio", "too-many-entries", "dot-dot", "absolute"],
)
def test_a_zip_built_to_harm_is_refused_from_its_directory_before_mat2_runs(ram, ran, *, data, words):
    sent = data()
    assert len(sent) < 2 * 1024 * 1024
    with pytest.raises(InvalidInput, match=words):
        evidence.prepare_evidence(SimpleUploadedFile("plainte.docx", sent))
    assert ran == []
    assert list(ram.iterdir()) == []


def jar() -> bytes:
    return zipped(
        [("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Evil\n"), ("Evil.class", b"\xca\xfe")]
    )


def xlsx() -> bytes:
    types = (
        f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    return zipped([("[Content_Types].xml", types), ("xl/workbook.xml", "<workbook/>")])


@pytest.mark.once
@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        (
            "photos.zip",
            lambda: zipped([("IMG_0001.jpg", b"\xff\xd8\xff"), ("notes.txt", "x")]),
            "archive (ZIP)",
        ),
        ("plainte.docx", jar, "archive (ZIP)"),  # a JAR, named like a document
        # mat2 0.13 drops xl/_rels/workbook.xml.rels: its copy of a workbook has no sheet left.
        ("sommes.xlsx", xlsx, "not this kind of office file"),
        ("slides.odp", lambda: odf("application/vnd.oasis.opendocument.presentation"), "not this kind"),
        ("old.doc", lambda: documents.OLE_MAGIC + b"\x00" * 2000, "older Word file"),
        ("plainte.docx", lambda: b"PK\x03\x04" + b"\x00" * 200, "damaged"),
    ],
)
def test_other_zips_and_office_files_are_refused_with_what_to_do(ram, ran, *, name, data, words):
    with pytest.raises(InvalidInput, match=words.replace("(", r"\(").replace(")", r"\)")) as refused:
        evidence.prepare_evidence(SimpleUploadedFile(name, data()))
    assert "PDF" in str(refused.value)
    assert ran == []


@pytest.mark.once
def test_an_encrypted_odt_is_refused(ram, ran):
    encrypted = (
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
        '<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" '
        'manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry>'
    )
    with pytest.raises(InvalidInput, match="protected by a password"):
        evidence.prepare_evidence(SimpleUploadedFile("plainte.odt", odf(manifest_extra=encrypted)))
    assert ran == []


@pytest.mark.once
def test_documents_over_the_file_limit_are_refused_and_without_mat2_too(ram, settings, monkeypatch, tmp_path):
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, "MAX_FILE_MB": 1}
    big = docx(extra=[("word/media/image1.jpeg", __import__("os").urandom(1024 * 1024))])
    with pytest.raises(InvalidInput, match="This document is 1"):
        evidence.prepare_evidence(SimpleUploadedFile("plainte.docx", big))
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(InvalidInput, match="cannot be received just now"):
        evidence.prepare_evidence(SimpleUploadedFile("plainte.docx", docx()))


# --- through the site and the inspector's page ---------------------------------------------------


def test_a_word_document_reaches_the_inspector_as_a_download_of_its_clean_copy(world, keys, ram):
    original = docx()
    file_through_the_site(
        reporter(),
        evidence=[SimpleUploadedFile("Plainte_Kodjo_Mensah.docx", original, content_type="text/plain")],
    )
    report = Report.objects.get()
    assert find(["CanaryAuthor", "CanaryCompany", "Kodjo_Mensah"]) == []

    inspector = staff_client(world.inspector, keys["inspector"])
    page = inspector.get(reverse("denunciations:inspection_report", args=[report.public_id])).content.decode()
    document = Evidence.objects.get(report=report)
    clean_url = reverse("denunciations:inspection_evidence", args=[report.public_id, document.pk])
    assert f'<a href="{clean_url}" download="' in page
    assert "-1.docx</a>" in page
    response = inspector.get(clean_url)
    assert response["Content-Type"] == documents.DOCUMENTS["docx"].content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('-1.docx"')
    assert response["X-Content-Type-Options"] == "nosniff"
    clean = inflated(response.content)
    assert ACCOUNT.encode() in clean["word/document.xml"]
    assert not any(c in b"".join(clean.values()).lower() for c in CANARIES)
    kept = inspector.post(reverse("denunciations:inspection_original", args=[report.public_id, document.pk]))
    assert kept["Content-Disposition"].startswith("attachment;")
    assert kept.content == original
    assert hashlib.sha256(original).hexdigest() in page
