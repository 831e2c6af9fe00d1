"""Small helpers shared by the benchmarks: percentiles, a throw-away PostgreSQL database, HTML links."""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Sequence
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction <= 1) of `samples`; nan when there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def server_url() -> str:
    """The PostgreSQL server to use (DATABASE_URL's when it names PostgreSQL, else the local one),
    through its `postgres` database: the one that always exists, to create and drop others from."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return DEFAULT_SERVER_URL
    return with_database(url, "postgres")


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


class LinkParser(HTMLParser):
    """Links (with their rel) and the fields of GET forms of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, rel)
        self.selects: dict[str, list[str]] = {}
        self.labels: dict[tuple[str, str], str] = {}  # (select, value) -> the option's text
        self._option: tuple[str, str] | None = None
        self.checkboxes: dict[str, str] = {}
        self.inputs: dict[str, str] = {}  # name -> type
        self._select: str | None = None
        self._in_get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], a.get("rel", "")))
        elif tag == "form":
            self._in_get_form = a.get("method", "get").lower() == "get"
        elif not self._in_get_form:
            return
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append(a.get("value", ""))
            self._option = (self._select, a.get("value", ""))
            self.labels[self._option] = ""
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "checkbox":
                self.checkboxes[a["name"]] = a.get("value", "on") or "on"
            else:
                self.inputs[a["name"]] = kind

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self.labels[self._option] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_get_form = False

    def next_link(self) -> str | None:
        """The href of the link with rel="next", if the page has one."""
        for href, rel in self.links:
            if "next" in rel.split():
                return href
        return None


def parse_links(html: str) -> LinkParser:
    parser = LinkParser()
    parser.feed(html)
    parser.close()
    return parser


def say(*parts: object) -> None:
    """Progress for the person watching, on standard error (standard output is the table)."""
    print(*parts, file=sys.stderr, flush=True)
