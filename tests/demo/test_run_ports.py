"""`make run` takes every port it opens from the command line, so two checkouts can run side by side."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from django.conf import settings

from guichet.core import free_ports

ROOT = Path(settings.BASE_DIR)


def test_the_payment_sandboxes_listen_where_the_environment_says():
    processes = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )

    assert "--port ${PAYGATE_PORT:-8010}" in processes["paygate"]
    assert "--port ${FEDAPAY_PORT:-8011}" in processes["fedapay"]


MAKE = shutil.which("make") or "make"  # a prerequisite of the README's two commands


def run_dry() -> str:
    """What `make run` would do with other ports, printed by `make -n` (nothing runs)."""
    return subprocess.run(  # noqa: S603  (make -n prints the commands and runs none)
        [MAKE, "-n", "--no-print-directory", "run", "PORT=8100", "PAYGATE_PORT=8120", "FEDAPAY_PORT=8121"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout


def test_make_run_passes_the_sandbox_ports_and_addresses_on():
    printed = run_dry()

    honcho = next(line for line in printed.splitlines() if "honcho start" in line)
    assert "PORT=8100 WEB_PORT=8100 PAYGATE_PORT=8120 FEDAPAY_PORT=8121" in honcho
    makefile = (ROOT / "Makefile").read_text()
    # The portal talks to the sandboxes where they listen.
    assert "run: export PAYGATE_URL ?= http://127.0.0.1:$(PAYGATE_PORT)" in makefile
    assert "run: export FEDAPAY_URL ?= http://127.0.0.1:$(FEDAPAY_PORT)" in makefile


def test_make_run_checks_its_ports_before_starting():
    printed = run_dry().splitlines()

    check = next(i for i, line in enumerate(printed) if "guichet.core.free_ports" in line)
    assert "PORT=8100 PAYGATE_PORT=8120 FEDAPAY_PORT=8121" in printed[check]
    assert check < next(i for i, line in enumerate(printed) if "honcho start" in line)


def test_a_port_in_use_is_named_with_what_to_do(capsys):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            free = unused.getsockname()[1]  # bound, not listening: nothing answers there

            assert free_ports.main([f"PORT={free}", f"PAYGATE_PORT={port}"]) == 1

    err = capsys.readouterr().err
    assert f"Port {port} (PAYGATE_PORT) is already in use" in err
    assert f"Port {free}" not in err
    assert "PAYGATE_PORT=8110" in err


def test_free_ports_pass():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        free = unused.getsockname()[1]

        assert free_ports.main([f"PORT={free}"]) == 0
