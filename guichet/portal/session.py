"""Who the person at the keyboard is, as far as the portal knows.

A request may carry several identities at once: a signed-in citizen, a guest contact
confirmed by a one-time code, and anonymous dossiers whose receipt code was shown or
typed in this session. Grants other than the account expire after
`GUICHET["DOSSIER_ACCESS_HOURS"]`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone

from guichet.accounts.contacts import Contact
from guichet.accounts.models import User
from guichet.accounts.services import GUEST_CONTACT_SESSION_KEY
from guichet.core.actors import Actor, ActorKind
from guichet.core.errors import NotFound
from guichet.dossiers.access import get_dossier_for_applicant, parse_reference
from guichet.dossiers.models import Dossier

ANONYMOUS_DOSSIERS_SESSION_KEY = "guichet_anonymous_dossiers"
RECEIPT_CODES_SESSION_KEY = "guichet_receipt_codes"
PENDING_START_SESSION_KEY = "guichet_pending_start"
PENDING_CONTACT_SESSION_KEY = "guichet_pending_contact"
TRACK_SESSION_KEY = "guichet_track"
STASHED_STEP_SESSION_KEY = "guichet_stashed_step"
# What a stash of typed answers may hold: enough for any step, not a place to store files.
STASH_MAX_FIELDS = 100
STASH_MAX_CHARS = 20000


def _now() -> float:
    return timezone.now().timestamp()


def _still_valid(granted_at: object) -> bool:
    if not isinstance(granted_at, int | float):
        return False
    return _now() - granted_at < int(settings.GUICHET["DOSSIER_ACCESS_HOURS"]) * 3600


def signed_in_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated and user.is_active else None


def is_staff(user: User) -> bool:
    """Staff accounts (and Django superusers) never act as applicants."""
    return Actor.for_user(user).kind == ActorKind.STAFF


# --- guest contact --------------------------------------------------------------------


def remember_guest_contact(request: HttpRequest, contact: Contact) -> None:
    """Remember that the person proved they hold `contact` (a code reached them)."""
    # A new right in this session: give it a new key so an old one cannot ride along.
    request.session.cycle_key()
    request.session[GUEST_CONTACT_SESSION_KEY] = {
        "kind": contact.kind,
        "value": contact.value,
        "confirmed_at": _now(),
    }


def guest_contact(request: HttpRequest) -> Contact | None:
    """The contact confirmed in this session, while the grant lasts."""
    data = request.session.get(GUEST_CONTACT_SESSION_KEY)
    if not isinstance(data, dict) or not _still_valid(data.get("confirmed_at")):
        return None
    return Contact(str(data.get("kind", "")), str(data.get("value", "")))


# --- anonymous dossiers -----------------------------------------------------------------


def grant_anonymous_dossier(request: HttpRequest, reference: str) -> None:
    grants = dict(request.session.get(ANONYMOUS_DOSSIERS_SESSION_KEY) or {})
    grants[reference] = _now()
    request.session[ANONYMOUS_DOSSIERS_SESSION_KEY] = grants


def anonymous_references(request: HttpRequest) -> list[str]:
    grants = request.session.get(ANONYMOUS_DOSSIERS_SESSION_KEY) or {}
    return [ref for ref, granted_at in grants.items() if _still_valid(granted_at)]


def keep_receipt_code(request: HttpRequest, reference: str, code: str) -> None:
    """Hold the receipt code until the confirmation page shows it, once."""
    codes = dict(request.session.get(RECEIPT_CODES_SESSION_KEY) or {})
    codes[reference] = code
    request.session[RECEIPT_CODES_SESSION_KEY] = codes


def pop_receipt_code(request: HttpRequest, reference: str) -> str | None:
    codes = dict(request.session.get(RECEIPT_CODES_SESSION_KEY) or {})
    code = codes.pop(reference, None)
    request.session[RECEIPT_CODES_SESSION_KEY] = codes
    return code


# --- a start waiting for identification -------------------------------------------------


def remember_pending_start(request: HttpRequest, service_code: str, submission_key: uuid.UUID) -> None:
    request.session[PENDING_START_SESSION_KEY] = {"service": service_code, "key": str(submission_key)}


def pending_start(request: HttpRequest) -> tuple[str, uuid.UUID] | None:
    data = request.session.get(PENDING_START_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return str(data["service"]), uuid.UUID(str(data["key"]))
    except (KeyError, ValueError):
        return None


def clear_pending_start(request: HttpRequest) -> None:
    request.session.pop(PENDING_START_SESSION_KEY, None)


# --- what was typed on a step when the session had ended ----------------------------------


def stash_typed_step(request: HttpRequest, reference: str, step_key: str, *, announce: bool = True) -> None:
    """Keep what was POSTed on a step until the step shows again (after a proof, or in another language).

    `announce`: whether the step, shown again, says that what was typed is back.
    """
    values = {
        name: request.POST.getlist(name)[:20]
        for name in list(request.POST)[:STASH_MAX_FIELDS]
        if name not in {"csrfmiddlewaretoken", "remove", "action"}
    }
    if sum(len(v) for vs in values.values() for v in vs) > STASH_MAX_CHARS:
        return
    request.session[STASHED_STEP_SESSION_KEY] = {
        "reference": reference,
        "step": step_key,
        "values": values,
        "announce": announce,
        "stashed_at": _now(),
    }


@dataclass(frozen=True)
class TypedStep:
    values: QueryDict
    announce: bool


def pop_typed_step(request: HttpRequest, reference: str, step_key: str) -> TypedStep | None:
    """What was kept for this step of this draft, once; None if nothing (or too old)."""
    data = request.session.get(STASHED_STEP_SESSION_KEY)
    if not isinstance(data, dict) or data.get("reference") != reference or data.get("step") != step_key:
        return None
    request.session.pop(STASHED_STEP_SESSION_KEY, None)
    if not _still_valid(data.get("stashed_at")):
        return None
    typed = QueryDict(mutable=True)
    for name, values in dict(data.get("values") or {}).items():
        typed.setlist(str(name), [str(v) for v in values])
    return TypedStep(typed, announce=bool(data.get("announce", True)))


# --- who acts -----------------------------------------------------------------------------


def filer(request: HttpRequest) -> Actor | None:
    """Who files a new request from this session: the signed-in person, else the confirmed guest."""
    user = signed_in_user(request)
    if user is not None:
        return Actor.for_user(user)
    contact = guest_contact(request)
    return Actor.guest(contact.value) if contact is not None else None


def applicant_actors(request: HttpRequest, reference: str) -> list[Actor]:
    """Every identity this session holds that could be the applicant of `reference`."""
    user = signed_in_user(request)
    if user is not None and is_staff(user):
        # Staff never act as applicants, whatever else the session holds.
        return [Actor.for_user(user)]
    actors = []
    if reference in anonymous_references(request):
        actors.append(Actor.receipt_holder(reference))
    if user is not None:
        actors.append(Actor.for_user(user))
    contact = guest_contact(request)
    if contact is not None:
        actors.append(Actor.guest(contact.value))
    return actors


@dataclass(frozen=True)
class ApplicantDossier:
    dossier: Dossier
    actor: Actor


def dossier_for_request(request: HttpRequest, reference: str) -> ApplicantDossier:
    """The dossier `reference` if this session holds its applicant; 404 otherwise (missing or not theirs)."""
    try:
        canonical = parse_reference(reference)
    except NotFound:
        raise Http404 from None
    for actor in applicant_actors(request, canonical):
        try:
            return ApplicantDossier(get_dossier_for_applicant(actor, canonical), actor)
        except NotFound:
            continue
    raise Http404
