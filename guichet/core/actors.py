"""Who does a thing: every use case takes an actor, and every audit row names one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from guichet.accounts.models import User


class ActorKind(models.TextChoices):
    CITIZEN = "citizen", "citizen"
    GUEST = "guest", "guest"
    ANONYMOUS = "anonymous", "anonymous"
    # Whoever holds the receipt code of one anonymous dossier, and nothing more.
    RECEIPT_HOLDER = "receipt_holder", "receipt_holder"
    STAFF = "staff", "staff"
    SYSTEM = "system", "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    user: User | None = None
    # A guest's confirmed contact (E.164 phone or e-mail). Never put in logs.
    contact: str = ""
    # A receipt holder's dossier reference: the only dossier they may act on.
    reference: str = ""

    @classmethod
    def for_user(cls, user: User) -> Actor:
        # A superuser made with createsuperuser may lack is_staff_member; it is still not a citizen.
        staff = user.is_staff_member or user.is_staff
        return cls(kind=ActorKind.STAFF if staff else ActorKind.CITIZEN, user=user)

    @classmethod
    def guest(cls, contact: str) -> Actor:
        return cls(kind=ActorKind.GUEST, contact=contact)

    @classmethod
    def receipt_holder(cls, reference: str) -> Actor:
        """Whoever proved they hold the receipt code of the anonymous dossier `reference`."""
        return cls(kind=ActorKind.RECEIPT_HOLDER, reference=reference)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def label(self) -> str:
        """What an audit row says of this actor; guests and anonymous people stay unnamed."""
        if self.user is not None:
            return f"{self.kind}:{self.user.get_username()}"
        return str(self.kind)


SYSTEM = Actor(kind=ActorKind.SYSTEM)
ANONYMOUS = Actor(kind=ActorKind.ANONYMOUS)
