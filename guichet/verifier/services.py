"""Verification use cases: what the public page and the partner API answer, and the partners' tokens.

The cryptographic check itself is `guichet.permits.verify.verify_text` (one implementation on the
server); this module chooses what is expected (the checker's purpose), turns a verdict into what a
checker reads, looks permits up by number, plate or passport, and audits partners' calls
(decision 0029).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from guichet.audit.services import record
from guichet.core.actors import SYSTEM
from guichet.core.errors import InvalidInput, NotFound
from guichet.core.text import bilingual
from guichet.permits.types import ENTRY, PERMIT_TYPES, TINTED_WINDOWS
from guichet.permits.verify import Outcome, Verdict, verify_text
from guichet.verifier.models import SCOPES, Partner

# What the checker is checking: the permit type expected on that screen (None: any).
PURPOSES: dict[str, tuple[Any, int | None]] = {
    "all": (gettext_lazy("Any permit"), None),
    "roadside": (gettext_lazy("Tinted windows, at a roadside check"), TINTED_WINDOWS.code),
    "border": (gettext_lazy("Entry, at a border post"), ENTRY.code),
}
ONLINE_CHECK_REQUIRED = "ONLINE_CHECK_REQUIRED"  # the offline page's own outcome
NOT_FOUND = "NOT_FOUND"  # a typed number that matches no permit

# The signal a checker sees: the word, a shape (read without colour) and a CSS modifier.
SIGNALS: dict[str, tuple[Any, str, str]] = {
    Outcome.VALID: (gettext_lazy("VALID"), "✔", "valid"),
    Outcome.EXPIRED: (gettext_lazy("EXPIRED"), "⌛", "expired"),
    Outcome.NOT_YET_VALID: (gettext_lazy("NOT YET VALID"), "⌛", "expired"),
    Outcome.REVOKED: (gettext_lazy("REVOKED"), "⊘", "revoked"),
    Outcome.NOT_GENUINE: (gettext_lazy("NOT GENUINE"), "✖", "forged"),
    Outcome.WRONG_TYPE: (gettext_lazy("WRONG PERMIT TYPE"), "▲", "wrong"),
    ONLINE_CHECK_REQUIRED: (gettext_lazy("ONLINE CHECK REQUIRED"), "↻", "online"),
    NOT_FOUND: (gettext_lazy("UNKNOWN NUMBER"), "✖", "forged"),
}
ADVICE: dict[str, Any] = {
    Outcome.VALID: gettext_lazy(
        "Signed by the Ministry. Compare the details below with the vehicle or the person."
    ),
    Outcome.EXPIRED: gettext_lazy("This permit was genuine but its validity has ended."),
    Outcome.NOT_YET_VALID: gettext_lazy("This permit is genuine but its validity has not started yet."),
    Outcome.REVOKED: gettext_lazy(
        "The Ministry has withdrawn this permit. It no longer authorizes anything."
    ),
    Outcome.NOT_GENUINE: gettext_lazy(
        "This code was not issued by the Ministry, or it was altered. Do not accept it; "
        "if you typed it, check each character and try again."
    ),
    Outcome.WRONG_TYPE: gettext_lazy(
        "This permit is genuine but it does not authorize what you are checking."
    ),
    ONLINE_CHECK_REQUIRED: gettext_lazy(
        "This device's list of keys and withdrawn permits is too old. Connect to the network and check again."
    ),
    NOT_FOUND: gettext_lazy(
        "No permit has this number. Check each character and try again, or scan the QR code."
    ),
}
NUMBER_PATTERN = re.compile(r"^[A-Z0-9-]{4,20}$")
MAX_LOOKUP_RESULTS = 20
SUBJECT_PATTERN = re.compile(r"^[A-Z0-9]{3,20}$")
MAX_INPUT_CHARS = 4000  # what the form accepts; the verifier refuses anything past 600 itself


@dataclass(frozen=True)
class Answer:
    """What a checker reads: the outcome, and the details to compare when the permit is genuine."""

    outcome: str
    reason: str
    permit_type: int | None = None
    number: str = ""
    subject: str = ""
    subject2: str = ""
    holder: str = ""
    not_before: int | None = None
    expiry: int | None = None

    @property
    def signal(self) -> tuple[Any, str, str]:
        return SIGNALS[self.outcome]

    def as_dict(self) -> dict[str, Any]:
        language = get_language() or "fr"
        words = _words(str(self.outcome), language)
        return {
            "outcome": str(self.outcome),
            "reason": self.reason,
            "signal": dict(words["signal"]),
            "advice": words["advice"],
            "permit": None
            if not self.number
            else {
                "type": self.permit_type,
                **_type_labels(self.permit_type, language),
                "number": self.number,
                "subject": self.subject,
                "subject2": self.subject2,
                "holder": self.holder,
                "not_before": _iso(self.not_before),
                "expiry": _iso(self.expiry),
            },
        }


# The words of an answer depend only on the outcome, the permit type and the language: drawn
# once each (a check answers thousands of times a minute), not from lazy translations each time;
# forgotten when the translations change (`forget_words`, tests switching catalogues).
@functools.lru_cache(maxsize=64)
def _words(outcome: str, language: str) -> dict[str, Any]:
    with override(language):
        word, shape, css = SIGNALS[outcome]
        return {"signal": {"word": str(word), "shape": shape, "css": css}, "advice": str(ADVICE[outcome])}


@functools.lru_cache(maxsize=64)
def _type_labels(permit_type: int | None, language: str) -> dict[str, str]:
    kind = PERMIT_TYPES.get(permit_type) if permit_type is not None else None
    with override(language):
        return {
            "type_title": bilingual(kind.title) if kind else "",
            "subject_label": bilingual(kind.subject_label) if kind else "",
            "subject2_label": bilingual(kind.subject2_label) if kind and kind.subject2_label else "",
        }


@receiver(setting_changed)
def forget_words(*, setting: str, **kwargs: Any) -> None:
    if setting in TRANSLATION_SETTINGS:
        _words.cache_clear()
        _type_labels.cache_clear()


TRANSLATION_SETTINGS = frozenset({"LOCALE_PATHS", "LANGUAGES", "LANGUAGE_CODE", "INSTALLED_APPS"})


def _iso(seconds: int | None) -> str | None:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat() if seconds is not None else None


def answer_from_verdict(verdict: Verdict) -> Answer:
    claims = verdict.claims
    if claims is None:
        return Answer(outcome=verdict.outcome, reason=verdict.reason)
    return Answer(
        outcome=verdict.outcome,
        reason=verdict.reason,
        permit_type=claims.permit_type,
        number=claims.number,
        subject=claims.subject,
        subject2=claims.subject2 or "",
        holder=claims.holder or "",
        not_before=claims.not_before,
        expiry=claims.expiry,
    )


def expected_type(purpose: str) -> int | None:
    return PURPOSES.get(purpose, PURPOSES["all"])[1]


def looks_like_permit_text(text: str) -> bool:
    """A scanned text rather than a typed number: ours (TG1:), or anything no number looks like
    (a colon, or longer than a number), which the verifier then names (e.g. wrong_prefix)."""
    text = text.strip()
    return text.upper().startswith("TG1:") or ":" in text or len(normalise_number(text)) > 20


def normalise_number(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def check_text(
    text: str, *, purpose: str = "all", permit_type: int | None = None, now: int | None = None
) -> Answer:
    """The answer for a scanned or pasted QR text (bounded; never raises).

    The type expected is the purpose's (the page) or `permit_type` (the API, any type)."""
    expected = permit_type if permit_type is not None else expected_type(purpose)
    return answer_from_verdict(verify_text(text, expected_type=expected, now=now))


def check_number(number: str, *, purpose: str = "all", now: int | None = None) -> Answer:
    """The answer for a typed permit number: the permit's own QR text checked as if scanned."""
    number = normalise_number(number)
    if not NUMBER_PATTERN.match(number):
        return Answer(outcome=NOT_FOUND, reason="bad_number")
    text = permit_text_for_number(number)
    if text is None:
        return Answer(outcome=NOT_FOUND, reason="unknown_number")
    return check_text(text, purpose=purpose, now=now)


def permit_text_for_number(number: str) -> str | None:
    """The signed QR text of the permit numbered `number`, if there is one."""
    from guichet.permits import models as permit_models

    permit = permit_models.Permit.objects.filter(number=number).only("qr_text").first()
    return permit.qr_text if permit is not None else None


# --- partners -------------------------------------------------------------------------------

TOKEN_PATTERN = re.compile(r"gvp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
TOKEN_PREFIX = "gvp_"  # noqa: S105  (the public start of every partner token, not a secret)


def _hash_token(token: str) -> str:
    # Tokens carry 256 random bits: a plain SHA-256 cannot be reversed by guessing (decision 0029).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_partner(*, name: str, unit: str = "", scopes: list[str]) -> tuple[Partner, str]:
    """A partner system and its token, returned once (only its hash is kept)."""
    name = name.strip()
    unknown = sorted(set(scopes) - set(SCOPES))
    if not name:
        raise InvalidInput(_("A partner needs a name."))
    if unknown or not scopes:
        raise InvalidInput(_("Scopes must be among: %(scopes)s.") % {"scopes": ", ".join(SCOPES)})
    if Partner.objects.filter(name=name).exists():
        raise InvalidInput(_("A partner with this name already exists."))
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    partner = Partner.objects.create(
        name=name,
        unit=unit.strip(),
        scopes=sorted(set(scopes)),
        token_prefix=prefix,
        token_hash=_hash_token(token),
        created_at=timezone.now(),
    )
    record(SYSTEM, "verifier.partner_created", partner, {"name": name, "scopes": partner.scopes})
    return partner, token


@transaction.atomic
def revoke_partner(*, name: str) -> Partner:
    partner = Partner.objects.select_for_update().filter(name=name).first()
    if partner is None:
        raise NotFound(_("No partner with this name."))
    if partner.revoked_at is None:
        partner.revoked_at = timezone.now()
        partner.save(update_fields=["revoked_at"])
        record(SYSTEM, "verifier.partner_revoked", partner, {"name": partner.name})
    return partner


def partner_for_token(token: str) -> Partner | None:
    """The active partner holding `token`, or None (unknown, malformed or revoked)."""
    # Checked before any query: a NUL or a stray byte must not reach the database (PostgreSQL refuses NUL).
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    prefix, _sep, _rest = token[len(TOKEN_PREFIX) :].partition("_")
    partner = Partner.objects.filter(token_prefix=prefix, revoked_at__isnull=True).first()
    if partner is None or not hmac.compare_digest(partner.token_hash, _hash_token(token)):
        return None
    return partner


def audit_digest(kind: str, value: str) -> str:
    """A keyed hash of a looked-up value: the audit can answer "was this plate asked?" for whoever
    holds the key, without listing plates to whoever reads the table (decision 0029)."""
    key = hashlib.sha256(f"guichet-verifier-audit:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def normalise_subject(value: str) -> str:
    """Plates and passport numbers as permits store them: capitals, no spaces, dashes or dots."""
    return re.sub(r"[\s\-.]+", "", value).upper()


def audit_verify(partner: Partner, answer: Answer) -> None:
    record(
        SYSTEM,
        "verifier.api_verify",
        partner,
        {
            "partner": partner.name,
            "outcome": str(answer.outcome),
            "reason": answer.reason,
            "permit": audit_digest("number", answer.number) if answer.number else "",
        },
    )


def lookup(partner: Partner, *, kind: str, value: str, now: int | None = None) -> list[dict[str, Any]]:
    """Valid permits whose subject is `value` (a plate or a passport number), audited."""
    from guichet.permits import models as permit_models

    subject = normalise_subject(value)
    moment = timezone.now() if now is None else datetime.fromtimestamp(now, tz=UTC)
    permit_type = TINTED_WINDOWS.code if kind == "plate" else ENTRY.code
    rows = permit_models.Permit.objects.filter(
        permit_type=permit_type,
        subject=subject,
        revoked_at__isnull=True,
        valid_from__lte=moment,
        valid_until__gt=moment,
    ).only("qr_text")[:MAX_LOOKUP_RESULTS]
    # Each permit is answered from its own signed text, checked again: only what verifies VALID.
    answers = [check_text(row.qr_text, now=int(moment.timestamp())) for row in rows]
    found = [answer.as_dict()["permit"] for answer in answers if answer.outcome == Outcome.VALID]
    with transaction.atomic():
        record(
            SYSTEM,
            f"verifier.api_lookup_{kind}",
            partner,
            {"partner": partner.name, "asked": audit_digest(kind, subject), "found": len(found)},
        )
    return found
