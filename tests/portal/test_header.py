"""The header: recognisably the Togolese State's, and only the links that work for the reader."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from guichet.accounts.services import GUEST_CONTACT_SESSION_KEY
from guichet.portal.session import ANONYMOUS_DOSSIERS_SESSION_KEY
from tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db

MY_FILES = reverse("portal:my_dossiers")
SIGN_IN = reverse("accounts:sign_in")
TRACK = reverse("portal:track")


def header_of(client: Client) -> str:
    html = client.get(reverse("portal:home")).content.decode()
    return html[html.index("<header") : html.index("</header>")]


def with_session(client: Client, **values: object) -> Client:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()
    return client


def test_the_header_carries_the_flag_the_motto_and_the_official_line(client):
    header = header_of(client)

    svg = re.search(r'<svg class="brand-flag" viewBox="0 0 50 30"[^>]*>(.*?)</svg>', header).group(1)
    # Five equal stripes: green ground, yellow at the second and fourth; the red square canton
    # covers the three upper stripes; a white five-pointed star (ten corners) in it.
    assert '<path fill="#006a4e" d="M0 0h50v30H0z"/>' in svg
    assert '<path fill="#ffce00" d="M0 6h50v6H0zm0 12h50v6H0z"/>' in svg
    assert '<path fill="#d21034" d="M0 0h18v18H0z"/>' in svg
    star = re.search(r'<path fill="#fff" d="([^"]+)"/>', svg).group(1)
    assert len(re.findall(r"[MLlHhz]|\d+(?:\.\d+)?\s+-?\d", star)) >= 10
    assert "Travail – Liberté – Patrie" in header
    assert "Official website of the Togolese Republic" in header
    assert "Togolese Republic" in header


def test_a_first_visitor_sees_tracking_and_sign_in_only(client):
    header = header_of(client)

    assert f'href="{TRACK}"' in header
    assert f'href="{SIGN_IN}"' in header
    assert f'href="{MY_FILES}"' not in header
    assert "End session" not in header


def test_a_guest_whose_code_has_expired_is_not_offered_my_files(client, settings):
    hours = int(settings.GUICHET["DOSSIER_ACCESS_HOURS"])
    old = time.time() - (hours + 1) * 3600
    with_session(
        client,
        **{GUEST_CONTACT_SESSION_KEY: {"kind": "phone", "value": "+22890112233", "confirmed_at": old}},
    )

    header = header_of(client)

    assert f'href="{MY_FILES}"' not in header
    assert "End session" not in header


def test_a_guest_with_a_confirmed_contact_gets_my_files_and_can_end_the_session(client):
    with_session(
        client,
        **{
            GUEST_CONTACT_SESSION_KEY: {"kind": "phone", "value": "+22890112233", "confirmed_at": time.time()}
        },
    )

    header = header_of(client)

    assert f'href="{MY_FILES}"' in header
    assert "End session" in header


def test_someone_who_filed_anonymously_is_not_asked_to_sign_in(client):
    with_session(client, **{ANONYMOUS_DOSSIERS_SESSION_KEY: {"SUG-7K3M-9QXT": time.time()}})

    header = header_of(client)

    assert f'href="{SIGN_IN}"' not in header
    assert f'href="{MY_FILES}"' in header
    assert "End session" in header


def test_a_citizen_sees_their_files_and_profile_not_tracking(client):
    client.force_login(CitizenFactory())

    header = header_of(client)

    assert f'href="{MY_FILES}"' in header
    assert f'href="{reverse("accounts:profile")}"' in header
    assert "Sign out" in header
    assert f'href="{TRACK}"' not in header
    assert f'href="{SIGN_IN}"' not in header


def test_staff_see_the_back_office_not_citizen_links(client):
    client.force_login(StaffFactory(roles=[]))

    header = header_of(client)

    assert 'href="/agents/"' in header
    assert f'href="{MY_FILES}"' not in header
    assert f'href="{SIGN_IN}"' not in header
