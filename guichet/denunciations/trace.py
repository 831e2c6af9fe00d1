"""Searching the whole database and the file store for a text: the proof that nothing is readable."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection


def _cells(value: object) -> Iterator[bytes]:
    if value is None:
        return
    if isinstance(value, bytes | bytearray | memoryview):
        yield bytes(value)
    else:
        yield str(value).encode("utf-8", "replace")


def table_dump() -> Iterator[tuple[str, bytes]]:
    """Every cell of every table, as bytes, with its table's name."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  (names from the schema)
            for row in cursor.fetchall():
                for value in row:
                    for cell in _cells(value):
                        yield table, cell


def file_dump(root: Path | None = None) -> Iterator[tuple[str, bytes]]:
    root = Path(root or settings.MEDIA_ROOT)
    if root.is_dir():
        for path in root.rglob("*"):
            if path.is_file():
                yield str(path.relative_to(root)), path.read_bytes()


def find(needles: Iterable[str], *, include_files: bool = True) -> list[tuple[str, str]]:
    """Where each needle appears (case-insensitive): (needle, table or file). Empty: no trace."""
    wanted = [(n, n.encode().lower()) for n in needles if n]
    found: set[tuple[str, str]] = set()
    sources = [table_dump(), file_dump()] if include_files else [table_dump()]
    for source in sources:
        for where, blob in source:
            lowered = blob.lower()
            for needle, encoded in wanted:
                if encoded in lowered:
                    found.add((needle, where))
    return sorted(found)
