"""The catalogue: every published service, and one service before starting it."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from guichet.catalog.models import Service
from guichet.core.text import bilingual
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


def home(request: HttpRequest) -> HttpResponse:
    """Every published service, grouped by administration."""
    groups: dict[int, dict[str, Any]] = {}
    for service in Service.objects.published().select_related("administration", "current_version"):
        administration = service.administration
        group = groups.setdefault(
            administration.pk,
            {"name": bilingual(administration), "services": []},
        )
        group["services"].append({"service": service, "definition": definition_of(service)})
    return render(request, "portal/home.html", {"groups": list(groups.values()), "track_form": TrackForm()})


@never_cache
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    """What a service is for, who may ask, what it needs and costs; the Start button."""
    service = published_service(code)
    definition = definition_of(service)
    user = session.signed_in_user(request)
    contact = session.guest_contact(request)
    return render(
        request,
        "portal/service.html",
        {
            "service": service,
            "definition": definition,
            "documents": [(d, file_hint(d)) for d in definition.documents],
            "steps": definition.steps,
            # A fresh key each time the page is drawn: a double click on Start makes one draft.
            "submission_key": uuid.uuid4(),
            "anonymous_key": uuid.uuid4(),
            "filing_as": user.display_name if user else contact.masked if contact else "",
            "is_staff": user is not None and session.is_staff(user),
        },
    )
