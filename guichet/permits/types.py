"""The permit types a QR may carry: a registry, so a new permit is a new entry, not a new `if`.

The integer code is what the signed claims carry (claim 2) and what the trust list binds each
key to; it never changes once permits exist.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PermitType:
    code: int
    slug: str
    title: dict[str, str]
    subject_label: dict[str, str]
    subject2_label: dict[str, str] | None = None


PERMIT_TYPES: dict[int, PermitType] = {}


def register(permit_type: PermitType) -> PermitType:
    if permit_type.code in PERMIT_TYPES:
        raise ValueError(f"permit type {permit_type.code} registered twice")
    PERMIT_TYPES[permit_type.code] = permit_type
    return permit_type


TINTED_WINDOWS = register(
    PermitType(
        1,
        "tinted_windows",
        {"fr": "Autorisation de vitres teintées", "en": "Tinted windows authorization"},
        {"fr": "Immatriculation", "en": "Registration plate"},
        {"fr": "Numéro de châssis (VIN)", "en": "Chassis number (VIN)"},
    )
)
ENTRY = register(
    PermitType(
        2,
        "entry_authorization",
        {"fr": "Autorisation d’entrée", "en": "Entry authorization"},
        {"fr": "Numéro de passeport", "en": "Passport number"},
        {"fr": "Nationalité", "en": "Nationality"},
    )
)
FENCE = register(
    PermitType(
        3,
        "electrified_fence",
        {"fr": "Autorisation de clôture électrifiée", "en": "Electrified fence authorization"},
        {"fr": "Lieu de la clôture", "en": "Fence location"},
    )
)
EVENT = register(
    PermitType(
        4,
        "event_security",
        {"fr": "Couverture sécuritaire d’événement", "en": "Event security coverage"},
        {"fr": "Événement", "en": "Event"},
        {"fr": "Date de l’événement", "en": "Event date"},
    )
)


def by_slug(slug: str) -> PermitType:
    for permit_type in PERMIT_TYPES.values():
        if permit_type.slug == slug:
            return permit_type
    raise KeyError(f"no permit type {slug!r}")
