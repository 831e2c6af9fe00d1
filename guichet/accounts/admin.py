from __future__ import annotations

from typing import Any

import pyotp
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Administration, Membership, Unit, User
from guichet.core.admin_site import ConfigureModelAdmin, may_configure


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
class AdministrationAdmin(ConfigureModelAdmin):
    list_display = ["code", "name_fr", "name_en"]
    search_fields = ["code", "name_fr", "name_en"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(ConfigureModelAdmin):
    list_display = ["code", "name_fr", "administration"]
    list_filter = ["administration"]
    search_fields = ["code", "name_fr", "name_en"]


class MembershipInline(UnitInline):
    model = Membership  # type: ignore[assignment]
    fields = ["unit", "role"]
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(ConfigureModelAdmin, DjangoUserAdmin):
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
class MembershipAdmin(ConfigureModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__last_name", "unit__code"]
    autocomplete_fields = ["user", "unit"]
