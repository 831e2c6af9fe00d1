"""Filling a repeating group on the portal: add and remove items without script, keep what was typed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from guichet.catalog.definition import group_items, item_path
from guichet.dossiers.models import Dossier
from tests.catalog.groups import CODE, publish_group_trip
from tests.factories import CitizenFactory
from tests.portal.utils import newest_dossier, pdf, start, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(client, settings) -> Dossier:
    """A draft of the test service, its first step answered, read in English (most travellers do)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    publish_group_trip()
    client.force_login(CitizenFactory())
    start(client, CODE)
    found = newest_dossier()
    client.post(step_url(found, "trip"), {"port_of_entry": "lome-port"})
    return found


def _keys(page: str) -> list[str]:
    match = re.search(r'name="travellers" value="([^"]*)"', page)
    assert match, "no item keys on the page"
    return match.group(1).split()


def _item(key: str, surname: str, passport: str, **more: str) -> dict[str, str]:
    values = {
        "surname": surname,
        "given_names": "Kofi",
        "nationality": "GH",
        "passport_number": passport,
        "has_visa": "no",
        **more,
    }
    return {item_path("travellers", key, name): value for name, value in values.items()}


def test_the_first_item_is_offered_open_and_saved_with_its_document(client, dossier):
    page = client.get(step_url(dossier, "travellers")).content.decode()
    (key,) = _keys(page)
    assert "Traveller 1" in page
    assert f'id="id_travellers-{key}-surname"' in page
    data = {
        "travellers": key,
        **_item(key, "Mensah", "G1234567"),
        item_path("travellers", key, "passport_scan"): pdf("passeport.pdf"),
    }
    response = client.post(step_url(dossier, "travellers"), data)
    assert response.status_code == 302, response.content.decode()
    dossier.refresh_from_db()
    (item,) = group_items(dossier.answers, "travellers")
    assert item["_key"] == key
    assert item["surname"] == "Mensah"
    assert dossier.documents.get().field_name == f"passport_scan@{key}"


def test_add_saves_the_item_then_opens_a_new_one(client, dossier):
    (key,) = _keys(client.get(step_url(dossier, "travellers")).content.decode())
    data = {
        "travellers": key,
        **_item(key, "Mensah", "G1"),
        item_path("travellers", key, "passport_scan"): pdf(),
        "add_item": "travellers",
    }
    response = client.post(step_url(dossier, "travellers"), data)
    assert response.status_code == 302
    assert response["Location"].endswith("?add=travellers#travellers-new")
    page = client.get(response["Location"]).content.decode()
    keys = _keys(page)
    assert keys[0] == key
    assert len(keys) == 2
    assert "Traveller 2" in page
    assert 'value="Mensah"' in page


def test_a_wrong_answer_in_item_2_points_to_item_2_and_keeps_everything(client, dossier):
    data = {
        "travellers": "aaaa1111 bbbb2222",
        **_item("aaaa1111", "Mensah", "G1"),
        **_item("bbbb2222", "", "G2", given_names="Ama"),
    }
    response = client.post(step_url(dossier, "travellers"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#id_travellers-bbbb2222-surname"' in page
    assert "Traveller 2 — Surname" in page
    assert 'value="Ama"' in page
    assert 'value="Mensah"' in page
    dossier.refresh_from_db()
    assert "travellers" not in dossier.answers


def test_two_travellers_with_one_passport_are_refused_naming_both(client, dossier):
    data = {
        "travellers": "aaaa1111 bbbb2222",
        **_item("aaaa1111", "Mensah", "G 123"),
        **_item("bbbb2222", "Mensah", "g-123"),
    }
    page = client.post(step_url(dossier, "travellers"), data).content.decode()
    assert "Traveller 2 has the same “Passport number” as Traveller 1" in page
    assert 'href="#id_travellers-bbbb2222-passport_number"' in page


def test_none_left_asks_for_one(client, dossier):
    response = client.post(step_url(dossier, "travellers"), {"travellers": ""})
    assert response.status_code == 200
    assert "Add at least one traveller." in response.content.decode()


def test_remove_takes_the_item_and_its_file_and_keeps_the_others_typed(client, dossier):
    data = {
        "travellers": "aaaa1111 bbbb2222",
        **_item("aaaa1111", "Mensah", "G1"),
        **_item("bbbb2222", "Adjo", "G2"),
        item_path("travellers", "bbbb2222", "passport_scan"): pdf(),
    }
    client.post(step_url(dossier, "travellers"), data)
    assert dossier.documents.count() == 1
    typed = {**data, item_path("travellers", "aaaa1111", "given_names"): "Changed but not saved"}
    typed.pop(item_path("travellers", "bbbb2222", "passport_scan"))
    response = client.post(step_url(dossier, "travellers"), {**typed, "remove_item": "travellers:bbbb2222"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Traveller 2 was removed." in page
    assert _keys(page) == ["aaaa1111"]
    assert 'value="Changed but not saved"' in page
    dossier.refresh_from_db()
    assert [item["_key"] for item in group_items(dossier.answers, "travellers")] == ["aaaa1111"]
    assert dossier.documents.count() == 0


def test_no_more_than_max_items(client, dossier):
    keys = ["aaaa1111", "bbbb2222", "cccc3333"]
    data = {"travellers": " ".join(keys), "add_item": "travellers"}
    for number, key in enumerate(keys):
        data.update(_item(key, f"Name{number}", f"P{number}"))
    response = client.post(step_url(dossier, "travellers"), data)
    assert response.status_code == 200
    assert "You cannot add more" in response.content.decode()
    data.pop("add_item")
    data["travellers"] += " dddd4444"
    data.update(_item("dddd4444", "Four", "P4"))
    page = client.post(step_url(dossier, "travellers"), data).content.decode()
    assert "At most 3 travellers per request." in page


def test_check_your_answers_shows_each_item_with_a_change_link(client, dossier):
    data = {
        "travellers": "aaaa1111 bbbb2222",
        **_item("aaaa1111", "Mensah", "G1"),
        **_item("bbbb2222", "Adjo", "G2", has_visa="yes", visa_number="V-9"),
        item_path("travellers", "aaaa1111", "passport_scan"): pdf("un.pdf"),
    }
    client.post(step_url(dossier, "travellers"), data)
    page = client.get(reverse("portal:check", kwargs={"reference": dossier.reference})).content.decode()
    assert "Traveller 1 — Mensah Kofi" in page
    assert "Traveller 2 — Adjo Kofi" in page
    assert "un.pdf" in page
    assert "V-9" in page
    assert f'href="{step_url(dossier, "travellers")}#item-travellers-bbbb2222"' in page
    assert "Missing: add this document" in page  # traveller 2's passport scan
    response = client.post(reverse("portal:check", kwargs={"reference": dossier.reference}))
    assert response.status_code == 400
    client.post(
        step_url(dossier, "travellers"),
        {**data, item_path("travellers", "bbbb2222", "passport_scan"): pdf("deux.pdf")},
    )
    response = client.post(reverse("portal:check", kwargs={"reference": dossier.reference}))
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state != "draft"


def test_a_rejected_upload_in_an_item_keeps_every_answer(client, dossier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("passeport.pdf", b"not a pdf at all", content_type="application/pdf")
    data = {
        "travellers": "aaaa1111 bbbb2222",
        **_item("aaaa1111", "Mensah", "G1"),
        **_item("bbbb2222", "Adjo", "G2"),
        item_path("travellers", "bbbb2222", "passport_scan"): fake,
    }
    response = client.post(step_url(dossier, "travellers"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_travellers-bbbb2222-passport_scan"' in page
    assert 'value="Adjo"' in page
    dossier.refresh_from_db()
    # The answers are kept (a file is judged on its own); no file was stored.
    assert [item["surname"] for item in group_items(dossier.answers, "travellers")] == ["Mensah", "Adjo"]
    assert dossier.documents.count() == 0


def test_switching_language_keeps_the_items_typed(client, dossier):
    data = {
        "travellers": "aaaa1111 bbbb2222",
        **_item("aaaa1111", "Mensah", "G1"),
        **_item("bbbb2222", "Adjo", "G2"),
        "switch_language": "fr",
    }
    response = client.post(step_url(dossier, "travellers"), data)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert _keys(page) == ["aaaa1111", "bbbb2222"]
    assert 'value="Adjo"' in page
    assert "Voyageur 2" in page


def test_someone_else_cannot_remove_an_item_of_my_draft(client, dossier):
    from django.test import Client

    data = {"travellers": "aaaa1111", **_item("aaaa1111", "Mensah", "G1")}
    client.post(step_url(dossier, "travellers"), data)
    stranger = Client()
    stranger.force_login(CitizenFactory())
    response = stranger.post(step_url(dossier, "travellers"), {"remove_item": "travellers:aaaa1111"})
    assert response.status_code == 404  # asked to prove the file is theirs; nothing changes
    dossier.refresh_from_db()
    assert len(group_items(dossier.answers, "travellers")) == 1


def test_asked_for_a_travellers_document_the_applicant_adds_it_to_that_traveller(client, dossier):
    from guichet.accounts.roles import Role
    from guichet.core.actors import Actor
    from guichet.dossiers import services as dossiers
    from tests.factories import StaffFactory

    data = {
        "travellers": "aaaa1111",
        **_item("aaaa1111", "Mensah", "G1"),
        item_path("travellers", "aaaa1111", "passport_scan"): pdf("flou.pdf"),
    }
    client.post(step_url(dossier, "travellers"), data)
    client.post(reverse("portal:check", kwargs={"reference": dossier.reference}))
    dossier.refresh_from_db()
    agent = Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.AGENT)]))
    dossiers.request_information(dossier, actor=agent, message="Le passeport est illisible.")
    page = client.get(reverse("portal:dossier", kwargs={"reference": dossier.reference})).content.decode()
    assert "Traveller 1 — Mensah Kofi — Passport scan" in page
    response = client.post(
        reverse("portal:answer", kwargs={"reference": dossier.reference}),
        {"message": "Voici une copie nette.", "passport_scan@aaaa1111": pdf("nette.pdf")},
    )
    assert response.status_code == 302
    names = sorted(dossier.documents.values_list("field_name", "original_name"))
    assert names == [("passport_scan@aaaa1111", "flou.pdf"), ("passport_scan@aaaa1111", "nette.pdf")]


def test_a_file_sent_with_an_item_never_kept_is_dropped_at_the_next_save(client, dossier):
    data = {
        "travellers": "aaaa1111 bbbb2222",
        **_item("aaaa1111", "Mensah", "G1"),
        item_path("travellers", "aaaa1111", "passport_scan"): pdf("un.pdf"),
        **_item("bbbb2222", "", "G2"),  # traveller 2 is not right: nothing is saved...
        item_path("travellers", "bbbb2222", "passport_scan"): pdf("deux.pdf"),
    }
    assert client.post(step_url(dossier, "travellers"), data).status_code == 200
    assert dossier.documents.count() == 2  # ...but the files are kept, beside the answers typed
    # The person gives up traveller 2 without pressing Remove (another tab, an old page).
    kept = {"travellers": "aaaa1111", **_item("aaaa1111", "Mensah", "G1")}
    assert client.post(step_url(dossier, "travellers"), kept).status_code == 302
    assert list(dossier.documents.values_list("field_name", flat=True)) == ["passport_scan@aaaa1111"]


def test_a_page_that_does_not_send_the_group_leaves_its_items_alone(client, dossier):
    client.post(
        step_url(dossier, "travellers"), {"travellers": "aaaa1111", **_item("aaaa1111", "Mensah", "G1")}
    )
    response = client.post(step_url(dossier, "travellers"), {})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert [item["surname"] for item in group_items(dossier.answers, "travellers")] == ["Mensah"]


def test_a_second_click_on_remove_records_nothing_more(client, dossier):
    from guichet.audit.models import AuditEvent

    client.post(
        step_url(dossier, "travellers"), {"travellers": "aaaa1111", **_item("aaaa1111", "Mensah", "G1")}
    )
    for _click in range(2):
        client.post(
            step_url(dossier, "travellers"), {"travellers": "aaaa1111", "remove_item": "travellers:aaaa1111"}
        )
    assert AuditEvent.objects.filter(verb="dossier.group_item_removed").count() == 1


def test_the_first_traveller_drawn_after_an_error_comes_back_with_the_form(client, dossier):
    # Nothing sent for the group: one blank traveller is drawn, and the form lists its key.
    page = client.post(step_url(dossier, "travellers"), {"travellers": ""}).content.decode()
    (key,) = _keys(page)
    assert f'name="travellers-{key}-surname"' in page
    data = {
        "travellers": key,
        **_item(key, "Mensah", "G1"),
        item_path("travellers", key, "passport_scan"): pdf(),
    }
    assert client.post(step_url(dossier, "travellers"), data).status_code == 302
    dossier.refresh_from_db()
    assert [item["surname"] for item in group_items(dossier.answers, "travellers")] == ["Mensah"]
