"""Dossier use cases. Every state change goes through `transition_dossier`."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial
from typing import Any, Final

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guichet.accounts.contacts import Contact
from guichet.accounts.models import User
from guichet.accounts.roles import Permission
from guichet.audit import services as audit
from guichet.catalog.definition import ITEM_KEY, Confidentiality, FieldDef, document_slot, group_items
from guichet.catalog.models import Service
from guichet.catalog.registries import document_issuers
from guichet.catalog.services import compute_fee
from guichet.catalog.validation import validate_answers, validate_filing
from guichet.core.actors import Actor, ActorKind
from guichet.core.errors import DomainError, InvalidInput, PermissionRefused, TransitionNotAllowed
from guichet.core.text import bilingual
from guichet.core.workdays import add_working_days, working_days_between
from guichet.dossiers.actions import ActionName, is_applicant, require_action, staff_can
from guichet.dossiers.models import (
    ChecklistTick,
    Dossier,
    DossierDocument,
    DossierEvent,
    EventKind,
    FeeRevision,
    Quote,
    QuoteStatus,
)
from guichet.dossiers.receipts import issue_receipt_code
from guichet.dossiers.references import new_reference
from guichet.dossiers.states import WAITING_FOR_APPLICANT, DossierState, workflows
from guichet.dossiers.uploads import check_room, check_upload, group_allowance
from guichet.notifications.services import notify_contact

S = DossierState
A = ActionName

# Which message tells the applicant about arriving in a state.
NOTICE_FOR_STATE = {
    S.INFO_REQUESTED: "dossier_info_requested",
    S.APPROVED: "dossier_approved",
    S.REJECTED: "dossier_rejected",
    S.ANSWERED: "dossier_answered",
    S.WITHDRAWN: "dossier_withdrawn",
    S.QUOTE_PROPOSED: "dossier_quote_proposed",
}


class DossierIncomplete(InvalidInput):
    code = "dossier_incomplete"
    default_message = gettext_lazy("Some answers are missing. Complete them, then file again.")


# --- who may act -----------------------------------------------------------------------


def _require_applicant(dossier: Dossier, actor: Actor) -> None:
    if not is_applicant(dossier, actor):
        raise PermissionRefused()


def _lock(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().get(pk=dossier.pk)


# --- the gate --------------------------------------------------------------------------


# What the applicant says or sends, once filed, is news for staff until one of them acts.
APPLICANT_NEWS: Final = frozenset({EventKind.MESSAGE_FROM_APPLICANT, EventKind.DOCUMENT_ADDED})
STAFF_RESPONSES: Final = frozenset(
    {EventKind.MESSAGE_TO_APPLICANT, EventKind.INTERNAL_NOTE, EventKind.STATE_CHANGED}
)


def _event(
    dossier: Dossier, kind: EventKind, actor: Actor, *, public: bool, text: str = "", **extra: Any
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        public=public,
        actor_kind=actor.kind,
        actor_user=actor.user,
        text=text,
        **extra,
    )
    news: dt.datetime | None
    if kind in APPLICANT_NEWS and actor.kind != ActorKind.STAFF:
        news = event.created_at
    elif kind in STAFF_RESPONSES and actor.kind == ActorKind.STAFF:
        news = None
    else:
        return event
    Dossier.objects.filter(pk=dossier.pk).update(applicant_news_at=news)
    dossier.applicant_news_at = news
    return event


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
            "service": bilingual(dossier.definition.title, dossier.language),
            "url": dossier_url(dossier),
        },
        dossier_reference=dossier.reference,
        # Who may read it in the back-office outbox: the unit's staff, cleared ones if confidential.
        unit_id=dossier.unit_id,
        restricted=dossier.definition.confidentiality == Confidentiality.RESTRICTED,
    )


@transaction.atomic
def transition_dossier(
    dossier: Dossier,
    *,
    to: DossierState,
    actor: Actor,
    note: str = "",
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> Dossier:
    """Move a dossier to `to`: check the move in its workflow, record it on the timeline and in the audit log."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if not workflows[locked.definition.workflow].allows(locked.state, to):
        raise TransitionNotAllowed(DossierState(locked.state).label, to.label)
    previous = locked.state
    locked.state = to
    today = timezone.localdate()
    if to in WAITING_FOR_APPLICANT:
        locked.paused_on = today
    elif previous in WAITING_FOR_APPLICANT and locked.paused_on is not None and locked.due_on is not None:
        # The clock stood still while the applicant was asked: push the due date by that time.
        locked.due_on = add_working_days(locked.due_on, max(working_days_between(locked.paused_on, today), 0))
        locked.paused_on = None
        if locked.due_on >= today:
            locked.overdue_noted_on = None  # a new deadline: watch it afresh
    if to in {S.APPROVED, S.REJECTED, S.ANSWERED}:
        locked.decided_at = timezone.now()
    locked.save()
    if to == S.PAID:
        # A quote the applicant accepted is what this payment settles.
        Quote.objects.filter(dossier=locked, status=QuoteStatus.ACCEPTED, paid_at__isnull=True).update(
            paid_at=timezone.now()
        )
    _event(
        locked,
        EventKind.STATE_CHANGED,
        actor,
        public=public,
        text=note,
        from_state=previous,
        to_state=to,
        data=data or {},
    )
    audit.record(
        actor,
        "dossier.state_changed",
        locked,
        {"reference": locked.reference, "from": previous, "to": str(to)},
    )
    # A step the applicant does not see (approved on the way to issued) is not announced either:
    # the next one says it all, in one message.
    if public and to in NOTICE_FOR_STATE:
        _notify_applicant(locked, NOTICE_FOR_STATE[to])
    dossier.refresh_from_db()
    return locked


# --- filing ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def start_dossier(
    service: Service,
    *,
    actor: Actor,
    language: str,
    submission_key: uuid.UUID | None = None,
    anonymous: bool = False,
) -> Dossier:
    """Open a draft for `service`. The same submission key (a double click) returns the same draft."""
    return _start_dossier(
        service, actor=actor, language=language, submission_key=submission_key, anonymous=anonymous
    )


def _start_dossier(
    service: Service,
    *,
    actor: Actor,
    language: str,
    submission_key: uuid.UUID | None = None,
    anonymous: bool = False,
) -> Dossier:
    if submission_key is not None:
        existing = Dossier.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return _same_start(existing, actor)
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
    try:
        # A savepoint: two clicks racing past the check above meet at the unique key, not in a 500.
        with transaction.atomic():
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
    except IntegrityError:
        if submission_key is None:
            raise
        return _same_start(Dossier.objects.get(submission_key=submission_key), actor)
    audit.record(
        actor,
        "dossier.started",
        dossier,
        {"reference": dossier.reference, "service": service.code, "version": version.number},
    )
    return dossier


def _same_start(existing: Dossier, actor: Actor) -> Dossier:
    """The draft an earlier click with the same submission key opened, if it is the actor's."""
    if actor.kind == ActorKind.ANONYMOUS:
        # Nobody known opened it: only an anonymous draft may be handed back (without its code).
        if not existing.anonymous:
            raise PermissionRefused()
        return existing
    _require_applicant(existing, actor)
    return existing


def _unused_reference(prefix: str) -> str:
    while True:
        reference = new_reference(prefix)
        if not Dossier.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic(durable=True)
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
    dossier = _start_dossier(
        service,
        actor=Actor(kind=ActorKind.ANONYMOUS),
        language=language,
        submission_key=submission_key,
        anonymous=True,
    )
    if not dossier.anonymous:
        raise PermissionRefused(_("This service cannot be used anonymously."))
    if dossier.receipt_hash:  # a second click that raced the first: the code went to the first
        return dossier, None
    # Questions such as "do you sign?" have only one answer for someone who chose anonymity.
    given = {f.name: f.anonymous_answer for f in dossier.definition.fields if f.anonymous_answer is not None}
    if given:
        dossier.answers = {**dossier.answers, **given}
        Dossier.objects.filter(pk=dossier.pk).update(answers=dossier.answers)
    return dossier, issue_receipt_code(dossier)


@transaction.atomic(durable=True)
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
        wrong = "; ".join(
            f"{definition.field(name).label}: {messages[0]}" for name, messages in errors.items()
        )
        raise InvalidInput(_("Some answers are not right. %(answers)s") % {"answers": wrong}, errors=errors)
    locked.answers = {**locked.answers, **cleaned}
    locked.save(update_fields=["answers", "updated_at"])
    dossier.answers = locked.answers
    return locked


def _document_field(dossier: Dossier, field_name: str) -> FieldDef:
    try:
        # A repeating group's item names its document "field@item" (catalog decision 0018).
        field = dossier.definition.document_field(field_name)
    except KeyError:
        raise InvalidInput(_("This document is not part of this request.")) from None
    if field.type != "file":
        raise InvalidInput(_("This document is not part of this request."))
    return field


def _check_document_count(dossier: Dossier, field: FieldDef, slot: str, extra_files: int = 0) -> None:
    """One more file must fit the field's limit (catalogue) and the dossier's (settings).

    `slot` is where the file goes (a traveller's photo counts apart from another's); each item
    of a repeating group brings `extra_files` room of its own (uploads.group_allowance).
    """
    if dossier.documents.filter(field_name=slot).count() >= field.max_files:
        raise InvalidInput(
            ngettext(
                "This document takes at most %(count)s file. Put the pages together in one PDF instead.",
                "This document takes at most %(count)s files. Put several pages together in one PDF instead.",
                field.max_files,
            )
            % {"count": field.max_files}
        )
    limit = settings.GUICHET_MAX_DOCUMENTS_PER_DOSSIER + extra_files
    if dossier.documents.count() >= limit:
        raise InvalidInput(
            _("A request holds at most %(count)s files. Put several pages together in one PDF instead.")
            % {"count": limit}
        )


@transaction.atomic(durable=True)
def attach_document(
    dossier: Dossier, *, actor: Actor, field_name: str, upload: UploadedFile
) -> DossierDocument:
    """Check a file, re-encode it if it is an image, and store it for one of the document fields."""
    return _attach_document(dossier, actor=actor, field_name=field_name, upload=upload)


def _attach_document(
    dossier: Dossier, *, actor: Actor, field_name: str, upload: UploadedFile
) -> DossierDocument:
    _require_applicant(dossier, actor)
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.state not in {S.DRAFT, S.INFO_REQUESTED}:
        raise DomainError(_("Documents can only be added to a draft or when the ministry asks for them."))
    field = _document_field(locked, field_name)
    extra_files, extra_bytes = group_allowance(locked.definition, locked.answers)
    try:
        _check_document_count(locked, field, field_name, extra_files)
        checked = check_upload(
            upload, accept=field.accept, max_size_mb=field.max_size_mb, min_image_side=field.min_image_side
        )
        used = sum(locked.documents.values_list("size", flat=True))
        check_room(used=used, adding=checked.size, extra=extra_bytes)
    except InvalidInput as exc:
        # Said against the field, so a page can show it beside the file input it concerns.
        raise InvalidInput(str(exc), errors={field_name: [str(exc)]}) from exc
    document = DossierDocument(
        dossier=locked,
        field_name=field_name,
        original_name=checked.original_name,
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by_kind=actor.kind,
        during_state=locked.state,
    )
    # What is stored is what was checked: the re-encoded image, never the bytes as sent.
    document.file.save(checked.original_name, ContentFile(checked.content), save=False)
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


@transaction.atomic(durable=True)
def remove_document(dossier: Dossier, *, actor: Actor, document_id: int) -> None:
    """Take a file off a draft (once filed, documents stay)."""
    locked = _lock(dossier)
    require_action(locked, actor, A.EDIT_DRAFT)
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


@transaction.atomic(durable=True)
def remove_group_item(dossier: Dossier, *, actor: Actor, group: str, item: str) -> Dossier:
    """Take one item (a traveller) off a draft's repeating group, with the documents attached to it."""
    locked = _lock(dossier)
    require_action(locked, actor, A.EDIT_DRAFT)
    try:
        group_def = locked.definition.field(group)
    except KeyError:
        group_def = None
    if group_def is None or not group_def.is_group:
        raise InvalidInput(_("This part is not in this request. Reload the page and try again."))
    slots = [document_slot(f.name, item) for f in group_def.fields if f.type == "file"]
    documents = list(locked.documents.filter(field_name__in=slots)) if item else []
    items = group_items(locked.answers, group)
    kept = [entry for entry in items if entry.get(ITEM_KEY) != item]
    if len(kept) == len(items) and not documents:
        return locked  # already gone (a second click): nothing to record
    if len(kept) != len(items):
        locked.answers = {**locked.answers, group: kept}
        locked.save(update_fields=["answers", "updated_at"])
    for document in documents:
        storage, name = document.file.storage, document.file.name
        document.delete()
        # The stored file goes only once its row is gone for good (a rollback keeps both).
        if name:
            transaction.on_commit(partial(storage.delete, name))
    audit.record(
        actor,
        "dossier.group_item_removed",
        locked,
        {"reference": locked.reference, "group": group, "documents": len(documents)},
    )
    dossier.answers = locked.answers
    return locked


def missing_answers(dossier: Dossier) -> list[FieldDef]:
    """Questions (and documents) still to answer: unanswered, or answered with what the catalogue refuses."""
    # .all(): a list of drafts prefetches their documents ("my files"), one query for all.
    documents = {document.field_name for document in dossier.documents.all()}
    _cleaned, errors = validate_filing(dossier.definition, dossier.answers, documents=documents)
    return [field for field in dossier.definition.fields if field.name in errors]


@transaction.atomic(durable=True)
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
    FeeRevision.objects.create(
        dossier=locked,
        lines=locked.fee_lines,
        total=locked.fee_total,
        reason="filed",
        actor_kind=actor.kind,
        actor_user=actor.user,
    )
    locked.submitted_at = timezone.now()
    locked.due_on = add_working_days(timezone.localdate(), definition.sla_days)
    locked.save()
    transition_dossier(locked, to=S.SUBMITTED, actor=actor)
    _notify_applicant(locked, "dossier_submitted")
    next_state = S.AWAITING_PAYMENT if locked.fee_total > 0 else S.IN_REVIEW
    return transition_dossier(locked, to=next_state, actor=actor)


@transaction.atomic(durable=True)
def withdraw_dossier(dossier: Dossier, *, actor: Actor, reason: str = "") -> Dossier:
    """The applicant gives up a request that is not decided yet."""
    require_action(_lock(dossier), actor, A.WITHDRAW)
    return transition_dossier(dossier, to=S.WITHDRAWN, actor=actor, note=reason)


@transaction.atomic(durable=True)
def answer_information_request(
    dossier: Dossier,
    *,
    actor: Actor,
    message: str,
    uploads: list[tuple[str, UploadedFile]] | None = None,
) -> Dossier:
    """The applicant answers the ministry's question, with documents if asked; review resumes."""
    locked = _lock(dossier)
    require_action(locked, actor, A.PROVIDE_INFORMATION)
    if not message.strip() and not uploads:
        raise InvalidInput(
            _("Write your answer or add a document."),
            errors={"message": [_("Write your answer or add a document.")]},
        )
    for field_name, upload in uploads or []:
        _attach_document(dossier, actor=actor, field_name=field_name, upload=upload)
    if message.strip():
        _event(locked, EventKind.MESSAGE_FROM_APPLICANT, actor, public=True, text=message.strip())
    return transition_dossier(dossier, to=S.IN_REVIEW, actor=actor)


@transaction.atomic(durable=True)
def send_message_to_ministry(dossier: Dossier, *, actor: Actor, message: str) -> DossierEvent:
    """A message from the applicant on an open dossier."""
    locked = _lock(dossier)
    require_action(locked, actor, A.WRITE_TO_MINISTRY)
    if not message.strip():
        raise InvalidInput(_("Write your message."), errors={"message": [_("Write your message.")]})
    event = _event(locked, EventKind.MESSAGE_FROM_APPLICANT, actor, public=True, text=message.strip())
    audit.record(actor, "dossier.message_sent", locked, {"reference": locked.reference})
    return event


# --- processing (staff) ------------------------------------------------------------------


def _required_text(text: str, message: str) -> str:
    if not text.strip():
        raise InvalidInput(message, errors={"text": [message]})
    return text.strip()


@transaction.atomic(durable=True)
def assign_dossier(dossier: Dossier, *, actor: Actor, assignee: User | None) -> Dossier:
    """Give a dossier to an agent: oneself (take it), or anyone of the unit for a supervisor."""
    locked = _lock(dossier)
    taking = assignee is not None and assignee == actor.user
    require_action(locked, actor, A.TAKE if taking else A.ASSIGN)
    if assignee is not None and not staff_can(assignee, locked, Permission.PROCESS):
        raise InvalidInput(_("This person cannot process files of this unit."))
    locked.assigned_to = assignee
    locked.save(update_fields=["assigned_to", "updated_at"])
    text = assignee.display_name if assignee else ""
    _event(locked, EventKind.ASSIGNED, actor, public=False, text=text)
    audit.record(
        actor,
        "dossier.assigned",
        locked,
        {
            "reference": locked.reference,
            "to": assignee.username if assignee else None,
            "by": actor.user.username if actor.user else None,
        },
    )
    dossier.assigned_to = assignee
    return locked


@transaction.atomic(durable=True)
def request_information(dossier: Dossier, *, actor: Actor, message: str) -> Dossier:
    """Ask the applicant for more; the SLA clock stops until they answer."""
    locked = _lock(dossier)
    require_action(locked, actor, A.REQUEST_INFO)
    text = _required_text(message, _("Say what the applicant must send or explain."))
    _event(locked, EventKind.MESSAGE_TO_APPLICANT, actor, public=True, text=text)
    return transition_dossier(dossier, to=S.INFO_REQUESTED, actor=actor)


@transaction.atomic(durable=True)
def approve_dossier(dossier: Dossier, *, actor: Actor, note: str = "") -> Dossier:
    """Grant the request, once every point of the service's review checklist is ticked."""
    locked = _lock(dossier)
    require_action(locked, actor, A.APPROVE)
    _require_checklist_ticked(locked, _("Tick every point of the checklist before approving."))
    issues = locked.definition.issues
    if issues is None or issues.type not in document_issuers:
        return transition_dossier(dossier, to=S.APPROVED, actor=actor, note=note.strip())
    # The service issues a document (a signed permit): made in this transaction, then the file is
    # issued; the applicant sees one step, "approved and issued", with the note.
    approved = transition_dossier(dossier, to=S.APPROVED, actor=actor, note=note.strip(), public=False)
    document_issuers[issues.type](approved, actor)
    return transition_dossier(dossier, to=S.ISSUED, actor=actor, note=note.strip())


@transaction.atomic(durable=True)
def reject_dossier(
    dossier: Dossier, *, actor: Actor, reason: str, failed_points: list[str] | tuple[str, ...] = ()
) -> Dossier:
    """Refuse the request; the applicant is told why, and which points of the checklist failed."""
    locked = _lock(dossier)
    require_action(locked, actor, A.REJECT)
    text = _required_text(reason, _("Give the reason for the refusal: the applicant will read it."))
    known = [point.key for point in locked.definition.checklist]
    if any(key not in known for key in failed_points):
        message = _("Choose the failed points from the checklist of this service.")
        raise InvalidInput(message, errors={"failed_points": [message]})
    failed = [key for key in known if key in failed_points]  # in the checklist's order, once each
    return transition_dossier(
        dossier, to=S.REJECTED, actor=actor, note=text, data={"failed_points": failed} if failed else None
    )


@transaction.atomic(durable=True)
def answer_dossier(dossier: Dossier, *, actor: Actor, answer: str) -> Dossier:
    """Answer a request that calls for a reply, not a decision (a suggestion); the file is then answered."""
    require_action(_lock(dossier), actor, A.ANSWER)
    text = _required_text(answer, _("Write the answer: the applicant will read it."))
    return transition_dossier(dossier, to=S.ANSWERED, actor=actor, note=text)


@transaction.atomic(durable=True)
def send_message_to_applicant(dossier: Dossier, *, actor: Actor, message: str) -> DossierEvent:
    """A message from the ministry that does not change the state."""
    locked = _lock(dossier)
    require_action(locked, actor, A.MESSAGE)
    text = _required_text(message, _("Write the message."))
    event = _event(locked, EventKind.MESSAGE_TO_APPLICANT, actor, public=True, text=text)
    audit.record(actor, "dossier.message_sent", locked, {"reference": locked.reference})
    _notify_applicant(locked, "dossier_message")
    return event


@transaction.atomic(durable=True)
def add_internal_note(dossier: Dossier, *, actor: Actor, text: str) -> DossierEvent:
    """A note for colleagues; the applicant never sees it."""
    locked = _lock(dossier)
    require_action(locked, actor, A.NOTE)
    event = _event(
        locked, EventKind.INTERNAL_NOTE, actor, public=False, text=_required_text(text, _("Write the note."))
    )
    audit.record(actor, "dossier.note_added", locked, {"reference": locked.reference})
    return event


def record_staff_read(dossier: Dossier, *, actor: Actor, what: str = "dossier") -> None:
    """Sensitive reads leave a trace: confidential files and every document download."""
    if what != "dossier" or dossier.definition.confidentiality == Confidentiality.RESTRICTED:
        audit.record(actor, f"{what}.viewed", dossier, {"reference": dossier.reference})


# --- payment (asked for by guichet.payments) -----------------------------------------------


@transaction.atomic
def record_payment(dossier: Dossier, *, payment_reference: str, amount: int, actor: Actor) -> Dossier:
    """A payment the gateway confirmed: awaiting payment → paid → in review (a quote too).

    Called by `guichet.payments.services`, inside its transaction, once the payment row is
    locked and its success verified; the dossier is locked here and moved through the gate.
    """
    locked = _lock(dossier)
    if locked.state != S.AWAITING_PAYMENT:
        raise TransitionNotAllowed(DossierState(locked.state).label, S.PAID.label)
    note = _("Payment %(reference)s received: %(amount)s FCFA.") % {
        "reference": payment_reference,
        "amount": f"{amount:,}".replace(",", "\u202f"),
    }
    transition_dossier(locked, to=S.PAID, actor=actor, note=note)
    return transition_dossier(locked, to=S.IN_REVIEW, actor=actor)


# --- the review checklist ------------------------------------------------------------------


def checklist_ticks(dossier: Dossier) -> dict[str, ChecklistTick]:
    """Where each point of the checklist stands for a dossier: its last tick, by key."""
    return {tick.key: tick for tick in dossier.checklist_ticks.select_related("by")}


def unticked_points(dossier: Dossier) -> list[str]:
    """Labels of the checklist points not ticked yet, in the reader's language."""
    ticks = checklist_ticks(dossier)
    return [
        bilingual(point.label)
        for point in dossier.definition.checklist
        if point.key not in ticks or not ticks[point.key].ticked
    ]


def _require_checklist_ticked(dossier: Dossier, message: str) -> None:
    missing = unticked_points(dossier)
    if missing:
        text = _("%(message)s Not ticked: %(points)s.") % {"message": message, "points": "; ".join(missing)}
        raise InvalidInput(text, errors={"checklist": [text]})


@transaction.atomic(durable=True)
def tick_checklist(dossier: Dossier, *, actor: Actor, ticked: list[str] | tuple[str, ...]) -> list[str]:
    """Record where the agent stands on each point: `ticked` are the keys ticked, the others are not.

    Only changes are recorded (who and when, on the internal timeline and in the audit log).
    Returns the keys that changed.
    """
    locked = _lock(dossier)
    require_action(locked, actor, A.TICK_CHECKLIST)
    points = {point.key: point for point in locked.definition.checklist}
    if any(key not in points for key in ticked):
        raise InvalidInput(_("Tick only points of this service's checklist."))
    user = actor.user
    if user is None:
        raise PermissionRefused()
    current = checklist_ticks(locked)
    changed = []
    now = timezone.now()
    for key, point in points.items():
        wanted = key in ticked
        before = current.get(key)
        if (before.ticked if before else False) == wanted:
            continue
        ChecklistTick.objects.update_or_create(
            dossier=locked, key=key, defaults={"ticked": wanted, "by": user, "at": now}
        )
        label = bilingual(point.label)
        text = (_("Ticked: %(point)s") if wanted else _("Unticked: %(point)s")) % {"point": label}
        _event(
            locked,
            EventKind.CHECKLIST_TICKED,
            actor,
            public=False,
            text=text,
            data={"key": key, "ticked": wanted},
        )
        changed.append(key)
    if changed:
        audit.record(
            actor,
            "dossier.checklist_ticked",
            locked,
            {
                "reference": locked.reference,
                "ticked": [key for key in changed if key in ticked],
                "unticked": [key for key in changed if key not in ticked],
            },
        )
    return changed
