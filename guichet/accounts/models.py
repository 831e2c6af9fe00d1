from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from guichet.accounts.roles import ROLE_PERMISSIONS, Permission, Role


class Administration(models.Model):
    """A public body served by this Guichet (MSPC first; others later, as data)."""

    code = models.SlugField(max_length=40, unique=True)
    name_fr = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name_fr


class Unit(models.Model):
    """A directorate or office that processes files; staff rights are held per unit."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="units")
    code = models.SlugField(max_length=60)
    name_fr = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "code"], name="unit_code_per_administration")
        ]
        ordering = ["administration__code", "code"]

    def __str__(self) -> str:
        return self.name_fr


class User(AbstractUser):
    """One table for citizens and staff; citizens sign in with a phone or an e-mail code."""

    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, unique=True)
    is_staff_member = models.BooleanField(_("staff member"), default=False)
    language = models.CharField(_("language"), max_length=5, default="fr")
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="user_email_unique_when_set", condition=~models.Q(email="")
            )
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.phone or self.email or self.username

    def permissions_in(self, unit: Unit) -> frozenset[Permission]:
        roles = [m.role for m in self.memberships.all() if m.unit_id == unit.pk]
        return frozenset().union(*(ROLE_PERMISSIONS[Role(r)] for r in roles))

    def units_with(self, permission: Permission) -> list[int]:
        return [m.unit_id for m in self.memberships.all() if permission in ROLE_PERMISSIONS[Role(m.role)]]


class Membership(models.Model):
    """A staff member holds a role in a unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.unit}"


class CodePurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign in")
    GUEST = "guest", _("File without an account")
    DOSSIER_ACCESS = "dossier_access", _("Open a file")


class OneTimeCode(models.Model):
    """A code sent by SMS or e-mail. Only its keyed hash is kept."""

    purpose = models.CharField(max_length=20, choices=CodePurpose.choices)
    target = models.CharField(max_length=254, db_index=True)  # E.164 phone or lower-case e-mail
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
    # What the code unlocks beyond the contact itself (a dossier reference, for instance).
    scope = models.CharField(max_length=60, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.target[:4]}…"
