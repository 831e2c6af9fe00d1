"""Faults: workers and the scheduler outlive a database outage, dead processes come back,
tasks left running by a dead worker run again."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as live_settings
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from guichet.core import resilience, scheduler
from guichet.core.management.commands import run_scheduler
from guichet.core.management.commands.run_worker import ResilientWorker
from guichet.core.resilience import backoff_seconds
from guichet.core.supervise import Supervisor
from guichet.core.task_queue import MAX_ABANDONS, recover_abandoned_tasks
from guichet.core.tasks import recover_abandoned_tasks as recover_job


@pytest.fixture(autouse=True)
def _keep_signal_handlers():
    """The commands install SIGINT/SIGTERM handlers: put pytest's back afterwards."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


REAL_DROP_CONNECTIONS = resilience.drop_connections


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """After an outage the processes drop their connections; here that would end the test's
    own transaction (on PostgreSQL), so the drop is left out: the outage is only simulated."""
    monkeypatch.setattr(resilience, "drop_connections", lambda: None)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def flaky(monkeypatch, owner, name: str, failures: int):
    """`owner.name` raises OperationalError `failures` times, then works as before."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise OperationalError("server closed the connection unexpectedly")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def test_backoff_doubles_up_to_a_minute():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]


@pytest.mark.django_db
def test_the_scheduler_waits_out_a_database_outage_and_carries_on(monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    calls = flaky(monkeypatch, scheduler, "tick", failures=3)
    waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        waits.append(seconds)
        assert len(waits) < 10, "the scheduler never got past the outage"

    monkeypatch.setattr(run_scheduler.Command, "_sleep", sleep)
    # Between ticks the command closes stale connections; inside a test transaction on
    # PostgreSQL that would close the test's own connection.
    monkeypatch.setattr(run_scheduler, "close_old_connections", lambda: None)

    call_command("run_scheduler", once=True)

    assert calls["n"] == 4
    assert waits == [1, 2, 4]


# Transactional: the worker closes and reopens connections as in production, so what it
# reads must be committed.
@pytest.mark.django_db(transaction=True)
def test_a_worker_waits_out_a_database_outage_and_runs_the_task(monkeypatch, database_queue):
    result = recover_job.enqueue()
    calls = flaky(monkeypatch, DBTaskResultQuerySet, "get_locked", failures=2)
    waits: list[float] = []
    worker = ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        assert len(waits) < 10, "the worker never got past the outage"

    worker.sleep = sleep

    worker.run()  # django-tasks-db's own Worker raises OperationalError here and exits

    assert waits == [1, 2]
    assert calls["n"] >= 3
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


# --- tasks left running by a worker that died ------------------------------------------------


def left_running(minutes_ago: int, workers: int) -> DBTaskResult:
    result = recover_job.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        worker_ids=[f"dead-{n}" for n in range(workers)],
    )
    return DBTaskResult.objects.get(pk=result.id)


@pytest.mark.django_db
def test_a_task_left_running_by_a_dead_worker_is_queued_again(database_queue):
    abandoned = left_running(minutes_ago=60, workers=1)
    busy = left_running(minutes_ago=1, workers=1)  # a worker is on it right now
    hopeless = left_running(minutes_ago=60, workers=MAX_ABANDONS)

    recovery = recover_abandoned_tasks()

    assert (recovery.requeued, recovery.failed) == (1, 1)
    assert DBTaskResult.objects.get(pk=abandoned.pk).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=busy.pk).status == TaskResultStatus.RUNNING
    given_up = DBTaskResult.objects.get(pk=hopeless.pk)
    assert given_up.status == TaskResultStatus.FAILED
    assert given_up.exception_class_path == "guichet.core.task_queue.AbandonedTask"


def test_the_recovery_runs_every_five_minutes():
    job = scheduler.periodic_jobs["guichet.core.tasks.recover_abandoned_tasks"]
    assert job.every == dt.timedelta(minutes=5)


# --- the embedded run restarts a process that dies -----------------------------------------


def test_a_process_that_dies_is_started_again_with_growing_delays():
    waits: list[float] = []
    logged: list[str] = []
    supervisor = Supervisor(
        [sys.executable, "-c", "import sys; sys.exit(3)"],
        max_restarts=3,
        sleep=waits.append,
        log=logged.append,
    )

    status = supervisor.run()

    assert status == 3
    assert supervisor.restarts == 3
    assert waits == [0.5, 1.0, 2.0]
    assert "exited with status 3" in logged[0]


def test_a_stop_signal_ends_the_child_and_is_not_followed_by_a_restart():
    supervisor = Supervisor([sys.executable, "-c", "import time; time.sleep(60)"], sleep=lambda s: None)
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    for _ in range(100):
        if supervisor.child is not None:
            break
        time.sleep(0.05)

    supervisor.stop(signal.SIGTERM)
    runner.join(timeout=10)

    assert not runner.is_alive()
    assert supervisor.restarts == 0
    assert supervisor.child is not None
    assert supervisor.child.returncode == -signal.SIGTERM


def test_every_process_of_the_embedded_run_is_supervised():
    lines = (Path(live_settings.BASE_DIR) / "Procfile").read_text().splitlines()
    processes = dict(line.split(": ", 1) for line in lines if line.strip())

    assert {"web", "worker", "scheduler"} <= set(processes)
    # honcho stops every process when one exits: each one, helpers included, is kept alive.
    for name, command in processes.items():
        assert command.startswith("python -m guichet.core.supervise -- "), name
    assert "run_worker" in processes["worker"]


@pytest.mark.django_db(transaction=True)
def test_dropping_connections_after_an_outage_lets_the_next_query_reconnect():
    from django.db import connection

    connection.ensure_connection()
    REAL_DROP_CONNECTIONS()

    if connection.vendor != "sqlite":  # SQLite's in-memory test database is never closed
        assert connection.connection is None
    assert DBTaskResult.objects.count() == 0  # a fresh connection is opened
