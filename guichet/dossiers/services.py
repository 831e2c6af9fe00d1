"""Dossier use cases. Every state change goes through `transition_dossier`."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.contacts import Contact
from guichet.accounts.models import User
from guichet.accounts.roles import Permission
from guichet.audit import services as audit
from guichet.catalog.definition import FieldDef
from guichet.catalog.models import Service
from guichet.catalog.services import compute_fee
from guichet.catalog.validation import validate_answers, validate_filing
from guichet.core.actors import Actor, ActorKind
from guichet.core.errors import DomainError, InvalidInput, PermissionRefused, TransitionNotAllowed
from guichet.core.workdays import add_working_days, working_days_between
from guichet.dossiers.models import Dossier, DossierDocument, DossierEvent, EventKind
from guichet.dossiers.references import new_reference
from guichet.dossiers.states import TRANSITIONS, DossierState
from guichet.dossiers.uploads import check_upload
from guichet.notifications.services import notify_contact

S = DossierState

# Which message tells the applicant about arriving in a state.
NOTICE_FOR_STATE = {
    S.INFO_REQUESTED: "dossier_info_requested",
    S.APPROVED: "dossier_approved",
    S.REJECTED: "dossier_rejected",
    S.CLOSED: "dossier_closed",
    S.WITHDRAWN: "dossier_withdrawn",
}


class DossierIncomplete(InvalidInput):
    code = "dossier_incomplete"
    default_message = gettext_lazy("Some answers are missing. Complete them, then file again.")


# --- who may act -----------------------------------------------------------------------


def is_applicant(dossier: Dossier, actor: Actor) -> bool:
    """Whether `actor` is the person who files or filed `dossier`."""
    if actor.kind == ActorKind.CITIZEN and actor.user is not None:
        return dossier.applicant_id == actor.user.pk
    if actor.kind == ActorKind.GUEST:
        return dossier.applicant_id is None and bool(actor.contact) and actor.contact == dossier.contact_value
    if actor.kind == ActorKind.ANONYMOUS:
        return bool(dossier.receipt_hash) and actor.contact == f"dossier:{dossier.reference}"
    return False


def _require_applicant(dossier: Dossier, actor: Actor) -> None:
    if not is_applicant(dossier, actor):
        raise PermissionRefused()


def staff_can(user: User, dossier: Dossier, permission: Permission) -> bool:
    """Whether a staff member holds `permission` in the unit in charge of `dossier`."""
    if not user.is_staff_member or not user.is_active:
        return False
    held = user.permissions_in(dossier.unit)
    if dossier.definition.confidentiality == "restricted" and Permission.VIEW_RESTRICTED not in held:
        return False
    return permission in held


def _require_staff(dossier: Dossier, actor: Actor, permission: Permission) -> User:
    if actor.kind != ActorKind.STAFF or actor.user is None or not staff_can(actor.user, dossier, permission):
        raise PermissionRefused()
    return actor.user


# --- the gate --------------------------------------------------------------------------


def _event(
    dossier: Dossier, kind: EventKind, actor: Actor, *, public: bool, text: str = "", **extra: str
) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        public=public,
        actor_kind=str(actor.kind),
        actor_user=actor.user,
        text=text,
        **extra,
    )


def dossier_url(dossier: Dossier) -> str:
    return settings.GUICHET["BASE_URL"] + reverse("portal:dossier", kwargs={"reference": dossier.reference})


def _notify_applicant(dossier: Dossier, event: str) -> None:
    contact = dossier.contact
    if contact is None:
        return  # anonymous without a contact: they come back with their receipt code
    notify_contact(
        contact,
        event,
        language=dossier.language,
        context={
            "reference": dossier.reference,
            "service": getattr(dossier.definition.title, dossier.language, dossier.definition.title.fr),
            "url": dossier_url(dossier),
        },
        dossier_reference=dossier.reference,
        # Who may read it in the back-office outbox: the unit's staff, cleared ones if confidential.
        unit_id=dossier.unit_id,
        restricted=dossier.definition.confidentiality == "restricted",
    )


@transaction.atomic
def transition_dossier(
    dossier: Dossier, *, to: DossierState, actor: Actor, note: str = "", public: bool = True
) -> Dossier:
    """Move a dossier to `to`: check the move, record it on the timeline and in the audit log."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if to not in TRANSITIONS[DossierState(locked.state)]:
        raise TransitionNotAllowed(DossierState(locked.state).label, to.label)
    previous = locked.state
    locked.state = to
    today = timezone.localdate()
    if to == S.INFO_REQUESTED:
        locked.paused_on = today
    elif previous == S.INFO_REQUESTED and locked.paused_on is not None and locked.due_on is not None:
        # The clock stood still while the applicant was asked: push the due date by that time.
        locked.due_on = add_working_days(locked.due_on, max(working_days_between(locked.paused_on, today), 0))
        locked.paused_on = None
        if locked.due_on >= today:
            locked.overdue_noted_on = None  # a new deadline: watch it afresh
    if to in {S.APPROVED, S.REJECTED, S.CLOSED}:
        locked.decided_at = timezone.now()
    locked.save()
    _event(locked, EventKind.STATE_CHANGED, actor, public=public, text=note, from_state=previous, to_state=to)
    audit.record(
        actor,
        "dossier.state_changed",
        locked,
        {"reference": locked.reference, "from": previous, "to": str(to)},
    )
    if to in NOTICE_FOR_STATE:
        _notify_applicant(locked, NOTICE_FOR_STATE[to])
    dossier.refresh_from_db()
    return locked


# --- filing ----------------------------------------------------------------------------


@transaction.atomic
def start_dossier(
    service: Service,
    *,
    actor: Actor,
    language: str,
    submission_key: uuid.UUID | None = None,
    anonymous: bool = False,
) -> Dossier:
    """Open a draft for `service`. The same submission key (a double click) returns the same draft."""
    if submission_key is not None:
        existing = Dossier.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            _require_applicant(existing, actor)
            return existing
    version = service.current_version
    if version is None or not service.is_active:
        raise DomainError(_("This service is not open for requests at the moment."))
    definition = version.definition
    if actor.kind == ActorKind.STAFF:
        raise PermissionRefused(_("Staff accounts cannot file requests. Sign out and use a citizen account."))
    if definition.account_required and actor.kind != ActorKind.CITIZEN:
        raise PermissionRefused(_("This service needs an account. Sign in, then start again."))
    if actor.kind == ActorKind.ANONYMOUS and not definition.anonymous_allowed:
        raise PermissionRefused(_("This service cannot be used anonymously."))
    contact = None
    if actor.kind == ActorKind.CITIZEN and actor.user is not None:
        user = actor.user
        contact = (
            Contact("phone", user.phone)
            if user.phone
            else Contact("email", user.email)
            if user.email
            else None
        )
    elif actor.kind == ActorKind.GUEST:
        contact = Contact("email" if "@" in actor.contact else "phone", actor.contact)
    dossier = Dossier.objects.create(
        reference=_unused_reference(definition.prefix),
        service=service,
        service_version=version,
        unit=service.unit,
        applicant=actor.user if actor.kind == ActorKind.CITIZEN else None,
        contact_kind=contact.kind if contact else "",
        contact_value=contact.value if contact else "",
        anonymous=anonymous and definition.anonymous_allowed,
        language=language,
        submission_key=submission_key or uuid.uuid4(),
    )
    audit.record(
        actor,
        "dossier.started",
        dossier,
        {"reference": dossier.reference, "service": service.code, "version": version.number},
    )
    return dossier


def _unused_reference(prefix: str) -> str:
    while True:
        reference = new_reference(prefix)
        if not Dossier.objects.filter(reference=reference).exists():
            return reference


def issue_receipt_code(dossier: Dossier) -> str:
    """Give an anonymous draft its receipt code (shown once; only its hash is kept)."""
    code = "-".join(secrets.token_hex(2).upper() for _i in range(5))
    Dossier.objects.filter(pk=dossier.pk).update(receipt_hash=_receipt_hash(dossier.reference, code))
    dossier.receipt_hash = _receipt_hash(dossier.reference, code)
    return code


def _receipt_hash(reference: str, code: str) -> str:
    key = f"guichet.dossiers.receipt:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{reference}:{code.upper().replace(' ', '')}".encode(), hashlib.sha256).hexdigest()


def receipt_matches(dossier: Dossier, code: str) -> bool:
    return bool(dossier.receipt_hash) and hmac.compare_digest(
        dossier.receipt_hash, _receipt_hash(dossier.reference, code.strip())
    )


@transaction.atomic
def start_anonymous_dossier(
    service: Service, *, language: str, submission_key: uuid.UUID
) -> tuple[Dossier, str | None]:
    """Open a draft filed by nobody known, with its receipt code (the only way back to it).

    The same submission key (a double click) returns the same draft and no code: the
    code exists only once, in the answer to the first request.
    """
    existing = Dossier.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if not existing.anonymous:
            raise PermissionRefused()
        return existing, None
    # The reference, and so the anonymous actor, exists only once the draft does.
    dossier = start_dossier(
        service,
        actor=Actor(kind=ActorKind.ANONYMOUS),
        language=language,
        submission_key=submission_key,
        anonymous=True,
    )
    if not dossier.anonymous:
        raise PermissionRefused(_("This service cannot be used anonymously."))
    return dossier, issue_receipt_code(dossier)


@transaction.atomic
def save_answers(dossier: Dossier, *, actor: Actor, answers: dict[str, Any]) -> Dossier:
    """Keep the answers of a step in the draft, checked by the catalogue: a wrong one stores nothing."""
    _require_applicant(dossier, actor)
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.state != S.DRAFT:
        raise TransitionNotAllowed(DossierState(locked.state).label, S.DRAFT.label)
    definition = locked.definition
    known = {f.name for f in definition.fields if f.type != "file"}
    given = {k: v for k, v in answers.items() if k in known}
    cleaned, errors = validate_answers(definition, given, fields=given.keys(), context=locked.answers)
    if errors:
        raise InvalidInput(errors=errors)
    locked.answers = {**locked.answers, **cleaned}
    locked.save(update_fields=["answers", "updated_at"])
    dossier.answers = locked.answers
    return locked


def _document_field(dossier: Dossier, field_name: str) -> FieldDef:
    try:
        field = dossier.definition.field(field_name)
    except KeyError:
        raise InvalidInput(_("This document is not part of this request.")) from None
    if field.type != "file":
        raise InvalidInput(_("This document is not part of this request."))
    return field


@transaction.atomic
def attach_document(
    dossier: Dossier, *, actor: Actor, field_name: str, upload: UploadedFile
) -> DossierDocument:
    """Check and store a file for one of the service's document fields."""
    _require_applicant(dossier, actor)
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.state not in {S.DRAFT, S.INFO_REQUESTED}:
        raise DomainError(_("Documents can only be added to a draft or when the ministry asks for them."))
    field = _document_field(locked, field_name)
    checked = check_upload(upload, accept=field.accept, max_size_mb=field.max_size_mb)
    document = DossierDocument(
        dossier=locked,
        field_name=field_name,
        original_name=checked.original_name,
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by_kind=str(actor.kind),
        during_state=locked.state,
    )
    document.file.save(checked.original_name, upload, save=False)
    document.save()
    if locked.state != S.DRAFT:
        _event(locked, EventKind.DOCUMENT_ADDED, actor, public=True, text=checked.original_name)
    audit.record(
        actor,
        "dossier.document_added",
        locked,
        {"reference": locked.reference, "field": field_name, "sha256": checked.sha256},
    )
    return document


@transaction.atomic
def remove_document(dossier: Dossier, *, actor: Actor, document_id: int) -> None:
    """Take a file off a draft (once filed, documents stay)."""
    _require_applicant(dossier, actor)
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.state != S.DRAFT:
        raise DomainError(_("Documents of a filed request cannot be removed."))
    document = locked.documents.filter(pk=document_id).first()
    if document is None:
        return
    storage, name = document.file.storage, document.file.name
    document.delete()
    audit.record(
        actor,
        "dossier.document_removed",
        locked,
        {"reference": locked.reference, "field": document.field_name},
    )
    # The stored file goes only once its row is gone for good (a rollback keeps both).
    if name:
        transaction.on_commit(partial(storage.delete, name))


def missing_answers(dossier: Dossier) -> list[FieldDef]:
    """Questions (and documents) still to answer: unanswered, or answered with what the catalogue refuses."""
    documents = set(dossier.documents.values_list("field_name", flat=True))
    _cleaned, errors = validate_filing(dossier.definition, dossier.answers, documents=documents)
    return [field for field in dossier.definition.fields if field.name in errors]


@transaction.atomic
def submit_dossier(dossier: Dossier, *, actor: Actor) -> Dossier:
    """File a complete draft: fix its fee, start the SLA clock, send it to the unit in charge."""
    _require_applicant(dossier, actor)
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.state != S.DRAFT:
        raise TransitionNotAllowed(DossierState(locked.state).label, S.SUBMITTED.label)
    definition = locked.definition
    documents = set(locked.documents.values_list("field_name", flat=True))
    # Stored answers are checked again: the draft may predate a rule, or come from elsewhere.
    cleaned, errors = validate_filing(definition, locked.answers, documents=documents)
    if errors:
        raise DossierIncomplete(errors=errors)
    locked.answers = {**locked.answers, **cleaned}
    lines = compute_fee(definition, locked.answers)
    locked.fee_lines = [line.as_dict() for line in lines]
    locked.fee_total = sum(line.amount for line in lines)
    locked.submitted_at = timezone.now()
    locked.due_on = add_working_days(timezone.localdate(), definition.sla_days)
    locked.save()
    transition_dossier(locked, to=S.SUBMITTED, actor=actor)
    _notify_applicant(locked, "dossier_submitted")
    next_state = S.AWAITING_PAYMENT if locked.fee_total > 0 else S.IN_REVIEW
    return transition_dossier(locked, to=next_state, actor=actor)


@transaction.atomic
def withdraw_dossier(dossier: Dossier, *, actor: Actor, reason: str = "") -> Dossier:
    """The applicant gives up a request that is not decided yet."""
    _require_applicant(dossier, actor)
    return transition_dossier(dossier, to=S.WITHDRAWN, actor=actor, note=reason)


@transaction.atomic
def answer_information_request(
    dossier: Dossier,
    *,
    actor: Actor,
    message: str,
    uploads: list[tuple[str, UploadedFile]] | None = None,
) -> Dossier:
    """The applicant answers the ministry's question, with documents if asked; review resumes."""
    _require_applicant(dossier, actor)
    if dossier.state != S.INFO_REQUESTED:
        raise TransitionNotAllowed(DossierState(dossier.state).label, S.IN_REVIEW.label)
    if not message.strip() and not uploads:
        raise InvalidInput(
            _("Write your answer or add a document."),
            errors={"message": [_("Write your answer or add a document.")]},
        )
    for field_name, upload in uploads or []:
        attach_document(dossier, actor=actor, field_name=field_name, upload=upload)
    if message.strip():
        _event(dossier, EventKind.MESSAGE_FROM_APPLICANT, actor, public=True, text=message.strip())
    return transition_dossier(dossier, to=S.IN_REVIEW, actor=actor)


@transaction.atomic
def send_message_to_ministry(dossier: Dossier, *, actor: Actor, message: str) -> DossierEvent:
    """A message from the applicant on an open dossier."""
    _require_applicant(dossier, actor)
    if not dossier.is_open:
        raise DomainError(_("This request is closed; messages can no longer be sent."))
    if not message.strip():
        raise InvalidInput(_("Write your message."), errors={"message": [_("Write your message.")]})
    event = _event(dossier, EventKind.MESSAGE_FROM_APPLICANT, actor, public=True, text=message.strip())
    audit.record(actor, "dossier.message_sent", dossier, {"reference": dossier.reference})
    return event


# --- processing (staff) ------------------------------------------------------------------


def _required_text(text: str, message: str) -> str:
    if not text.strip():
        raise InvalidInput(message, errors={"text": [message]})
    return text.strip()


@transaction.atomic
def assign_dossier(dossier: Dossier, *, actor: Actor, assignee: User | None) -> Dossier:
    """Give a dossier to an agent: oneself (take it), or anyone of the unit for a supervisor."""
    user = _require_staff(dossier, actor, Permission.PROCESS if assignee == actor.user else Permission.ASSIGN)
    if assignee is not None and not staff_can(assignee, dossier, Permission.PROCESS):
        raise InvalidInput(_("This person cannot process files of this unit."))
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    locked.assigned_to = assignee
    locked.save(update_fields=["assigned_to", "updated_at"])
    text = assignee.display_name if assignee else ""
    _event(locked, EventKind.ASSIGNED, actor, public=False, text=text)
    audit.record(
        actor,
        "dossier.assigned",
        locked,
        {"reference": locked.reference, "to": assignee.username if assignee else None, "by": user.username},
    )
    dossier.assigned_to = assignee
    return locked


@transaction.atomic
def request_information(dossier: Dossier, *, actor: Actor, message: str) -> Dossier:
    """Ask the applicant for more; the SLA clock stops until they answer."""
    _require_staff(dossier, actor, Permission.PROCESS)
    text = _required_text(message, _("Say what the applicant must send or explain."))
    _event(dossier, EventKind.MESSAGE_TO_APPLICANT, actor, public=True, text=text)
    return transition_dossier(dossier, to=S.INFO_REQUESTED, actor=actor)


@transaction.atomic
def approve_dossier(dossier: Dossier, *, actor: Actor, note: str = "") -> Dossier:
    """Grant the request."""
    _require_staff(dossier, actor, Permission.DECIDE)
    if dossier.definition.answer_closes:
        raise DomainError(_("This service is answered, not approved: write the answer instead."))
    return transition_dossier(dossier, to=S.APPROVED, actor=actor, note=note.strip())


@transaction.atomic
def reject_dossier(dossier: Dossier, *, actor: Actor, reason: str) -> Dossier:
    """Refuse the request; the applicant is told why."""
    _require_staff(dossier, actor, Permission.DECIDE)
    text = _required_text(reason, _("Give the reason for the refusal: the applicant will read it."))
    return transition_dossier(dossier, to=S.REJECTED, actor=actor, note=text)


@transaction.atomic
def close_dossier(dossier: Dossier, *, actor: Actor, answer: str) -> Dossier:
    """Answer a request that calls for a reply, not a decision (a suggestion), and close it."""
    _require_staff(dossier, actor, Permission.DECIDE)
    if not dossier.definition.answer_closes:
        raise DomainError(_("This service is decided, not answered: approve or reject the request."))
    text = _required_text(answer, _("Write the answer: the applicant will read it."))
    return transition_dossier(dossier, to=S.CLOSED, actor=actor, note=text)


@transaction.atomic
def send_message_to_applicant(dossier: Dossier, *, actor: Actor, message: str) -> DossierEvent:
    """A message from the ministry that does not change the state."""
    _require_staff(dossier, actor, Permission.PROCESS)
    text = _required_text(message, _("Write the message."))
    event = _event(dossier, EventKind.MESSAGE_TO_APPLICANT, actor, public=True, text=text)
    audit.record(actor, "dossier.message_sent", dossier, {"reference": dossier.reference})
    _notify_applicant(dossier, "dossier_message")
    return event


@transaction.atomic
def add_internal_note(dossier: Dossier, *, actor: Actor, text: str) -> DossierEvent:
    """A note for colleagues; the applicant never sees it."""
    _require_staff(dossier, actor, Permission.PROCESS)
    event = _event(
        dossier, EventKind.INTERNAL_NOTE, actor, public=False, text=_required_text(text, _("Write the note."))
    )
    audit.record(actor, "dossier.note_added", dossier, {"reference": dossier.reference})
    return event


def flag_overdue_dossiers(*, actor: Actor, today: dt.date | None = None) -> int:
    """Mark, once, each open dossier found past its due date: an internal timeline event and an audit row."""
    today = today or timezone.localdate()
    flagged = 0
    for pk in (
        Dossier.objects.overdue(today)
        .filter(overdue_noted_on__isnull=True)
        .values_list("pk", flat=True)[:1000]
    ):
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().get(pk=pk)
            if dossier.overdue_noted_on is not None:
                continue  # another worker got here first
            dossier.overdue_noted_on = today
            dossier.save(update_fields=["overdue_noted_on", "updated_at"])
            _event(dossier, EventKind.DEADLINE_PASSED, actor, public=False, text=str(dossier.due_on))
            audit.record(
                actor,
                "dossier.deadline_passed",
                dossier,
                {"reference": dossier.reference, "due_on": dossier.due_on},
            )
            flagged += 1
    return flagged


def record_staff_read(dossier: Dossier, *, actor: Actor, what: str = "dossier") -> None:
    """Sensitive reads leave a trace: confidential files and every document download."""
    if what != "dossier" or dossier.definition.confidentiality == "restricted":
        audit.record(actor, f"{what}.viewed", dossier, {"reference": dossier.reference})
