"""Who may do what in the Django admin: Guichet's roles (CONFIGURE), not Django's per-model permissions.

Every app's admin builds on these classes. The site itself (and its door, the staff
sign-in with its TOTP step) is `guichet.core.admin_site`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from guichet.accounts.models import User
from guichet.accounts.roles import Permission


def may_configure(request: HttpRequest) -> bool:
    """Superusers, and administrators of any unit (Role.ADMINISTRATOR holds CONFIGURE)."""
    user = request.user
    if not isinstance(user, User) or not (user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or user.units_with(Permission.CONFIGURE))


class ConfigureModelAdmin(admin.ModelAdmin):
    """Rights come from Guichet's roles (CONFIGURE), not from Django's per-model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_configure(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_configure(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)


class ReadOnlyModelAdmin(ConfigureModelAdmin):
    """A list and detail for support: nothing can be added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # Everything shown is read-only: the shown fields are the read-only fields.
        return self.fields or super().get_readonly_fields(request, obj)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return self.fields or super().get_readonly_fields(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)
