"""Keep one process running: restart it when it dies, stop it when told to stop.

    python -m guichet.core.supervise -- python manage.py run_worker --interval 1

The embedded run (`make run`, honcho and the Procfile) wraps each process in this, so a
worker or the scheduler that dies is started again instead of honcho stopping the whole
portal. It needs no Django (it starts even when the settings or the database are
broken) and restarts with growing delays, so a process that dies at once does not spin.
At scale, use the machine's supervisor instead (systemd `Restart=always`).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType

# A child that lived this long before dying was healthy: the next restart is immediate-ish.
HEALTHY_SECONDS = 30.0
MAX_DELAY_SECONDS = 30.0


def restart_delay(quick_deaths: int) -> float:
    """0.5, 1, 2, 4 ... seconds after successive quick deaths, at most MAX_DELAY_SECONDS."""
    return min(0.5 * 2 ** max(quick_deaths - 1, 0), MAX_DELAY_SECONDS)


class Supervisor:
    def __init__(
        self,
        command: Sequence[str],
        *,
        max_restarts: int | None = None,
        sleep: Callable[[float], None] | None = None,
        log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
    ) -> None:
        self.command = list(command)
        self.max_restarts = max_restarts
        self.sleep = sleep or self._wait
        self.log = log
        self.stopping = False
        self.child: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def _wait(self, seconds: float) -> None:
        """Sleep in small steps, so a stop signal ends the wait at once."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))

    def stop(self, signum: int, frame: FrameType | None = None) -> None:
        """Pass the signal on to the child and do not restart it."""
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def run(self) -> int:
        """Run the command until told to stop; return the child's last exit status."""
        quick_deaths = 0
        status = 0
        while not self.stopping:
            started = time.monotonic()
            self.child = subprocess.Popen(self.command)  # noqa: S603 (the operator's own command line)
            status = self.child.wait()
            if self.stopping:
                break
            lived = time.monotonic() - started
            quick_deaths = 0 if lived >= HEALTHY_SECONDS else quick_deaths + 1
            if self.max_restarts is not None and self.restarts >= self.max_restarts:
                break
            delay = restart_delay(quick_deaths)
            self.log(
                f"supervise: {' '.join(self.command)!r} exited with status {status} "
                f"after {lived:.0f} s; restarting in {delay:.1f} s"
            )
            self.sleep(delay)
            self.restarts += 1
        return status


def main(argv: Sequence[str]) -> int:
    command = list(argv)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("usage: python -m guichet.core.supervise -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    supervisor = Supervisor(command)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, supervisor.stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
