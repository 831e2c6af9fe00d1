"""Back-office pages: the queue, a dossier and the actions on it (the outbox is in outbox.py).

Views parse, call a use case of `guichet.dossiers.services`, and render. Which dossier a
staff member may see comes from `guichet.dossiers.access`; what they may do to it is
decided by the use case (the forms shown are only a courtesy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, QuerySet, Value
from django.db.models.functions import Replace
from django.http import FileResponse, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.models import User
from guichet.accounts.roles import ROLE_PERMISSIONS, Permission
from guichet.backoffice import display
from guichet.backoffice.decorators import StaffRequest, forbidden, not_found, staff_required
from guichet.backoffice.forms import (
    ActionForm,
    ApproveForm,
    AssignForm,
    CloseForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    RejectForm,
    RequestInfoForm,
)
from guichet.catalog.models import Service, ServiceVersion
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from guichet.dossiers import services as dossiers
from guichet.dossiers.access import dossiers_for_staff, get_dossier_for_staff
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


def _search_reference(queryset: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    # References are stored as SUG-7K3M-9QXT; people type them with or without dashes.
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if not compact:
        return queryset
    return queryset.annotate(compact_reference=Replace(F("reference"), Value("-"), Value(""))).filter(
        compact_reference__contains=compact
    )


def _filter_choices(staff: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    view_units = staff.units_with(Permission.VIEW)
    cleared = staff.units_with(Permission.VIEW_RESTRICTED)
    # A subquery, not a JSON lookup inside exclude(): a file without the key would read as NULL
    # and hide its service (the same care as in dossiers_for_staff).
    restricted = ServiceVersion.objects.filter(data__confidentiality="restricted").values("pk")
    services = (
        Service.objects.filter(unit_id__in=view_units)
        .exclude(current_version__in=restricted, unit_id__in=set(view_units) - set(cleared))
        .order_by("position", "code")
    )
    units = {m.unit_id: m.unit for m in staff.memberships.all() if m.unit_id in view_units}
    return (
        [(service.code, service.title) for service in services],
        sorted(
            ((str(pk), display.localized(unit)) for pk, unit in units.items()), key=lambda choice: choice[1]
        ),
    )


@dataclass(frozen=True)
class QueueRow:
    dossier: Dossier
    days_left: int | None
    overdue: bool
    paused: bool


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
        dossiers_qs = _search_reference(dossiers_qs, filters["q"])
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


@dataclass(frozen=True)
class Action:
    """One thing a staff member can do to a dossier: the right it needs and its form."""

    name: str
    permission: Permission
    form_class: type[ActionForm] | None


ACTIONS = {
    action.name: action
    for action in (
        Action("take", Permission.PROCESS, None),
        Action("assign", Permission.ASSIGN, AssignForm),
        Action("request_info", Permission.PROCESS, RequestInfoForm),
        Action("approve", Permission.DECIDE, ApproveForm),
        Action("reject", Permission.DECIDE, RejectForm),
        Action("close", Permission.DECIDE, CloseForm),
        Action("message", Permission.PROCESS, MessageForm),
        Action("note", Permission.PROCESS, NoteForm),
    )
}


def _offered_actions(staff: User, dossier: Dossier) -> set[str]:
    """The actions worth offering now: the use cases still decide when the form is sent."""
    can = {permission: dossiers.staff_can(staff, dossier, permission) for permission in Permission}
    in_review = dossier.state == DossierState.IN_REVIEW
    answer_closes = dossier.definition.answer_closes
    offered = {
        "take": can[Permission.PROCESS] and dossier.is_open and dossier.assigned_to_id != staff.pk,
        "assign": can[Permission.ASSIGN] and dossier.is_open,
        "request_info": can[Permission.PROCESS] and in_review,
        "approve": can[Permission.DECIDE] and in_review and not answer_closes,
        "reject": can[Permission.DECIDE] and in_review and not answer_closes,
        "close": can[Permission.DECIDE] and in_review and answer_closes,
        "message": can[Permission.PROCESS] and dossier.state != DossierState.WITHDRAWN,
        "note": can[Permission.PROCESS],
    }
    return {name for name, yes in offered.items() if yes}


def _assign_candidates(dossier: Dossier) -> list[User]:
    """Active staff of the dossier's unit who may process it."""
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if Permission.PROCESS in permissions]
    users = (
        User.objects.filter(
            is_active=True, is_staff_member=True, memberships__unit=dossier.unit, memberships__role__in=roles
        )
        .distinct()
        .prefetch_related("memberships")
        .order_by("last_name", "first_name", "username")
    )
    return [user for user in users if dossiers.staff_can(user, dossier, Permission.PROCESS)]


def _new_form(name: str, dossier: Dossier, data: QueryDict | None = None) -> ActionForm | None:
    form_class = ACTIONS[name].form_class
    if form_class is None:
        return None
    if form_class is AssignForm:
        return AssignForm(data, candidates=_assign_candidates(dossier))
    return form_class(data)


def _dossier_page(
    request: StaffRequest, dossier: Dossier, *, failed: ActionForm | None = None
) -> HttpResponse:
    staff = request.staff
    # Reading a confidential file leaves a trace, and so does seeing it again after a failed form.
    dossiers.record_staff_read(dossier, actor=Actor.for_user(staff))
    offered = _offered_actions(staff, dossier)
    if failed is not None:
        offered.add(failed.prefix_name)
    action_forms = {name: _new_form(name, dossier) for name in offered}
    if failed is not None:
        action_forms[failed.prefix_name] = failed
    today = timezone.localdate()
    days_left = dossier.working_days_left(today)
    context: dict[str, Any] = {
        "dossier": dossier,
        "definition": dossier.definition,
        "state": DossierState(dossier.state),
        "confidential": dossier.definition.confidentiality == "restricted",
        "answers": display.answer_sections(dossier),
        "documents": display.document_sections(dossier),
        "applicant": display.applicant_of(dossier),
        "fee_lines": [
            {"label": display.localized(line.get("label") or {}), "amount": line.get("amount", 0)}
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


def _act(
    request: StaffRequest,
    reference: str,
    action_name: str,
    perform: Callable[[Dossier, Actor, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Run one action: find the dossier, check the form, call the use case, say what happened."""
    action = ACTIONS[action_name]
    staff = request.staff
    try:
        dossier = get_dossier_for_staff(staff, reference)
    except NotFound:
        return not_found(request)
    if not dossiers.staff_can(staff, dossier, action.permission):
        return forbidden(request)
    form = _new_form(action_name, dossier, request.POST)
    if form is None or form.is_valid():
        try:
            perform(dossier, Actor.for_user(staff), form.cleaned_data if form is not None else {})
        except PermissionRefused as exc:
            return forbidden(request, str(exc))
        except InvalidInput as exc:
            # What the person typed is kept: the page comes back with the message above the form.
            if form is not None:
                form.add_error(None, str(exc))
            else:
                messages.error(request, str(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
    if form is not None and form.errors:
        return _dossier_page(request, dossier, failed=form)
    return redirect("backoffice:dossier", reference=dossier.reference)


@require_POST
@staff_required(Permission.PROCESS)
def take(request: StaffRequest, reference: str) -> HttpResponse:
    """Assign the dossier to oneself."""
    return _act(
        request,
        reference,
        "take",
        lambda dossier, actor, data: dossiers.assign_dossier(dossier, actor=actor, assignee=actor.user),
        _("The file is assigned to you."),
    )


@require_POST
@staff_required(Permission.ASSIGN)
def assign(request: StaffRequest, reference: str) -> HttpResponse:
    """A supervisor gives the dossier to a colleague of the unit (or back to the queue)."""
    return _act(
        request,
        reference,
        "assign",
        lambda dossier, actor, data: dossiers.assign_dossier(dossier, actor=actor, assignee=data["assignee"]),
        _("The assignment is saved."),
    )


@require_POST
@staff_required(Permission.PROCESS)
def request_info(request: StaffRequest, reference: str) -> HttpResponse:
    """Ask the applicant for more information; the deadline pauses."""
    return _act(
        request,
        reference,
        "request_info",
        lambda dossier, actor, data: dossiers.request_information(
            dossier, actor=actor, message=data["message"]
        ),
        _("Your request was sent to the applicant. The deadline is paused until they answer."),
    )


@require_POST
@staff_required(Permission.DECIDE)
def approve(request: StaffRequest, reference: str) -> HttpResponse:
    """Grant the request."""
    return _act(
        request,
        reference,
        "approve",
        lambda dossier, actor, data: dossiers.approve_dossier(dossier, actor=actor, note=data["note"]),
        _("The request is approved. The applicant is told."),
    )


@require_POST
@staff_required(Permission.DECIDE)
def reject(request: StaffRequest, reference: str) -> HttpResponse:
    """Refuse the request, with the reason the applicant will read."""
    return _act(
        request,
        reference,
        "reject",
        lambda dossier, actor, data: dossiers.reject_dossier(dossier, actor=actor, reason=data["reason"]),
        _("The request is rejected. The applicant is told why."),
    )


@require_POST
@staff_required(Permission.DECIDE)
def close(request: StaffRequest, reference: str) -> HttpResponse:
    """Answer a request that calls for a reply (a suggestion) and close it."""
    return _act(
        request,
        reference,
        "close",
        lambda dossier, actor, data: dossiers.close_dossier(dossier, actor=actor, answer=data["answer"]),
        _("The answer was sent and the request is closed."),
    )


@require_POST
@staff_required(Permission.PROCESS)
def message(request: StaffRequest, reference: str) -> HttpResponse:
    """Write to the applicant without changing the state."""
    return _act(
        request,
        reference,
        "message",
        lambda dossier, actor, data: dossiers.send_message_to_applicant(
            dossier, actor=actor, message=data["message"]
        ),
        _("The message was sent to the applicant."),
    )


@require_POST
@staff_required(Permission.PROCESS)
def note(request: StaffRequest, reference: str) -> HttpResponse:
    """Leave a note for colleagues; the applicant never sees it."""
    return _act(
        request,
        reference,
        "note",
        lambda dossier, actor, data: dossiers.add_internal_note(dossier, actor=actor, text=data["text"]),
        _("The internal note is saved."),
    )
