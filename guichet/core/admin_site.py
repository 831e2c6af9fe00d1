"""The Django admin, for administrators who configure Guichet (not for processing files).

Entry needs the same second factor as the back office: the staff sign-in page (named by
`settings.GUICHET["STAFF_SIGN_IN_URL_NAME"]`) sets `STAFF_VERIFIED_SESSION_KEY` once the
TOTP code is right, and the admin has no password-only door of its own. Who may change
what inside is decided by the model admins (`guichet.accounts.admin_rights`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.core.sessions import STAFF_VERIFIED_SESSION_KEY

logger = logging.getLogger(__name__)
ViewT = TypeVar("ViewT", bound=Callable[..., Any])

# What a hostile or mistyped query string makes the admin's lookups raise (a year past
# 9999 in a date filter, a number too large for the column...): the request is wrong, so
# the answer is 400, not 500.
BAD_QUERY_ERRORS = (ValueError, OverflowError, ValidationError)


def staff_verified(request: HttpRequest) -> bool:
    """Whether the session passed the staff TOTP step."""
    return bool(request.session.get(STAFF_VERIFIED_SESSION_KEY))


def staff_sign_in_url() -> str:
    return reverse(settings.GUICHET["STAFF_SIGN_IN_URL_NAME"])


def bad_query(request: HttpRequest) -> HttpResponse:
    """The answer to a query string the admin cannot read."""
    return HttpResponseBadRequest(
        _(
            "This address holds a filter that cannot be read. Go back to the list and choose the filter again."
        ),
        content_type="text/plain; charset=utf-8",
    )


class GuichetAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Guichet administration")
    site_title = gettext_lazy("Guichet administration")
    index_title = gettext_lazy("Configuration")

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
        return HttpResponseRedirect(f"{staff_sign_in_url()}?{urlencode({'next': target})}")

    def admin_view(self, view: ViewT, cacheable: bool = False) -> ViewT:
        """Every admin page: a query string that makes a lookup fail is a bad request (400).

        Lists render lazily, and the date hierarchy raises while rendering: render here, so
        the error surfaces inside the guard.
        """
        protected = super().admin_view(view, cacheable)

        @wraps(protected)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                response = protected(request, *args, **kwargs)
                if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                    response.render()
            except BAD_QUERY_ERRORS:
                logger.warning("admin: unreadable query string on %s", request.path, exc_info=True)
                return bad_query(request)
            return response

        return cast(ViewT, guarded)


class GuichetAdminConfig(AdminConfig):
    """Installs GuichetAdminSite as `admin.site`."""

    default_site = "guichet.core.admin_site.GuichetAdminSite"
