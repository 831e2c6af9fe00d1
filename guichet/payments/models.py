"""Payments: one row per attempt, an append-only ledger of every change, receipts.

The database enforces what must never happen twice: two attempts in flight for one
dossier, two (counted) successes for one dossier, two attempts under one of our
identifiers or one gateway reference, two receipts with one number.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.dossiers.models import Dossier
from guichet.payments.states import IN_FLIGHT, PAID, PaymentState

# Crockford's alphabet: no I, L, O, U; read aloud over the phone without doubt.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_public_id() -> str:
    """Our identifier sent to the gateway: 'GP' and 18 random characters (90 bits)."""
    return "GP" + "".join(secrets.choice(_ALPHABET) for _ in range(18))


class Network(models.TextChoices):
    TMONEY = "TMONEY", _("Mixx by Yas (T-Money)")
    FLOOZ = "FLOOZ", _("Moov Money (Flooz)")
    CARD = "CARD", _("Bank card")
    CASH = "CASH", _("Cash at a ministry counter")
    BANK = "BANK", _("Bank payment at a ministry counter")


class Flag(models.TextChoices):
    NONE = "", _("None")
    LATE_SUCCESS = "late_success", _("Paid after the local timeout")
    REFUND_DUE = "refund_due", _("Paid when the file no longer owed it: refund due")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount or currency differs")


class PaymentQuerySet(models.QuerySet["Payment"]):
    def in_flight(self) -> PaymentQuerySet:
        return self.filter(state__in=IN_FLIGHT)

    def paid(self) -> PaymentQuerySet:
        return self.filter(state__in=PAID)


class Payment(models.Model):
    """One attempt to pay a dossier's fee, through one provider."""

    public_id = models.CharField(max_length=24, default=new_public_id, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=30)  # a key of the provider registry
    network = models.CharField(max_length=10, blank=True, choices=Network.choices)
    phone = models.CharField(max_length=20, blank=True)  # E.164; masked everywhere it is shown or logged
    # What was owed when the attempt began: the dossier's lines and total, never recomputed.
    fee_lines = models.JSONField(default=list)
    amount = models.PositiveIntegerField()  # whole XOF
    # Which request to pay this answers (the fee, then perhaps a quote): one success for each.
    due_key = models.CharField(max_length=30, default="fee")
    currency = models.CharField(max_length=3, default="XOF")
    state = models.CharField(max_length=20, choices=PaymentState.choices, default=PaymentState.CREATED)
    gateway_reference = models.CharField(max_length=64, blank=True)  # PayGate's tx_reference, FedaPay's id
    redirect_url = models.CharField(max_length=500, blank=True)  # a hosted payment page (cards)
    operator_reference = models.CharField(max_length=64, blank=True)  # the wallet operator's code
    paid_at = models.DateTimeField(null=True, blank=True)  # as the gateway says
    # A success that is not the dossier's payment (the dossier was already paid): kept, refunded.
    surplus = models.BooleanField(default=False)
    flag = models.CharField(max_length=20, blank=True, choices=Flag.choices, default=Flag.NONE)
    refundable = models.PositiveIntegerField(default=0)  # whole XOF still refundable
    checks = models.PositiveIntegerField(default=0)  # status calls made by the poller
    next_check_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="payment_public_id_unique"),
            models.UniqueConstraint(
                fields=["provider", "gateway_reference"],
                condition=~Q(gateway_reference=""),
                name="payment_gateway_reference_unique",
            ),
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(state__in=sorted(IN_FLIGHT)),
                name="payment_one_in_flight_per_dossier",
            ),
            models.UniqueConstraint(
                fields=["dossier", "due_key"],
                condition=Q(state__in=sorted(PAID), surplus=False),
                name="payment_one_success_per_dossier",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(state__in=["created", "pending", "unknown"]),
                name="payment_to_check",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def in_flight(self) -> bool:
        return self.state in IN_FLIGHT

    @property
    def is_paid(self) -> bool:
        return self.state in PAID


def mask_phone(phone: str) -> str:
    """+228 90 •• •• 12: enough to recognise one's number, not enough to call it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 6:
        return "••••"
    country = f"+{digits[:-8]} " if len(digits) > 8 else ""
    return f"{country}{digits[-8:-6]} •• •• {digits[-2:]}"


class Source(models.TextChoices):
    START = "start", _("Start")
    CALLBACK = "callback", _("Gateway callback")
    POLL = "poll", _("Status check")
    RETURN = "return", _("Return from the payment page")
    RECONCILIATION = "reconciliation", _("Reconciliation")
    STAFF = "staff", _("Staff")


class PaymentEvent(models.Model):
    """The ledger: one row per change of a payment, with where the news came from. Never updated."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=Source.choices)
    from_state = models.CharField(max_length=20, blank=True, choices=PaymentState.choices)
    to_state = models.CharField(max_length=20, blank=True, choices=PaymentState.choices)
    note = models.CharField(max_length=200, blank=True)
    # What the gateway said, minus secrets and full phone numbers.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.from_state}→{self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("The payment ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("The payment ledger is append-only.")


class ReceiptCounter(models.Model):
    """The last receipt number of a year; locked while a number is taken, so numbers have no gap."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Receipt(models.Model):
    """Issued once, when a payment succeeds; downloaded again, never renumbered."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="receipt_number_unique")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence:06d}"


class RefundState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    PAID_OUT = "paid_out", _("Paid out")
    REJECTED = "rejected", _("Rejected")


class Refund(models.Model):
    """Money given back: asked by one person with a reason, approved by another, then paid out."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField()  # whole XOF
    reason = models.TextField()
    state = models.CharField(max_length=20, choices=RefundState.choices, default=RefundState.REQUESTED)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    paid_out_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    evidence = models.CharField(max_length=200, blank=True)  # the transfer or payout reference
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # Four eyes: whoever approves is not whoever asked.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by")),
                name="refund_approved_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} −{self.amount}"


class MismatchKind(models.TextChoices):
    PAID_THERE_NOT_HERE = "paid_there", _("Paid at the gateway, not here")
    PAID_HERE_NOT_THERE = "paid_here", _("Paid here, not at the gateway")
    AMOUNT_DIFFERS = "amount_differs", _("The amounts differ")


class Mismatch(models.Model):
    """What the daily reconciliation found for the finance unit; listed, never acted on by itself."""

    day = models.DateField()
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="mismatches")
    kind = models.CharField(max_length=20, choices=MismatchKind.choices)
    detail = models.CharField(max_length=200, blank=True)
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "payment", "kind"], name="mismatch_once_a_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.payment_id} {self.kind}"
