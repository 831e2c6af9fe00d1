from django.contrib import admin

from guichet.accounts.admin_rights import ReadOnlyModelAdmin
from guichet.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "actor_label", "verb", "target_type", "target_id"]
    list_filter = ["verb", "actor_kind"]
    search_fields = ["target_id", "actor_label", "verb"]
