"""Issuing: when a file whose service issues a document is approved, its permit(s) are made, signed
and stored in the same transaction (the catalogue's `document_issuers` calls `issue_permits`).

What a permit carries comes from the file's answers, by service: `SUBJECTS` maps a service code
to a function returning one `PermitSpec` per permit (one per traveller for a group entry).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from guichet.audit import services as audit
from guichet.catalog.display import display_answer
from guichet.catalog.registries import document_issuers, issued_documents
from guichet.core.actors import Actor
from guichet.core.text import bilingual
from guichet.dossiers.models import Dossier, Quote, QuoteStatus
from guichet.permits import types
from guichet.permits.keys import signing_key
from guichet.permits.models import Permit
from guichet.permits.signing import MAX_CLAIMS_BYTES, MAX_HOLDER_CHARS, Claims, qr_for, sign_claims

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_LENGTH = 10  # 50 random bits: not guessable, short enough to type


def new_number() -> str:
    while True:
        number = "".join(secrets.choice(CROCKFORD) for _ in range(NUMBER_LENGTH))
        if not Permit.objects.filter(number=number).exists():
            return number


@dataclass
class PermitSpec:
    permit_type: types.PermitType
    holder: str
    subject: str
    subject2: str = ""
    item: str = ""
    details: dict[str, str] = field(default_factory=dict)
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None


Subjects = Callable[[Dossier], list[PermitSpec]]
SUBJECTS: dict[str, Subjects] = {}


def subjects_for(service_code: str) -> Callable[[Subjects], Subjects]:
    def decorator(function: Subjects) -> Subjects:
        SUBJECTS[service_code] = function
        return function

    return decorator


def _text(answers: dict[str, Any], name: str) -> str:
    value = answers.get(name)
    return "" if value is None else str(value).strip()


def _shown(dossier: Dossier, name: str, value: str, language: str) -> str:
    """An answer as a person reads it (a list's label, a date dd/mm/yyyy), not its stored code."""
    try:
        question = dossier.definition.field(name)
    except KeyError:
        return value
    if not value or question.is_group:
        return value
    with translation.override(language):
        return display_answer(question, value)


def _label(dossier: Dossier, answers: dict[str, Any], name: str) -> str:
    """A list answer's French label (commune, prefecture): what a permit prints and signs."""
    return _shown(dossier, name, _text(answers, name), "fr")


def readable_details(dossier: Dossier, details: dict[str, str]) -> dict[str, str]:
    """Details with each answer in words, French then English where they differ."""
    shown = {}
    for key, value in details.items():
        french, english = _shown(dossier, key, value, "fr"), _shown(dossier, key, value, "en")
        shown[key] = french if french == english else f"{french} / {english}"
    return shown


def _day_start(value: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@subjects_for("vitres-teintees")
def _tinted_windows(dossier: Dossier) -> list[PermitSpec]:
    answers = dossier.answers
    vehicle = " ".join(
        filter(None, (_text(answers, "make"), _text(answers, "model"), _text(answers, "colour")))
    )
    return [
        PermitSpec(
            types.TINTED_WINDOWS,
            holder=_text(answers, "full_name"),
            subject=_text(answers, "plate"),
            subject2=_text(answers, "vin"),
            details={"vehicle": vehicle, "tint_level": _text(answers, "tint_level")},
        )
    ]


@subjects_for("autorisation-entree")
def _entry(dossier: Dossier) -> list[PermitSpec]:
    answers = dossier.answers
    specs = []
    for index, traveller in enumerate(answers.get("travellers") or [], start=1):
        specs.append(
            PermitSpec(
                types.ENTRY,
                holder=f"{_text(traveller, 'surname').upper()} {_text(traveller, 'given_names')}".strip(),
                subject=_text(traveller, "passport_number"),
                subject2=_text(traveller, "nationality"),
                item=str(traveller.get("_key") or index),
                details={
                    "birth_date": _text(traveller, "birth_date"),
                    "arrival_date": _text(answers, "arrival_date"),
                    "port_of_entry": _text(answers, "port_of_entry"),
                    "stay_days": _text(answers, "stay_days"),
                },
                valid_from=_day_start(_text(answers, "arrival_date")),
            )
        )
    return specs


@subjects_for("cloture-electrifiee")
def _fence(dossier: Dossier) -> list[PermitSpec]:
    answers = dossier.answers
    holder = _text(answers, "company_name") or _text(answers, "full_name")
    place = ", ".join(filter(None, (_text(answers, "address"), _label(dossier, answers, "commune"))))
    return [
        PermitSpec(
            types.FENCE,
            holder=holder,
            subject=place,
            details={
                "address": place,
                "prefecture": _text(answers, "prefecture"),
                "fence_length_m": _text(answers, "fence_length_m"),
                "installer": _text(answers, "installer"),
            },
        )
    ]


@subjects_for("couverture-securitaire")
def _event(dossier: Dossier) -> list[PermitSpec]:
    answers = dossier.answers
    quote = Quote.objects.filter(dossier=dossier, status=QuoteStatus.ACCEPTED).order_by("-number").first()
    start = _day_start(_text(answers, "event_date"))
    end = _day_start(_text(answers, "end_date")) or start
    return [
        PermitSpec(
            types.EVENT,
            holder=_text(answers, "company_name") or _text(answers, "full_name"),
            subject=_text(answers, "venue_name"),
            subject2=_text(answers, "event_date"),
            details={
                "venue": ", ".join(
                    filter(None, (_text(answers, "address"), _label(dossier, answers, "commune")))
                ),
                "event_date": _text(answers, "event_date"),
                "start_time": _text(answers, "start_time"),
                "end_time": _text(answers, "end_time"),
                "agents": str(quote.agents) if quote else "",
                "hours": str(quote.hours) if quote else "",
            },
            valid_from=start,
            valid_until=end + dt.timedelta(days=1) if end else None,
        )
    ]


def fit_claims(claims: Claims) -> Claims:
    """Shortens the free texts until the claims fit the QR: subject to 40 characters, the second
    subject and the holder to 24, then the holder, then the subject, one character at a time."""
    claims = replace(
        claims,
        subject=claims.subject[:40].strip(),
        subject2=(claims.subject2 or "")[:24].strip() or None,
        holder=(claims.holder or "")[:MAX_HOLDER_CHARS].strip() or None,
    )
    for _ in range(200):
        try:
            claims.to_cbor()
        except ValueError:
            if claims.holder and len(claims.holder) > 8:
                claims = replace(claims, holder=claims.holder[:-1].strip())
            else:
                claims = replace(claims, subject=claims.subject[:-1].strip())
        else:
            return claims
    raise ValueError(f"claims do not fit in {MAX_CLAIMS_BYTES} bytes")


def _validity(dossier: Dossier, spec: PermitSpec, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    issues = dossier.definition.issues
    days = (issues.validity_days if issues else None) or (
        issued_documents[issues.type].default_validity_days
        if issues
        else settings.GUICHET_PERMITS["DEFAULT_VALIDITY_DAYS"]
    )
    valid_from = spec.valid_from if spec.valid_from and spec.valid_from > now else now
    valid_until = spec.valid_until or valid_from + dt.timedelta(days=days)
    return valid_from, max(valid_until, valid_from + dt.timedelta(hours=1))


def issue_permits(dossier: Dossier, actor: Actor) -> list[Permit]:
    """Make, sign and store the permits of an approved file (inside the approve transaction)."""
    builder = SUBJECTS.get(dossier.service.code)
    if builder is None:
        return []
    now = timezone.now().replace(microsecond=0)
    permits = []
    for spec in builder(dossier):
        key_row, private = signing_key(spec.permit_type.code)
        valid_from, valid_until = _validity(dossier, spec, now)
        number = new_number()
        claims = fit_claims(
            Claims(
                issuer=settings.GUICHET_PERMITS["ISSUER"],
                permit_type=spec.permit_type.code,
                number=number,
                subject=spec.subject or dossier.reference,
                not_before=int(valid_from.timestamp()),
                expiry=int(valid_until.timestamp()),
                subject2=spec.subject2 or None,
                holder=spec.holder or None,
            )
        )
        text = sign_claims(claims, private, bytes.fromhex(key_row.kid))
        qr_for(text)  # asserts version <= 10 before anything is stored
        permit = Permit.objects.create(
            number=number,
            permit_type=spec.permit_type.code,
            dossier=dossier,
            item=spec.item,
            unit_id=dossier.unit_id,
            holder=spec.holder,
            subject=claims.subject,  # what the QR says, so the PDF and a check show the same
            subject2=claims.subject2 or "",
            details=readable_details(dossier, spec.details),
            valid_from=valid_from,
            valid_until=valid_until,
            kid=key_row.kid,
            qr_text=text,
            issued_at=now,
        )
        audit.record(
            actor,
            "permit.issued",
            permit,
            {
                "number": number,
                "type": spec.permit_type.code,
                "reference": dossier.reference,
                "kid": key_row.kid,
            },
        )
        permits.append(permit)
    if permits:
        from guichet.permits.notices import notify_issued

        notify_issued(dossier, permits)
    return permits


def type_title(permit: Permit, language: str) -> str:
    return bilingual(permit.kind.title, language)


for _document in ("authorization", "tinted_windows_authorization", "event_security_coverage"):
    if _document in issued_documents:
        document_issuers.register(_document)(issue_permits)
