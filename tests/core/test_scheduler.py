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

    # One minute later: the every-minute jobs are due again, the hourly ones are not.
    every_minute = sorted(
        n for n, job in scheduler.periodic_jobs.items() if job.every <= dt.timedelta(minutes=1)
    )
    hourly_or_less = sorted(
        n for n, job in scheduler.periodic_jobs.items() if job.every <= dt.timedelta(hours=1)
    )
    assert "guichet.notifications.tasks.retry_notifications" in every_minute
    later = scheduler.tick(NOON + dt.timedelta(minutes=1))
    assert sorted(later) == every_minute
    # One hour later: every job that runs at least hourly (a daily one waits for the next day).
    much_later = scheduler.tick(NOON + dt.timedelta(hours=1))
    assert sorted(much_later) == hourly_or_less
    assert enqueued(queue) == sorted([*every_minute, *hourly_or_less])


@pytest.mark.django_db
def test_tick_forgets_slots_older_than_a_week(queue):
    old = ScheduledRun.objects.create(job="guichet.dossiers.tasks.check_sla", slot=1)
    ScheduledRun.objects.filter(pk=old.pk).update(enqueued_at=timezone.now() - dt.timedelta(days=8))
    recent = ScheduledRun.objects.create(job="guichet.dossiers.tasks.check_sla", slot=2)

    scheduler.tick()

    assert not ScheduledRun.objects.filter(pk=old.pk).exists()
    assert ScheduledRun.objects.filter(pk=recent.pk).exists()
