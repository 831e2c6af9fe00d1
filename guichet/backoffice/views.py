"""Back-office pages for one dossier: what it holds, its documents, and the actions on it.

Views parse, call a use case of `guichet.dossiers.services`, and render. Which dossiers a
staff member may see comes from `guichet.dossiers.access`; what they may do to one comes
from `guichet.dossiers.actions.available_actions`, which each use case enforces again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.roles import Permission
from guichet.backoffice import display
from guichet.backoffice.decorators import StaffRequest, forbidden, not_found, staff_required
from guichet.backoffice.forms import (
    ActionForm,
    AnswerForm,
    ApproveForm,
    AssignForm,
    ChecklistForm,
    MessageForm,
    NoteForm,
    QuoteForm,
    RejectForm,
    RejectWithPointsForm,
    RequestInfoForm,
)
from guichet.catalog.definition import Confidentiality
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from guichet.core.text import bilingual
from guichet.dossiers import capacity, quotes
from guichet.dossiers import services as dossiers
from guichet.dossiers.access import (
    assignable_staff,
    get_dossier_for_staff,
)
from guichet.dossiers.actions import (
    STAFF_ACTIONS,
    ActionName,
    available_actions,
    require_action,
)
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState

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
    # What to add once done, as a warning (a day over the unit's capacity), if anything.
    warn: Callable[[Dossier], str | None] | None = None

    @property
    def permission(self) -> Permission:
        return STAFF_ACTIONS[self.name]

    def form(self, dossier: Dossier, data: QueryDict | None = None) -> ActionForm | None:
        if self.form_class is None:
            return None
        if self.form_class is AssignForm:
            return AssignForm(data, candidates=assignable_staff(dossier))
        points = [(point.key, bilingual(point.label)) for point in dossier.definition.checklist]
        if self.form_class is ChecklistForm:
            ticks = dossiers.checklist_ticks(dossier)
            return ChecklistForm(data, choices=points, ticked=[k for k, tick in ticks.items() if tick.ticked])
        if self.form_class is RejectForm and points:
            return RejectWithPointsForm(data, choices=points)
        if self.form_class is QuoteForm:
            return QuoteForm(data, initial=_quote_initial(dossier))
        return self.form_class(data)


def _quote_initial(dossier: Dossier) -> dict[str, Any]:
    """The form starts from the quote proposed, else from the applicant's wish."""
    quote = quotes.live_quote(dossier)
    if quote is not None:
        return {"agents": quote.agents, "hours": quote.hours}
    return {"agents": capacity.requested_agents(dossier), "hours": capacity.suggested_hours(dossier)}


def _capacity_warning(dossier: Dossier) -> str | None:
    """Said to the commander once a quote is set, when its day goes over the unit's capacity."""
    quote = quotes.live_quote(dossier)
    if quote is None or quote.event_date is None:
        return None
    load = capacity.day_load(dossier.unit, quote.event_date)
    if not load.over:
        return None
    return _(
        "Warning: on %(day)s the unit has %(committed)s agents committed for a capacity of %(capacity)s. "
        "Plan reinforcements or revise the quote."
    ) % {"day": quote.event_date.strftime("%d/%m/%Y"), "committed": load.committed, "capacity": load.capacity}


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
            lambda dossier, actor, data: dossiers.reject_dossier(
                dossier, actor=actor, reason=data["reason"], failed_points=data.get("failed_points") or []
            ),
            _("The request is rejected. The applicant is told why."),
        ),
        Action(
            A.TICK_CHECKLIST,
            ChecklistForm,
            lambda dossier, actor, data: dossiers.tick_checklist(dossier, actor=actor, ticked=data["points"]),
            _("The checklist is saved."),
        ),
        Action(
            A.PROPOSE_QUOTE,
            QuoteForm,
            lambda dossier, actor, data: quotes.propose_quote(
                dossier, actor=actor, agents=data["agents"], hours=data["hours"], reason=data["reason"]
            ),
            _("The quote is sent to the applicant, who will accept or decline it."),
            warn=_capacity_warning,
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
        "checklist": display.checklist(dossier),
        "quotes": display.quotes(dossier),
        "capacity_days": _capacity_days(dossier, failed),
        "timeline": display.timeline(dossier),
        "days_left": days_left,
        "overdue": days_left is not None and days_left < 0,
        "offered": offered,
        "forms": action_forms,
        "failed": failed,
        "assigned_to_me": dossier.assigned_to_id == staff.pk,
    }
    return render(request, "backoffice/dossier.html", context)


def _capacity_days(dossier: Dossier, failed: ActionForm | None) -> list[capacity.DayLoad]:
    """The days around the event with the agents already committed, the quote being set counted in."""
    day = capacity.event_day(dossier)
    if day is None:
        return []
    quote = quotes.live_quote(dossier)
    adding = quote.agents if quote is not None else (capacity.requested_agents(dossier) or 0)
    if isinstance(failed, QuoteForm) and failed.is_bound:
        typed = failed.data.get(failed.add_prefix("agents"), "")
        adding = int(typed) if str(typed).isdigit() and int(typed) <= 1000 else adding
    return capacity.days_around(dossier.unit, day, adding=adding, excluding_dossier_id=dossier.pk)


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
            # What the person typed is kept: the page comes back with the message beside the
            # field it concerns, or above the form.
            fields = [name for name in exc.errors if name in form.fields]
            for name in fields:
                for error in exc.errors[name]:
                    form.add_error(name, error)
            if not fields:
                form.add_error(None, str(exc))
            return _dossier_page(request, dossier, failed=form)
        messages.error(request, str(exc))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(entry.done))
        warning = entry.warn(dossier) if entry.warn is not None else None
        if warning:
            messages.warning(request, warning)
    return redirect("backoffice:dossier", reference=dossier.reference)
