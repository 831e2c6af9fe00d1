"""The catalogue: every published service, and one service before starting it."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache

from guichet.catalog.cache import for_catalogue
from guichet.catalog.models import Service
from guichet.core.text import bilingual, current_language
from guichet.dossiers.states import DossierState
from guichet.portal import session
from guichet.portal.display import file_hint
from guichet.portal.forms import TrackForm
from guichet.portal.views.common import (
    definition_of,
    published_service,
)

S = DossierState


# --- the catalogue -----------------------------------------------------------------------


def _catalogue_html() -> str:
    """The list of services in the current language: the same for every visitor."""
    groups: dict[int, dict[str, Any]] = {}
    for service in Service.objects.published().select_related("administration", "current_version"):
        administration = service.administration
        group = groups.setdefault(
            administration.pk,
            {"name": bilingual(administration), "services": []},
        )
        group["services"].append({"service": service, "definition": definition_of(service)})
    return render_to_string("portal/includes/catalogue.html", {"groups": list(groups.values())})


def home(request: HttpRequest) -> HttpResponse:
    """Every published service, grouped by administration."""
    catalogue = for_catalogue(f"home:{current_language()}", _catalogue_html)
    return render(
        request,
        "portal/home.html",
        {"catalogue": mark_safe(catalogue), "track_form": TrackForm()},  # noqa: S308 - our template's output
    )


def _service_overview(code: str) -> dict[str, Any]:
    """What a service page shows every visitor, in the current language (404 if not published)."""
    service = published_service(code)
    definition = definition_of(service)
    html = render_to_string(
        "portal/includes/service_overview.html",
        {
            "definition": definition,
            "documents": [(d, file_hint(d)) for d in definition.documents],
            "steps": definition.steps,
        },
    )
    return {
        "code": service.code,
        "title": bilingual(definition.title),
        "anonymous_allowed": definition.anonymous_allowed,
        "html": html,
    }


@never_cache
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    """What a service is for, who may ask, what it needs and costs; the Start button."""
    overview = for_catalogue(f"service:{code}:{current_language()}", lambda: _service_overview(code))
    user = session.signed_in_user(request)
    contact = session.guest_contact(request)
    return render(
        request,
        "portal/service.html",
        {
            "overview": {**overview, "html": mark_safe(overview["html"])},  # noqa: S308 - our template's output
            # A fresh key each time the page is drawn: a double click on Start makes one draft.
            "submission_key": uuid.uuid4(),
            "anonymous_key": uuid.uuid4(),
            "filing_as": user.display_name if user else contact.masked if contact else "",
            "is_staff": user is not None and session.is_staff(user),
        },
    )
