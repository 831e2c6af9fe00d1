"""bench/page_weight.py: it runs on its own and prints a table; its counting is right on a tiny site.

Not a timed assertion: the figures of the real pages are for people to read.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench import page_weight

ROOT = Path(__file__).resolve().parents[2]

# --- a tiny site, served by the test client ---------------------------------------------------

CSS = b"""body{margin:0}
@font-face{font-family:Heavy;src:url("fonts/heavy.woff2") format("woff2")}
.logo{background:url(../img/logo.png)} .bg{background:url('bg.svg')} .x{background:url(data:image/gif;base64,R0lG)}
"""
JS = b"document.documentElement.className='js';" * 20
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>' * 10
WOFF2 = b"wOF2" + b"\x00" * 300
PAGE = b"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/asset/css/site.css"><link rel="stylesheet" href="/asset/css/site.css">
<script src="/asset/app.js"></script></head>
<body><main><img src="/asset/img/logo.png" alt=""><img src="data:image/png;base64,iVBOR" alt="">
<form method="post" action="/next/"><input type="hidden" name="token" value="t">
<input type="radio" name="category" value="reception"><input type="radio" name="category" value="online_services">
<input type="checkbox" name="confirm" value="yes"><select name="country"><option value="">-</option><option value="TG">Togo</option></select>
<textarea name="message"></textarea><input type="text" name="nickname"><input type="date" name="when">
<button type="submit" name="go" value="next">Next</button><button type="submit" name="save" value="draft">Save</button>
</form></main></body></html>"""

ASSETS = {
    "css/site.css": CSS,
    "app.js": JS,
    "img/logo.png": PNG,
    "css/bg.svg": SVG,
    "css/fonts/heavy.woff2": WOFF2,
}


def page_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE)


def asset_view(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse(ASSETS[name]) if name in ASSETS else HttpResponse(status=404)


urlpatterns = [path("page/", page_view), path("asset/<path:name>", asset_view)]


# --- the script as a person runs it -----------------------------------------------------------


@pytest.mark.once  # its own servers and database: the same work on either run
def test_script_runs_standalone_and_prints_a_table():
    result = subprocess.run(
        [sys.executable, "bench/page_weight.py", "--only", "home,not_found"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("page "))
    for column in ["HTML", "CSS", "JS", "IMG", "total raw", "total gz", "target", "result"]:
        assert column in header
    rows = {line.split("  ")[0].strip(): line for line in lines if line.startswith(("home ", "404 page "))}
    assert set(rows) == {"home", "404 page"}
    for row in rows.values():
        assert row.split()[-1] in {"PASS", "PASS*", "OVER", "MISSING"}
    assert "[SMS to" not in result.stdout  # messages printed by the console channel stay out of the table


# --- counting, on the tiny site -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.bench.test_page_weight_script")
def test_each_resource_is_counted_once_per_page_and_web_fonts_are_flagged(client):
    meter = page_weight.Meter(client)

    weight, _html, final = meter.page("tiny", "tiny page", "/page/")

    assert final == "/page/"
    assert weight.status == 200
    assert weight.raw["html"] == len(PAGE)
    assert weight.raw["css"] == len(CSS)  # linked twice, downloaded once
    assert weight.raw["js"] == len(JS)
    assert weight.raw["img"] == len(PNG) + len(SVG) + len(WOFF2)  # the <img> and the CSS share logo.png
    assert weight.gz["css"] == len(gzip.compress(CSS, compresslevel=6, mtime=0))
    assert weight.gz["img"] == len(PNG) + len(gzip.compress(SVG, compresslevel=6, mtime=0)) + len(WOFF2)
    assert "/asset/css/fonts/heavy.woff2" in weight.fonts
    assert "@font-face in /asset/css/site.css" in weight.fonts
    assert weight.result(target_bytes=50 * 1024) == "OVER"  # light, but it downloads a web font


@pytest.mark.django_db
@pytest.mark.urls("tests.bench.test_page_weight_script")
def test_a_missing_page_is_reported_not_raised(client):
    meter = page_weight.Meter(client)

    # The tiny site has no 404 template to render: the failure itself must not escape.
    weight, html, _final = meter.page("gone", "a page not written yet", "/not-written-yet/")

    assert weight.missing
    assert weight.result(target_bytes=50 * 1024) == "MISSING"
    assert weight.total_raw == len(html.encode())


def test_the_form_is_filled_like_a_person_would():
    form = page_weight.choose_form(PAGE.decode())
    assert form is not None

    data = page_weight.fill(form, {"category": "online_services", "message": "Ouvrir le samedi."})

    assert data == {
        "token": "t",
        "category": "online_services",
        "confirm": ["yes"],
        "country": "TG",
        "message": "Ouvrir le samedi.",
        "nickname": "Bench",
        "when": "2030-01-15",
        "go": "next",  # the first button only: the primary action
    }


def test_css_references_leave_out_data_uris():
    assert page_weight.css_references(CSS.decode()) == ["fonts/heavy.woff2", "../img/logo.png", "bg.svg"]
