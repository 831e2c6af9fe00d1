"""The use cases refuse what the form would refuse: nothing wrong is stored or filed."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from guichet.core.actors import Actor
from guichet.core.errors import InvalidInput
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.services import DossierIncomplete
from guichet.dossiers.states import DossierState
from tests.dossiers.conftest import publish_file
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

SERVICE = """
code: essai-vitres
prefix: ESV
administration: mspc
unit: police
title: {fr: Essai, en: Trial}
summary: {fr: Un essai., en: A trial.}
who_may_apply: {fr: Tout le monde., en: Anyone.}
steps:
  - key: vehicle
    title: {fr: Le véhicule, en: The vehicle}
    fields:
      - name: plate
        type: text
        validators: [togo_plate]
        label: {fr: Immatriculation, en: Plate number}
        messages:
          required: {fr: Saisissez l’immatriculation, en: Enter the plate number}
      - name: windows
        type: number
        min_value: 1
        max_value: 6
        label: {fr: Nombre de vitres, en: Number of windows}
      - name: tint
        type: choice
        label: {fr: Teinte, en: Tint}
        choices:
          - {value: light, label: {fr: Légère, en: Light}}
          - {value: dark, label: {fr: Foncée, en: Dark}}
  - key: papers
    title: {fr: Pièces, en: Papers}
    fields:
      - name: card
        type: file
        accept: [pdf]
        label: {fr: Carte grise, en: Registration card}
"""

GOOD = {"plate": "TG 1234 AB", "windows": 4, "tint": "dark"}


def pdf() -> SimpleUploadedFile:
    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    return SimpleUploadedFile("card.pdf", buffer.getvalue(), "application/pdf")


@pytest.fixture
def draft(tmp_path) -> tuple[Dossier, Actor]:
    service = publish_file(tmp_path, "essai-vitres", SERVICE)
    actor = Actor.for_user(CitizenFactory())
    return dossiers.start_dossier(service, actor=actor, language="en"), actor


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        (
            {"plate": "?"},
            {"plate": ["Enter the plate as written on the registration card, for example TG 1234 AB."]},
        ),
        ({"windows": 9}, {"windows": ["“Number of windows” must be 6 or less"]}),
        ({"windows": "four"}, {"windows": ["Enter a number, like 12"]}),
        ({"tint": "mirror"}, {"tint": ["Choose one of the options"]}),
        ({"plate": ""}, {"plate": ["Enter the plate number"]}),
        ({**GOOD, "windows": 0}, {"windows": ["“Number of windows” must be at least 1"]}),
    ],
)
def test_save_answers_refuses_a_wrong_answer_and_stores_nothing(draft, answers, errors):
    dossier, actor = draft

    with pytest.raises(InvalidInput) as refused:
        dossiers.save_answers(dossier, actor=actor, answers=answers)

    assert refused.value.errors == errors
    # Whoever calls without a form (a command, an API, a test) reads what is wrong.
    assert str(refused.value).startswith("Some answers are not right. ")
    assert errors[next(iter(errors))][0] in str(refused.value)
    dossier.refresh_from_db()
    assert dossier.answers == {}


def test_save_answers_stores_answers_as_the_catalogue_cleans_them(draft):
    dossier, actor = draft

    dossiers.save_answers(
        dossier, actor=actor, answers={"plate": " TG 1234 AB ", "windows": "4", "tint": "Dark"}
    )

    dossier.refresh_from_db()
    assert dossier.answers == GOOD


def test_submit_refuses_a_draft_whose_stored_answers_are_wrong(draft):
    dossier, actor = draft
    dossiers.attach_document(dossier, actor=actor, field_name="card", upload=pdf())
    # Written around the use cases (an old draft, an import): the filing checks again.
    Dossier.objects.filter(pk=dossier.pk).update(answers={**GOOD, "windows": 60, "tint": "mirror"})
    dossier.refresh_from_db()

    with pytest.raises(DossierIncomplete) as refused:
        dossiers.submit_dossier(dossier, actor=actor)

    assert refused.value.errors == {
        "windows": ["“Number of windows” must be 6 or less"],
        "tint": ["Choose one of the options"],
    }
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT
    assert [f.name for f in dossiers.missing_answers(dossier)] == ["windows", "tint"]


def test_submit_names_a_missing_document(draft):
    dossier, actor = draft
    dossiers.save_answers(dossier, actor=actor, answers=GOOD)

    with pytest.raises(DossierIncomplete) as refused:
        dossiers.submit_dossier(dossier, actor=actor)

    assert refused.value.errors == {"card": ["Add “Registration card”"]}


def test_a_complete_draft_is_filed(draft):
    dossier, actor = draft
    dossiers.save_answers(dossier, actor=actor, answers=GOOD)
    dossiers.attach_document(dossier, actor=actor, field_name="card", upload=pdf())

    filed = dossiers.submit_dossier(dossier, actor=actor)

    assert filed.state == DossierState.IN_REVIEW
    assert dossiers.missing_answers(filed) == []
