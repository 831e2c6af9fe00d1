"""`make run` checks its ports first: a port another program holds stops it at once, with what to do.

Without this, the web server or a payment sandbox would fail to bind and be restarted in a loop by
`guichet.core.supervise`, while another program answered on the port (even another checkout's
portal, whose /healthz would make the demo logins appear as if this one had started).
"""

from __future__ import annotations

import socket
import sys

HOST = "127.0.0.1"


def busy_ports(ports: list[int], host: str = HOST) -> list[int]:
    """The ports of `ports` that something already listens on at `host`."""
    busy = []
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                busy.append(port)
    return busy


def main(argv: list[str]) -> int:
    """`python -m guichet.core.free_ports NAME=PORT ...`: 0 when every port is free, 1 otherwise."""
    named = {int(port): name for name, _sep, port in (arg.partition("=") for arg in argv)}
    busy = busy_ports(list(named))
    for port in busy:
        sys.stderr.write(f"Port {port} ({named[port]}) is already in use on {HOST}.\n")
    if busy:
        sys.stderr.write(
            "Stop what holds it, or choose other ports, e.g. "
            "PORT=8100 PAYGATE_PORT=8110 FEDAPAY_PORT=8111 make run\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
