"""Refunds, with four eyes: asked by one staff member with a reason, approved by another, then
recorded as paid out with evidence. A refund never exceeds what is refundable, even with two
requests at once (the payment row is locked)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.roles import Permission
from guichet.audit import services as audit
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput
from guichet.payments.models import Payment, Refund, RefundState, Source
from guichet.payments.services import _move, _note, _staff_user
from guichet.payments.states import PAID, PaymentState

P = PaymentState


class RefundRefused(DomainError):
    code = "refund_refused"


@transaction.atomic(durable=True)
def request_refund(payment: Payment, *, actor: Actor, amount: int, reason: str) -> Refund:
    """Ask to give money back, with a reason; the amount is set aside at once, so two requests never exceed it."""
    locked = Payment.objects.select_for_update().select_related("dossier").get(pk=payment.pk)
    user = _staff_user(actor, locked.dossier, Permission.PROCESS, Permission.COLLECT)
    if not reason.strip():
        message = _("Say why the money is given back.")
        raise InvalidInput(message, errors={"reason": [message]})
    if locked.state not in PAID:
        raise RefundRefused(_("Only a received payment can be refunded."))
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= locked.refundable:
        message = _("A refund is between 1 and %(max)s FCFA for this payment.") % {"max": locked.refundable}
        raise InvalidInput(message, errors={"amount": [message]})
    locked.refundable -= amount
    locked.save(update_fields=["refundable", "updated_at"])
    refund = Refund.objects.create(payment=locked, amount=amount, reason=reason.strip(), requested_by=user)
    _note(locked, source=Source.STAFF, note=f"refund of {amount} requested", data={"refund": refund.pk})
    audit.record(actor, "payment.refund_requested", locked, {"payment": locked.public_id, "amount": amount})
    return refund


def _locked_refund(refund: Refund) -> tuple[Refund, Payment]:
    payment = Payment.objects.select_for_update().select_related("dossier").get(pk=refund.payment_id)
    return Refund.objects.select_for_update().get(pk=refund.pk), payment


@transaction.atomic(durable=True)
def decide_refund(refund: Refund, *, actor: Actor, approve: bool) -> Refund:
    """A second person approves or rejects a refund request; never the person who asked."""
    locked, payment = _locked_refund(refund)
    user = _staff_user(actor, payment.dossier, Permission.ASSIGN, Permission.COLLECT)
    if locked.state != RefundState.REQUESTED:
        raise RefundRefused(_("This refund was already decided."))
    if user.pk == locked.requested_by_id:
        raise RefundRefused(_("Someone else must approve a refund you asked for."))
    locked.state = RefundState.APPROVED if approve else RefundState.REJECTED
    locked.approved_by = user
    locked.decided_at = timezone.now()
    locked.save()
    if not approve:
        payment.refundable += locked.amount
        payment.save(update_fields=["refundable", "updated_at"])
    _note(payment, source=Source.STAFF, note=f"refund {locked.state}", data={"refund": locked.pk})
    audit.record(
        actor,
        f"payment.refund_{locked.state}",
        payment,
        {"payment": payment.public_id, "amount": locked.amount},
    )
    return locked


@transaction.atomic(durable=True)
def record_refund_paid_out(refund: Refund, *, actor: Actor, evidence: str) -> Refund:
    """The approved refund was paid out by hand (no payout API is wired): record it, with its evidence."""
    locked, payment = _locked_refund(refund)
    user = _staff_user(actor, payment.dossier, Permission.COLLECT)
    if locked.state != RefundState.APPROVED:
        raise RefundRefused(_("Only an approved refund can be paid out."))
    if not evidence.strip():
        message = _("Give the reference of the transfer or the signed slip.")
        raise InvalidInput(message, errors={"evidence": [message]})
    locked.state = RefundState.PAID_OUT
    locked.paid_out_by = user
    locked.paid_out_at = timezone.now()
    locked.evidence = evidence.strip()[:200]
    locked.save()
    paid_out = sum(
        Refund.objects.filter(payment=payment, state=RefundState.PAID_OUT).values_list("amount", flat=True)
    )
    target = P.REFUNDED if paid_out >= payment.amount else P.PARTIALLY_REFUNDED
    _move(
        payment,
        target,
        source=Source.STAFF,
        note=f"refund of {locked.amount} paid out",
        data={"refund": locked.pk},
    )
    audit.record(
        actor, "payment.refund_paid_out", payment, {"payment": payment.public_id, "amount": locked.amount}
    )
    return locked
