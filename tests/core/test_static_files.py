"""Static files: gzip copies served to browsers that accept them, hashed names cached for a year."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

from tests.core.test_production import PRODUCTION_ENV

CSS = "guichet/guichet.css"
SOURCE_CSS = Path(__file__).resolve().parents[2] / "guichet" / "static" / CSS


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_embedded_run_serves_the_collected_css_gzipped(settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "static" / f"{CSS}.gz").exists()

    client = Client()  # a new client loads the middleware, which reads STATIC_ROOT
    zipped = client.get(static(CSS), HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped.status_code == 200
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(_body(zipped)) == SOURCE_CSS.read_bytes()

    plain = client.get(static(CSS))
    assert "Content-Encoding" not in plain
    assert _body(plain) == SOURCE_CSS.read_bytes()


def test_without_collectstatic_the_app_folders_still_serve(settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "never-collected"
    response = Client().get(static(CSS), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert _body(response) == SOURCE_CSS.read_bytes()


def test_collected_files_win_over_the_app_folders(settings: Any, tmp_path: Path) -> None:
    """What `make run` collected is what is served, with its gzip copy (not the raw app file)."""
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    response = Client().get(static(CSS), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


@pytest.mark.timeout(120)
def test_production_serves_hashed_compressed_files_cached_for_a_year(tmp_path: Path) -> None:
    """collectstatic then a request, as a release does, in a fresh interpreter with production settings."""
    env = {key: value for key, value in os.environ.items() if key not in {"CACHE_URL", "DATABASE_URL"}}
    env.update(
        {
            **PRODUCTION_ENV,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(tmp_path / "static"),
            "GUICHET_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "guichet.settings",
        }
    )
    code = """
import django, gzip
django.setup()
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
from django.templatetags.static import static
from django.test import Client
url = static("guichet/guichet.css")
response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip", secure=True)
body = gzip.decompress(b"".join(response.streaming_content))
print("|".join([url, str(response.status_code), response["Content-Encoding"], response["Cache-Control"], str(len(body))]))
"""
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.strip()
    url, status, encoding, cache_control, size = out.split("|")
    assert url.startswith("/static/guichet/guichet.")
    assert url.endswith(".css")
    assert url != f"/static/{CSS}"
    assert (status, encoding) == ("200", "gzip")
    assert "immutable" in cache_control
    assert "max-age=315360000" in cache_control
    assert int(size) == len(SOURCE_CSS.read_bytes())
