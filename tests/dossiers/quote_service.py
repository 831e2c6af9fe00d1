"""A small service following the quote workflow, with a review checklist (tests and journeys)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from guichet.catalog.models import Service
from guichet.catalog.services import load_catalog
from guichet.core.actors import SYSTEM, Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.factories import CitizenFactory, load_mspc_catalog

QUOTE_SERVICE = """
code: essai-devis
prefix: ESV
administration: mspc
unit: police
title: {fr: Essai avec devis, en: Quoted trial}
summary: {fr: Une couverture chiffrée après étude., en: Coverage priced after review.}
who_may_apply: {fr: Tout organisateur., en: Any organiser.}
workflow: quote
fee:
  rule: quote
  file_fee:
    - {label: {fr: Frais de dossier, en: File fee}, setting: event_file_fee}
  hourly_rate: {setting: event_agent_hour}
  requested_agents: agents_wanted
  event_date: event_date
  end_date: end_date
  label: {fr: Couverture sécuritaire, en: Security coverage}
checklist:
  - key: venue_ok
    label: {fr: Lieu autorisé, en: Venue authorized}
    advice: {fr: Joignez l'autorisation du lieu., en: Attach the venue authorization.}
  - key: plan_legible
    label: {fr: Plan du site lisible, en: Site plan legible}
steps:
  - key: event
    title: {fr: L'événement, en: The event}
    fields:
      - name: event_name
        type: text
        label: {fr: Nom de l'événement, en: Name of the event}
      - name: event_date
        type: date
        label: {fr: Date, en: Date}
      - name: end_date
        type: date
        required: false
        label: {fr: Dernier jour (s'il dure plusieurs jours), en: Last day (if it runs several days)}
      - name: agents_wanted
        type: number
        min_value: 1
        max_value: 500
        label: {fr: Agents souhaités, en: Agents wished for}
"""

EVENT_DAY = dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=30)


def quote_answers(day: dt.date = EVENT_DAY, agents: int = 4) -> dict[str, Any]:
    return {"event_name": "Mariage Mensah", "event_date": day.isoformat(), "agents_wanted": str(agents)}


def publish_quote_service(folder: Any) -> Service:
    """Publish the quote service from a folder, as load_catalog does for the catalogue."""
    load_mspc_catalog()
    folder.mkdir(exist_ok=True)
    (folder / "essai-devis.yaml").write_text(QUOTE_SERVICE, encoding="utf-8")
    ((version, _created),) = load_catalog(folder)
    return version.service


def quote_dossier_in_review(service: Service, answers: dict[str, Any] | None = None) -> Dossier:
    """A filed dossier of the quote service whose file fee is paid: in review."""
    applicant = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(service, actor=applicant, language="fr")
    dossiers.save_answers(dossier, actor=applicant, answers=answers or quote_answers())
    dossiers.submit_dossier(dossier, actor=applicant)
    # Payment belongs to guichet.payments: here the gate is driven as it would.
    dossiers.transition_dossier(dossier, to=DossierState.PAID, actor=SYSTEM)
    dossiers.transition_dossier(dossier, to=DossierState.IN_REVIEW, actor=SYSTEM)
    dossier.refresh_from_db()
    return dossier


def tick_all(dossier: Dossier, actor: Actor) -> None:
    dossiers.tick_checklist(dossier, actor=actor, ticked=[p.key for p in dossier.definition.checklist])
