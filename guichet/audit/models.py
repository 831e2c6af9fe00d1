from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

APPEND_ONLY = "Audit events are append-only."


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses every bulk change: rows are only ever added, through `audit.services.record`.

    On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE as well (migration 0003),
    for whatever does not go through this class.
    """

    def update(self, **kwargs: Any) -> NoReturn:
        raise RuntimeError(APPEND_ONLY)

    def delete(self) -> NoReturn:
        raise RuntimeError(APPEND_ONLY)

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(APPEND_ONLY)

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(APPEND_ONLY)

    def _raw_delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(APPEND_ONLY)


class AuditEvent(models.Model):
    """Append-only: each row's hash covers its content and the previous row's hash."""

    created_at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=20)
    actor_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200)
    verb = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=100, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(APPEND_ONLY)


class AuditHead(models.Model):
    """One row: the last hash and the number of events, written in the same transaction
    as each event. Locking it serialises appends; `verify_chain` compares the table with
    it, so deleting the newest rows or the whole table does not go unnoticed."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} {self.last_hash}"
