"""Payment use cases: the only code that changes a payment (and, through the dossier gate, the dossier).

Gateways are called outside any transaction (a slow network must not hold row locks); what
they answer is applied in a short transaction on the locked payment row, once, whatever the
number or order of the callbacks, polls and returns that bring the same news.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.models import User
from guichet.accounts.roles import Permission
from guichet.audit import services as audit
from guichet.catalog.definition import Confidentiality
from guichet.core.actors import SYSTEM, Actor, ActorKind
from guichet.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from guichet.core.text import bilingual
from guichet.dossiers.actions import is_applicant, staff_can
from guichet.dossiers.models import Dossier, DossierEvent, EventKind
from guichet.dossiers.services import record_payment
from guichet.dossiers.states import DossierState
from guichet.notifications.services import notify_contact
from guichet.payments import breaker
from guichet.payments.conf import payments_setting
from guichet.payments.models import (
    Flag,
    Mismatch,
    MismatchKind,
    Network,
    Payment,
    PaymentEvent,
    Receipt,
    ReceiptCounter,
    Source,
)
from guichet.payments.providers.base import (
    GatewayStatus,
    StartOutcome,
    StartResult,
    StatusResult,
    providers,
)
from guichet.payments.states import IN_FLIGHT, PAID, TO_CHECK, TRANSITIONS, PaymentState

logger = logging.getLogger(__name__)
P = PaymentState

# Which provider carries each way of paying online (the real gateways are chosen by settings only).
PROVIDER_FOR: dict[str, str] = {Network.TMONEY: "paygate", Network.FLOOZ: "paygate", Network.CARD: "fedapay"}
COUNTER = "counter"  # payments recorded by a cashier: no gateway to ask
# A gateway that says it does not know our identifier this soon may simply not have written it yet.
NOT_FOUND_GRACE = dt.timedelta(minutes=2)


class NetworkUnavailable(DomainError):
    code = "network_unavailable"
    default_message = gettext_lazy(
        "This mobile money network is not answering at the moment. Choose the other network, or try again later."
    )


class NothingToPay(DomainError):
    code = "nothing_to_pay"
    default_message = gettext_lazy(
        "This file is not waiting for a payment. Reload the page to see where it stands."
    )


# --- reading a phone number --------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """A Togolese mobile number as typed (90 12 34 56, 228…, +228…) in E.164; InvalidInput otherwise."""
    message = _("Enter a Togolese mobile number of 8 digits, for example 90 12 34 56.")
    try:
        number = phonenumbers.parse(raw.strip(), settings.GUICHET["DEFAULT_PHONE_REGION"])
    except phonenumbers.NumberParseException:
        raise InvalidInput(message, errors={"phone": [message]}) from None
    national = str(number.national_number)
    if number.country_code != 228 or len(national) != 8 or national[0] not in "79":
        raise InvalidInput(message, errors={"phone": [message]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def suggested_network(phone: str) -> str:
    """The network a number's prefix was first given to: a suggestion only (numbers are portable)."""
    national = phone.removeprefix("+228")
    if national[:2] in {"70", "71", "72", "73", "90", "91", "92", "93"}:
        return Network.TMONEY
    if national[:2] in {"78", "79", "96", "97", "98", "99"}:
        return Network.FLOOZ
    return ""


def available_networks() -> list[tuple[str, bool]]:
    """Each way of paying online and whether it may be offered now (its circuit breaker is closed)."""
    return [(network, not breaker.is_open(provider, network)) for network, provider in PROVIDER_FOR.items()]


# --- the ledger ---------------------------------------------------------------------------


def _move(
    payment: Payment, to: PaymentState, *, source: Source, note: str = "", data: dict[str, Any] | None = None
) -> None:
    """Change the state of a locked payment and write the ledger row; refuse a move the table forbids."""
    previous = PaymentState(payment.state)
    if to != previous and to not in TRANSITIONS[previous]:
        raise DomainError(f"payment {payment.public_id}: {previous} cannot become {to}")
    payment.state = to
    payment.save()
    PaymentEvent.objects.create(
        payment=payment, source=source, from_state=previous, to_state=to, note=note[:200], data=data or {}
    )


def _note(payment: Payment, *, source: Source, note: str, data: dict[str, Any] | None = None) -> None:
    """A ledger row that records news without a change of state (a flag, a mismatch)."""
    PaymentEvent.objects.create(
        payment=payment,
        source=source,
        from_state=payment.state,
        to_state=payment.state,
        note=note[:200],
        data=data or {},
    )


# --- starting a payment -------------------------------------------------------------------


def _due_key(dossier: Dossier) -> str:
    """Which request to pay this is: the dossier's latest arrival in awaiting payment (a quote comes after the fee)."""
    event = (
        DossierEvent.objects.filter(
            dossier=dossier, kind=EventKind.STATE_CHANGED, to_state=DossierState.AWAITING_PAYMENT
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"due-{event}" if event else "fee"


@dataclass(frozen=True)
class Started:
    payment: Payment
    new: bool  # False: a payment was already waiting (double click, another tab)


@transaction.atomic(durable=True)
def _create_payment(dossier: Dossier, *, actor: Actor, provider_id: str, network: str, phone: str) -> Started:
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if not is_applicant(locked, actor):
        raise PermissionRefused()
    waiting = Payment.objects.in_flight().filter(dossier=locked).first()
    if waiting is not None:
        return Started(waiting, new=False)
    if locked.state != DossierState.AWAITING_PAYMENT or locked.fee_total <= 0:
        raise NothingToPay()
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                dossier=locked,
                provider=provider_id,
                network=network,
                phone=phone,
                fee_lines=locked.fee_lines,
                amount=locked.fee_total,
                due_key=_due_key(locked),
                next_check_at=timezone.now()
                + dt.timedelta(seconds=int(payments_setting("POLL_FIRST_SECONDS"))),
            )
    except IntegrityError:
        # Another request won the race to the one-in-flight rule: that payment is the one.
        return Started(Payment.objects.in_flight().get(dossier=locked), new=False)
    PaymentEvent.objects.create(payment=payment, source=Source.START, from_state="", to_state=P.CREATED)
    audit.record(
        actor,
        "payment.created",
        payment,
        {
            "reference": locked.reference,
            "payment": payment.public_id,
            "amount": payment.amount,
            "provider": provider_id,
        },
    )
    return Started(payment, new=True)


def start_payment(dossier: Dossier, *, actor: Actor, network: str, phone: str = "") -> Started:
    """Register a payment of the dossier's fee and start it at the gateway.

    Mobile money: the gateway prompts the payer's phone. Card: the result carries the hosted
    page to send the person to. Our identifier is stored before the gateway is called; the
    same click twice (or a second tab) gets the payment already waiting, never a second one.
    """
    if network not in PROVIDER_FOR:
        message = _("Choose how you pay.")
        raise InvalidInput(message, errors={"network": [message]})
    provider_id = PROVIDER_FOR[network]
    e164 = normalise_phone(phone) if network != Network.CARD or phone.strip() else ""
    if breaker.is_open(provider_id, network):
        raise NetworkUnavailable()
    started = _create_payment(dossier, actor=actor, provider_id=provider_id, network=network, phone=e164)
    if not started.new:
        return started
    payment = started.payment
    provider = providers[provider_id]
    return_url = settings.GUICHET["BASE_URL"] + reverse(
        "payments:return", kwargs={"public_id": payment.public_id}
    )
    result = provider.start(payment, description=payment_description(payment), return_url=return_url)
    breaker.record(provider_id, network, ok=result.outcome in {StartOutcome.REGISTERED, StartOutcome.REFUSED})
    return Started(apply_start(payment.pk, result), new=True)


def payment_description(payment: Payment) -> str:
    dossier = payment.dossier
    return f"{dossier.reference} {bilingual(dossier.definition.title, 'fr')}"[:100]


@transaction.atomic(durable=True)
def apply_start(payment_id: int, result: StartResult) -> Payment:
    """What the gateway said to the start: pending (the prompt is on the phone) or failed."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if result.gateway_reference and not payment.gateway_reference:
        payment.gateway_reference = result.gateway_reference
        payment.redirect_url = result.redirect_url[:500]
        payment.save(update_fields=["gateway_reference", "redirect_url", "updated_at"])
    if payment.state != P.CREATED:
        return payment  # a callback or a poll already brought later news
    data = {"outcome": result.outcome.value}
    if result.outcome in {StartOutcome.REGISTERED, StartOutcome.UNCERTAIN}:
        _move(payment, P.PENDING, source=Source.START, note=result.detail, data=data)
    else:
        _move(payment, P.FAILED, source=Source.START, note=result.detail, data=data)
    logger.info("payment %s started: %s", payment.public_id, result.outcome.value)
    return payment


@transaction.atomic(durable=True)
def abandon_payment(payment: Payment, *, actor: Actor) -> Payment:
    """The person gives up waiting for the prompt: the attempt stops holding the dossier.

    It is not cancelled at the gateway (PayGate cannot): it is still checked, and a late
    success still counts (or, if another attempt paid first, is refunded).
    """
    locked = Payment.objects.select_for_update().select_related("dossier").get(pk=payment.pk)
    if not is_applicant(locked.dossier, actor):
        raise PermissionRefused()
    if locked.state in IN_FLIGHT:
        _move(locked, P.UNKNOWN, source=Source.START, note="abandoned by the payer")
        audit.record(actor, "payment.abandoned", locked, {"payment": locked.public_id})
    return locked


# --- applying what the gateway says -----------------------------------------------------------


def _schedule_next_check(payment: Payment, now: dt.datetime) -> None:
    if payment.state not in TO_CHECK:
        payment.next_check_at = None
    elif now - payment.created_at > dt.timedelta(hours=int(payments_setting("POLL_GIVE_UP_HOURS"))):
        payment.next_check_at = None  # left to the daily reconciliation list and to staff
    else:
        wait = min(
            int(payments_setting("POLL_FIRST_SECONDS")) * 2 ** min(payment.checks, 16),
            int(payments_setting("POLL_MAX_SECONDS")),
        )
        payment.next_check_at = now + dt.timedelta(seconds=wait)


@transaction.atomic(durable=True)
def apply_status(payment_id: int, result: StatusResult, *, source: Source, counted: bool = False) -> Payment:
    """Apply a verified status answer to the locked payment, once: a repeat changes nothing."""
    now = timezone.now()
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if counted:
        payment.checks += 1
    state = PaymentState(payment.state)
    status = result.status
    if status == GatewayStatus.PAID and state not in PAID:
        _apply_paid(payment, result, source=source)
    elif status == GatewayStatus.PENDING and state == P.CREATED:
        _move(payment, P.PENDING, source=source, data=dict(result.data))
    elif (
        status == GatewayStatus.PENDING
        and state == P.PENDING
        and source in {Source.POLL, Source.RECONCILIATION}
    ):
        timeout = dt.timedelta(minutes=int(payments_setting("PENDING_TIMEOUT_MINUTES")))
        if now - payment.created_at > timeout:
            _move(payment, P.UNKNOWN, source=source, note="no confirmation within the timeout")
    elif (
        status in {GatewayStatus.EXPIRED, GatewayStatus.CANCELLED, GatewayStatus.FAILED} and state in TO_CHECK
    ):
        target = {GatewayStatus.EXPIRED: P.EXPIRED, GatewayStatus.CANCELLED: P.CANCELLED}.get(
            status, P.FAILED
        )
        _move(payment, target, source=source, data=dict(result.data))
    elif (
        status == GatewayStatus.NOT_FOUND and state in TO_CHECK and now - payment.created_at > NOT_FOUND_GRACE
    ):
        _move(payment, P.EXPIRED, source=source, note="the gateway does not know this payment")
    _schedule_next_check(payment, now)
    payment.save()
    return payment


def _apply_paid(payment: Payment, result: StatusResult, *, source: Source) -> None:
    """A verified success: check the amount, then pay the dossier (or flag a payment it no longer owed)."""
    if result.amount != payment.amount or result.currency != payment.currency:
        if payment.flag != Flag.AMOUNT_MISMATCH:
            payment.flag = Flag.AMOUNT_MISMATCH
            if payment.state in IN_FLIGHT:
                _move(
                    payment,
                    P.UNKNOWN,
                    source=source,
                    note="amount or currency differs",
                    data=dict(result.data),
                )
            else:
                payment.save()
                _note(payment, source=source, note="amount or currency differs", data=dict(result.data))
            logger.warning(
                "payment %s: gateway says paid %s %s, expected %s %s: not applied",
                payment.public_id,
                result.amount,
                result.currency,
                payment.amount,
                payment.currency,
            )
        return
    late = payment.state not in IN_FLIGHT
    dossier = Dossier.objects.select_for_update().get(pk=payment.dossier_id)
    already = (
        dossier.state != DossierState.AWAITING_PAYMENT
        or Payment.objects.paid().filter(dossier=dossier, surplus=False, due_key=payment.due_key).exists()
    )
    payment.gateway_reference = payment.gateway_reference or result.gateway_reference
    payment.operator_reference = result.operator_reference
    payment.paid_at = _parse_datetime(result.paid_at) or timezone.now()
    payment.refundable = payment.amount
    payment.surplus = already
    payment.flag = Flag.REFUND_DUE if already else Flag.LATE_SUCCESS if late else Flag.NONE
    note = "the file no longer owed it: refund due" if already else "late success" if late else ""
    _move(payment, P.SUCCEEDED, source=source, note=note, data=dict(result.data))
    receipt = _issue_receipt(payment)
    audit.record(
        SYSTEM,
        "payment.succeeded",
        payment,
        {
            "payment": payment.public_id,
            "reference": dossier.reference,
            "amount": payment.amount,
            "receipt": receipt.number,
            "flag": payment.flag,
        },
    )
    if not already:
        record_payment(dossier, payment_reference=receipt.number, amount=payment.amount, actor=SYSTEM)
    else:
        logger.warning(
            "payment %s succeeded on %s which no longer owed it: refund due",
            payment.public_id,
            dossier.reference,
        )
    _notify_paid(dossier, payment, receipt)


def _parse_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _issue_receipt(payment: Payment) -> Receipt:
    """The next number of the year, taken under the counter's row lock: no gap, no double."""
    year = timezone.localdate().year
    ReceiptCounter.objects.get_or_create(year=year)
    counter = ReceiptCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return Receipt.objects.create(payment=payment, year=year, sequence=counter.last)


def receipt_url(receipt: Receipt) -> str:
    return settings.GUICHET["BASE_URL"] + reverse(
        "payments:receipt_pdf", kwargs={"public_id": receipt.payment.public_id}
    )


def _notify_paid(dossier: Dossier, payment: Payment, receipt: Receipt) -> None:
    contact = dossier.contact
    if contact is None:
        return
    notify_contact(
        contact,
        "payment_received",
        language=dossier.language,
        context={
            "reference": dossier.reference,
            "amount": f"{payment.amount:,}".replace(",", " "),
            "receipt": receipt.number,
            "url": settings.GUICHET["BASE_URL"]
            + reverse("portal:dossier", kwargs={"reference": dossier.reference}),
        },
        dossier_reference=dossier.reference,
        unit_id=dossier.unit_id,
        restricted=dossier.definition.confidentiality == Confidentiality.RESTRICTED,
    )


# --- news from the gateway ----------------------------------------------------------------------


def check_payment(payment: Payment, *, source: Source = Source.POLL) -> Payment:
    """Ask the gateway where the payment stands and apply the answer."""
    result = providers[payment.provider].status(payment)
    breaker.record(payment.provider, payment.network, ok=result.status != GatewayStatus.UNAVAILABLE)
    return apply_status(payment.pk, result, source=source, counted=source != Source.CALLBACK)


def handle_callback(provider_id: str, body: bytes, headers: dict[str, str]) -> str:
    """A gateway's callback: a hint of which payment to ask about, never applied as it is.

    Returns what happened, in a word (for the HTTP answer and the logs). Raises
    MalformedCallback for a body that cannot be read, NotFound for an unknown provider.
    """
    if provider_id not in providers:
        raise NotFound()
    hint = providers[provider_id].parse_callback(body, headers)
    found = Payment.objects.filter(provider=provider_id)
    payment = (
        found.filter(public_id=hint.identifier).first()
        if hint.identifier
        else found.filter(gateway_reference=hint.gateway_reference).first()
        if hint.gateway_reference
        else None
    )
    if payment is None:
        logger.warning("%s callback for an unknown identifier: ignored", provider_id)
        return "unknown"
    if payment.state in PAID:
        return "already"  # a repeat: nothing to ask
    payment = check_payment(payment, source=Source.CALLBACK)
    return payment.state


def handle_return(payment: Payment) -> Payment:
    """The person comes back from a payment page: whatever the address says, ask the gateway."""
    if payment.state in TO_CHECK:
        return check_payment(payment, source=Source.RETURN)
    return payment


def check_due_payments(now: dt.datetime | None = None, *, limit: int = 200) -> int:
    """Ask about every payment in created, pending or unknown whose next check is due; return how many."""
    now = now or timezone.now()
    due = list(
        Payment.objects.filter(state__in=sorted(TO_CHECK), next_check_at__lte=now).order_by("next_check_at")[
            :limit
        ]
    )
    for payment in due:
        try:
            check_payment(payment, source=Source.POLL)
        except Exception:  # one bad payment must not stop the others
            logger.exception("payment %s: check failed", payment.public_id)
    return len(due)


# --- daily reconciliation -------------------------------------------------------------------------


def reconcile_day(day: dt.date | None = None) -> list[Mismatch]:
    """Ask the gateways about every online attempt of `day` and the day before; list what disagrees.

    A verified success not yet known here is applied (it is the poller's job too, and flagged
    as late); a payment paid here that the gateway does not confirm, and amounts that differ,
    are only listed: nothing is reversed automatically. Safe to run twice (one row per finding).
    """
    day = day or timezone.localdate()
    found: list[Mismatch] = []
    attempts = Payment.objects.exclude(provider=COUNTER).filter(
        created_at__date__gte=day - dt.timedelta(days=1), created_at__date__lte=day
    )
    for payment in attempts.iterator():
        result = providers[payment.provider].status(payment)
        if result.status == GatewayStatus.UNAVAILABLE:
            continue
        there = result.status == GatewayStatus.PAID
        kind, detail = None, ""
        if there and result.amount != payment.amount:
            kind, detail = MismatchKind.AMOUNT_DIFFERS, f"gateway {result.amount}, here {payment.amount}"
        elif there and payment.state not in PAID:
            kind, detail = MismatchKind.PAID_THERE_NOT_HERE, f"was {payment.state}"
        elif not there and payment.state in PAID:
            kind, detail = MismatchKind.PAID_HERE_NOT_THERE, f"gateway says {result.status.value}"
        if there and payment.state not in PAID:
            apply_status(payment.pk, result, source=Source.RECONCILIATION)
        if kind is not None:
            mismatch, _created = Mismatch.objects.get_or_create(
                day=day, payment=payment, kind=kind, defaults={"detail": detail}
            )
            found.append(mismatch)
    if found:
        logger.warning("reconciliation of %s: %s mismatches", day, len(found))
    return found


# --- counter payments (staff) ----------------------------------------------------------------


def _staff_user(actor: Actor, dossier: Dossier, *permissions: Permission) -> User:
    """The staff member behind `actor`, if they hold one of `permissions` for the dossier's unit."""
    user = actor.user
    if actor.kind != ActorKind.STAFF or user is None:
        raise PermissionRefused()
    if not any(staff_can(user, dossier, permission) for permission in permissions):
        raise PermissionRefused()
    return user


@transaction.atomic(durable=True)
def record_counter_payment(
    dossier: Dossier, *, actor: Actor, method: str, amount: int, counter_receipt: str
) -> Payment:
    """A cashier records the fee paid in cash or by bank at a ministry counter, with the counter's receipt number.

    The same ledger, receipts and dossier move as an online payment; a counter receipt number is
    recorded once (a second entry of the same slip is refused).
    """
    # Payment rows before the dossier row, as when a gateway's answer is applied: no deadlock.
    waiting = list(Payment.objects.select_for_update().in_flight().filter(dossier_id=dossier.pk))
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _staff_user(actor, locked, Permission.COLLECT)
    if method not in {Network.CASH, Network.BANK}:
        raise InvalidInput(_("Choose cash or bank."), errors={"method": [_("Choose cash or bank.")]})
    slip = counter_receipt.strip()
    if not slip:
        message = _("Type the number printed on the counter receipt.")
        raise InvalidInput(message, errors={"counter_receipt": [message]})
    if locked.state != DossierState.AWAITING_PAYMENT:
        raise NothingToPay()
    if amount != locked.fee_total:
        message = _("This file owes %(due)s FCFA: record the whole amount, or nothing.") % {
            "due": locked.fee_total
        }
        raise InvalidInput(message, errors={"amount": [message]})
    if Payment.objects.filter(provider=COUNTER, gateway_reference=slip).exists():
        message = _("This counter receipt is already recorded.")
        raise InvalidInput(message, errors={"counter_receipt": [message]})
    for attempt in waiting:
        # An online attempt was waiting: it stops holding the file (a later success is refunded).
        attempt.refresh_from_db()
        if attempt.state in IN_FLIGHT:
            _move(attempt, P.UNKNOWN, source=Source.STAFF, note="paid at a counter meanwhile")
    payment = Payment.objects.create(
        dossier=locked,
        provider=COUNTER,
        network=method,
        fee_lines=locked.fee_lines,
        amount=locked.fee_total,
        due_key=_due_key(locked),
        gateway_reference=slip,
    )
    PaymentEvent.objects.create(payment=payment, source=Source.STAFF, from_state="", to_state=P.CREATED)
    _apply_paid(
        payment,
        StatusResult(
            GatewayStatus.PAID, amount=amount, currency="XOF", gateway_reference=slip, operator_reference=slip
        ),
        source=Source.STAFF,
    )
    # After the receipt number: the audit chain's lock is always taken last.
    audit.record(
        actor,
        "payment.counter_recorded",
        payment,
        {"payment": payment.public_id, "slip": slip, "amount": amount},
    )
    return payment
