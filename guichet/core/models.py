from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """One row per periodic job and time slot: the unique constraint lets several
    schedulers run side by side while each slot is enqueued exactly once."""

    job = models.CharField(max_length=100)
    slot = models.BigIntegerField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"
