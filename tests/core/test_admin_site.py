"""The Django admin: behind the staff TOTP step, for administrators who configure."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.accounts.models import Administration, Membership, Unit, User
from guichet.accounts.roles import Role
from guichet.accounts.services import STAFF_VERIFIED_SESSION_KEY
from guichet.audit import services as audit
from guichet.audit.models import AuditEvent
from guichet.catalog.services import publish_service
from guichet.core.actors import SYSTEM, Actor
from guichet.core.admin_site import GuichetAdminSite
from guichet.core.middleware import CONTENT_SECURITY_POLICY
from guichet.demo.files import demo_pdf
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Notification
from tests.factories import (
    CitizenFactory,
    StaffFactory,
    UnitFactory,
    make_dossier,
    restricted_service,
    service,
)

pytestmark = pytest.mark.django_db

SIGN_IN = "/agents/connexion/"


def administrator(**kwargs) -> User:
    return StaffFactory(roles=[(UnitFactory(code="cabinet"), Role.ADMINISTRATOR)], is_staff=True, **kwargs)


def sign_in(client, user: User, *, verified: bool = True) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    if verified:
        session = client.session
        session[STAFF_VERIFIED_SESSION_KEY] = True
        session.save()


def test_the_admin_is_guichets_own_site():
    assert isinstance(admin.site, GuichetAdminSite)


def test_an_anonymous_visitor_is_sent_to_the_staff_sign_in(client):
    first = client.get("/admin/")
    assert first.status_code == 302
    second = client.get(first["Location"])
    assert second.status_code == 302
    assert second["Location"] == f"{SIGN_IN}?next=%2Fadmin%2F"


def test_a_password_only_session_is_sent_to_the_totp_step(client):
    sign_in(client, administrator(), verified=False)

    response = client.get("/admin/", follow=False)
    final = client.get(response["Location"])

    assert final["Location"] == f"{SIGN_IN}?next=%2Fadmin%2F"
    deep = client.get("/admin/catalog/service/")
    assert client.get(deep["Location"])["Location"] == f"{SIGN_IN}?next=%2Fadmin%2Fcatalog%2Fservice%2F"


def test_the_admin_has_no_password_form_of_its_own(client):
    user = administrator()
    response = client.post(
        "/admin/login/", {"username": user.username, "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert "_auth_user_id" not in client.session


def test_the_sign_in_redirect_stays_on_this_site(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == f"{SIGN_IN}?next=%2Fadmin%2F"


def test_a_verified_administrator_enters(client):
    sign_in(client, administrator())
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"/admin/catalog/service/" in response.content
    # Once in, the admin's own sign-in page sends back to the index.
    assert client.get("/admin/login/")["Location"] == "/admin/"


@pytest.mark.parametrize(
    "who",
    ["agent without is_staff", "inactive administrator", "citizen"],
)
def test_others_are_kept_out_even_with_a_verified_session(client, who):
    unit = UnitFactory(code="cabinet")
    user = {
        "agent without is_staff": lambda: StaffFactory(roles=[(unit, Role.AGENT)]),
        "inactive administrator": lambda: StaffFactory(
            roles=[(unit, Role.ADMINISTRATOR)], is_staff=True, is_active=False
        ),
        "citizen": CitizenFactory,
    }[who]()
    sign_in(client, user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_with_is_staff_but_no_configure_right_see_no_model(client):
    supervisor = StaffFactory(roles=[(UnitFactory(code="cabinet"), Role.SUPERVISOR)], is_staff=True)
    sign_in(client, supervisor)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/catalog/service/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403


CHANGELISTS = [
    "/admin/accounts/administration/",
    "/admin/accounts/unit/",
    "/admin/accounts/user/",
    "/admin/accounts/membership/",
    "/admin/catalog/service/",
    "/admin/catalog/serviceversion/",
    "/admin/dossiers/dossier/",
    "/admin/notifications/notification/",
    "/admin/audit/auditevent/",
]


def test_every_list_opens_for_an_administrator(client):
    make_dossier("suggestion", state=DossierState.IN_REVIEW)
    sign_in(client, administrator())
    for url in CHANGELISTS:
        assert client.get(url).status_code == 200, url


def test_a_superuser_without_a_unit_may_configure(client):
    superuser = User.objects.create_superuser("root", "root@mspc.tg", "correct horse battery staple")
    sign_in(client, superuser)
    assert client.get("/admin/catalog/service/").status_code == 200


# --- accounts -------------------------------------------------------------------------


def test_the_totp_secret_is_never_shown(client):
    admin_user = administrator()
    agent = StaffFactory(roles=[(UnitFactory(code="police"), Role.AGENT)])
    sign_in(client, admin_user)

    page = client.get(f"/admin/accounts/user/{agent.pk}/change/")

    assert page.status_code == 200
    assert agent.totp_secret.encode() not in page.content
    assert b"totp_secret" not in page.content
    assert b"memberships-0-role" in page.content  # roles are edited inline


def test_an_administrator_cannot_make_themselves_superuser(client):
    admin_user = administrator()
    sign_in(client, admin_user)

    page = client.get(f"/admin/accounts/user/{admin_user.pk}/change/")

    assert b'name="is_superuser"' not in page.content


def test_an_administrator_cannot_change_a_superuser(client):
    superuser = User.objects.create_superuser("root", "root@mspc.tg", "correct horse battery staple")
    sign_in(client, administrator())

    assert client.get(f"/admin/accounts/user/{superuser.pk}/password/").status_code == 403
    response = client.post(
        f"/admin/accounts/user/{superuser.pk}/password/",
        {
            "password1": "un autre mot de passe",
            "password2": "un autre mot de passe",
            "usable_password": "true",
        },
    )
    assert response.status_code == 403
    assert b'name="_save"' not in client.get(f"/admin/accounts/user/{superuser.pk}/change/").content
    superuser.refresh_from_db()
    assert superuser.check_password("correct horse battery staple")


def test_an_administration_shows_its_units_inline(client):
    UnitFactory(code="police")
    sign_in(client, administrator())
    administration = Administration.objects.get(code="mspc")

    page = client.get(f"/admin/accounts/administration/{administration.pk}/change/")

    assert page.status_code == 200
    assert b"units-0-code" in page.content


def test_a_staff_member_added_here_gets_a_totp_secret(client):
    sign_in(client, administrator())

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "n.kpade",
            "first_name": "Nadia",
            "last_name": "Kpade",
            "email": "n.kpade@mspc.tg",
            "usable_password": "true",
            "password1": "un mot de passe solide",
            "password2": "un mot de passe solide",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="n.kpade")
    assert created.is_staff_member
    assert len(created.totp_secret) >= 16
    assert not Membership.objects.filter(user=created).exists()


# --- dossiers and notifications: read-only for support ---------------------------------


def test_dossiers_are_read_only_and_show_no_content(client):
    dossier = make_dossier(
        "cloture-electrifiee", answers={"applicant_type": "person", "full_name": "Afi Secret"}
    )
    pdf = SimpleUploadedFile(
        "carte-identite.pdf", demo_pdf("CONTENU-CONFIDENTIEL"), content_type="application/pdf"
    )
    dossiers.attach_document(
        dossier, actor=Actor.for_user(dossier.applicant), field_name="id_document", upload=pdf
    )
    sign_in(client, administrator())

    page = client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/")

    assert page.status_code == 200
    assert dossier.reference.encode() in page.content
    assert b"Afi Secret" not in page.content
    assert b"CONTENU-CONFIDENTIEL" not in page.content
    assert dossier.documents.get().file.name.encode() not in page.content
    assert b'name="_save"' not in page.content
    assert client.get("/admin/dossiers/dossier/add/").status_code == 403
    assert (
        client.post(f"/admin/dossiers/dossier/{dossier.pk}/change/", {"state": "approved"}).status_code == 403
    )
    assert client.post(f"/admin/dossiers/dossier/{dossier.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DRAFT


def test_the_outbox_is_read_only_and_hides_bodies_and_full_recipients(client):
    make_dossier("suggestion", state=DossierState.IN_REVIEW)
    notification = Notification.objects.get()
    sign_in(client, administrator())

    page = client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    listing = client.get("/admin/notifications/notification/")

    assert page.status_code == listing.status_code == 200
    assert notification.body.encode() not in page.content
    assert notification.recipient.encode() not in page.content + listing.content
    assert notification.recipient[-2:].encode() in listing.content
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    assert (
        client.post(
            f"/admin/notifications/notification/{notification.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Notification.objects.filter(pk=notification.pk).exists()


def test_units_can_be_configured(client):
    sign_in(client, administrator())
    administration = Administration.objects.get(code="mspc")

    response = client.post(
        "/admin/accounts/unit/add/",
        {"administration": administration.pk, "code": "douanes", "name_fr": "Douanes", "name_en": "Customs"},
    )

    assert response.status_code == 302
    assert Unit.objects.filter(code="douanes").exists()


# --- admin changes to staff, roles, memberships and units are security events ----------------


def admin_events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def test_adding_a_staff_member_is_audited(client):
    admin_user = administrator()
    sign_in(client, admin_user)

    client.post(
        "/admin/accounts/user/add/",
        {
            "username": "n.kpade",
            "first_name": "Nadia",
            "last_name": "Kpade",
            "email": "n.kpade@mspc.tg",
            "usable_password": "true",
            "password1": "un mot de passe solide",
            "password2": "un mot de passe solide",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    (event,) = admin_events("user.created")
    assert event.actor_user_id == admin_user.pk
    assert event.target_id == str(User.objects.get(username="n.kpade").pk)
    assert event.data["via"] == "admin"
    assert "un mot de passe solide" not in str(event.data)
    assert audit.verify_chain().intact


def test_granting_a_role_is_audited(client):
    admin_user = administrator()
    agent = StaffFactory(username="k.agbeko")
    police = UnitFactory(code="police")
    sign_in(client, admin_user)

    response = client.post(
        "/admin/accounts/membership/add/", {"user": agent.pk, "unit": police.pk, "role": Role.SUPERVISOR}
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=agent, unit=police)
    (event,) = admin_events("membership.created")
    assert (event.actor_user_id, event.target_id) == (admin_user.pk, str(membership.pk))
    assert "supervisor" in event.data["object"]


def test_removing_a_role_is_audited(client):
    admin_user = administrator()
    agent = StaffFactory(roles=[(UnitFactory(code="police"), Role.AGENT)])
    membership = agent.memberships.get()
    sign_in(client, admin_user)

    response = client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    (event,) = admin_events("membership.deleted")
    assert (event.actor_user_id, event.target_id) == (admin_user.pk, str(membership.pk))


def test_changing_a_staff_members_access_is_audited(client):
    admin_user = administrator()
    agent = StaffFactory(username="k.agbeko", first_name="Kodjo", last_name="Agbeko", email="k@mspc.tg")
    sign_in(client, admin_user)

    response = client.post(
        f"/admin/accounts/user/{agent.pk}/change/",
        {
            "username": "k.agbeko",
            "first_name": "Kodjo",
            "last_name": "Agbeko",
            "email": "k@mspc.tg",
            "language": "fr",
            "is_staff_member": "on",
            # is_active left out: the account is switched off
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    agent.refresh_from_db()
    assert agent.is_active is False
    (event,) = admin_events("user.changed")
    assert event.target_id == str(agent.pk)
    assert "is_active" in str(event.data["change"]) or "Active" in str(event.data["change"])


def test_changing_a_unit_is_audited(client):
    admin_user = administrator()
    unit = UnitFactory(code="police")
    sign_in(client, admin_user)

    client.post(
        f"/admin/accounts/unit/{unit.pk}/change/",
        {
            "administration": unit.administration_id,
            "code": "police",
            "name_fr": "Police",
            "name_en": "Police",
        },
    )

    (event,) = admin_events("unit.changed")
    assert (event.actor_user_id, event.target_id) == (admin_user.pk, str(unit.pk))


# --- the admin is as strict as the rest: headers, lists, query strings ----------------------


def test_the_admin_gets_the_same_content_security_policy(client):
    sign_in(client, administrator())

    for path in ["/admin/", "/admin/accounts/user/", "/admin/login/"]:
        response = client.get(path)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path


def test_confidential_dossiers_stay_out_of_the_admin(client):
    service("suggestion")  # loads the MSPC catalogue and its units
    publish_service(restricted_service("denonciation-admin", "DEA"), actor=SYSTEM)
    report = make_dossier(
        "denonciation-admin", answers={"narrative": "Racket."}, state=DossierState.IN_REVIEW
    )
    ordinary = make_dossier("suggestion", state=DossierState.IN_REVIEW)
    superuser = StaffFactory(is_staff=True, is_superuser=True)
    sign_in(client, superuser)

    listing = client.get("/admin/dossiers/dossier/").content.decode()

    assert ordinary.reference in listing
    assert report.reference not in listing
    assert client.get(f"/admin/dossiers/dossier/{report.pk}/change/").status_code in {302, 404}


HOSTILE_QUERIES = [
    "created_at__year=9999",
    "created_at__year=99999999",
    "created_at__year=9999&created_at__month=12",
    "created_at__year=9999&created_at__month=12&created_at__day=31",
    "created_at__year=2026&created_at__month=13",
    "created_at__year=2026&created_at__month=2&created_at__day=30",
    "created_at__year=-1",
    "created_at__year=" + "9" * 5000,
    "id__gt=" + "9" * 30,
    "id__in=1,x",
    "o=99",
    "p=-1",
    "p=99999999999999999999",
    "q=%00",
    "state__exact=%ff%fe",
]
CHANGELISTS = [
    "/admin/dossiers/dossier/",
    "/admin/notifications/notification/",
    "/admin/audit/auditevent/",
    "/admin/accounts/user/",
    "/admin/accounts/unit/",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_no_query_string_gives_a_server_error(client, query):
    make_dossier("suggestion", state=DossierState.IN_REVIEW)
    client.raise_request_exception = False
    sign_in(client, StaffFactory(is_staff=True, is_superuser=True))

    statuses = {path: client.get(f"{path}?{query}").status_code for path in CHANGELISTS}

    assert all(status < 500 for status in statuses.values()), statuses


def test_a_year_past_9999_in_the_date_filter_is_a_bad_request(client):
    client.raise_request_exception = False
    sign_in(client, StaffFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/dossiers/dossier/?created_at__year=9999")

    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()


def test_the_admin_site_imports_no_app_above_core():
    import ast
    import inspect

    from guichet.core import admin_site

    tree = ast.parse(inspect.getsource(admin_site))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [m for m in modules if m.startswith("guichet.") and not m.startswith("guichet.core")]
    assert "/agents/" not in inspect.getsource(admin_site)


def test_the_admin_outbox_hides_who_gets_a_sign_in_code(client):
    from guichet.accounts.contacts import Contact
    from guichet.accounts.models import CodePurpose
    from guichet.accounts.services import request_code

    request_code(Contact("phone", "+22890000077"), purpose=CodePurpose.SIGN_IN, language="fr")
    code = Notification.objects.get(event="one_time_code")
    sign_in(client, StaffFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/notifications/notification/").content.decode()
    page = client.get(f"/admin/notifications/notification/{code.pk}/change/").content.decode()

    assert "one_time_code" in listing  # support can still tell that it left
    assert Contact("phone", "+22890000077").masked not in listing + page
    assert "+22890000077" not in listing + page
    assert code.body not in page


def test_an_administrator_reads_in_the_admin_only_the_messages_of_their_units(client):
    from guichet.notifications.models import Channel
    from guichet.notifications.services import queue_message

    make_dossier("suggestion", state=DossierState.IN_REVIEW)  # the cabinet's
    theirs = Notification.objects.get()
    queue_message(
        channel=Channel.SMS,
        recipient="+22890000088",
        event="dossier_submitted",
        language="fr",
        context={"reference": "CLO-0000-0000", "service": "Clôture", "url": "https://x.tg/"},
        dossier_reference="CLO-0000-0000",
        unit_id=Unit.objects.get(code="protection-civile").pk,
    )
    sign_in(client, administrator())  # administrator of the cabinet only

    listing = client.get("/admin/notifications/notification/").content.decode()

    assert theirs.dossier_reference in listing
    assert "CLO-0000-0000" not in listing
