"""Read-only lists for support: find a dossier and see where it stands, never process it here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from guichet.accounts.admin_rights import ReadOnlyInline, ReadOnlyModelAdmin
from guichet.dossiers.access import confidential_versions
from guichet.dossiers.models import Dossier, DossierDocument, DossierEvent


class EventInline(ReadOnlyInline):
    model = DossierEvent
    # The text may be an internal note or a personal message: support sees only what happened.
    fields = ["created_at", "kind", "public", "actor_kind", "from_state", "to_state"]


class DocumentInline(ReadOnlyInline):
    model = DossierDocument
    # Names and sizes only: the contents are opened in the back office, where reads are recorded.
    fields = ["field_name", "content_type", "size", "sha256", "uploaded_at", "during_state"]


@admin.register(Dossier)
class DossierAdmin(ReadOnlyModelAdmin):
    list_display = ["reference", "service", "state", "unit", "submitted_at", "due_on", "assigned_to"]
    list_filter = ["state", "service", "unit"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"
    # No answers, contacts or receipt hashes: support needs the state of a file, not its content.
    fields = [
        "reference",
        "service",
        "service_version",
        "state",
        "unit",
        "assigned_to",
        "anonymous",
        "language",
        "fee_total",
        "created_at",
        "submitted_at",
        "due_on",
        "paused_on",
        "decided_at",
    ]
    inlines = [EventInline, DocumentInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        # Confidential files (denunciations) are opened in the back office only, where each read is recorded.
        return (
            super()
            .get_queryset(request)
            .exclude(service_version__in=confidential_versions())
            .select_related("service", "unit", "assigned_to", "service_version")
        )
