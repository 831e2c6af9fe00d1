"""The review checklist: ticked before approving, named by a refusal, recorded who and when."""

from __future__ import annotations

import pytest
from django.utils import translation

from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.catalog.definition import DefinitionError, parse_definition
from guichet.catalog.services import read_yaml
from guichet.core.actors import Actor
from guichet.core.errors import DomainError, InvalidInput, PermissionRefused
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import ChecklistTick, Dossier, EventKind
from guichet.dossiers.states import DossierState
from guichet.portal.display import dossier_status
from tests.dossiers.conftest import DECIDED_SERVICE, publish_file
from tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db
S = DossierState

CHECKED_SERVICE = DECIDED_SERVICE.replace("code: essai-decision", "code: essai-liste").replace(
    "workflow: decision",
    """workflow: decision
checklist:
  - key: record_recent
    label: {fr: Casier judiciaire de moins de 3 mois, en: Criminal record under 3 months old}
    advice: {fr: Demandez un nouvel extrait au tribunal., en: Ask the court for a new extract.}
  - key: plate_matches
    label: {fr: La plaque correspond à la carte grise, en: Plate matches the registration card}""",
)


@pytest.fixture
def in_review(tmp_path) -> tuple[Dossier, Actor]:
    service = publish_file(tmp_path, "essai-liste", CHECKED_SERVICE)
    applicant = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(service, actor=applicant, language="en")
    dossiers.save_answers(dossier, actor=applicant, answers={"reason": "Une raison."})
    dossiers.submit_dossier(dossier, actor=applicant)
    dossier.refresh_from_db()
    assert dossier.state == S.IN_REVIEW
    return dossier, Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))


def test_the_checklist_is_read_from_the_service_file():
    definition = parse_definition(read_yaml(CHECKED_SERVICE))
    assert [point.key for point in definition.checklist] == ["record_recent", "plate_matches"]
    assert definition.checklist[0].advice is not None
    assert definition.checklist[1].advice is None


@pytest.mark.parametrize(
    ("checklist", "error"),
    [
        ("[{key: a}]", r"checklist\[0\]\.label: a text needs both 'fr' and 'en'"),
        ("[{label: {fr: A, en: A}}]", r"checklist\[0\]\.key: required"),
        ("[{key: a b, label: {fr: A, en: A}}]", r"must be a simple identifier"),
        ("[{key: a, label: {fr: A, en: A}}, {key: a, label: {fr: B, en: B}}]", r"already called 'a'"),
        ("{key: a}", r"checklist: a list"),
    ],
)
def test_a_bad_checklist_is_refused_with_its_path(checklist, error):
    source = DECIDED_SERVICE.replace("workflow: decision", f"workflow: decision\nchecklist: {checklist}")
    with pytest.raises(DefinitionError, match=error):
        parse_definition(read_yaml(source))


def test_approving_is_refused_until_every_point_is_ticked(in_review):
    dossier, agent = in_review
    with pytest.raises(InvalidInput, match="Not ticked: Criminal record under 3 months old; Plate matches"):
        dossiers.approve_dossier(dossier, actor=agent)
    dossiers.tick_checklist(dossier, actor=agent, ticked=["record_recent"])
    with pytest.raises(InvalidInput, match=r"Not ticked: Plate matches the registration card\.$"):
        dossiers.approve_dossier(dossier, actor=agent)
    assert Dossier.objects.get(pk=dossier.pk).state == S.IN_REVIEW
    dossiers.tick_checklist(dossier, actor=agent, ticked=["record_recent", "plate_matches"])
    dossiers.approve_dossier(dossier, actor=agent)
    assert Dossier.objects.get(pk=dossier.pk).state == S.APPROVED


def test_each_tick_is_recorded_with_who_and_when_and_only_changes_count(in_review):
    dossier, agent = in_review
    assert dossiers.tick_checklist(dossier, actor=agent, ticked=["record_recent"]) == ["record_recent"]
    tick = ChecklistTick.objects.get(dossier=dossier, key="record_recent")
    assert (tick.ticked, tick.by) == (True, agent.user)
    event = dossier.events.get(kind=EventKind.CHECKLIST_TICKED)
    assert not event.public  # for colleagues, not the applicant
    assert event.text == "Ticked: Criminal record under 3 months old"
    assert AuditEvent.objects.filter(verb="dossier.checklist_ticked").count() == 1
    # The same ticks again change nothing and record nothing.
    assert dossiers.tick_checklist(dossier, actor=agent, ticked=["record_recent"]) == []
    assert AuditEvent.objects.filter(verb="dossier.checklist_ticked").count() == 1
    # Unticking is recorded too.
    assert dossiers.tick_checklist(dossier, actor=agent, ticked=[]) == ["record_recent"]
    assert not ChecklistTick.objects.get(dossier=dossier, key="record_recent").ticked
    audit = AuditEvent.objects.filter(verb="dossier.checklist_ticked").latest("id")
    assert audit.data["unticked"] == ["record_recent"]


def test_ticking_an_unknown_point_or_without_the_right_is_refused(in_review):
    dossier, agent = in_review
    with pytest.raises(InvalidInput):
        dossiers.tick_checklist(dossier, actor=agent, ticked=["made_up"])
    for stranger in (Actor.for_user(dossier.applicant), Actor.for_user(StaffFactory())):
        with pytest.raises(PermissionRefused):
            dossiers.tick_checklist(dossier, actor=stranger, ticked=["record_recent"])
    assert not ChecklistTick.objects.exists()


def test_a_service_without_a_checklist_says_so(decided_service):
    applicant = Actor.for_user(CitizenFactory())
    dossier = dossiers.start_dossier(decided_service, actor=applicant, language="fr")
    dossiers.save_answers(dossier, actor=applicant, answers={"reason": "Une raison."})
    dossiers.submit_dossier(dossier, actor=applicant)
    agent = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    with pytest.raises(DomainError, match="no review checklist"):
        dossiers.tick_checklist(dossier, actor=agent, ticked=[])
    dossiers.approve_dossier(dossier, actor=agent)  # nothing to tick


def test_a_refusal_names_the_failed_points_and_the_applicant_reads_what_to_do(in_review):
    dossier, agent = in_review
    with pytest.raises(InvalidInput, match="from the checklist"):
        dossiers.reject_dossier(dossier, actor=agent, reason="Incomplet.", failed_points=["made_up"])
    assert Dossier.objects.get(pk=dossier.pk).state == S.IN_REVIEW

    dossiers.reject_dossier(
        dossier,
        actor=agent,
        reason="Le casier date de 5 mois.",
        failed_points=["record_recent", "record_recent"],
    )
    dossier.refresh_from_db()
    event = dossier.events.get(to_state=S.REJECTED)
    assert event.data == {"failed_points": ["record_recent"]}

    events = list(dossier.events.public())
    with translation.override("en"):
        status = dossier_status(dossier, events)
    assert status.failed_points == (
        ("Criminal record under 3 months old", "Ask the court for a new extract."),
    )
    with translation.override("fr"):
        status = dossier_status(dossier, events)
    assert status.failed_points == (
        ("Casier judiciaire de moins de 3 mois", "Demandez un nouvel extrait au tribunal."),
    )
    assert status.words == "Le casier date de 5 mois."
