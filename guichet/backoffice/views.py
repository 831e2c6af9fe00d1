"""Back-office pages: the queue, a dossier and the actions on it.

Views parse, call a use case of `guichet.dossiers.services`, and render. Which dossiers a
staff member may see comes from `guichet.dossiers.access`; what they may do to one comes
from `guichet.dossiers.actions.available_actions`, which each use case enforces again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.http import FileResponse, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
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
from guichet.dossiers.actions import STAFF_ACTIONS, ActionName, available_actions, require_action
from guichet.dossiers.models import Dossier, DossierQuerySet
from guichet.dossiers.states import DossierState

QUEUE_PAGE_SIZE = 25


def _query_string(params: QueryDict, **changes: str | None) -> str:
    """The current filters with some changed (None removes one); the page number is always reset."""
    query = params.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


# --- the queue ----------------------------------------------------------------------------

# A search of this many digits or more, and nothing else, may be part of a phone number.
PHONE_MIN_DIGITS = 6


def _search(queryset: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    """Dossiers whose reference, applicant's name or phone number contains what was typed.

    References are stored as SUG-7K3M-9QXT and typed with or without dashes; phones are
    stored as +22890000001 and typed with spaces. Each word of a name must match the first
    or last name. Anonymous filers are never found by a name or a phone number.
    """
    text = text.strip()
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if not compact:
        return queryset
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits == compact:
        # Only digits: a phone number (or a part of a reference), never a name.
        person = (
            Q(contact_kind="phone", contact_value__contains=digits)
            if len(digits) >= PHONE_MIN_DIGITS
            else Q(pk__in=[])
        )
    else:
        person = Q()
        for word in text.split():
            person &= Q(applicant__first_name__icontains=word) | Q(applicant__last_name__icontains=word)
    return queryset.annotate(compact_reference=Replace(F("reference"), Value("-"), Value(""))).filter(
        Q(compact_reference__contains=compact) | (Q(anonymous=False) & person)
    )


def _filter_choices(staff: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    services = [(service.code, service.title) for service in services_for_staff(staff)]
    units = sorted(((str(unit.pk), bilingual(unit)) for unit in units_for_staff(staff)), key=lambda c: c[1])
    return services, units


@dataclass(frozen=True)
class QueueRow:
    dossier: Dossier
    days_left: int | None
    overdue: bool
    paused: bool
    # The applicant answered or wrote and no staff member has acted since.
    news: bool


@require_GET
@staff_required(Permission.VIEW)
def queue(request: StaffRequest) -> HttpResponse:
    """The dossiers of the staff member's units, newest first, with filters that work without JavaScript."""
    staff = request.staff
    today = timezone.localdate()
    services, units = _filter_choices(staff)
    form = QueueFilterForm(request.GET or None, services=services, units=units)
    filters = form.filters()
    dossiers_qs = dossiers_for_staff(staff)
    if filters.get("q"):
        dossiers_qs = _search(dossiers_qs, filters["q"])
    if filters.get("service"):
        dossiers_qs = dossiers_qs.filter(service__code=filters["service"])
    if filters.get("unit"):
        dossiers_qs = dossiers_qs.filter(unit_id=int(filters["unit"]))
    if filters.get("assignment") == QueueFilterForm.ASSIGNED_TO_ME:
        dossiers_qs = dossiers_qs.filter(assigned_to=staff)
    elif filters.get("assignment") == QueueFilterForm.UNASSIGNED:
        dossiers_qs = dossiers_qs.filter(assigned_to__isnull=True)
    if filters.get("overdue"):
        dossiers_qs = cast(DossierQuerySet, dossiers_qs).overdue(today)
    if filters.get("news"):
        dossiers_qs = cast(DossierQuerySet, dossiers_qs).with_applicant_news()
    # Counts follow every filter but the state, so each count is the size of the list it links to.
    by_state = dict(
        dossiers_qs.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    counts = [
        {
            "state": state,
            "count": by_state[state.value],
            "url": "?" + _query_string(request.GET, state=state.value),
            "current": filters.get("state") == state.value,
        }
        for state in DossierState
        if by_state.get(state.value)
    ]
    if filters.get("state"):
        dossiers_qs = dossiers_qs.filter(state=filters["state"])
    page = Paginator(dossiers_qs.order_by("-submitted_at", "-pk"), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for dossier in page.object_list:
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
    return render(
        request,
        "backoffice/queue.html",
        {
            "form": form,
            "filtered": bool(filters),
            "rows": rows,
            "page": page,
            "counts": counts,
            "total": sum(by_state.values()),
            "all_states_url": "?" + _query_string(request.GET, state=None),
            "page_query": _query_string(request.GET),
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
