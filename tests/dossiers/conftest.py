"""Two small service files written for these tests: a paid one and a confidential one."""

from __future__ import annotations

import pytest
from django.utils import translation

from guichet.catalog.models import Service
from guichet.catalog.services import load_catalog
from tests.factories import load_mspc_catalog

PAID_SERVICE = """
code: essai-payant
prefix: ESP
administration: mspc
unit: police
title: {fr: Essai payant, en: Paid trial}
summary: {fr: Un service payant., en: A paid service.}
who_may_apply: {fr: Tout le monde., en: Anyone.}
sla_days: 5
fee:
  rule: fixed
  lines:
    - {label: {fr: Frais d'étude, en: Review fee}, amount: 10000}
    - {label: {fr: Timbre fiscal, en: Fiscal stamp}, amount: 2000}
steps:
  - key: request
    title: {fr: La demande, en: The request}
    fields:
      - name: plate
        type: text
        validators: [togo_plate]
        label: {fr: Immatriculation, en: Plate}
      - name: ground
        type: choice
        label: {fr: Motif, en: Ground}
        choices:
          - {value: office, label: {fr: Fonction, en: Office}}
          - {value: threat, label: {fr: Menace, en: Threat}}
      - name: evidence
        type: long_text
        label: {fr: Éléments, en: Evidence}
        show_if: {field: ground, equals: threat}
      - name: letter
        type: file
        accept: [pdf]
        max_size_mb: 1
        label: {fr: Lettre, en: Letter}
      - name: photo
        type: file
        required: false
        accept: [jpeg, png]
        label: {fr: Photo, en: Photo}
"""

CONFIDENTIAL_SERVICE = """
code: plainte
prefix: PLT
administration: mspc
unit: inspection
title: {fr: Plainte, en: Complaint}
summary: {fr: Une plainte., en: A complaint.}
who_may_apply: {fr: Tout le monde., en: Anyone.}
confidentiality: restricted
anonymous_allowed: true
workflow: answer
steps:
  - key: facts
    title: {fr: Les faits, en: The facts}
    fields:
      - name: narrative
        type: long_text
        label: {fr: Récit, en: Narrative}
"""

PAID_ANSWERS = {"plate": "TG 1234 AB", "ground": "office"}
CONFIDENTIAL_ANSWERS = {"narrative": "Un agent a exigé de l'argent au barrage."}


def publish_file(tmp_path, name: str, source: str) -> Service:
    """Publish a service file from a folder, as load_catalog does for the MSPC catalogue."""
    load_mspc_catalog()  # the administration and its units
    folder = tmp_path / f"catalog-{name}"
    folder.mkdir()
    (folder / f"{name}.yaml").write_text(source, encoding="utf-8")
    ((version, _created),) = load_catalog(folder)
    return version.service


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted by their English msgid, whatever the .po files come to say."""
    with translation.override("en"):
        yield


@pytest.fixture
def paid_service(tmp_path) -> Service:
    return publish_file(tmp_path, "essai-payant", PAID_SERVICE)


@pytest.fixture
def confidential_service(tmp_path) -> Service:
    return publish_file(tmp_path, "plainte", CONFIDENTIAL_SERVICE)


DECIDED_SERVICE = """
code: essai-decision
prefix: ESD
administration: mspc
unit: police
title: {fr: Essai décidé, en: Decided trial}
summary: {fr: Un service gratuit qui se décide., en: A free service that is decided.}
who_may_apply: {fr: Tout le monde., en: Anyone.}
workflow: decision
steps:
  - key: request
    title: {fr: La demande, en: The request}
    fields:
      - name: reason
        type: long_text
        label: {fr: Motif, en: Reason}
"""

DECIDED_ANSWERS = {"reason": "Une raison."}


@pytest.fixture
def decided_service(tmp_path) -> Service:
    """A free service ended by a decision (approve or reject), with one question and no document."""
    return publish_file(tmp_path, "essai-decision", DECIDED_SERVICE)
