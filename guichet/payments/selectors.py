"""Reads for the finance unit: payments by day, service, method and state; receipts; what needs a look."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from guichet.core.text import bilingual
from guichet.payments.models import Mismatch, Network, Payment, Receipt
from guichet.payments.states import PAID, PaymentState


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included

    def bounds(self) -> dict[str, dt.date]:
        return {"created_at__date__gte": self.start, "created_at__date__lte": self.end}


def payments_for_units(unit_ids: Iterable[int], period: Period) -> QuerySet[Payment]:
    """Every attempt of the period on the dossiers of these units, oldest first."""
    return (
        Payment.objects.filter(dossier__unit_id__in=list(unit_ids), **period.bounds())
        .select_related("dossier__service", "receipt")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class Line:
    day: dt.date
    service: str
    method: str
    state: str
    count: int
    amount: int

    # What the finance page shows: the method and state in words (the CSV keeps the codes).
    @property
    def method_label(self) -> str:
        return str(Network(self.method).label) if self.method in Network.values else self.method

    @property
    def state_label(self) -> str:
        return str(PaymentState(self.state).label) if self.state in PaymentState.values else self.state


def summary(payments: QuerySet[Payment]) -> list[Line]:
    """Counts and amounts (whole FCFA) by day, service, method and state; the service by its
    title in the reader's language (the CSV keeps the codes)."""
    rows = (
        payments.annotate(day=TruncDate("created_at"))
        .values(
            "day",
            "dossier__service__code",
            "dossier__service__title_fr",
            "dossier__service__title_en",
            "network",
            "state",
        )
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("day", "dossier__service__code", "network", "state")
    )
    return [
        Line(
            r["day"],
            bilingual({"fr": r["dossier__service__title_fr"], "en": r["dossier__service__title_en"]})
            or r["dossier__service__code"],
            r["network"],
            r["state"],
            r["count"],
            int(r["amount"] or 0),
        )
        for r in rows
    ]


def received_total(payments: QuerySet[Payment]) -> int:
    """What was received in the period: every paid attempt (refunds are shown apart)."""
    return int(payments.filter(state__in=sorted(PAID)).aggregate(total=Sum("amount"))["total"] or 0)


def receipts(payments: QuerySet[Payment]) -> QuerySet[Receipt]:
    return (
        Receipt.objects.filter(payment__in=payments)
        .select_related("payment__dossier")
        .order_by("year", "sequence")
    )


def flagged(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """What the finance unit must look at: late successes, double payments to refund, amounts that differ,
    and attempts the gateway never answered about."""
    return payments.filter(~Q(flag="") | Q(state=PaymentState.UNKNOWN))


def mismatches(payments: QuerySet[Payment]) -> QuerySet[Mismatch]:
    """What the daily reconciliation found on these payments, newest first."""
    return (
        Mismatch.objects.filter(payment__in=payments)
        .select_related("payment__dossier")
        .order_by("-day", "pk")
    )


CSV_HEADER = (
    "created_at",
    "receipt",
    "dossier",
    "service",
    "method",
    "state",
    "amount_xof",
    "flag",
    "surplus",
    "our_reference",
    "gateway_reference",
    "operator_reference",
)


def csv_rows(payments: QuerySet[Payment]) -> Iterator[tuple[str, ...]]:
    for payment in payments.iterator(chunk_size=500):
        receipt = getattr(payment, "receipt", None)
        yield (
            payment.created_at.isoformat(),
            receipt.number if receipt else "",
            payment.dossier.reference,
            payment.dossier.service.code,
            payment.network,
            payment.state,
            str(payment.amount),
            payment.flag,
            "yes" if payment.surplus else "",
            payment.public_id,
            payment.gateway_reference,
            payment.operator_reference,
        )
