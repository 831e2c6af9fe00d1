"""Back-office pages: the queue, a dossier and the actions on it.

Views parse, call a use case of `guichet.dossiers.services`, and render. Which dossiers a
staff member may see comes from `guichet.dossiers.access`; what they may do to one comes
from `guichet.dossiers.actions.available_actions`, which each use case enforces again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core import signing
from django.db.models import Q
from django.http import FileResponse, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.models import User
from guichet.accounts.roles import Permission
from guichet.backoffice import display
from guichet.backoffice.decorators import StaffRequest, forbidden, not_found, staff_required
from guichet.backoffice.forms import (
    ActionForm,
    AnswerForm,
    ApproveForm,
    AssignForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    RejectForm,
    RequestInfoForm,
)
from guichet.catalog.definition import Confidentiality
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from guichet.core.text import bilingual
from guichet.dossiers import services as dossiers
from guichet.dossiers.access import (
    assignable_staff,
    dossiers_for_staff,
    get_dossier_for_staff,
    services_for_staff,
    units_for_staff,
)
from guichet.dossiers.actions import (
    STAFF_ACTIONS,
    ActionName,
    available_actions,
    require_action,
    states_of_service,
)
from guichet.dossiers.models import Dossier, DossierQuerySet
from guichet.dossiers.references import ALPHABET as REFERENCE_ALPHABET
from guichet.dossiers.states import OPEN_STATES, DossierState

QUEUE_PAGE_SIZE = 25
# Counts stop here: above it the page says "more than 1,000" (decision 0014).
COUNT_CAP = 1000
# A name matching more accounts than this is searched through a subquery instead of a list.
NAME_MATCH_LIST_MAX = 500
CURSOR_SALT = "guichet.backoffice.queue.cursor"
AFTER, BEFORE = "a", "b"


def _query_string(params: QueryDict, **changes: str | None) -> str:
    """The current filters with some changed (None removes one); the position in the list is always reset."""
    query = params.copy()
    query.pop("cursor", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


# --- the queue ----------------------------------------------------------------------------

# A search of this many digits or more, and nothing else, may be part of a phone number.
PHONE_MIN_DIGITS = 6
# Shorter parts of a reference match too much to be useful, and no trigram index serves them.
REFERENCE_MIN_CHARS = 3
PREFIX_LENGTH, REFERENCE_KEY_LENGTH = 3, 11


def _may_be_in_a_reference(compact: str) -> bool:
    """Whether `compact` can be part of a reference key: three letters, then Crockford base 32.

    A name such as ADJOVI cannot (no I, L, O or U after the prefix), and is then not looked
    for among references at all: a trigram search of a million references costs more than
    the name search it would accompany.
    """
    if not REFERENCE_MIN_CHARS <= len(compact) <= REFERENCE_KEY_LENGTH:
        return False
    for start in range(PREFIX_LENGTH + 1):  # where `compact` begins in the key
        head, tail = compact[: PREFIX_LENGTH - start], compact[PREFIX_LENGTH - start :]
        fits = len(compact) <= REFERENCE_KEY_LENGTH - start
        if fits and (not head or head.isalpha()) and all(ch in REFERENCE_ALPHABET for ch in tail):
            return True
    return False


def _search(queryset: DossierQuerySet, text: str) -> DossierQuerySet:
    """Dossiers whose reference, applicant's name or phone number contains what was typed.

    References are matched on `reference_key` (no dashes, upper case) and typed with or
    without dashes; phones are stored as +22890000001 and typed with spaces. Each word of a
    name must match the first or last name. Anonymous filers are never found by a name or
    a phone number. On PostgreSQL each part is served by a trigram index (migration 0007);
    the matching accounts are looked up first, so the dossier query is an OR of index scans.
    """
    text = text.strip()
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if not compact:
        return queryset
    digits = "".join(ch for ch in text if ch.isdigit())
    nothing = Q(pk__in=[])
    if digits == compact:
        # Only digits: a phone number (or a part of a reference), never a name.
        person = (
            Q(contact_kind="phone", contact_value__contains=digits)
            if len(digits) >= PHONE_MIN_DIGITS
            else nothing
        )
    else:
        named = Q()
        for word in text.split():
            named &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        accounts = User.objects.filter(named).values("pk")
        found = list(accounts[: NAME_MATCH_LIST_MAX + 1])
        if len(found) > NAME_MATCH_LIST_MAX:
            person = Q(applicant__in=accounts)
        else:
            person = Q(applicant_id__in=[row["pk"] for row in found]) if found else nothing
    reference = Q(reference_key__contains=compact) if _may_be_in_a_reference(compact) else nothing
    return queryset.filter(reference | (Q(anonymous=False) & person))


def _filter_choices(staff: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, int]]:
    """The service and unit choices, and each offered service's id (the filter then needs no join)."""
    offered = list(services_for_staff(staff))
    services = [(service.code, service.title) for service in offered]
    units = sorted(((str(unit.pk), bilingual(unit)) for unit in units_for_staff(staff)), key=lambda c: c[1])
    return services, units, {service.code: service.pk for service in offered}


@dataclass(frozen=True)
class QueueRow:
    dossier: Dossier
    days_left: int | None
    overdue: bool
    paused: bool
    # The applicant answered or wrote and no staff member has acted since.
    news: bool


@dataclass(frozen=True)
class Cursor:
    """A position in the queue's order: the rows after (or before) this date and id."""

    direction: str
    submitted_at: dt.datetime
    pk: int

    def encode(self) -> str:
        return signing.dumps([self.direction, self.submitted_at.isoformat(), self.pk], salt=CURSOR_SALT)

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """The cursor of a link we made, or None (then the first page) for anything else."""
        if not raw:
            return None
        try:
            direction, submitted_at, pk = signing.loads(raw, salt=CURSOR_SALT)
            cursor = cls(str(direction), dt.datetime.fromisoformat(submitted_at), int(pk))
        except (signing.BadSignature, TypeError, ValueError):
            return None
        return (
            cursor if cursor.direction in (AFTER, BEFORE) and timezone.is_aware(cursor.submitted_at) else None
        )


@dataclass(frozen=True)
class QueuePage:
    rows: list[Dossier]
    previous: Cursor | None
    next: Cursor | None


def _seek(queryset: DossierQuerySet, cursor: Cursor | None, size: int) -> QueuePage:
    """One page in the order (submitted_at, id) descending, from a cursor: no OFFSET, no COUNT.

    The `<=` bound on the date is what an index range scan starts from; the OR only
    discards rows of the same instant already shown.
    """
    if cursor is None or cursor.direction == AFTER:
        if cursor is not None:
            at, pk = cursor.submitted_at, cursor.pk
            queryset = queryset.filter(
                Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(submitted_at=at, pk__lt=pk))
            )
        rows = list(queryset.order_by("-submitted_at", "-pk")[: size + 1])
        has_more, rows = len(rows) > size, rows[:size]
        has_before, has_after = cursor is not None, has_more
    else:
        at, pk = cursor.submitted_at, cursor.pk
        queryset = queryset.filter(
            Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(submitted_at=at, pk__gt=pk))
        )
        rows = list(queryset.order_by("submitted_at", "pk")[: size + 1])
        has_more, rows = len(rows) > size, rows[:size][::-1]
        has_before, has_after = has_more, True
    if not rows:
        return QueuePage(rows, None, None)
    first, last = rows[0], rows[-1]
    return QueuePage(
        rows,
        previous=Cursor(BEFORE, cast(dt.datetime, first.submitted_at), first.pk) if has_before else None,
        next=Cursor(AFTER, cast(dt.datetime, last.submitted_at), last.pk) if has_after else None,
    )


def _count_label(count: int) -> str:
    if count > COUNT_CAP:
        return _("more than %(number)s") % {"number": number_format(COUNT_CAP, force_grouping=True)}
    return number_format(count, force_grouping=True)


def _countable_states(filters: dict[str, Any], service_ids: dict[str, int]) -> list[DossierState]:
    """The states the filtered files can be in, in the table's order.

    Overdue files and news are open files, and a service's workflow reaches only some
    endings. A count for a state that cannot occur still costs a walk of the table when the
    planner expects rows there (a decided service's "answered" files: decision 0014).
    """
    possible = set(DossierState) - {DossierState.DRAFT}
    if filters.get("overdue") or filters.get("news"):
        possible &= OPEN_STATES
    if filters.get("service"):
        possible &= states_of_service(service_ids[filters["service"]])
    return [state for state in DossierState if state in possible]


@require_GET
@staff_required(Permission.VIEW)
def queue(request: StaffRequest) -> HttpResponse:
    """The dossiers of the staff member's units, newest first, with filters that work without JavaScript."""
    staff = request.staff
    today = timezone.localdate()
    services, units, service_ids = _filter_choices(staff)
    form = QueueFilterForm(request.GET or None, services=services, units=units)
    filters = form.filters()
    dossiers_qs = dossiers_for_staff(staff)
    if filters.get("q"):
        dossiers_qs = _search(dossiers_qs, filters["q"])
    if filters.get("service"):
        # By id, not through a join on the code: the service index then yields rows in order.
        dossiers_qs = dossiers_qs.filter(service_id=service_ids[filters["service"]])
    if filters.get("unit"):
        dossiers_qs = dossiers_qs.filter(unit_id=int(filters["unit"]))
    if filters.get("assignment") == QueueFilterForm.ASSIGNED_TO_ME:
        dossiers_qs = dossiers_qs.filter(assigned_to=staff)
    elif filters.get("assignment") == QueueFilterForm.UNASSIGNED:
        dossiers_qs = dossiers_qs.filter(assigned_to__isnull=True)
    if filters.get("overdue"):
        dossiers_qs = dossiers_qs.overdue(today)
    if filters.get("news"):
        dossiers_qs = dossiers_qs.with_applicant_news()
    # Counts follow every filter but the state, so each count is the size of the list it links to.
    filed_states = _countable_states(filters, service_ids)
    by_state: dict[str, int | None] = {**dossiers_qs.sample_counts(COUNT_CAP)}
    total = sum(n or 0 for n in by_state.values())
    broad_search = total > COUNT_CAP and bool(filters.get("q"))
    if broad_search:
        # A search this broad is typed again, not read by state: the states found are
        # offered without a figure, rather than counting each one through the search.
        by_state = dict.fromkeys(by_state)
    elif total > COUNT_CAP:
        total, exact = dossiers_qs.capped_counts([state.value for state in filed_states], COUNT_CAP)
        by_state = {**exact}
    counts = [
        {
            "state": state,
            "count": _count_label(count) if count is not None else "",
            "url": "?" + _query_string(request.GET, state=state.value),
            "current": filters.get("state") == state.value,
        }
        for state in filed_states
        if (count := by_state.get(state.value, 0)) != 0
    ]
    listed = total
    if filters.get("state"):
        dossiers_qs = dossiers_qs.filter(state=filters["state"])
        known = None if broad_search else by_state.get(filters["state"], 0)
        listed = known if known is not None else sum(dossiers_qs.sample_counts(COUNT_CAP).values())
    page = _seek(dossiers_qs.for_queue_list(), Cursor.decode(request.GET.get("cursor")), QUEUE_PAGE_SIZE)
    rows = []
    for dossier in page.rows:
        days_left = dossier.working_days_left(today)
        rows.append(
            QueueRow(
                dossier,
                days_left,
                overdue=days_left is not None and days_left < 0,
                paused=bool(dossier.paused_on),
                news=dossier.has_applicant_news,
            )
        )
    page_query = _query_string(request.GET)
    prefix = f"?{page_query}&" if page_query else "?"
    return render(
        request,
        "backoffice/queue.html",
        {
            "form": form,
            "filtered": bool(filters),
            "rows": rows,
            "counts": counts,
            "total": _count_label(total),
            "listed": listed,
            "listed_capped": listed > COUNT_CAP,
            "cap": COUNT_CAP,
            "previous_url": prefix + urlencode({"cursor": page.previous.encode()}) if page.previous else "",
            "next_url": prefix + urlencode({"cursor": page.next.encode()}) if page.next else "",
            "all_states_url": "?" + _query_string(request.GET, state=None),
        },
    )


# --- one dossier ---------------------------------------------------------------------------

Perform = Callable[[Dossier, Actor, dict[str, Any]], object]


@dataclass(frozen=True)
class Action:
    """One thing staff can do to a dossier: its form, the use case it calls, what it says when done.

    The right it needs and when it is possible are the domain's (`dossiers.actions`).
    """

    name: ActionName
    form_class: type[ActionForm] | None
    perform: Perform
    done: str | Promise

    @property
    def permission(self) -> Permission:
        return STAFF_ACTIONS[self.name]

    def form(self, dossier: Dossier, data: QueryDict | None = None) -> ActionForm | None:
        if self.form_class is None:
            return None
        if self.form_class is AssignForm:
            return AssignForm(data, candidates=assignable_staff(dossier))
        return self.form_class(data)


A = ActionName
ACTIONS: dict[str, Action] = {
    action.name.value: action
    for action in (
        Action(
            A.TAKE,
            None,
            lambda dossier, actor, data: dossiers.assign_dossier(dossier, actor=actor, assignee=actor.user),
            _("The file is assigned to you."),
        ),
        Action(
            A.ASSIGN,
            AssignForm,
            lambda dossier, actor, data: dossiers.assign_dossier(
                dossier, actor=actor, assignee=data["assignee"]
            ),
            _("The assignment is saved."),
        ),
        Action(
            A.REQUEST_INFO,
            RequestInfoForm,
            lambda dossier, actor, data: dossiers.request_information(
                dossier, actor=actor, message=data["message"]
            ),
            _("Your request was sent to the applicant. The deadline is paused until they answer."),
        ),
        Action(
            A.APPROVE,
            ApproveForm,
            lambda dossier, actor, data: dossiers.approve_dossier(dossier, actor=actor, note=data["note"]),
            _("The request is approved. The applicant is told."),
        ),
        Action(
            A.REJECT,
            RejectForm,
            lambda dossier, actor, data: dossiers.reject_dossier(dossier, actor=actor, reason=data["reason"]),
            _("The request is rejected. The applicant is told why."),
        ),
        Action(
            A.ANSWER,
            AnswerForm,
            lambda dossier, actor, data: dossiers.answer_dossier(dossier, actor=actor, answer=data["answer"]),
            _("The answer was sent to the applicant."),
        ),
        Action(
            A.MESSAGE,
            MessageForm,
            lambda dossier, actor, data: dossiers.send_message_to_applicant(
                dossier, actor=actor, message=data["message"]
            ),
            _("The message was sent to the applicant."),
        ),
        Action(
            A.NOTE,
            NoteForm,
            lambda dossier, actor, data: dossiers.add_internal_note(dossier, actor=actor, text=data["text"]),
            _("The internal note is saved."),
        ),
    )
}


def _dossier_page(
    request: StaffRequest, dossier: Dossier, *, failed: ActionForm | None = None
) -> HttpResponse:
    staff = request.staff
    actor = Actor.for_user(staff)
    # Reading a confidential file leaves a trace, and so does seeing it again after a failed form.
    dossiers.record_staff_read(dossier, actor=actor)
    offered = {action.value for action in available_actions(dossier, actor) if action.value in ACTIONS}
    if failed is not None:
        offered.add(failed.prefix_name)
    action_forms = {name: ACTIONS[name].form(dossier) for name in offered}
    if failed is not None:
        action_forms[failed.prefix_name] = failed
    today = timezone.localdate()
    days_left = dossier.working_days_left(today)
    context: dict[str, Any] = {
        "dossier": dossier,
        "definition": dossier.definition,
        "state": DossierState(dossier.state),
        "confidential": dossier.definition.confidentiality == Confidentiality.RESTRICTED,
        "answers": display.answer_sections(dossier),
        "documents": display.document_sections(dossier),
        "applicant": display.applicant_of(dossier),
        "fee_lines": [
            {"label": bilingual(line.get("label")), "amount": line.get("amount", 0)}
            for line in dossier.fee_lines
        ],
        "timeline": display.timeline(dossier),
        "days_left": days_left,
        "overdue": days_left is not None and days_left < 0,
        "offered": offered,
        "forms": action_forms,
        "failed": failed,
        "assigned_to_me": dossier.assigned_to_id == staff.pk,
    }
    return render(request, "backoffice/dossier.html", context)


@require_GET
@staff_required(Permission.VIEW)
def dossier_detail(request: StaffRequest, reference: str) -> HttpResponse:
    """Everything about one dossier, and the actions the staff member may take on it."""
    try:
        dossier = get_dossier_for_staff(request.staff, reference)
    except NotFound:
        return not_found(request)
    return _dossier_page(request, dossier)


@require_GET
@staff_required(Permission.VIEW)
def document(request: StaffRequest, reference: str, pk: int) -> HttpResponseBase:
    """Download one document of a dossier (always as an attachment); every download is recorded."""
    try:
        dossier = get_dossier_for_staff(request.staff, reference)
    except NotFound:
        return not_found(request)
    stored = dossier.documents.filter(pk=pk).first()
    if stored is None:
        return not_found(request)
    try:
        handle = stored.file.open("rb")
    except OSError:
        return not_found(request)
    dossiers.record_staff_read(dossier, actor=Actor.for_user(request.staff), what="document")
    response = FileResponse(
        handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@staff_required(Permission.VIEW)
def act(request: StaffRequest, reference: str, action: str) -> HttpResponse:
    """Run one action of the table: find the dossier, check the form, call the use case, say what happened."""
    entry = ACTIONS.get(action)
    staff = request.staff
    try:
        if entry is None:
            raise NotFound()
        dossier = get_dossier_for_staff(staff, reference)
    except NotFound:
        return not_found(request)
    actor = Actor.for_user(staff)
    form = None
    try:
        # Before the form is read: someone without the right learns nothing from its errors.
        require_action(dossier, actor, entry.name)
        form = entry.form(dossier, request.POST)
        if form is not None and not form.is_valid():
            return _dossier_page(request, dossier, failed=form)
        entry.perform(dossier, actor, form.cleaned_data if form is not None else {})
    except PermissionRefused as exc:
        return forbidden(request, str(exc))
    except InvalidInput as exc:
        if form is not None:
            # What the person typed is kept: the page comes back with the message above the form.
            form.add_error(None, str(exc))
            return _dossier_page(request, dossier, failed=form)
        messages.error(request, str(exc))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(entry.done))
    return redirect("backoffice:dossier", reference=dossier.reference)
