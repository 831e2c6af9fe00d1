"""Following a file: what the applicant sees and does, and that nobody else can (authorization matrix)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from tests.factories import CitizenFactory, StaffFactory, UnitFactory, make_dossier
from tests.portal.utils import confirm_guest, file_suggestion, pdf, png, start

pytestmark = pytest.mark.django_db

FENCE_ANSWERS = {
    "applicant_type": "person",
    "full_name": "Afi Mensah",
    "phone": "+22890123456",
    "prefecture": "golfe",
    "commune": "golfe-1",
    "address": "Rue 12",
    "fence_length_m": 80,
    "public_way": "no",
    "installer": "Élec SARL",
    "work_start": "2099-02-01",
}


def fence_dossier(applicant, *, state: DossierState = DossierState.IN_REVIEW) -> Dossier:
    """A filed fence authorization with its three documents."""
    actor = Actor.for_user(applicant)
    dossier = make_dossier("cloture-electrifiee", applicant=applicant, answers=FENCE_ANSWERS)
    for name in ["id_document", "property_title", "site_plan"]:
        dossiers.attach_document(dossier, actor=actor, field_name=name, upload=pdf(f"{name}.pdf"))
    dossiers.submit_dossier(dossier, actor=actor)
    if state == DossierState.INFO_REQUESTED:
        agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
        dossiers.request_information(dossier, actor=Actor.for_user(agent), message="Le plan est illisible.")
    dossier.refresh_from_db()
    return dossier


def url(name: str, dossier: Dossier, **kwargs: object) -> str:
    return reverse(f"portal:{name}", kwargs={"reference": dossier.reference, **kwargs})


# --- the matrix ------------------------------------------------------------------------------------


def anonymous_visitor(dossier: Dossier) -> Client:
    return Client()


def another_citizen(dossier: Dossier) -> Client:
    client = Client()
    client.force_login(CitizenFactory())
    return client


def guest_with_another_contact(dossier: Dossier) -> Client:
    client = Client()
    confirm_guest(client, "autre@exemple.tg", "autre@exemple.tg")
    return client


def staff_of_the_unit(dossier: Dossier) -> Client:
    client = Client()
    client.force_login(StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)]))
    return client


def staff_of_another_unit(dossier: Dossier) -> Client:
    client = Client()
    client.force_login(StaffFactory(roles=[(UnitFactory(), Role.AGENT)]))
    return client


def staff_without_the_right(dossier: Dossier) -> Client:
    client = Client()
    client.force_login(StaffFactory(roles=[(dossier.unit, Role.CASHIER)]))
    return client


OUTSIDERS: list[Callable[[Dossier], Client]] = [
    anonymous_visitor,
    another_citizen,
    guest_with_another_contact,
    staff_of_the_unit,
    staff_of_another_unit,
    staff_without_the_right,
]


def snapshot(dossier: Dossier) -> tuple[object, ...]:
    dossier.refresh_from_db()
    return (
        dossier.state,
        dossier.answers,
        dossier.events.count(),
        dossier.documents.count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("outsider", OUTSIDERS, ids=lambda f: f.__name__)
def test_nobody_else_can_see_or_touch_a_file(outsider):
    owner = CitizenFactory()
    dossier = fence_dossier(owner, state=DossierState.INFO_REQUESTED)
    document = dossier.documents.first()
    client = outsider(dossier)
    before = snapshot(dossier)

    requests = [
        ("get", url("dossier", dossier), {}),
        ("get", url("document", dossier, pk=document.pk), {}),
        ("post", url("answer", dossier), {"message": "Voici le plan.", "site_plan": png()}),
        ("post", url("message", dossier), {"message": "Bonjour"}),
        ("get", url("withdraw", dossier), {}),
        ("post", url("withdraw", dossier), {"reason": "plus besoin"}),
        ("get", url("confirmation", dossier), {}),
        ("post", url("check", dossier), {}),
        ("get", url("step", dossier, step_key="applicant"), {}),
    ]
    for method, address, data in requests:
        response = getattr(client, method)(address, data)
        assert response.status_code == 404, (method, address, response.status_code)
        assert "Le plan est illisible." not in response.content.decode()

    assert snapshot(dossier) == before


@pytest.mark.parametrize("outsider", OUTSIDERS, ids=lambda f: f.__name__)
def test_nobody_else_can_work_on_a_draft(outsider):
    owner = CitizenFactory()
    dossier = make_dossier("cloture-electrifiee", applicant=owner, answers={"full_name": "Afi"})
    dossiers.attach_document(dossier, actor=Actor.for_user(owner), field_name="id_document", upload=pdf())
    document = dossier.documents.get()
    client = outsider(dossier)
    before = snapshot(dossier)

    responses = [
        client.post(
            url("step", dossier, step_key="applicant"),
            {"applicant_type": "person", "full_name": "X", "phone": "90000000"},
        ),
        client.post(url("step", dossier, step_key="documents"), {"remove": str(document.pk)}),
        client.post(url("step", dossier, step_key="documents"), {"site_plan": pdf()}),
        client.post(url("check", dossier)),
        client.post(url("withdraw", dossier)),
    ]

    assert all(r.status_code == 404 for r in responses)
    assert snapshot(dossier) == before


def test_a_reference_that_is_not_well_formed_is_not_found(client):
    assert client.get("/dossiers/pas-une-reference/").status_code == 404


# --- what the applicant sees --------------------------------------------------------------------


def test_the_timeline_shows_state_changes_and_messages_but_never_internal_notes(client):
    owner = CitizenFactory()
    dossier = fence_dossier(owner, state=DossierState.INFO_REQUESTED)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    dossiers.add_internal_note(dossier, actor=Actor.for_user(agent), text="Voisin du chef de service.")
    client.force_login(owner)

    page = client.get(url("dossier", dossier)).content.decode()

    assert "Le plan est illisible." in page
    assert "Information requested" in page
    assert "Voisin du chef de service." not in page
    assert "Answer the ministry" in page
    assert dossier.due_on.strftime("%d/%m/%Y") in page
    document = dossier.documents.first()
    assert url("document", dossier, pk=document.pk) in page


def test_a_refusal_shows_its_reason(client):
    owner = CitizenFactory()
    dossier = make_dossier(
        "cloture-electrifiee", applicant=owner, answers=FENCE_ANSWERS, state=DossierState.REJECTED
    )
    client.force_login(owner)
    page = client.get(url("dossier", dossier)).content.decode()
    assert "Rejected" in page
    assert "Hors sujet." in page  # the reason given by the agent
    assert "Withdraw" not in page


def test_the_applicant_answers_a_request_for_information_with_a_document(client):
    owner = CitizenFactory()
    dossier = fence_dossier(owner, state=DossierState.INFO_REQUESTED)
    client.force_login(owner)

    response = client.post(
        url("answer", dossier), {"message": "Voici un plan lisible.", "site_plan": png("plan2.png")}
    )

    assert response["Location"] == url("dossier", dossier)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert dossier.documents.filter(field_name="site_plan", original_name="plan2.png").exists()
    assert dossier.events.filter(kind="message_from_applicant", text="Voici un plan lisible.").exists()


def test_an_empty_answer_or_a_bad_file_is_refused_on_its_field(client):
    owner = CitizenFactory()
    dossier = fence_dossier(owner, state=DossierState.INFO_REQUESTED)
    client.force_login(owner)
    before = snapshot(dossier)

    empty = client.post(url("answer", dossier), {"message": "  "})
    bad = client.post(
        url("answer", dossier),
        {
            "message": "Voici",
            "site_plan": SimpleUploadedFile("plan.pdf", b"MZ\x90\x00", content_type="application/pdf"),
        },
    )

    assert empty.status_code == 400
    assert 'href="#id_message"' in empty.content.decode()
    assert bad.status_code == 400
    assert 'href="#id_site_plan"' in bad.content.decode()
    assert "Voici" in bad.content.decode()  # what was typed stays
    assert snapshot(dossier) == before


def test_the_applicant_writes_to_the_ministry(client):
    owner = CitizenFactory()
    dossier = make_dossier(applicant=owner, state=DossierState.IN_REVIEW)
    client.force_login(owner)
    response = client.post(url("message", dossier), {"message": "Avez-vous besoin d'autre chose ?"})
    assert response.status_code == 302
    assert dossier.events.filter(kind="message_from_applicant").count() == 1
    page = client.get(url("dossier", dossier)).content.decode()
    assert "Avez-vous besoin d&#x27;autre chose ?" in page


def test_withdrawing_asks_for_confirmation_first(client):
    owner = CitizenFactory()
    dossier = make_dossier(applicant=owner, state=DossierState.IN_REVIEW)
    client.force_login(owner)

    page = client.get(url("withdraw", dossier)).content.decode()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    assert "Withdraw this request?" in page

    response = client.post(url("withdraw", dossier), {"reason": "Plus nécessaire"})
    assert response["Location"] == url("dossier", dossier)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.WITHDRAWN
    assert Notification.objects.filter(event="dossier_withdrawn", recipient=owner.phone).count() == 1
    again = client.post(url("withdraw", dossier), {"reason": "encore"})
    assert again.status_code == 302
    assert Notification.objects.filter(event="dossier_withdrawn").count() == 1


def test_a_guest_follows_and_answers_with_the_confirmed_contact(client, settings):
    settings.GUICHET = {**settings.GUICHET, "OTP_RESEND_SECONDS": 0}
    start(client, "suggestion")
    confirm_guest(client, "90 11 22 33", "+22890112233")
    dossier = file_suggestion(client)
    agent = StaffFactory(roles=[(dossier.unit, Role.AGENT)])
    dossiers.request_information(dossier, actor=Actor.for_user(agent), message="Quel commissariat ?")

    response = client.post(url("answer", dossier), {"message": "Celui de Bè."})

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.IN_REVIEW
    page = client.get(reverse("portal:my_dossiers")).content.decode()
    assert dossier.reference in page


def test_my_files_lists_drafts_and_filed_requests_with_their_state(client):
    owner = CitizenFactory()
    filed = make_dossier(applicant=owner, state=DossierState.IN_REVIEW)
    draft = make_dossier(applicant=owner)
    someone_elses = make_dossier(state=DossierState.IN_REVIEW)
    client.force_login(owner)

    page = client.get(reverse("portal:my_dossiers")).content.decode()

    assert filed.reference in page
    assert draft.reference in page
    assert someone_elses.reference not in page
    assert "tag-info" in page  # the in-review badge


def test_my_files_asks_a_stranger_to_sign_in(client):
    response = client.get(reverse("portal:my_dossiers"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_staff_are_told_my_files_is_for_citizens(client):
    client.force_login(StaffFactory(roles=[]))
    assert client.get(reverse("portal:my_dossiers")).status_code == 403
