"""The gate in front of every back-office page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from guichet.accounts.models import Membership, User
from guichet.accounts.roles import Permission
from guichet.backoffice.sign_in import verified_staff

P = ParamSpec("P")


class StaffRequest(HttpRequest):
    """A request that passed `staff_required`: `staff` is the signed-in staff member, roles loaded."""

    staff: User


StaffView = Callable[Concatenate[StaffRequest, P], HttpResponseBase]
PlainView = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    """The 403 page of the back office."""
    return render(request, "backoffice/forbidden.html", {"message": message}, status=403)


def not_found(request: HttpRequest) -> HttpResponse:
    """The 404 page of the back office: a missing file and another unit's file look the same."""
    return render(request, "backoffice/not_found.html", status=404)


def staff_required(permission: Permission | None = None) -> Callable[[StaffView[P]], PlainView[P]]:
    """Let through only staff who passed the second factor and hold `permission` in some unit.

    Anyone else is sent to the staff sign-in (and brought back afterwards); a staff member
    lacking the permission everywhere gets the 403 page. Whether they hold it for a given
    dossier is checked later, on the dossier itself.
    """

    def decorator(view: StaffView[P]) -> PlainView[P]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            user = verified_staff(request)
            if user is None:
                return redirect_to_login(request.get_full_path(), reverse("backoffice:sign_in"))
            # Memberships are read for every permission check of the request: load them once,
            # onto the user the session already loaded (one query, units joined).
            staff = user
            prefetch_related_objects(
                [staff], Prefetch("memberships", queryset=Membership.objects.select_related("unit"))
            )
            staff_request = cast(StaffRequest, request)
            staff_request.staff = staff
            if permission is not None and not staff.units_with(permission):
                return forbidden(request)
            return view(staff_request, *args, **kwargs)

        return wrapper

    return decorator
