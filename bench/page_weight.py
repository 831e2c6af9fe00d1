#!/usr/bin/env python
"""Page weight of the citizen journey: what a first visit downloads, raw and gzip-compressed.

A benchmark, not a test: it prints a table and, unless --strict is given, always exits 0.

    .venv/bin/python bench/page_weight.py                 # the whole journey
    .venv/bin/python bench/page_weight.py --only home,not_found
    .venv/bin/python bench/page_weight.py --json          # machine-readable

It builds a throw-away SQLite database in a temporary folder (the embedded database and
any DATABASE_URL of the environment are never touched), migrates it, loads the catalogue,
creates a citizen, then walks the portal with Django's test client the way a person does:
home, service page, identify page, each step of the suggestion form, check page,
confirmation, the dossier page, my files, tracking, sign-in and a 404. For every page it
parses the HTML for stylesheets, scripts, images (and url() inside stylesheets), fetches
each once through the same client (WhiteNoise serves static files from the finders) and
adds up the bytes. "gzip" is each response compressed at level 6, what a reverse proxy or
WhiteNoise sends; images in formats that are already compressed count at their raw size.
HTTP headers are not counted. A page that does not exist yet is reported as MISSING.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
TARGET_KB = 50
KINDS = ("html", "css", "js", "img")
# Already-compressed formats: a server sends them as they are (WhiteNoise's own list, roughly).
INCOMPRESSIBLE = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".woff", ".woff2", ".zip", ".gz", ".br"}
FONT_EXTENSIONS = {".woff", ".woff2", ".ttf", ".otf", ".eot"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.IGNORECASE)
FONT_FACE = re.compile(r"@font-face", re.IGNORECASE)
REFERENCE_IN_PATH = re.compile(r"/dossiers/([A-Z]{3}-[0-9A-Z]{4}-[0-9A-Z]{4})/")
EXCLUDED_FORM_ACTIONS = ("/i18n/", "deconnexion", "logout", "sign-out", "signout")

# What the suggestion journey answers; anything else is filled with a plausible value.
ANSWERS: dict[str, Any] = {
    "category": "online_services",
    "subject": "Horaires d'ouverture",
    "message": "Ouvrir le commissariat le samedi matin pour les attestations de perte.",
    "signed": "no",
    "full_name": "Afi Mensah",
}
FILLERS = {
    "email": "bench@example.tg",
    "tel": "90000002",
    "number": "1",
    "date": "2030-01-15",
    "time": "10:00",
}

# Every page the benchmark knows, in journey order; steps are inserted where they are met.
PAGE_ORDER = ["home", "service", "identify", "journey", "check", "confirmation", "dossier", "my_files",
              "tracking", "sign_in", "not_found"]  # fmt: skip
JOURNEY_KEYS = {"journey", "check", "confirmation", "dossier", "my_files"}


# --- parsing ------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    type: str
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    in_main: bool
    fields: list[FormField] = field(default_factory=list)

    @property
    def questions(self) -> set[str]:
        """Names a person answers (not hidden fields, not buttons)."""
        return {
            f.name for f in self.fields if f.name and f.type not in {"hidden", "submit", "button", "reset"}
        }


class PageParser(HTMLParser):
    """Collects what a browser would download, and the forms and links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str]] = []  # (kind, url)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None
        self._main_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: PLR0912
        a = {k: v or "" for k, v in attrs}
        if tag == "main":
            self._main_depth += 1
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            as_ = a.get("as", "").lower()
            if "stylesheet" in rel or as_ == "style":
                self.resources.append(("css", a["href"]))
            elif "icon" in rel or as_ == "image":
                self.resources.append(("img", a["href"]))
            elif as_ == "script":
                self.resources.append(("js", a["href"]))
            elif as_ == "font":
                self.resources.append(("font", a["href"]))
        elif tag == "script" and a.get("src"):
            self.resources.append(("js", a["src"]))
        elif tag == "img" and a.get("src"):
            self.resources.append(("img", a["src"]))
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(
                action=a.get("action", ""),
                method=a.get("method", "get").lower(),
                in_main=self._main_depth > 0,
            )
            self.forms.append(self._form)
        elif self._form is not None and tag == "input":
            self._form.fields.append(
                FormField(
                    a.get("name", ""), a.get("type", "text").lower(), a.get("value", ""), "checked" in a
                )
            )
        elif self._form is not None and tag == "button" and a.get("type", "submit").lower() == "submit":
            self._form.fields.append(FormField(a.get("name", ""), "submit", a.get("value", "")))
        elif self._form is not None and tag == "select":
            self._select = FormField(a.get("name", ""), "select")
            self._form.fields.append(self._select)
        elif self._select is not None and tag == "option":
            self._select.options.append(a.get("value", ""))
        elif self._form is not None and tag == "textarea":
            self._textarea = FormField(a.get("name", ""), "textarea")
            self._form.fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._main_depth = max(self._main_depth - 1, 0)
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def css_references(css: str) -> list[str]:
    """Every url(...) and @import of a stylesheet, data: URIs left out."""
    found = []
    for match in CSS_URL.finditer(css):
        url = (match.group(2) or match.group(4) or "").strip()
        if url and not url.startswith(("data:", "#")):
            found.append(url)
    return found


def gzip_size(body: bytes, url: str) -> int:
    if Path(urlsplit(url).path).suffix.lower() in INCOMPRESSIBLE:
        return len(body)
    return min(len(body), len(gzip.compress(body, compresslevel=6, mtime=0)))


# --- measuring ----------------------------------------------------------------------------


@dataclass
class PageWeight:
    key: str
    label: str
    path: str
    status: int | str = ""
    raw: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    gz: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    resources: list[str] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: bool = False
    incomplete: bool = False  # a resource could not be fetched: the figures are a lower bound

    @property
    def total_raw(self) -> int:
        return sum(self.raw.values())

    @property
    def total_gz(self) -> int:
        return sum(self.gz.values())

    def result(self, target_bytes: int) -> str:
        if self.missing:
            return "MISSING"
        if self.total_gz > target_bytes or self.fonts:
            return "OVER"
        return "PASS*" if self.incomplete else "PASS"

    def as_dict(self, target_bytes: int) -> dict[str, Any]:
        return {
            "key": self.key, "label": self.label, "path": self.path, "status": self.status, "raw": self.raw,
            "gzip": self.gz, "total_raw": self.total_raw, "total_gzip": self.total_gz, "resources": self.resources,
            "fonts": self.fonts, "notes": self.notes, "result": self.result(target_bytes),
        }  # fmt: skip


def body_of(response: Any) -> bytes:
    content = (
        b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    )
    response.close()
    return bytes(content)


class Meter:
    """Fetches pages and their resources through one test client and adds up the bytes."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.journey_resources: dict[str, tuple[int, int]] = {}

    def fetch(self, path: str, **kwargs: Any) -> tuple[Any, str]:
        """GET (or POST with data=) following redirects; returns the response and the final path."""
        method = self.client.post if "data" in kwargs else self.client.get
        response = method(path, follow=True, **kwargs)
        final = response.request.get("PATH_INFO", path)
        query = response.request.get("QUERY_STRING", "")
        return response, f"{final}?{query}" if query else final

    def page(
        self, key: str, label: str, path: str, *, expect: int = 200, **kwargs: Any
    ) -> tuple[PageWeight, str, str]:
        """Measure one page: (weight, HTML, final path). A page that fails or does not exist yet
        is reported, not raised."""
        weight = PageWeight(key=key, label=label, path=path)
        try:
            response, final = self.fetch(path, **kwargs)
        except Exception as exc:  # a page under construction may crash: report it, keep going
            weight.status, weight.missing = "error", True
            weight.notes.append(f"{type(exc).__name__}: {str(exc)[:80]}")
            return weight, "", path
        weight.status = response.status_code
        if urlsplit(final).path != urlsplit(path).path:
            weight.notes.append(f"ended on {final}")
        if response.status_code != expect:
            weight.missing = response.status_code == 404 or response.status_code >= 500
            weight.notes.append(f"HTTP {response.status_code}, expected {expect}")
        html_bytes = body_of(response)
        self.add(weight, "html", final, html_bytes)
        html = html_bytes.decode(response.charset or "utf-8", "replace")
        self.add_resources(weight, final, html)
        return weight, html, final

    def add(self, weight: PageWeight, kind: str, url: str, body: bytes) -> None:
        compressed = gzip_size(body, url)
        weight.raw[kind] += len(body)
        weight.gz[kind] += compressed
        if kind != "html":
            self.journey_resources[url] = (len(body), compressed)

    def add_resources(self, weight: PageWeight, page_url: str, html: str) -> None:
        seen: set[str] = set()
        queue = [(kind, urljoin(page_url, url)) for kind, url in parse_page(html).resources]
        while queue:
            kind, url = queue.pop(0)
            parts = urlsplit(url)
            if url.startswith("data:") or url in seen:
                continue
            seen.add(url)
            if parts.netloc and parts.netloc not in {"testserver", "localhost", "127.0.0.1"}:
                weight.notes.append(f"third-party {kind} not measured: {url}")
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if Path(parts.path).suffix.lower() in FONT_EXTENSIONS or kind == "font":
                weight.fonts.append(local)
            try:
                response = self.client.get(local)
            except Exception as exc:  # same as pages: report, keep going
                weight.notes.append(f"{kind} {local}: {type(exc).__name__}")
                weight.incomplete = True
                continue
            body = body_of(response)
            if response.status_code != 200:
                weight.notes.append(f"{kind} {local}: HTTP {response.status_code}")
                weight.incomplete = True
                continue
            weight.resources.append(local)
            kind = "img" if kind in {"font", "img"} else kind  # fonts are flagged, and weighed with images
            self.add(weight, kind, local, body)
            if kind == "css":
                css = body.decode("utf-8", "replace")
                if FONT_FACE.search(css):
                    weight.fonts.append(f"@font-face in {local}")
                queue.extend(
                    ("css" if Path(urlsplit(ref).path).suffix.lower() == ".css" else "img", urljoin(url, ref))
                    for ref in css_references(css)
                )


# --- the journey --------------------------------------------------------------------------


def choose_form(html: str) -> Form | None:
    """The form a person fills on this page: the first POST form of the main content."""
    forms = [
        f for f in parse_page(html).forms
        if f.method == "post" and not any(word in f.action for word in EXCLUDED_FORM_ACTIONS)
    ]  # fmt: skip
    candidates = [f for f in forms if f.in_main] or forms
    return candidates[0] if candidates else None


def fill(form: Form, answers: dict[str, Any]) -> dict[str, Any]:  # noqa: PLR0912
    """What a careful person sends: our answers where we have one, a plausible value elsewhere."""
    data: dict[str, Any] = {}
    radios: dict[str, list[str]] = {}
    for f in form.fields:
        if f.type == "radio" and f.name:
            radios.setdefault(f.name, []).append(f.value)
    submitted = False
    for f in form.fields:
        if not f.name and f.type != "submit":
            continue
        wanted = answers.get(f.name)
        if f.type == "submit":
            if not submitted and f.name:
                data[f.name] = f.value
            submitted = True
        elif f.type in {"button", "reset", "image", "file"}:
            continue
        elif f.type == "hidden":
            data[f.name] = f.value
        elif f.type == "radio":
            options = radios[f.name]
            data[f.name] = str(wanted) if str(wanted) in options else options[0]
        elif f.type == "checkbox":
            # Multiple-choice answers we know; anything else (a declaration to tick) is ticked.
            if wanted is None or f.value in ([wanted] if isinstance(wanted, str) else wanted):
                data.setdefault(f.name, []).append(f.value or "on")
        elif f.type == "select":
            options = [o for o in f.options if o]
            data[f.name] = str(wanted) if str(wanted) in options else (options[0] if options else "")
        else:
            data[f.name] = str(wanted) if wanted is not None else (f.value or FILLERS.get(f.type, "Bench"))
    return data


def start_target(html: str, service_path: str) -> tuple[str, dict[str, Any] | None] | None:
    """How the service page lets a person begin: a POST form, or a link onwards."""
    form = choose_form(html)
    if form is not None:
        return urljoin(service_path, form.action or service_path), fill(form, ANSWERS)
    for href in parse_page(html).links:
        target = urljoin(service_path, href)
        path = urlsplit(target).path
        if (path.startswith(service_path) and path != service_path) or path.startswith("/identification/"):
            return target, None
    return None


def journey_page_name(path: str) -> tuple[str, str] | None:
    """(key, label) of a filing page from its URL name in the portal, when it has one."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    if match.url_name == "step":
        return f"step:{match.kwargs.get('step_key', '')}", f"step: {match.kwargs.get('step_key', '')}"
    return {
        "check": ("check", "check your answers"),
        "confirmation": ("confirmation", "confirmation"),
        "identify": ("journey", "identify (signed in)"),
    }.get(match.url_name or "")


def step_for(form: Form | None, steps: list[tuple[str, set[str]]]) -> str | None:
    if form is None:
        return None
    for key, names in steps:
        if form.questions & names:
            return key
    return None


@dataclass
class Journey:
    pages: list[PageWeight] = field(default_factory=list)
    reference: str = ""


def walk_journey(meter: Meter, service_path: str, steps: list[tuple[str, set[str]]], filed: Any) -> Journey:
    """Start the suggestion as a signed-in citizen and answer each page until it is filed."""
    journey = Journey()
    _weight, html, _final = meter.page("service_signed_in", "service page (signed in)", service_path)
    start = start_target(html, service_path) if html else None
    if start is None:
        journey.pages.append(PageWeight("journey", "filing", service_path, status="-", missing=True,
                                        notes=["no way to start filing found on the service page"]))  # fmt: skip
        return journey
    path, data = start
    kwargs: dict[str, Any] = {"data": data} if data is not None else {}
    previous: tuple[str, frozenset[str]] | None = None
    seen_steps: set[str] = set()
    for _attempt in range(15):
        weight, html, landed = meter.page("journey", "", path, **kwargs)
        match = REFERENCE_IN_PATH.search(landed)
        if match:
            journey.reference = match.group(1)
        form = choose_form(html) if html else None
        step = step_for(form, steps)
        named = journey_page_name(landed)
        if filed():
            weight.key, weight.label = "confirmation", "confirmation"
        elif named is not None:
            weight.key, weight.label = named
        elif step is not None:
            weight.key, weight.label = f"step:{step}", f"step: {step}"
        elif seen_steps and form is not None:
            weight.key, weight.label = "check", "check your answers"
        else:
            weight.key, weight.label = "journey", f"on the way: {urlsplit(landed).path}"
        if weight.key.startswith("step:"):
            seen_steps.add(weight.key)
        weight.path = urlsplit(landed).path
        weight.notes = [note for note in weight.notes if not note.startswith("ended on ")]
        journey.pages.append(weight)
        if weight.key == "confirmation" or weight.missing:
            return journey
        if form is None:
            weight.notes.append("no form to continue the journey")
            return journey
        state = (landed, frozenset(form.questions))
        if state == previous:
            weight.notes.append("the form came back (an answer was refused?): journey stopped")
            return journey
        previous = state
        path = urljoin(landed, form.action or landed)
        kwargs = {"data": fill(form, ANSWERS)}
    journey.pages[-1].notes.append("gave up after 15 pages")
    return journey


# --- set-up and output ----------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_django(tmp: Path, *, verbose: bool = False) -> Iterator[None]:
    """Django on a temporary SQLite database; tasks run in-process; nothing outside `tmp` is written."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "guichet.settings",
            "GUICHET_DEPLOYMENT": "embedded",
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "TASKS_BACKEND": "immediate",
            "GUICHET_VAR_DIR": str(tmp),
            "MEDIA_ROOT": str(tmp / "media"),
            "CACHE_URL": "",
            "DJANGO_DEBUG": "false",
            "LOG_LEVEL": "ERROR",
        }
    )
    sys.path.insert(0, str(ROOT))
    # No collectstatic here: WhiteNoise serves from the finders and need not warn about STATIC_ROOT.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    if not verbose:
        # Missing pages and files are reported in the table; their tracebacks would drown it.
        logging.getLogger("django.request").setLevel(logging.CRITICAL)
    yield


def prepare_database() -> Any:
    """Migrate, load the catalogue and create the citizen who files; returns her."""
    from django.core.management import call_command

    from guichet.accounts.contacts import Contact
    from guichet.accounts.services import get_or_create_citizen, update_citizen_profile
    from guichet.catalog.services import load_catalog
    from guichet.core.actors import Actor

    call_command("migrate", verbosity=0, interactive=False)
    load_catalog()
    citizen, _created = get_or_create_citizen(Contact("phone", "+22890000009"), language="fr")
    update_citizen_profile(
        citizen, actor=Actor.for_user(citizen), first_name="Afi", last_name="Mensah", language="fr"
    )
    return citizen


def measure(only: set[str] | None) -> tuple[list[PageWeight], dict[str, tuple[int, int]]]:
    """Run every selected page of the journey; returns the pages and every distinct resource met."""
    from django.test import Client

    from guichet.catalog.models import Service
    from guichet.dossiers.models import Dossier
    from guichet.dossiers.states import DossierState

    citizen = prepare_database()
    service = Service.objects.select_related("current_version").get(code="suggestion")
    assert service.current_version is not None  # load_catalog just published it
    steps = [(step.key, {f.name for f in step.fields}) for step in service.current_version.definition.steps]
    service_path = f"/demarches/{service.code}/"
    wanted = (lambda key: True) if not only else (lambda key: key.split(":")[0] in only or key in only)
    anonymous = Meter(Client(raise_request_exception=False))
    pages: list[PageWeight] = []

    def add(key: str, label: str, path: str, meter: Meter = anonymous, **kwargs: Any) -> str:
        if not wanted(key):
            return ""
        weight, html, _final = meter.page(key, label, path, **kwargs)
        pages.append(weight)
        return html

    add("home", "home", "/")
    add("service", "service page", service_path)
    add("identify", "identify (guest or sign in)", "/identification/")
    reference = ""
    if not only or only & JOURNEY_KEYS or any(k.startswith("step") for k in only):
        citizen_client = Client(raise_request_exception=False)
        citizen_client.force_login(citizen)
        signed_in = Meter(citizen_client)

        def filed() -> bool:
            return Dossier.objects.for_applicant(citizen).exclude(state=DossierState.DRAFT).exists()

        journey = walk_journey(signed_in, service_path, steps, filed)
        pages.extend(p for p in journey.pages if wanted(p.key) or (p.key == "journey" and wanted("journey")))
        latest = Dossier.objects.for_applicant(citizen).order_by("-created_at").first()
        reference = journey.reference or (latest.reference if latest else "")
        if reference:
            add("dossier", "dossier page", f"/dossiers/{reference}/", signed_in)
        elif wanted("dossier"):
            pages.append(PageWeight("dossier", "dossier page", "/dossiers/<ref>/", status="-", missing=True,
                                    notes=["no dossier was filed"]))  # fmt: skip
        add("my_files", "my files", "/mes-dossiers/", signed_in)
        anonymous.journey_resources.update(signed_in.journey_resources)
    add("tracking", "tracking", "/suivi/")
    add("sign_in", "citizen sign-in", "/compte/connexion/")
    add("not_found", "404 page", "/cette-page-n-existe-pas/", expect=404)
    return pages, anonymous.journey_resources


def kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def print_table(pages: list[PageWeight], resources: dict[str, tuple[int, int]], target_kb: int) -> None:
    target = target_kb * 1024
    print("Page weight of the citizen journey: first visit, empty cache, HTTP headers not counted.")
    print(
        f"Sizes in KB (1 KB = 1024 bytes) as raw / gzip -6. Target: at most {target_kb} KB gzip per page, no web fonts."
    )
    print()
    header = f"{'page':<28} {'HTTP':>5}  " + "  ".join(f"{k.upper():>13}" for k in KINDS)
    header += f"  {'total raw':>9}  {'total gz':>8}  {'target':>6}  result"
    print(header)
    print("-" * len(header))
    for p in pages:
        if p.total_raw == 0 and p.missing:  # nothing came back: no figures to show
            cells, total_raw, total_gz = "  ".join(f"{'-':>13}" for _k in KINDS), "-", "-"
        else:
            cells = "  ".join(f"{kb(p.raw[k]) + ' / ' + kb(p.gz[k]):>13}" for k in KINDS)
            total_raw, total_gz = kb(p.total_raw), kb(p.total_gz)
        print(f"{p.label[:28]:<28} {p.status!s:>5}  {cells}  {total_raw:>9}  {total_gz:>8}  "
              f"{'≤' + str(target_kb):>6}  {p.result(target)}")  # fmt: skip
    # The same note on many pages (a missing stylesheet) is printed once, with the pages it concerns.
    notes: dict[str, list[str]] = {}
    for p in pages:
        for note in [*p.notes, *(f"web font: {f}" for f in p.fonts)]:
            notes.setdefault(note, []).append(p.label)
    if notes:
        print()
        print("Notes:")
        for note, labels in notes.items():
            where = f"all {len(pages)} pages" if len(labels) == len(pages) > 1 else ", ".join(labels)
            print(f"  {note}  [{where}]")
    if any(p.incomplete for p in pages):
        print("  PASS*: a resource of the page could not be fetched, so its figures are a lower bound.")
    html_total = sum(p.raw["html"] for p in pages)
    html_gz = sum(p.gz["html"] for p in pages)
    res_raw = sum(raw for raw, _gz in resources.values())
    res_gz = sum(gz for _raw, gz in resources.values())
    print()
    print(f"Whole journey with a browser cache ({len(pages)} pages, {len(resources)} distinct resources): "
          f"{kb(html_total + res_raw)} KB raw, {kb(html_gz + res_gz)} KB gzip.")  # fmt: skip
    results = [p.result(target) for p in pages]
    passed, lower_bound = results.count("PASS") + results.count("PASS*"), results.count("PASS*")
    print(f"{passed} of {len(pages)} pages PASS" + (f" ({lower_bound} marked PASS*)" if lower_bound else "")
          + f"; {results.count('OVER')} OVER; {results.count('MISSING')} MISSING.")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Bytes each citizen page transfers (a benchmark, not a test)."
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated pages among: {', '.join(PAGE_ORDER)}, step"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--target-kb", type=int, default=TARGET_KB, help="the per-page budget, gzip (default 50)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page is OVER or MISSING")
    parser.add_argument(
        "--verbose", action="store_true", help="keep Django's request log (tracebacks of failing pages)"
    )
    args = parser.parse_args(argv)
    only = {key.strip() for key in args.only.split(",") if key.strip()} or None

    # SMS and e-mails of the embedded channels are printed: keep them out of the table.
    with (
        tempfile.TemporaryDirectory(prefix="guichet-bench-") as tmp,
        throwaway_django(Path(tmp), verbose=args.verbose),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        pages, resources = measure(only)
    if args.json:
        print(json.dumps({"target_kb": args.target_kb, "pages": [p.as_dict(args.target_kb * 1024) for p in pages]},
                         indent=2))  # fmt: skip
    else:
        print_table(pages, resources, args.target_kb)
    failed = any(p.result(args.target_kb * 1024) != "PASS" for p in pages)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
