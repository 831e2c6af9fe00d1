"""Permits as pages show them (the caller has already checked who may see the file)."""

from __future__ import annotations

from django.utils.translation import get_language

from guichet.accounts.models import User
from guichet.core.text import bilingual
from guichet.dossiers.models import Dossier
from guichet.permits.models import Permit
from guichet.permits.services import can_revoke


def permits_of(dossier: Dossier, *, staff: User | None = None) -> list[Permit]:
    """The file's permits, each with its title in the page's language (and whether `staff` may revoke it)."""
    permits = list(Permit.objects.filter(dossier=dossier).select_related("dossier", "unit"))
    for permit in permits:
        permit.title = bilingual(permit.kind.title, get_language() or "fr")  # type: ignore[attr-defined]
        permit.can_revoke = staff is not None and can_revoke(staff, permit)  # type: ignore[attr-defined]
    return permits
