"""Denunciations at rest: ciphertext, the day of each event, and what routing needs.

Nothing here names the reporter: no account, address, browser string or time of day. The
only clear fields are the state, the outcome's kind, the filing and closing days and the
accused unit (needed to keep the report away from it before anyone decrypts anything).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    ANONYMOUS = "anonymous", _("Anonymous")
    CONFIDENTIAL = "confidential", _("Confidential")


class ReportState(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    SANCTIONS_TAKEN = "sanctions_taken", _("Sanctions taken")
    REFERRED = "referred", _("Referred to the courts")
    NOT_ESTABLISHED = "not_established", _("Facts not established")
    OTHER = "other", _("Closed for another reason")


class Author(models.TextChoices):
    REPORTER = "reporter", _("The reporter")
    INSPECTION = "inspection", _("The inspection unit")


class SiteKeys(models.Model):
    """One row: the receipt codes' lookup salt and the public half of the offline recovery key."""

    receipt_salt = models.BinaryField(max_length=16)
    # Argon2id costs of every lookup hash: one for all, or a code would hash differently by age.
    receipt_opslimit = models.PositiveIntegerField(default=3)
    receipt_memlimit_kib = models.PositiveIntegerField(default=64 * 1024)
    recovery_public_key = models.BinaryField(max_length=32, null=True, blank=True)

    def __str__(self) -> str:
        return "denunciation keys"


class InspectorKey(models.Model):
    """An inspector's key pair; the private half locked under their password (Argon2id)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    public_key = models.BinaryField(max_length=32)
    locked_private_key = models.BinaryField()
    salt = models.BinaryField(max_length=16)
    kdf_opslimit = models.PositiveIntegerField(default=3)
    kdf_memlimit_kib = models.PositiveIntegerField(default=64 * 1024)
    active = models.BooleanField(default=True)
    created_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(active=True), name="one_active_key_per_inspector"
            )
        ]

    def __str__(self) -> str:
        return f"key {self.pk} of user {self.user_id}"


class Report(models.Model):
    public_id = models.CharField(max_length=32, unique=True)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    state = models.CharField(max_length=30, choices=ReportState.choices, default=ReportState.RECEIVED)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    accused_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filed_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    inspectors_notified = models.BooleanField(default=False)
    public_key = models.BinaryField(max_length=32)
    facts = models.BinaryField()
    outcome_note = models.BinaryField(null=True, blank=True)
    identity_public_key = models.BinaryField(max_length=32, null=True, blank=True)
    identity = models.BinaryField(null=True, blank=True)
    receipt_lookup = models.CharField(max_length=64, unique=True)
    receipt_salt = models.BinaryField(max_length=16)
    kdf_opslimit = models.PositiveIntegerField(default=3)
    kdf_memlimit_kib = models.PositiveIntegerField(default=64 * 1024)
    reporter_copy = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["state", "closed_on"])]

    def __str__(self) -> str:
        return self.public_id


class KeyGrant(models.Model):
    """A report's private key (or its identity key) sealed to an inspector or to the recovery key."""

    class Kind(models.TextChoices):
        CONTENT = "content", "content"
        IDENTITY = "identity", "identity"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="grants")
    inspector_key = models.ForeignKey(
        InspectorKey, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sealed_key = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "inspector_key", "kind"], name="one_grant_per_key_and_kind"
            ),
            models.UniqueConstraint(
                fields=["report", "kind"], condition=models.Q(inspector_key=None), name="one_recovery_grant"
            ),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk}"


class IdentityApproval(models.Model):
    """An inspector's approval to disclose a confidential reporter's identity; two are needed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="approvals")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    approved_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "inspector"], name="one_approval_each")]

    def __str__(self) -> str:
        return f"approval {self.pk}"


class Message(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=20, choices=Author.choices)
    body = models.BinaryField()
    sent_on = models.DateField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"message {self.pk}"


class Evidence(models.Model):
    """A file: the original and a copy without metadata, both encrypted to the report's key."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    added_by = models.CharField(max_length=20, choices=Author.choices)
    details = models.BinaryField()  # sealed JSON: name, type, sizes, sha256 of the original
    original_path = models.CharField(max_length=100)
    clean_path = models.CharField(max_length=100)
    added_on = models.DateField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"evidence {self.pk}"
