"""Renewing one permit: a traveller's entry authorization renews that traveller only, with the trip;
a permit of any other type renews its whole file (the services' real definitions)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guichet.core.actors import Actor
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.permits import services
from guichet.permits.models import Permit
from tests.catalog.test_procedures import entry_answers, traveller
from tests.permits.conftest import approve, entry_documents, file_request, pay

pytestmark = pytest.mark.django_db

TRIP = (
    "purpose",
    "sponsor",
    "sponsor_phone",
    "arrival_date",
    "port_of_entry",
    "stay_days",
    "address_in_togo",
)


def expire(permit: Permit) -> Permit:
    Permit.objects.filter(pk=permit.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))
    permit.refresh_from_db()
    return permit


def three_travellers() -> Dossier:
    travellers = [
        traveller("aaaa0001", "12AB34567"),
        {**traveller("aaaa0002", "12AB34568"), "surname": "MARTIN", "given_names": "Paul"},
        {
            **traveller("aaaa0003", "12AB34569"),
            "surname": "DIALLO",
            "given_names": "Awa",
            "nationality": "SN",
        },
    ]
    dossier = file_request(
        "autorisation-entree",
        entry_answers(travellers),
        entry_documents(("aaaa0001", "aaaa0002", "aaaa0003")),
    )
    pay(dossier)
    return approve(dossier)


def test_renewing_one_travellers_permit_prefills_the_trip_and_that_traveller_only(client):
    dossier = three_travellers()
    permits = {p.item: p for p in Permit.objects.filter(dossier=dossier)}
    assert set(permits) == {"aaaa0001", "aaaa0002", "aaaa0003"}
    permit = expire(permits["aaaa0002"])

    client.force_login(dossier.applicant)
    response = client.post(f"/permis/{dossier.reference}/{permit.number}/renouveler/")
    assert response.status_code == 302
    draft = Dossier.objects.filter(applicant=dossier.applicant).exclude(pk=dossier.pk).get()
    assert draft.state == DossierState.DRAFT
    assert draft.service_id == dossier.service_id
    travellers = draft.answers["travellers"]
    assert [t["passport_number"] for t in travellers] == ["12AB34568"]
    assert (travellers[0]["surname"], travellers[0]["given_names"]) == ("MARTIN", "Paul")
    old_traveller = dossier.answers["travellers"][1]
    assert {k: v for k, v in travellers[0].items() if k != "_key"} == {
        k: v for k, v in old_traveller.items() if k != "_key"
    }
    for name in TRIP:
        assert draft.answers[name] == dossier.answers[name], name
    assert draft.documents.count() == 0  # a new photo, a new criminal record
    dossier.refresh_from_db()
    assert len(dossier.answers["travellers"]) == 3  # the issued file is left as it was


def test_a_trip_long_past_drops_its_arrival_date_and_keeps_the_traveller(client):
    dossier = three_travellers()
    # Months later: the arrival is past, the permit has expired.
    answers = {**dossier.answers, "arrival_date": (timezone.localdate() - dt.timedelta(days=120)).isoformat()}
    Dossier.objects.filter(pk=dossier.pk).update(answers=answers)
    permit = expire(Permit.objects.get(dossier=dossier, item="aaaa0003"))
    permit.dossier.refresh_from_db()

    draft = services.renew_permit(permit, actor=Actor.for_user(dossier.applicant), language="fr")
    assert "arrival_date" not in draft.answers  # to give again: a past date no longer passes
    assert [t["passport_number"] for t in draft.answers["travellers"]] == ["12AB34569"]
    assert draft.answers["travellers"][0]["nationality"] == "SN"
    assert draft.answers["sponsor"] == dossier.answers["sponsor"]


def test_a_permit_whose_traveller_cannot_be_found_prefills_no_traveller():
    dossier = three_travellers()
    permit = Permit.objects.get(dossier=dossier, item="aaaa0001")
    Permit.objects.filter(pk=permit.pk).update(item="ffff9999")
    permit.refresh_from_db()
    answers = services.renewal_answers(permit, dossier)
    assert "travellers" not in answers
    assert answers["sponsor"] == dossier.answers["sponsor"]


def test_an_item_named_by_its_position_is_found_as_issuing_named_it():
    dossier = three_travellers()
    permit = Permit.objects.get(dossier=dossier, item="aaaa0002")
    Permit.objects.filter(pk=permit.pk).update(item="2")
    permit.refresh_from_db()
    unkeyed = {**dossier.answers, "travellers": [
        {k: v for k, v in t.items() if k != "_key"} for t in dossier.answers["travellers"]
    ]}  # fmt: skip
    dossier.answers = unkeyed
    answers = services.renewal_answers(permit, dossier)
    assert [t["passport_number"] for t in answers["travellers"]] == ["12AB34568"]


@pytest.mark.parametrize("code", ["vitres-teintees", "cloture-electrifiee", "couverture-securitaire"])
def test_a_permit_of_another_type_renews_its_whole_file(issue, code):
    dossier = issue(code)
    permit = Permit.objects.get(dossier=dossier)
    assert permit.item == ""
    assert services.renewal_answers(permit, dossier) == dossier.answers


def test_the_renewed_traveller_keeps_its_key(issue):
    dossier = issue("autorisation-entree")
    first = Permit.objects.filter(dossier=dossier).order_by("item").first()
    assert first is not None
    permit = expire(first)
    draft = services.renew_permit(permit, actor=Actor.for_user(dossier.applicant), language="en")
    assert [t["_key"] for t in draft.answers["travellers"]] == [permit.item]
    assert draft.answers["port_of_entry"] == dossier.answers["port_of_entry"]
