"""Two web servers on one PostgreSQL and one Redis behave as one site.

A citizen asks for a sign-in code on one server and types it on the other; the limit of
codes per address counts requests made to both. Runs only when DATABASE_URL points to
PostgreSQL and CACHE_URL to Redis (CI's second run); skipped otherwise. The servers get a
database of their own, created and migrated here and dropped afterwards.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import dj_database_url
import pytest

DATABASE_URL = os.environ.get("DATABASE_URL", "")
CACHE_URL = os.environ.get("CACHE_URL", "")
PROJECT = Path(__file__).resolve().parent.parent
CODES_PER_ADDRESS = 3

pytestmark = [
    pytest.mark.skipif(
        not (DATABASE_URL.startswith(("postgres://", "postgresql://")) and CACHE_URL.startswith("redis")),
        reason="needs DATABASE_URL on PostgreSQL and CACHE_URL on Redis",
    ),
    pytest.mark.timeout(300),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _admin_connection(name: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg

    config = dj_database_url.parse(DATABASE_URL)
    return psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname=name,
        autocommit=True,
    )


@pytest.fixture(scope="module")
def server_env() -> Iterator[dict[str, str]]:
    """The environment both servers share, on a database of their own."""
    name = f"guichet_two_servers_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = DATABASE_URL.rsplit("/", 1)[0]
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{name}",
        "CACHE_URL": CACHE_URL,
        "GUICHET_OTP_MAX_PER_IP_PER_HOUR": str(CODES_PER_ADDRESS),
        "GUICHET_OTP_RESEND_SECONDS": "0",
        "TASKS_BACKEND": "database",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "guichet.settings",
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=PROJECT,
            env=env,
            check=True,
            timeout=240,
        )
        yield env
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def servers(server_env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Two gunicorn processes on two ports; stopped (killed if need be) at the end."""
    ports = (_free_port(), _free_port())
    processes = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and gunicorn)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "guichet.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "30",
            ],
            cwd=PROJECT,
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 60
        for port in ports:
            while True:
                try:
                    if _get(port, "/healthz").status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "the web servers did not start within 60 s"
                time.sleep(0.2)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


def _get(port: int, path: str, cookies: dict[str, str] | None = None) -> Response:
    return _request(port, "GET", path, cookies=cookies)


def _request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    body = None
    if data is not None:
        body = urlencode(data)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        text = raw.read().decode()
        received = SimpleCookie()
        for value in raw.headers.get_all("Set-Cookie") or []:
            received.load(value)
        if cookies is not None:
            cookies.update({key: morsel.value for key, morsel in received.items()})
        return Response(raw.status, dict(raw.headers.items()), text)
    finally:
        connection.close()


@dataclass
class Browser:
    """One person's browser: its cookies go to whichever server it talks to (cookies ignore ports)."""

    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, port: int, path: str) -> Response:
        return _request(port, "GET", path, cookies=self.cookies)

    def post_form(self, port: int, path: str, data: dict[str, str]) -> Response:
        page = self.get(port, path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert token, page.body[:500]
        return _request(
            port, "POST", path, cookies=self.cookies, data={"csrfmiddlewaretoken": token.group(1), **data}
        )


def _last_code(server_env: dict[str, str], recipient: str) -> str:
    name = server_env["DATABASE_URL"].rsplit("/", 1)[1]
    with _admin_connection(name) as connection:
        row = connection.execute(
            "SELECT body FROM notifications_notification WHERE recipient = %s ORDER BY id DESC LIMIT 1",
            (recipient,),
        ).fetchone()
    assert row, f"no message to {recipient}"
    match = re.search(r"\b(\d{6})\b", row[0])
    assert match, row[0]
    return match.group(1)


def test_a_code_asked_on_one_server_is_accepted_by_the_other(
    servers: tuple[int, int], server_env: dict[str, str]
) -> None:
    first, second = servers
    afi = Browser()
    asked = afi.post_form(first, "/compte/connexion/", {"contact": "90 12 34 56"})
    assert asked.status == 302
    assert asked.headers["Location"].endswith("/compte/connexion/code/")

    checked = afi.post_form(
        second, "/compte/connexion/code/", {"code": _last_code(server_env, "+22890123456")}
    )
    assert checked.status == 302, checked.body[:2000]
    assert checked.headers["Location"].endswith("/mes-dossiers/")

    # Signed in on both: the session lives in the shared database.
    for port in servers:
        mine = afi.get(port, "/mes-dossiers/")
        assert mine.status == 200
        assert "/compte/deconnexion/" in mine.body


def test_the_limit_of_codes_per_address_counts_both_servers(servers: tuple[int, int]) -> None:
    first, second = servers
    answers = []
    for number in range(CODES_PER_ADDRESS + 1):
        port = (first, second)[number % 2]
        # A new person each time (the per-number limit stays out of it), the same address.
        answers.append(Browser().post_form(port, "/compte/connexion/", {"contact": f"91 00 00 0{number}"}))
    assert [answer.status for answer in answers[:CODES_PER_ADDRESS]] == [302] * CODES_PER_ADDRESS
    refused = answers[CODES_PER_ADDRESS]
    assert refused.status == 200
    assert "error-message" in refused.body
