"""The Django admin, for administrators who configure Guichet (not for processing files).

Entry needs the same second factor as the back office: the staff sign-in page sets
`STAFF_VERIFIED_SESSION_KEY` once the TOTP code is right, and the admin has no
password-only door of its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

# The back office's sign-in page (password, then TOTP); it sends the person back to `next`.
STAFF_SIGN_IN_URL = "/agents/connexion/"


def staff_verified(request: HttpRequest) -> bool:
    """Whether the session passed the staff TOTP step."""
    from guichet.accounts.services import STAFF_VERIFIED_SESSION_KEY

    return bool(request.session.get(STAFF_VERIFIED_SESSION_KEY))


def may_configure(request: HttpRequest) -> bool:
    """Superusers, and administrators of any unit (Role.ADMINISTRATOR holds CONFIGURE)."""
    from guichet.accounts.roles import Permission

    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or user.units_with(Permission.CONFIGURE))


class GuichetAdminSite(admin.AdminSite):
    site_header = _("Guichet administration")
    site_title = _("Guichet administration")
    index_title = _("Configuration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and staff_verified(request))

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """No password-only sign-in here: send the person through the staff sign-in and its TOTP step."""
        index = reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(index)
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}
        ) or not target.startswith("/"):
            target = index
        return HttpResponseRedirect(f"{STAFF_SIGN_IN_URL}?{urlencode({'next': target})}")


class GuichetAdminConfig(AdminConfig):
    """Installs GuichetAdminSite as `admin.site`."""

    default_site = "guichet.core.admin_site.GuichetAdminSite"


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
