"""Publishing a service version from the Django admin."""

from __future__ import annotations

import pytest
import yaml

from guichet.accounts.roles import Role
from guichet.audit.models import AuditEvent
from guichet.catalog.models import Service, ServiceVersion
from guichet.dossiers.states import DossierState
from tests.core.test_admin_site import administrator, sign_in
from tests.factories import StaffFactory, make_dossier, service

pytestmark = pytest.mark.django_db


def publish_url(svc: Service) -> str:
    return f"/admin/catalog/service/{svc.pk}/publish/"


def test_the_service_list_shows_code_title_unit_state_and_version(client):
    service("suggestion")
    sign_in(client, administrator())

    page = client.get("/admin/catalog/service/")

    assert page.status_code == 200
    text = page.content.decode()
    for expected in [
        "suggestion",
        "cloture-electrifiee",
        "Faire une suggestion au ministère",
        "Cabinet du Ministre",
        "v1",
    ]:
        assert expected in text
    assert "/admin/catalog/service/publish/" in text


def test_the_publish_form_is_prefilled_with_the_current_source(client):
    suggestion = service("suggestion")
    sign_in(client, administrator())

    page = client.get(publish_url(suggestion))

    assert page.status_code == 200
    assert "workflow: answer" in page.content.decode()
    assert "prefix: SUG" in page.content.decode()
    assert (
        publish_url(suggestion).encode()
        in client.get(f"/admin/catalog/service/{suggestion.pk}/change/").content
    )


def test_an_administrator_publishes_a_new_version(client):
    filed = make_dossier("suggestion", state=DossierState.IN_REVIEW)
    suggestion = service("suggestion")
    admin_user = administrator()
    sign_in(client, admin_user)
    source = suggestion.current_version.source.replace("sla_days: 10", "sla_days: 7")

    response = client.post(
        publish_url(suggestion), {"source": source, "note": "Délai raccourci"}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/admin/catalog/service/{suggestion.pk}/change/"
    suggestion.refresh_from_db()
    version = suggestion.current_version
    assert (version.number, version.note, version.source) == (2, "Délai raccourci", source)
    assert version.definition.sla_days == 7
    event = AuditEvent.objects.filter(verb="service.published").latest("id")
    assert (event.actor_user_id, event.actor_kind, event.data["version"]) == (admin_user.pk, "staff", 2)
    filed.refresh_from_db()
    assert filed.service_version.number == 1
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_publishing_the_same_content_publishes_nothing(client):
    suggestion = service("suggestion")
    sign_in(client, administrator())

    response = client.post(
        publish_url(suggestion), {"source": suggestion.current_version.source, "note": ""}, follow=True
    )

    assert response.status_code == 200
    assert ServiceVersion.objects.filter(service=suggestion).count() == 1
    assert [m.level_tag for m in response.context["messages"]] == ["info"]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            lambda d: d["steps"][0]["fields"][0].update(type="dropdown"),
            "suggestion.steps[0].fields[0] (category).type",
        ),
        (
            lambda d: d["steps"][0]["fields"][1].update(validators=["prime"]),
            "(subject).validators: unknown validator",
        ),
        (lambda d: d.update(fee={"rule": "lottery"}), "suggestion.fee.rule"),
        (lambda d: d["title"].pop("en"), "suggestion.title"),
        (lambda d: d.update(unit="douane"), "suggestion.unit: no unit"),
    ],
)
def test_an_invalid_file_is_refused_with_its_key_named(client, change, key):
    suggestion = service("suggestion")
    sign_in(client, administrator())
    data = yaml.safe_load(suggestion.current_version.source)
    change(data)

    response = client.post(
        publish_url(suggestion), {"source": yaml.safe_dump(data, allow_unicode=True), "note": ""}
    )

    assert response.status_code == 200
    assert key in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert ServiceVersion.objects.filter(service=suggestion).count() == 1


def test_a_yaml_syntax_error_is_shown_on_the_form(client):
    suggestion = service("suggestion")
    sign_in(client, administrator())

    response = client.post(
        publish_url(suggestion), {"source": "code: suggestion\nsteps: [unclosed", "note": ""}
    )

    assert response.status_code == 200
    assert "YAML" in response.content.decode()
    assert ServiceVersion.objects.filter(service=suggestion).count() == 1


def test_this_page_publishes_only_its_own_service(client):
    suggestion = service("suggestion")
    sign_in(client, administrator())
    fence_source = service("cloture-electrifiee").current_version.source.replace(
        "sla_days: 15", "sla_days: 20"
    )

    response = client.post(publish_url(suggestion), {"source": fence_source, "note": ""})

    assert response.status_code == 200
    assert "code: this page publishes suggestion" in response.content.decode()
    assert ServiceVersion.objects.count() == Service.objects.count()  # one version each: nothing published


def test_a_new_service_is_published_from_its_file(client):
    service("suggestion")
    sign_in(client, administrator())
    source = (
        service("suggestion")
        .current_version.source.replace("code: suggestion", "code: avis-citoyen")
        .replace("prefix: SUG", "prefix: AVC")
    )

    response = client.post("/admin/catalog/service/publish/", {"source": source, "note": "Nouveau"})

    created = Service.objects.get(code="avis-citoyen")
    assert response["Location"] == f"/admin/catalog/service/{created.pk}/change/"
    assert created.current_version.number == 1


def test_versions_are_read_only(client):
    suggestion = service("suggestion")
    version = suggestion.current_version
    sign_in(client, administrator())

    page = client.get(f"/admin/catalog/serviceversion/{version.pk}/change/")

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert (
        client.post(f"/admin/catalog/serviceversion/{version.pk}/change/", {"note": "changé"}).status_code
        == 403
    )
    assert client.get("/admin/catalog/serviceversion/add/").status_code == 403
    assert (
        client.post(f"/admin/catalog/serviceversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    version.refresh_from_db()
    assert version.note != "changé"


def test_services_are_added_by_file_not_by_form_and_never_deleted(client):
    suggestion = service("suggestion")
    sign_in(client, administrator())
    assert client.get("/admin/catalog/service/add/").status_code == 403
    assert client.post(f"/admin/catalog/service/{suggestion.pk}/delete/", {"post": "yes"}).status_code == 403


def test_an_administrator_may_take_a_service_off_the_portal(client):
    suggestion = service("suggestion")
    sign_in(client, administrator())

    response = client.post(
        f"/admin/catalog/service/{suggestion.pk}/change/",
        {"is_active": "", "position": "5", "versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    suggestion.refresh_from_db()
    assert (suggestion.is_active, suggestion.position) == (False, 5)
    assert suggestion.current_version.number == 1


def test_a_non_verified_session_cannot_publish(client):
    suggestion = service("suggestion")
    sign_in(client, administrator(), verified=False)

    response = client.post(publish_url(suggestion), {"source": "code: x", "note": ""})

    assert response.status_code == 302
    assert ServiceVersion.objects.count() == Service.objects.count()  # one version each: nothing published


def test_staff_without_the_configure_right_cannot_publish(client):
    suggestion = service("suggestion")
    supervisor = StaffFactory(roles=[(suggestion.unit, Role.SUPERVISOR)], is_staff=True)
    sign_in(client, supervisor)
    source = suggestion.current_version.source.replace("sla_days: 10", "sla_days: 7")

    assert client.get(publish_url(suggestion)).status_code == 403
    assert client.post(publish_url(suggestion), {"source": source, "note": ""}).status_code == 403
    assert ServiceVersion.objects.filter(service=suggestion).count() == 1
