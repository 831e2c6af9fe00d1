"""Long-running processes (task workers, the scheduler) outlive a database that goes away.

A brief cut (a restart, a fail-over, a network blip) must not stop them: they wait with
growing delays and carry on when the database answers again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

# What the database drivers raise when the server is down, restarting or unreachable.
DATABASE_DOWN = (OperationalError, InterfaceError)
MAX_BACKOFF_SECONDS = 60.0


def backoff_seconds(failures: int, *, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """1, 2, 4 ... seconds after the first, second, third failure in a row, at most `cap`."""
    return float(min(2 ** max(failures - 1, 0), cap))


def drop_connections() -> None:
    """Forget every database connection, so the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(*DATABASE_DOWN):  # a dead connection has nothing left to close
            connection.close()


def wait_for_database(
    name: str, error: BaseException, failures: int, *, sleep: Callable[[float], None]
) -> float:
    """Log the outage, drop the dead connections and wait before the next try; return the wait."""
    wait = backoff_seconds(failures)
    logger.warning("%s: database unavailable (%s); trying again in %.0f s", name, error, wait)
    drop_connections()
    sleep(wait)
    return wait
