"""factory_boy factories with lifecycle traits, and named personas for tests."""

from __future__ import annotations

import factory
import pyotp
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.accounts.models import Administration, Membership, Unit, User
from guichet.accounts.roles import Role
from guichet.catalog.models import Service
from guichet.catalog.services import load_catalog
from guichet.core.actors import Actor
from guichet.demo.files import demo_pdf, demo_png
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState

MOBILE_PREFIXES = ("90", "91", "92", "93", "96", "97", "98", "99")


def load_mspc_catalog() -> None:
    load_catalog(settings.GUICHET["CATALOG_DIR"])


class AdministrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administration
        django_get_or_create = ("code",)

    code = "mspc"
    name_fr = "Ministère de la Sécurité et de la Protection Civile"
    name_en = "Ministry of Security and Civil Protection"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("administration", "code")

    administration = factory.SubFactory(AdministrationFactory)
    code = factory.Sequence(lambda n: f"unit-{n}")
    name_fr = factory.LazyAttribute(lambda o: f"Unité {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Unit {o.code}")


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"c-citizen{n}")
    # Only Togolese mobile prefixes the portal accepts (94 and 95 are not allocated), whatever the order tests run in.
    phone = factory.Sequence(
        lambda n: f"+228{MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]}{(n * 7919) % 1000000:06d}"
    )
    first_name = "Afi"
    last_name = factory.Sequence(lambda n: f"Mensah{n}")
    password = factory.django.Password(None)


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff member; `roles=[(unit, Role.AGENT)]` gives memberships."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Kodjo"
    last_name = factory.Sequence(lambda n: f"Agbeko{n}")
    is_staff_member = True
    totp_secret = factory.LazyFunction(pyotp.random_base32)
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[tuple[Unit, Role]] | None, **kwargs: object) -> None:
        for unit, role in extracted or []:
            Membership.objects.create(user=self, unit=unit, role=role)


def service(code: str) -> Service:
    """A service of the MSPC catalogue (loaded on first use)."""
    if not Service.objects.filter(code=code).exists():
        load_mspc_catalog()
    return Service.objects.get(code=code)


SUGGESTION_ANSWERS = {
    "category": "online_services",
    "subject": "Horaires",
    "message": "Ouvrir le samedi matin.",
    "signed": "no",
}


def _attach_demo_documents(dossier: Dossier, actor: Actor) -> None:
    """A small real file for each document the service requires (and that applies)."""
    for field in dossier.definition.documents:
        if field.required and field.visible(dossier.answers):
            upload = (
                SimpleUploadedFile(f"{field.name}.pdf", demo_pdf(field.name), content_type="application/pdf")
                if "pdf" in field.accept
                else SimpleUploadedFile(f"{field.name}.png", demo_png(), content_type="image/png")
            )
            dossiers.attach_document(dossier, actor=actor, field_name=field.name, upload=upload)


def make_dossier(
    code: str = "suggestion",
    *,
    applicant: User | None = None,
    answers: dict[str, object] | None = None,
    state: DossierState = DossierState.DRAFT,
) -> Dossier:
    """A dossier driven through the real use cases up to `state` (draft, in_review, info_requested...).

    Approved and rejected need a service decided by the ministry (cloture-electrifiee, with its
    answers); answered needs one it answers (the suggestion).
    """
    applicant = applicant or CitizenFactory()
    actor = Actor.for_user(applicant)
    dossier = dossiers.start_dossier(service(code), actor=actor, language="fr")
    dossiers.save_answers(
        dossier, actor=actor, answers=answers if answers is not None else dict(SUGGESTION_ANSWERS)
    )
    if state == DossierState.DRAFT:
        return dossier
    _attach_demo_documents(dossier, actor)
    dossiers.submit_dossier(dossier, actor=actor)
    dossier.refresh_from_db()
    if state == DossierState.IN_REVIEW:
        return dossier
    agent = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    if state == DossierState.INFO_REQUESTED:
        dossiers.request_information(dossier, actor=agent, message="Précisez le commissariat.")
    elif state == DossierState.ANSWERED:
        dossiers.answer_dossier(dossier, actor=agent, answer="Merci, c'est noté.")
    elif state == DossierState.APPROVED:
        dossiers.approve_dossier(dossier, actor=agent, note="Conforme.")
    elif state == DossierState.REJECTED:
        dossiers.reject_dossier(dossier, actor=agent, reason="Hors sujet.")
    elif state == DossierState.WITHDRAWN:
        dossiers.withdraw_dossier(dossier, actor=actor)
    else:
        raise ValueError(f"make_dossier cannot reach {state}")
    dossier.refresh_from_db()
    return dossier


def restricted_service(code: str = "denonciation-test", prefix: str = "DEN") -> str:
    """A confidential service file (only cleared staff of the inspection unit see its files)."""
    return f"""
code: {code}
prefix: {prefix}
administration: mspc
unit: inspection
title: {{fr: Dénonciation, en: Report}}
summary: {{fr: Signaler des faits., en: Report facts.}}
who_may_apply: {{fr: Toute personne., en: Anyone.}}
sla_days: 30
confidentiality: restricted
anonymous_allowed: true
workflow: answer
steps:
  - key: facts
    title: {{fr: Les faits, en: The facts}}
    fields:
      - {{name: narrative, type: long_text, label: {{fr: Récit, en: Narrative}}}}
"""
