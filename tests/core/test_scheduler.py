from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks import default_task_backend

from guichet.core import scheduler
from guichet.core.models import ScheduledRun

NOON = dt.datetime(2025, 3, 10, 12, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def queue(settings):
    """A queue that keeps what is enqueued instead of running it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def enqueued(queue) -> list[str]:
    return sorted(result.task.module_path for result in queue.results)


def test_the_periodic_jobs_are_registered():
    names = list(scheduler.periodic_jobs)
    assert "guichet.dossiers.tasks.check_sla" in names
    assert "guichet.notifications.tasks.retry_notifications" in names


@pytest.mark.django_db
def test_tick_enqueues_every_job_once_per_slot_even_with_two_schedulers(queue):
    first = scheduler.tick(NOON)
    second = scheduler.tick(NOON + dt.timedelta(seconds=5))  # another scheduler, same slot

    assert sorted(first) == sorted(scheduler.periodic_jobs)
    assert second == []
    assert enqueued(queue) == sorted(scheduler.periodic_jobs)
    assert ScheduledRun.objects.count() == len(first)


@pytest.mark.django_db
def test_a_later_slot_enqueues_again(queue):
    scheduler.tick(NOON)
    queue.clear()

    # One minute later: the every-minute job is due again, the hourly one is not.
    later = scheduler.tick(NOON + dt.timedelta(minutes=1))
    assert later == ["guichet.notifications.tasks.retry_notifications"]
    # One hour later: both.
    much_later = scheduler.tick(NOON + dt.timedelta(hours=1))
    assert sorted(much_later) == sorted(scheduler.periodic_jobs)
    assert enqueued(queue) == sorted(
        ["guichet.notifications.tasks.retry_notifications", *scheduler.periodic_jobs]
    )


@pytest.mark.django_db
def test_tick_forgets_slots_older_than_a_week(queue):
    old = ScheduledRun.objects.create(job="guichet.dossiers.tasks.check_sla", slot=1)
    ScheduledRun.objects.filter(pk=old.pk).update(enqueued_at=timezone.now() - dt.timedelta(days=8))
    recent = ScheduledRun.objects.create(job="guichet.dossiers.tasks.check_sla", slot=2)

    scheduler.tick()

    assert not ScheduledRun.objects.filter(pk=old.pk).exists()
    assert ScheduledRun.objects.filter(pk=recent.pk).exists()
