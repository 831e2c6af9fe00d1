"""Partner systems (police, border) that call the verification API with their own token."""

from __future__ import annotations

from django.db import models

SCOPE_VERIFY = "verify"
SCOPE_LOOKUP_PLATE = "lookup_plate"
SCOPE_LOOKUP_PASSPORT = "lookup_passport"
SCOPES = (SCOPE_VERIFY, SCOPE_LOOKUP_PLATE, SCOPE_LOOKUP_PASSPORT)


class Partner(models.Model):
    """One calling system. Its token is shown once at creation; only its SHA-256 is kept."""

    name = models.CharField(max_length=100, unique=True)
    unit = models.CharField(max_length=150, blank=True)
    scopes = models.JSONField(default=list)
    # The token's public part (`gvp_<prefix>_...`): finds the row without scanning hashes.
    token_prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.active and scope in (self.scopes or [])
