"""The inspectors' pages (/inspection/): inspectors of the inspection unit only, second factor passed.

Anyone else who is staff gets 404 on every address, as does an inspector of the unit a
report accuses: a report they may not see does not exist for them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.models import User
from guichet.backoffice.sign_in import verified_staff
from guichet.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused, RateLimited
from guichet.denunciations import access, keyring, services
from guichet.denunciations.evidence import NOT_PLAYABLE
from guichet.denunciations.forms import MessageForm, StateForm, UnlockForm
from guichet.denunciations.models import Report
from guichet.denunciations.sessions import forget_inspector, remember_inspector, unlocked_inspector
from guichet.denunciations.views import fact_rows

View = Callable[..., HttpResponseBase]


def inspector_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = verified_staff(request)
        if user is None:
            if request.user.is_authenticated and not getattr(request.user, "is_staff_member", False):
                raise Http404  # a citizen: there is nothing here
            return redirect_to_login(request.get_full_path(), reverse("backoffice:sign_in"))
        if not access.is_inspector(user):
            raise Http404
        request.inspector = user  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def _report(request: HttpRequest, public_id: str) -> Report:
    try:
        return access.get_report_for_inspector(request.inspector, public_id)  # type: ignore[attr-defined]
    except NotFound:
        raise Http404 from None


def _unlock_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('denunciations:unlock')}?next={request.path}")


@require_GET
@inspector_required
def inbox(request: HttpRequest) -> HttpResponse:
    user: User = request.inspector  # type: ignore[attr-defined]
    reports = access.reports_for_inspector(user).order_by("state", "-filed_on", "-pk")
    return render(
        request,
        "denunciations/inspection/inbox.html",
        {"reports": reports, "unlocked": unlocked_inspector(request, user) is not None},
    )


@require_http_methods(["GET", "POST"])
@inspector_required
def unlock(request: HttpRequest) -> HttpResponse:
    user: User = request.inspector  # type: ignore[attr-defined]
    form = UnlockForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("denunciations:inspection")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ) or not next_url.startswith("/inspection/"):
        next_url = reverse("denunciations:inspection")
    if request.method == "POST" and form.is_valid():
        try:
            unlocked = keyring.unlock_inspector(user, password=form.cleaned_data["password"])
        except (InvalidInput, RateLimited) as exc:
            form.add_error("password", str(exc))
        else:
            response = redirect(next_url)
            remember_inspector(request, response, unlocked)
            return response
    return render(
        request,
        "denunciations/inspection/unlock.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@require_POST
@inspector_required
def lock(request: HttpRequest) -> HttpResponse:
    response = redirect("denunciations:inspection")
    forget_inspector(request, response)
    return response


def _detail(request: HttpRequest, report: Report, *, status: int = 200, **extra: Any) -> HttpResponse:
    user: User = request.inspector  # type: ignore[attr-defined]
    unlocked = unlocked_inspector(request, user)
    if unlocked is None:
        return _unlock_redirect(request)
    try:
        shown = services.read_report(unlocked, report)
    except keyring.NoKeyYet as exc:
        return render(
            request, "denunciations/inspection/no_key.html", {"report": report, "message": str(exc)}
        )
    approvals = list(report.approvals.select_related("inspector"))
    context = {
        "shown": shown,
        "report": report,
        "rows": fact_rows(shown.facts),
        "message_form": extra.get("message_form") or MessageForm(),
        "state_form": extra.get("state_form") or StateForm(),
        "error": extra.get("error", ""),
        "approvals": approvals,
        "approved_by_me": any(a.inspector_id == user.pk for a in approvals),
        "approvals_needed": services.approvals_needed(report),
        "next_states": services.TRANSITIONS[report.state],
        "not_playable": NOT_PLAYABLE,
    }
    return render(request, "denunciations/inspection/report.html", context, status=status)


@require_GET
@inspector_required
def report_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail(request, _report(request, public_id))


def _act(
    request: HttpRequest, public_id: str, action: Callable[[User, Report], Any], **on_error: Any
) -> HttpResponse:
    report = _report(request, public_id)
    if unlocked_inspector(request, request.inspector) is None:  # type: ignore[attr-defined]
        return _unlock_redirect(request)
    try:
        action(request.inspector, report)  # type: ignore[attr-defined]
    except DomainError as exc:
        return _detail(request, report, status=400, error=str(exc), **on_error)
    return redirect("denunciations:inspection_report", public_id=report.public_id)


@require_POST
@inspector_required
def message(request: HttpRequest, public_id: str) -> HttpResponse:
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _detail(request, _report(request, public_id), status=400, message_form=form)
    return _act(
        request,
        public_id,
        lambda user, report: services.message_reporter(user, report, body=form.cleaned_data["body"]),
        message_form=form,
    )


@require_POST
@inspector_required
def change_state(request: HttpRequest, public_id: str) -> HttpResponse:
    form = StateForm(request.POST)
    if not form.is_valid():
        return _detail(request, _report(request, public_id), status=400, state_form=form)
    data = form.cleaned_data
    return _act(
        request,
        public_id,
        lambda user, report: services.change_state(
            user, report, to=data["to"], outcome=data.get("outcome") or "", note=data.get("note") or ""
        ),
        state_form=form,
    )


@require_POST
@inspector_required
def take(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, lambda user, report: services.assign_report(user, report, assignee=user))


@require_POST
@inspector_required
def approve_identity(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, services.approve_identity_disclosure)


@require_GET
@inspector_required
def identity(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    unlocked = unlocked_inspector(request, request.inspector)  # type: ignore[attr-defined]
    if unlocked is None:
        return _unlock_redirect(request)
    try:
        person = services.read_identity(unlocked, report)
    except (PermissionRefused, keyring.NoKeyYet) as exc:
        return _detail(request, report, status=403, error=str(exc))
    except NotFound:
        raise Http404 from None
    return render(request, "denunciations/inspection/identity.html", {"report": report, "person": person})


def _file(request: HttpRequest, public_id: str, evidence_id: int, *, original: bool) -> HttpResponse:
    report = _report(request, public_id)
    unlocked = unlocked_inspector(request, request.inspector)  # type: ignore[attr-defined]
    if unlocked is None:
        return _unlock_redirect(request)
    try:
        content, details = services.open_evidence(unlocked, report, evidence_id, original=original)
    except (NotFound, keyring.NoKeyYet):
        raise Http404 from None
    return evidence_response(content, details, original=original)


def evidence_response(content: bytes, details: dict[str, Any], *, original: bool) -> HttpResponse:
    """A file for an inspector: the clean photo, video or recording shown in the page; a PDF and
    every original downloaded. The browser is told never to guess another type."""
    if original:
        content_type = details.get("original_content_type") or details["content_type"]
        name = "original-" + str(details.get("original_name") or details["name"])
    else:
        content_type, name = details["content_type"], str(details["name"])
    response = HttpResponse(content, content_type=content_type)
    media = details.get("media") or ("document" if details.get("kind") == "pdf" else "image")
    inline = not original and media in {"image", "video", "audio"}
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response


@require_GET
@inspector_required
def evidence(request: HttpRequest, public_id: str, evidence_id: int) -> HttpResponse:
    return _file(request, public_id, evidence_id, original=False)


@require_POST
@inspector_required
def evidence_original(request: HttpRequest, public_id: str, evidence_id: int) -> HttpResponse:
    return _file(request, public_id, evidence_id, original=True)
