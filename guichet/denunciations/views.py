"""The reporter's pages (/signalement/): parse, call a service, render.

No view here reads or writes request.session, uses the messages framework or logs: a
reporter leaves no session row. The privacy middleware has already erased the address and
the browser string; the report key lives only in an encrypted cookie (sessions.py).
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.catalog.lists import togo_communes, togo_prefectures
from guichet.core.errors import InvalidInput, NotFound, RateLimited
from guichet.denunciations import services
from guichet.denunciations.access import conf
from guichet.denunciations.forms import (
    CATEGORIES,
    FORCES,
    MONEY,
    ROLES,
    EvidenceForm,
    IdentityForm,
    MessageForm,
    ReceiptForm,
    ReportForm,
    _label,
)
from guichet.denunciations.models import Mode, Report
from guichet.denunciations.sessions import forget_reporter, grant_reporter, reporter_access


def _max_upload_bytes() -> int:
    """Every file of one sending together (setting MAX_SENDING_MB), and 1 MB for the form."""
    return (int(conf("MAX_SENDING_MB")) + 1) * 1024 * 1024


class EvidenceInMemory(MemoryFileUploadHandler):
    """Evidence stays in memory until it is sealed: Django would write a large upload, in clear,
    to a temporary file on disk (FILE_UPLOAD_MAX_MEMORY_SIZE, TemporaryFileUploadHandler). This is
    the only handler of the evidence views: a request larger than MAX_SENDING_MB is read and
    dropped, never kept, and the person is told. The cleaning tools then get the plaintext only in
    a private directory in RAM (evidence.py)."""

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, str],  # noqa: N803  (Django's name)
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        super().handle_raw_input(input_data, META, content_length, boundary, encoding)
        self.activated = content_length is not None and content_length <= _max_upload_bytes()
        if self.request is not None and not self.activated:
            self.request.evidence_too_large = True  # type: ignore[attr-defined]


def in_memory_uploads(view: Any) -> Any:
    """Set the upload handler before CSRF reads the body, then check CSRF as usual."""
    protected = csrf_protect(view)

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_handlers = [EvidenceInMemory(request)]
        response: HttpResponse = protected(request, *args, **kwargs)
        return response

    wrapper.__name__ = getattr(view, "__name__", "view")
    return wrapper


def _too_large(request: HttpRequest, form: Any, field: str) -> bool:
    if getattr(request, "evidence_too_large", False):
        form.add_error(
            field,
            _("Your files together are over %(mb)s MB. Send fewer or smaller files.")
            % {"mb": _max_upload_bytes() // (1024 * 1024) - 1},
        )
        return True
    return False


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The two ways to report, explained, and the way back with a receipt code."""
    return render(request, "denunciations/start.html")


def _prepare_files(form: Any, field: str) -> list[services.PreparedFile]:
    prepared = []
    for upload in form.cleaned_data.get(field) or []:
        try:
            prepared.append(services.prepare_evidence(upload))
        except InvalidInput as exc:
            form.add_error(field, f"{upload.name}: {exc}" if upload.name else str(exc))
    if len(prepared) > int(conf("MAX_FILES")):
        form.add_error(field, _("Send at most %(count)s files.") % {"count": conf("MAX_FILES")})
    return prepared


@in_memory_uploads
@require_http_methods(["GET", "POST"])
def new_report(request: HttpRequest, mode: str) -> HttpResponse:
    """One page: the facts (and, if confidential, the identity); then the receipt code, once."""
    if mode not in Mode.values:
        raise Http404
    confidential = mode == Mode.CONFIDENTIAL
    form = ReportForm(request.POST or None, request.FILES or None)
    identity = IdentityForm(request.POST or None) if confidential else None
    if request.method == "POST":
        valid = form.is_valid() & (identity is None or identity.is_valid())
        valid = valid and not _too_large(request, form, "evidence")
        files = _prepare_files(form, "evidence") if valid else []
        if valid and not form.errors:
            try:
                filed = services.file_report(
                    mode=Mode(mode),
                    facts=form.facts(),
                    identity=identity.cleaned_data if identity is not None else None,
                    files=files,
                )
            except InvalidInput as exc:
                form.add_error(None, str(exc))
            else:
                # Rendered, not redirected: the code exists only in this response.
                return render(
                    request, "denunciations/receipt.html", {"code": filed.receipt_code, "mode": mode}
                )
    return render(
        request,
        "denunciations/new.html",
        {
            "form": form,
            "identity": identity,
            "mode": mode,
            "confidential": confidential,
            "files_lost": request.method == "POST",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """Type the receipt code to open one's report."""
    form = ReceiptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report, private_key = services.open_with_receipt(
                    form.cleaned_data["code"], bucket=getattr(request, "denunciation_bucket", "none")
                )
            except RateLimited as exc:
                form.add_error("code", str(exc))
                status = 429
            except (InvalidInput, NotFound) as exc:
                form.add_error("code", str(exc))
            else:
                response = redirect("denunciations:my_report")
                grant_reporter(response, report, private_key)
                return response
    return render(request, "denunciations/follow.html", {"form": form}, status=status)


def _reporter_page(
    request: HttpRequest, access: tuple[Report, bytes], *, status: int = 200, **forms: Any
) -> HttpResponse:
    report, private_key = access
    shown = services.decrypt_report(report, private_key)
    context = {
        "shown": shown,
        "report": report,
        "rows": fact_rows(shown.facts),
        "message_form": forms.get("message_form") or MessageForm(),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
    }
    return render(request, "denunciations/my_report.html", context, status=status)


def fact_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The facts as (label, text) rows, in the form's order; the text is shown escaped, as typed."""
    form = ReportForm()
    choices = {"category": CATEGORIES, "force": FORCES, "role": ROLES, "money": MONEY}
    places = {item.value: item for item in (*togo_prefectures(), *togo_communes())}
    rows = []
    for name, field in form.fields.items():
        value = facts.get(name)
        if name in {"adult", "evidence"} or value in (None, ""):
            continue
        if name in choices:
            text = str(dict(choices[name]).get(value, value))
        elif name in {"prefecture", "commune"} and value in places:
            text = _label(places[value])
        elif name == "date":
            text = dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        else:
            text = str(value)
        rows.append((str(field.label), text))
    return rows


def _access_or_redirect(request: HttpRequest) -> tuple[Report, bytes] | HttpResponseRedirect:
    access = reporter_access(request)
    if access is None:
        return redirect("denunciations:follow")
    return access


@require_GET
def my_report(request: HttpRequest) -> HttpResponse:
    access = _access_or_redirect(request)
    if isinstance(access, HttpResponseRedirect):
        return access
    return _reporter_page(request, access)


@require_POST
def reply(request: HttpRequest) -> HttpResponse:
    access = _access_or_redirect(request)
    if isinstance(access, HttpResponseRedirect):
        return access
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.reply_as_reporter(access[0], body=form.cleaned_data["body"])
        except InvalidInput as exc:
            form.add_error("body", str(exc))
        else:
            return redirect("denunciations:my_report")
    return _reporter_page(request, access, status=400, message_form=form)


@in_memory_uploads
@require_POST
def add_evidence(request: HttpRequest) -> HttpResponse:
    access = _access_or_redirect(request)
    if isinstance(access, HttpResponseRedirect):
        return access
    form = EvidenceForm(request.POST, request.FILES)
    if not _too_large(request, form, "evidence") and form.is_valid():
        files = _prepare_files(form, "evidence")
        if not form.errors:
            try:
                services.add_reporter_evidence(access[0], files=files)
            except InvalidInput as exc:
                form.add_error("evidence", str(exc))
            else:
                return redirect("denunciations:my_report")
    return _reporter_page(request, access, status=400, evidence_form=form)


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest) -> HttpResponse:
    """Quick exit: forget the report's key in this browser and go to an ordinary page."""
    response = HttpResponseRedirect(conf("QUICK_EXIT_URL"))
    forget_reporter(response)
    return response
