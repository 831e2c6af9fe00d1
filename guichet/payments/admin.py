"""Read-only lists for support and finance: find a payment and its ledger, never change it here."""

from __future__ import annotations

from django.contrib import admin

from guichet.accounts.admin_rights import ReadOnlyInline, ReadOnlyModelAdmin
from guichet.payments.models import Payment, PaymentEvent, Receipt


class EventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ["created_at", "source", "from_state", "to_state", "note"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = ["public_id", "dossier", "network", "amount", "state", "flag", "surplus", "created_at"]
    list_filter = ["state", "flag", "network", "provider"]
    search_fields = ["public_id", "gateway_reference", "operator_reference", "dossier__reference"]
    date_hierarchy = "created_at"
    # The phone number stays out: its masked form is on the receipt.
    fields = [
        "public_id",
        "dossier",
        "provider",
        "network",
        "amount",
        "currency",
        "fee_lines",
        "state",
        "flag",
        "surplus",
        "gateway_reference",
        "operator_reference",
        "paid_at",
        "checks",
        "next_check_at",
        "created_at",
    ]
    inlines = [EventInline]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyModelAdmin):
    list_display = ["__str__", "payment", "issued_at"]
    search_fields = ["payment__public_id", "payment__dossier__reference"]
    fields = ["year", "sequence", "payment", "issued_at"]
