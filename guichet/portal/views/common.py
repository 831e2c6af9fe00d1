"""Small helpers shared by the portal views."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language

from guichet.catalog.definition import ServiceDefinition, StepDef
from guichet.catalog.models import Service
from guichet.dossiers.models import Dossier
from guichet.dossiers.services import missing_answers
from guichet.portal.display import is_asked, visible_steps


def language() -> str:
    return get_language() or "fr"


def published_service(code: str) -> Service:
    return get_object_or_404(
        Service.objects.published().select_related("administration", "current_version"), code=code
    )


def definition_of(service: Service) -> ServiceDefinition:
    version = service.current_version
    if version is None:  # published() excludes these; kept for the type checker
        raise Http404
    return version.definition


def staff_refused(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/citizen_only.html", status=403)


def asked_step(dossier: Dossier, step: StepDef) -> StepDef:
    """The step as asked of this filer: anonymity already answers some questions ("do you sign?")."""
    fields = tuple(f for f in step.fields if is_asked(f, anonymous=dossier.anonymous))
    return step if len(fields) == len(step.fields) else dataclasses.replace(step, fields=fields)


def steps_to_ask(dossier: Dossier) -> list[StepDef]:
    """The steps this draft's filer goes through, given their answers so far and how they file."""
    steps = visible_steps(dossier.definition, dossier.answers, anonymous=dossier.anonymous)
    return [asked_step(dossier, step) for step in steps]


def first_step_url(dossier: Dossier) -> str:
    steps = steps_to_ask(dossier)
    return reverse("portal:step", kwargs={"reference": dossier.reference, "step_key": steps[0].key})


def step_url(dossier: Dossier, step_key: str, anchor: str = "") -> str:
    url = reverse("portal:step", kwargs={"reference": dossier.reference, "step_key": step_key})
    return f"{url}#{anchor}" if anchor else url


def resume_url(dossier: Dossier) -> str:
    """Where a draft picks up: the first step with a question left, else the check page."""
    missing = {f.name for f in missing_answers(dossier)}
    for step_def in steps_to_ask(dossier):
        if any(f.name in missing for f in step_def.fields):
            return step_url(dossier, step_def.key)
    return reverse("portal:check", kwargs={"reference": dossier.reference})


def with_language(response: HttpResponse, language: str) -> HttpResponse:
    """Pages follow the account's language from now on."""
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response
