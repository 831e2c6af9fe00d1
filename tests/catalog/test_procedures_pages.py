"""The procedures through HTTP: bad input on their steps gets a page with the message, never a 500."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from guichet.catalog.definition import item_path
from guichet.dossiers.models import Dossier
from tests.catalog.test_procedures import days, entry_answers, event_answers, traveller
from tests.factories import CitizenFactory, load_mspc_catalog
from tests.portal.utils import start, step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("project_translations")]


@pytest.fixture
def entry(client):
    load_mspc_catalog()
    client.force_login(CitizenFactory())
    assert start(client, "autorisation-entree").status_code == 302
    dossier = Dossier.objects.get()
    trip = {k: v for k, v in entry_answers().items() if k != "travellers"}
    response = client.post(step_url(dossier, "trip"), {**trip, "purpose": "mission"})
    assert response["Location"] == step_url(dossier, "travellers"), response.content.decode()[:3000]
    return dossier


def item_data(item: dict) -> dict:
    return {item_path("travellers", item["_key"], k): v for k, v in item.items() if k != "_key"}


def test_ten_thousand_travellers_keys_get_a_page_quickly(client, entry):
    keys = [f"{n:08x}" for n in range(10_000)]
    data = {"travellers": " ".join(keys)}
    for n, key in enumerate(keys[:30]):  # as many filled in as a form may carry
        data.update(item_data(traveller(key, f"P{n:07d}")))
    started = time.perf_counter()
    response = client.post(step_url(entry, "travellers"), data)
    elapsed = time.perf_counter() - started
    assert response.status_code in {200, 400}
    assert "Au plus 20 voyageurs par demande" in response.content.decode()
    assert elapsed < 5.0, elapsed
    entry.refresh_from_db()
    assert not entry.answers.get("travellers")  # nothing half-saved


def test_no_traveller_is_refused_with_its_message(client, entry):
    response = client.post(step_url(entry, "travellers"), {"travellers": ""})
    assert response.status_code in {200, 400}
    assert "Ajoutez au moins un voyageur." in response.content.decode()


def test_two_travellers_with_one_passport_keep_what_was_typed(client, entry):
    first, second = traveller("aaaa0001", "12AB34567"), traveller("aaaa0002", "12ab 34567")
    second["given_names"] = "Jean"
    data = {"travellers": "aaaa0001 aaaa0002", **item_data(first), **item_data(second)}
    response = client.post(step_url(entry, "travellers"), data)
    page = response.content.decode()
    assert "Voyageur 2 a le même numéro de passeport que Voyageur 1" in page
    assert 'value="Jean"' in page


def test_a_passport_expiring_five_months_after_arrival_is_refused_on_the_page(client, entry):
    item = traveller("aaaa0001", "12AB34567", expiry_days=14 + 150)
    response = client.post(step_url(entry, "travellers"), {"travellers": "aaaa0001", **item_data(item)})
    assert response.status_code in {200, 400}
    assert "moins de 6 mois après l’arrivée" in response.content.decode()


def test_an_event_ending_before_it_starts_is_refused_on_the_page(client):
    load_mspc_catalog()
    client.force_login(CitizenFactory())
    start(client, "couverture-securitaire")
    dossier = Dossier.objects.get()
    answers = event_answers()
    client.post(
        step_url(dossier, "organiser"),
        {k: answers[k] for k in ("organiser_type", "full_name", "company_name", "rccm", "phone")},
    )
    event = {
        k: answers[k] for k in ("event_type", "event_date", "start_time", "end_time", "expected_attendance")
    }
    response = client.post(step_url(dossier, "event"), {**event, "end_date": "", "end_time": "17:00"})
    assert response.status_code in {200, 400}
    assert "L’événement doit finir après son début" in response.content.decode()
    response = client.post(step_url(dossier, "event"), {**event, "event_date": days(-1)})
    assert "Cette date est déjà passée" in response.content.decode()


def test_the_check_page_tells_an_ecowas_traveller_without_blocking(client, entry):
    item = traveller("aaaa0001", "B1234567", nationality="BJ")
    client.post(step_url(entry, "travellers"), {"travellers": "aaaa0001", **item_data(item)})
    page = client.get(reverse("portal:check", kwargs={"reference": entry.reference})).content.decode()
    assert "est ressortissant(e) d’un pays de la CEDEAO" in page
