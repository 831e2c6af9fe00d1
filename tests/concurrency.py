"""Running use cases at the same moment from threads, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from guichet.core.errors import DomainError


def race(*calls: Callable[[], object]) -> list[str]:
    """Start `calls` together (a barrier) and return their outcomes, sorted: "done" for each that
    returned, "refused" for each that raised a DomainError (anything else fails the test)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
            outcomes.append("done")
        except DomainError:
            outcomes.append("refused")
        except BaseException as exc:  # raised again in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return sorted(outcomes)
