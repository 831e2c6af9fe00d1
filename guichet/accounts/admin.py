from __future__ import annotations

from typing import Any

import pyotp
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.admin_rights import ConfigureModelAdmin, may_configure
from guichet.accounts.models import Administration, Membership, Unit, User
from guichet.audit import services as audit
from guichet.core.actors import Actor


class AuditedAdmin(admin.ModelAdmin):
    """Every change made here to staff, roles, memberships and units is a security event.

    Django's admin already calls these hooks inside the transaction of the change (and
    for a password change, and once per object before a bulk delete): the audit row is
    written beside its own LogEntry. Django's change message names the fields and the
    inline rows changed, never their values.
    """

    def _audit(self, request: HttpRequest, obj: Model, verb: str, message: Any) -> None:
        if not isinstance(request.user, User):
            return
        audit.record(
            Actor.for_user(request.user),
            f"{obj._meta.model_name}.{verb}",
            obj,
            {"via": "admin", "object": str(obj), "change": message},
        )

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "created", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, obj, "deleted", "")
        return super().log_deletions(request, queryset)


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["code", "name_fr", "name_en"]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_configure(request)


@admin.register(Administration)
class AdministrationAdmin(AuditedAdmin, ConfigureModelAdmin):
    list_display = ["code", "name_fr", "name_en"]
    search_fields = ["code", "name_fr", "name_en"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin, ConfigureModelAdmin):
    list_display = ["code", "name_fr", "administration"]
    list_filter = ["administration"]
    search_fields = ["code", "name_fr", "name_en"]


class MembershipInline(UnitInline):
    model = Membership  # type: ignore[assignment]
    fields = ["unit", "role"]
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(AuditedAdmin, ConfigureModelAdmin, DjangoUserAdmin):
    """Staff and citizens. The TOTP secret is never shown; roles are memberships."""

    list_display = ["username", "display_name", "phone", "email", "is_staff_member", "is_staff", "is_active"]
    list_filter = ["is_staff_member", "is_staff", "is_active", "memberships__role", "memberships__unit"]
    search_fields = ["username", "first_name", "last_name", "phone", "email"]
    ordering = ["username"]
    inlines = [MembershipInline]
    readonly_fields = ["last_login", "date_joined", "totp_confirmed_at"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "phone", "email", "language")}),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff_member", "is_staff", "is_superuser", "totp_confirmed_at")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.display(description=_("name"))
    def display_name(self, obj: User) -> str:
        return obj.display_name

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A superuser's password and rights are changed by a superuser only.
        if isinstance(obj, User) and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        # Only a superuser makes a superuser: an administrator cannot raise their own rights.
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        if not change:
            # Created here, a person is staff (citizens create their own accounts by code).
            obj.is_staff_member = True
        if obj.is_staff_member and not obj.totp_secret:
            # Enrolled at first sign-in from the authenticator set-up page.
            obj.totp_secret = pyotp.random_base32()
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin, ConfigureModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__last_name", "unit__code"]
    autocomplete_fields = ["user", "unit"]
