"""Payment pages: the citizen pays a dossier; gateways call back; anyone checks a receipt.

Views parse, call `services`, render. Nothing a browser sends about a payment's outcome
(a return address saying `?status=success`) is believed: only the gateway's status answer is.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.roles import Permission
from guichet.backoffice.decorators import StaffRequest, forbidden, not_found, staff_required
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from guichet.dossiers.access import get_dossier_for_staff
from guichet.dossiers.models import Dossier, Quote, QuoteStatus
from guichet.dossiers.states import DossierState
from guichet.payments import refunds, selectors, services
from guichet.payments.forms import CounterPaymentForm, PaidOutForm, PayForm, RefundRequestForm
from guichet.payments.models import Payment, Receipt, Refund
from guichet.payments.providers.base import MalformedCallback
from guichet.payments.receipts import receipt_pdf as render_receipt_pdf
from guichet.payments.receipts import token_matches
from guichet.payments.selectors import Period
from guichet.payments.states import IN_FLIGHT, PAID, PaymentState
from guichet.portal import session
from guichet.portal.display import fee_lines_display

logger = logging.getLogger(__name__)
# The page's script asks at most this often whether the gateway has news (besides callbacks).
LIVE_CHECK_SECONDS = 5


def _latest(dossier: Dossier) -> Payment | None:
    return dossier.payments.order_by("-created_at", "-pk").first()


def _page(
    request: HttpRequest, dossier: Dossier, form: PayForm | None = None, status: int = 200
) -> HttpResponse:
    latest = _latest(dossier)
    owes = dossier.state == DossierState.AWAITING_PAYMENT
    # A file that owes has not paid what it owes now: an earlier due (the file fee before an
    # accepted quote) is not shown as "Paid" in place of the form.
    paid = (
        None
        if owes
        else dossier.payments.filter(state__in=sorted(PAID), surplus=False)
        .select_related("receipt")
        .order_by("-pk")
        .first()
    )
    if form is None:
        phone = (latest.phone if latest else "") or (
            dossier.contact_value if dossier.contact_kind == "phone" else ""
        )
        initial = {
            "phone": phone.removeprefix("+228"),
            "network": services.suggested_network(phone) if phone else "",
        }
        if latest is not None and latest.network:
            initial["network"] = latest.network
        form = PayForm(initial=initial)
    networks = dict(services.available_networks())
    return render(
        request,
        "payments/pay.html",
        {
            "dossier": dossier,
            "definition": dossier.definition,
            "fee_lines": fee_lines_display(dossier.fee_lines),
            "form": form,
            "payment": latest,
            "waiting": latest is not None and latest.state in IN_FLIGHT,
            "paid": paid,
            # A paid quote is the last step before the unit confirms the coverage, not a review.
            "paid_quote": paid is not None
            and Quote.objects.filter(dossier=dossier, status=QuoteStatus.ACCEPTED).exists(),
            "owes": owes,
            "unavailable": [name for name, open_ in networks.items() if not open_],
            "status_url": reverse("payments:status", kwargs={"reference": dossier.reference}),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    """Choose the wallet and the number, start; then follow the payment until it is confirmed."""
    found = session.dossier_for_request(request, reference)
    dossier, actor = found.dossier, found.actor
    if request.method == "GET":
        return _page(request, dossier)  # whatever the address carries (?status=success) changes nothing
    action = request.POST.get("action", "start")
    latest = _latest(dossier)
    if action == "refresh" and latest is not None:
        services.handle_return(latest)  # asks the gateway; the browser's word is never taken
    elif action == "abandon" and latest is not None and latest.state in IN_FLIGHT:
        services.abandon_payment(latest, actor=actor)
        messages.info(
            request, _("This attempt is stopped. You can pay again, with the same or another number.")
        )
    elif action == "start":
        return _start(request, dossier, actor)
    return redirect("payments:pay", reference=dossier.reference)


def _start(request: HttpRequest, dossier: Dossier, actor: Actor) -> HttpResponse:
    form = PayForm(request.POST)
    if not form.is_valid():
        return _page(request, dossier, form=form, status=400)
    try:
        started = services.start_payment(
            dossier, actor=actor, network=form.cleaned_data["network"], phone=form.cleaned_data["phone"]
        )
    except InvalidInput as exc:
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        if not exc.errors:
            form.add_error(None, str(exc))
        return _page(request, dossier, form=form, status=400)
    except DomainError as exc:
        form.add_error(None, str(exc))
        return _page(request, dossier, form=form, status=400)
    if not started.new:
        messages.info(request, _("A payment for this file is already waiting for confirmation: here it is."))
    elif started.payment.state == PaymentState.FAILED:
        messages.error(
            request,
            _(
                "The payment could not be started. Check the number and the network, then try again, or choose the other network."
            ),
        )
    return redirect("payments:pay", reference=dossier.reference)


@never_cache
@require_GET
def status(request: HttpRequest, reference: str) -> JsonResponse:
    """Where the latest payment stands, for the page's script; asks the gateway now and then."""
    found = session.dossier_for_request(request, reference)
    latest = _latest(found.dossier)
    if latest is None:
        return JsonResponse({"state": "", "done": True})
    if latest.state in IN_FLIGHT and cache.add(f"payments:live-check:{latest.pk}", 1, LIVE_CHECK_SECONDS):
        latest = services.handle_return(latest)
    return JsonResponse(
        {
            "state": latest.state,
            "label": str(PaymentState(latest.state).label),
            "done": latest.state not in IN_FLIGHT,
            "url": reverse("payments:pay", kwargs={"reference": found.dossier.reference}),
        }
    )


@csrf_exempt  # a gateway calls it; nothing it says is believed without a status call
@require_POST
def callback(request: HttpRequest, provider_id: str) -> JsonResponse:
    """One address per provider; the registry's provider reads the body, the service checks and applies."""
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        outcome = services.handle_callback(provider_id, request.body, headers)
    except MalformedCallback as exc:
        logger.warning("%s callback refused: %s", provider_id, exc)
        return JsonResponse({"error": "malformed"}, status=400)
    except NotFound:
        raise Http404 from None
    return JsonResponse({"result": outcome})


@never_cache
@require_GET
def payment_return(request: HttpRequest, public_id: str) -> HttpResponse:
    """Back from a hosted payment page: ask the gateway (whatever the address says), then show the page."""
    payment = Payment.objects.select_related("dossier").filter(public_id=public_id).first()
    if payment is None:
        raise Http404
    found = session.dossier_for_request(request, payment.dossier.reference)  # 404 unless theirs
    services.handle_return(payment)
    return redirect("payments:pay", reference=found.dossier.reference)


@never_cache
@require_GET
def receipt_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    """The receipt again, as first issued (number and all); only for the dossier's applicant."""
    receipt = Receipt.objects.select_related("payment__dossier").filter(payment__public_id=public_id).first()
    if receipt is None:
        raise Http404
    session.dossier_for_request(request, receipt.payment.dossier.reference)  # 404 unless theirs
    response = HttpResponse(render_receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="recu-{receipt.number}.pdf"'
    return response


@never_cache
@require_GET
def receipt_check(request: HttpRequest, number: str) -> HttpResponse:
    """The public check of a receipt (from its QR code): only what a third party needs."""
    token = request.GET.get("c", "")
    receipt = None
    if token and token_matches(number, token):
        year, _sep, sequence = number.partition("-")
        if year.isdigit() and sequence.isdigit():
            receipt = (
                Receipt.objects.select_related("payment__dossier__service_version")
                .filter(year=int(year), sequence=int(sequence))
                .first()
            )
    return render(
        request,
        "payments/receipt_check.html",
        {"receipt": receipt, "number": number},
        status=200 if receipt else 404,
    )


# --- finance (staff) ------------------------------------------------------------------------------


def _period(request: HttpRequest) -> Period:
    today = timezone.localdate()

    def day(name: str, default: dt.date) -> dt.date:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    start, end = day("from", today - dt.timedelta(days=30)), day("to", today)
    return Period(min(start, end), max(start, end))


@never_cache
@require_GET
@staff_required(Permission.COLLECT)
def finance(request: StaffRequest) -> HttpResponse:
    """Payments of the units where the person records payments: by day, service, method and state."""
    period = _period(request)
    payments = selectors.payments_for_units(request.staff.units_with(Permission.COLLECT), period)
    return render(
        request,
        "payments/finance.html",
        {
            "period": period,
            "lines": selectors.summary(payments),
            "received": selectors.received_total(payments),
            "receipts": selectors.receipts(payments),
            "flagged": selectors.flagged(payments).select_related("dossier"),
            "mismatches": selectors.mismatches(payments),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@never_cache
@require_GET
@staff_required(Permission.COLLECT)
def finance_csv(request: StaffRequest) -> StreamingHttpResponse:
    """One line per payment attempt of the period, amounts in whole FCFA."""
    period = _period(request)
    payments = selectors.payments_for_units(request.staff.units_with(Permission.COLLECT), period)
    writer = csv.writer(_Echo())
    rows = (
        writer.writerow(row) for row in itertools.chain([selectors.CSV_HEADER], selectors.csv_rows(payments))
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="paiements-{period.start}-{period.end}.csv"'
    return response


# --- one dossier's payments (staff): counter payments and refunds ----------------------------------


def _staff_page(
    request: StaffRequest, dossier: Dossier, *, forms_: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    payments = (
        dossier.payments.select_related("receipt")
        .prefetch_related("events", "refunds")
        .order_by("created_at")
    )
    forms_ = forms_ or {}
    return render(
        request,
        "payments/staff_dossier.html",
        {
            "dossier": dossier,
            "payments": payments,
            "counter_form": forms_.get("counter")
            or CounterPaymentForm(initial={"amount": dossier.fee_total}),
            "refund_form": forms_.get("refund") or RefundRequestForm(),
            "paid_out_form": forms_.get("paid_out") or PaidOutForm(),
            "failed": forms_.get("failed_for"),
            "owes": dossier.state == DossierState.AWAITING_PAYMENT,
            "me": request.staff.pk,
        },
        status=status,
    )


def _payment_of(dossier: Dossier, target: str) -> Payment:
    payment = dossier.payments.filter(public_id=target).first()
    if payment is None:
        raise NotFound()
    return payment


def _refund_of(dossier: Dossier, target: str) -> Refund:
    refund = (
        Refund.objects.filter(payment__dossier=dossier, pk=int(target)).first() if target.isdigit() else None
    )
    if refund is None:
        raise NotFound()
    return refund


@dataclass(frozen=True)
class StaffAction:
    form: type[forms.Form] | None
    perform: Callable[[Dossier, Actor, dict[str, Any], str], object]
    done: str  # what the page says once it is done (an English msgid)


STAFF_ACTIONS: dict[str, StaffAction] = {
    "counter": StaffAction(
        CounterPaymentForm,
        lambda dossier, actor, data, target: services.record_counter_payment(dossier, actor=actor, **data),
        gettext_noop("The counter payment is recorded; the file goes to review."),
    ),
    "refund": StaffAction(
        RefundRequestForm,
        lambda dossier, actor, data, target: refunds.request_refund(
            _payment_of(dossier, target), actor=actor, **data
        ),
        gettext_noop("The refund is asked for; another person must approve it."),
    ),
    "approve": StaffAction(
        None,
        lambda dossier, actor, data, target: refunds.decide_refund(
            _refund_of(dossier, target), actor=actor, approve=True
        ),
        gettext_noop("Your decision on the refund is recorded."),
    ),
    "reject": StaffAction(
        None,
        lambda dossier, actor, data, target: refunds.decide_refund(
            _refund_of(dossier, target), actor=actor, approve=False
        ),
        gettext_noop("Your decision on the refund is recorded."),
    ),
    "paid_out": StaffAction(
        PaidOutForm,
        lambda dossier, actor, data, target: refunds.record_refund_paid_out(
            _refund_of(dossier, target), actor=actor, evidence=data["evidence"]
        ),
        gettext_noop("The refund is recorded as paid out."),
    ),
}


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required()
def staff_dossier(request: StaffRequest, reference: str) -> HttpResponse:
    """A dossier's payments for staff; cashiers record counter payments, refunds go through two people."""
    try:
        dossier = get_dossier_for_staff(request.staff, reference)
    except NotFound:
        return not_found(request)
    if request.method == "GET":
        return _staff_page(request, dossier)
    entry = STAFF_ACTIONS.get(request.POST.get("action", ""))
    if entry is None:
        return not_found(request)
    return _run(request, dossier, entry)


def _run(request: StaffRequest, dossier: Dossier, entry: StaffAction) -> HttpResponse:
    """Check the form, call the use case, say what happened; what was typed comes back with the error."""
    name, target = request.POST.get("action", ""), request.POST.get("target", "")
    form = entry.form(request.POST) if entry.form is not None else None
    back = redirect("payments:staff_dossier", reference=dossier.reference)
    try:
        if form is None or form.is_valid():
            entry.perform(dossier, Actor.for_user(request.staff), form.cleaned_data if form else {}, target)
            messages.success(request, _(entry.done))
            return back
    except NotFound:
        return not_found(request)
    except PermissionRefused as exc:
        return forbidden(request, str(exc))
    except InvalidInput as exc:
        if form is None:
            messages.error(request, str(exc))
            return back
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.errors:
            form.add_error(None, str(exc))
    except DomainError as exc:
        messages.error(request, str(exc))
        return back
    return _staff_page(request, dossier, forms_={name: form, "failed_for": target}, status=400)
