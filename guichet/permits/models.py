"""Issued permits and the public half of their signing keys (private keys never in the database)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Unit, User
from guichet.dossiers.models import Dossier
from guichet.permits.types import PERMIT_TYPES

TYPE_CHOICES = [(code, permit_type.title["en"]) for code, permit_type in sorted(PERMIT_TYPES.items())]


class SigningKey(models.Model):
    """The public key of one permit type's signing key; `kid` is what a QR names.

    A key signs from `not_before` until it is retired (`retired_at`, at rotation); it stays in the
    trust list until `retire_after`, the expiry of the last permit it signed.
    """

    kid = models.CharField(max_length=16, unique=True)  # 8 bytes, hex
    permit_type = models.PositiveSmallIntegerField(choices=TYPE_CHOICES)
    public_pem = models.TextField()
    not_before = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    retire_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("permit_type", "not_before")
        constraints = [
            models.UniqueConstraint(
                fields=["permit_type"],
                condition=models.Q(retired_at__isnull=True),
                name="one_current_key_per_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kid} (type {self.permit_type})"


class PermitQuerySet(models.QuerySet["Permit"]):
    def for_applicant(self, user: User) -> PermitQuerySet:
        return self.filter(dossier__applicant=user)


class Permit(models.Model):
    number = models.CharField(max_length=10, unique=True)
    permit_type = models.PositiveSmallIntegerField(choices=TYPE_CHOICES)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="permits")
    # Which traveller of a group entry authorization (None: the dossier's one subject).
    item = models.CharField(max_length=40, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="permits")
    holder = models.CharField(max_length=200)
    subject = models.CharField(max_length=80, db_index=True)  # plate, passport number, place, event
    subject2 = models.CharField(max_length=80, blank=True)  # VIN, nationality, event date
    # What the PDF shows beside the signed claims (date of birth, venue, agents ...), label → value.
    details = models.JSONField(default=dict, blank=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    kid = models.CharField(max_length=16)
    qr_text = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)
    expired_at = models.DateTimeField(null=True, blank=True)  # set by the periodic job
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = PermitQuerySet.as_manager()

    class Meta:
        ordering = ("dossier", "item", "id")
        indexes = [
            models.Index(fields=["permit_type", "number"], name="permit_type_number"),
            models.Index(
                fields=["revoked_at"], name="permit_revoked", condition=models.Q(revoked_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def kind(self):  # type: ignore[no-untyped-def]
        return PERMIT_TYPES[self.permit_type]

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        now = timezone.now()
        if now >= self.valid_until:
            return "expired"
        if now < self.valid_from:
            return "not_yet_valid"
        return "valid"

    @property
    def status_label(self) -> str:
        labels = {
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "not_yet_valid": _("Not yet valid"),
            "valid": _("Valid"),
        }
        return str(labels[self.status])
