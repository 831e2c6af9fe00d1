"""Permission-checked reads: 'missing' and 'not yours' give the same NotFound."""

from __future__ import annotations

import uuid

import pytest

from guichet.accounts.roles import Role
from guichet.core.actors import Actor, ActorKind
from guichet.core.errors import NotFound
from guichet.dossiers import receipts
from guichet.dossiers import services as dossiers
from guichet.dossiers.access import (
    assignable_staff,
    dossiers_for_applicant,
    dossiers_for_staff,
    find_dossier_by_reference,
    get_dossier_for_applicant,
    get_dossier_for_staff,
    parse_reference,
    services_for_staff,
)
from guichet.dossiers.actions import is_applicant
from guichet.dossiers.models import Dossier
from guichet.dossiers.references import new_reference
from guichet.dossiers.states import DossierState
from tests.dossiers.conftest import CONFIDENTIAL_ANSWERS, publish_file
from tests.factories import (
    SUGGESTION_ANSWERS,
    CitizenFactory,
    StaffFactory,
    UnitFactory,
    make_dossier,
    service,
)

pytestmark = pytest.mark.django_db
S = DossierState


def filed_by_guest(contact: str):
    guest = Actor.guest(contact)
    dossier = dossiers.start_dossier(service("suggestion"), actor=guest, language="fr")
    dossiers.save_answers(dossier, actor=guest, answers=dict(SUGGESTION_ANSWERS))
    dossiers.submit_dossier(dossier, actor=guest)
    return dossier


def assert_not_found(call, *args) -> str:
    with pytest.raises(NotFound) as error:
        call(*args)
    return str(error.value)


# --- applicants -------------------------------------------------------------------------


def test_the_owner_finds_their_dossier_draft_or_filed():
    draft = make_dossier("suggestion")
    filed = make_dossier("suggestion", state=S.IN_REVIEW)

    assert get_dossier_for_applicant(Actor.for_user(draft.applicant), draft.reference) == draft
    assert get_dossier_for_applicant(Actor.for_user(filed.applicant), filed.reference.lower()) == filed


def test_another_citizen_gets_the_same_answer_as_for_a_missing_reference():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    other = Actor.for_user(CitizenFactory())

    not_yours = assert_not_found(get_dossier_for_applicant, other, dossier.reference)
    missing = assert_not_found(get_dossier_for_applicant, other, new_reference("SUG"))

    assert not_yours == missing


def test_a_guest_finds_a_dossier_under_the_same_contact_only():
    dossier = filed_by_guest("afi@exemple.tg")

    assert get_dossier_for_applicant(Actor.guest("afi@exemple.tg"), dossier.reference) == dossier
    assert_not_found(get_dossier_for_applicant, Actor.guest("kofi@exemple.tg"), dossier.reference)
    assert_not_found(get_dossier_for_applicant, Actor.guest(""), dossier.reference)


def test_a_guest_contact_does_not_open_a_citizens_dossier():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    assert dossier.contact_value
    assert_not_found(get_dossier_for_applicant, Actor.guest(dossier.contact_value), dossier.reference)


def test_an_anonymous_receipt_holder_finds_only_that_dossier():
    dossier, code = dossiers.start_anonymous_dossier(
        service("suggestion"), language="fr", submission_key=uuid.uuid4()
    )
    other, _code = dossiers.start_anonymous_dossier(
        service("suggestion"), language="fr", submission_key=uuid.uuid4()
    )
    holder = Actor.receipt_holder(dossier.reference)

    assert receipts.receipt_matches(dossier, code)
    assert not receipts.receipt_matches(dossier, "0000-0000-0000-0000-0000")
    assert get_dossier_for_applicant(holder, dossier.reference) == dossier
    assert_not_found(get_dossier_for_applicant, holder, other.reference)
    assert_not_found(get_dossier_for_applicant, Actor(kind=ActorKind.ANONYMOUS), dossier.reference)


def test_my_files_are_those_the_domain_says_are_mine():
    citizen = CitizenFactory()
    draft = make_dossier(applicant=citizen)
    filed = make_dossier(applicant=citizen, state=S.IN_REVIEW)
    someone_elses = make_dossier(state=S.IN_REVIEW)
    as_guest = filed_by_guest("+22890998877")
    anonymous, _code = dossiers.start_anonymous_dossier(
        service("suggestion"), language="fr", submission_key=uuid.uuid4()
    )
    actors = {
        "citizen": Actor.for_user(citizen),
        "guest": Actor.guest("+22890998877"),
        "receipt holder": Actor.receipt_holder(anonymous.reference),
        "other guest": Actor.guest("+22890000000"),
        "staff": Actor.for_user(StaffFactory(roles=[(draft.unit, Role.SUPERVISOR)])),
        "nobody": Actor(kind=ActorKind.ANONYMOUS),
    }
    assert list(dossiers_for_applicant(actors["citizen"])) == [filed, draft]
    assert list(dossiers_for_applicant(actors["guest"])) == [as_guest]
    assert list(dossiers_for_applicant(actors["receipt holder"])) == [anonymous]
    assert set(dossiers_for_applicant(actors["citizen"], actors["guest"])) == {draft, filed, as_guest}
    for name in ["other guest", "staff", "nobody"]:
        assert not dossiers_for_applicant(actors[name]).exists(), name
    assert someone_elses not in dossiers_for_applicant(*actors.values())
    # The list and the rule agree, dossier by dossier.
    for name, actor in actors.items():
        listed = set(dossiers_for_applicant(actor))
        assert listed == {d for d in Dossier.objects.all() if is_applicant(d, actor)}, name


def test_staff_are_not_applicants():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    assert_not_found(get_dossier_for_applicant, Actor.for_user(agent), dossier.reference)


@pytest.mark.parametrize("raw", ["", "SUG", "n'importe quoi", "SUG-0000-0001", "SUG-0000-000000"])
def test_a_malformed_reference_is_not_found(raw):
    citizen = CitizenFactory()
    assert_not_found(get_dossier_for_applicant, Actor.for_user(citizen), raw)
    assert_not_found(get_dossier_for_staff, StaffFactory(), raw)
    with pytest.raises(NotFound):
        parse_reference(raw)
    with pytest.raises(NotFound):
        find_dossier_by_reference(raw)


# --- staff ------------------------------------------------------------------------------


def test_staff_of_the_unit_see_its_filed_dossiers_only():
    filed = make_dossier("suggestion", state=S.IN_REVIEW)
    draft = make_dossier("suggestion")
    elsewhere = make_dossier("cloture-electrifiee")  # another unit, and a draft
    agent = StaffFactory(roles=[(filed.unit, Role.AGENT)])
    cashier = StaffFactory(roles=[(filed.unit, Role.CASHIER)])

    assert get_dossier_for_staff(agent, filed.reference) == filed
    assert get_dossier_for_staff(cashier, filed.reference) == filed
    assert_not_found(get_dossier_for_staff, agent, draft.reference)  # drafts are the applicant's own
    assert list(dossiers_for_staff(agent)) == [filed]
    assert elsewhere not in dossiers_for_staff(agent)


def test_staff_of_another_unit_get_not_found():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    police_agent = StaffFactory(roles=[(UnitFactory(code="police"), Role.AGENT)])

    assert_not_found(get_dossier_for_staff, police_agent, dossier.reference)
    assert not dossiers_for_staff(police_agent).exists()


def test_a_right_the_staff_member_does_not_hold_is_not_found():
    from guichet.accounts.roles import Permission

    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    cashier = StaffFactory(roles=[(dossier.unit, Role.CASHIER)])
    assert_not_found(get_dossier_for_staff, cashier, dossier.reference, Permission.DECIDE)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    assert get_dossier_for_staff(agent, dossier.reference, Permission.DECIDE) == dossier


def test_inactive_staff_and_citizens_see_nothing():
    dossier = make_dossier("suggestion", state=S.IN_REVIEW)
    inactive = StaffFactory(roles=[(dossier.unit, Role.AGENT)], is_active=False)
    assert_not_found(get_dossier_for_staff, inactive, dossier.reference)
    assert_not_found(get_dossier_for_staff, dossier.applicant, dossier.reference)
    assert not dossiers_for_staff(dossier.applicant).exists()


def test_confidential_dossiers_are_seen_by_inspectors_of_the_unit_only(tmp_path):
    from tests.dossiers.conftest import CONFIDENTIAL_SERVICE

    confidential_service = publish_file(tmp_path, "plainte", CONFIDENTIAL_SERVICE)
    applicant = CitizenFactory()
    confidential = dossiers.start_dossier(
        confidential_service, actor=Actor.for_user(applicant), language="fr"
    )
    dossiers.save_answers(confidential, actor=Actor.for_user(applicant), answers=dict(CONFIDENTIAL_ANSWERS))
    dossiers.submit_dossier(confidential, actor=Actor.for_user(applicant))
    inspection = confidential.unit
    # An ordinary service handled by the same unit stays visible to its agents.
    ordinary_source = (
        CONFIDENTIAL_SERVICE.replace("code: plainte", "code: note-interne")
        .replace("prefix: PLT", "prefix: NOT")
        .replace("confidentiality: restricted", "")
    )
    ordinary_service = publish_file(tmp_path, "note-interne", ordinary_source)
    ordinary = dossiers.start_dossier(ordinary_service, actor=Actor.for_user(applicant), language="fr")
    dossiers.save_answers(ordinary, actor=Actor.for_user(applicant), answers=dict(CONFIDENTIAL_ANSWERS))
    dossiers.submit_dossier(ordinary, actor=Actor.for_user(applicant))

    inspector = StaffFactory(roles=[(inspection, Role.INSPECTOR)])
    agent = StaffFactory(roles=[(inspection, Role.AGENT)])
    supervisor = StaffFactory(roles=[(inspection, Role.SUPERVISOR)])
    police_inspector = StaffFactory(roles=[(UnitFactory(code="police"), Role.INSPECTOR)])
    # Cleared in one unit does not clear the same person in another.
    mixed = StaffFactory(roles=[(UnitFactory(code="police"), Role.INSPECTOR), (inspection, Role.AGENT)])

    assert get_dossier_for_staff(inspector, confidential.reference) == confidential
    assert set(dossiers_for_staff(inspector)) == {confidential, ordinary}
    for user in [agent, supervisor, mixed]:
        assert_not_found(get_dossier_for_staff, user, confidential.reference)
        assert list(dossiers_for_staff(user)) == [ordinary]
        assert get_dossier_for_staff(user, ordinary.reference) == ordinary
    assert_not_found(get_dossier_for_staff, police_inspector, confidential.reference)
    assert not dossiers_for_staff(police_inspector).exists()
    # The queue's service filter and the staff one may assign follow the same clearance.
    assert {"plainte", "note-interne"} <= set(services_for_staff(inspector).values_list("code", flat=True))
    for user in [agent, supervisor, mixed]:
        codes = set(services_for_staff(user).values_list("code", flat=True))
        assert "note-interne" in codes
        assert "plainte" not in codes
    assert assignable_staff(confidential) == [inspector]
    assert set(assignable_staff(ordinary)) == {inspector, agent, supervisor, mixed}


def test_find_dossier_by_reference_finds_drafts_but_not_anonymous_ones():
    draft = make_dossier("suggestion")
    filed = make_dossier("suggestion", state=S.IN_REVIEW)
    anonymous, _code = dossiers.start_anonymous_dossier(
        service("suggestion"), language="fr", submission_key=uuid.uuid4()
    )
    assert find_dossier_by_reference(draft.reference) == draft
    assert find_dossier_by_reference(filed.reference.lower()) == filed
    assert find_dossier_by_reference(anonymous.reference) is None
