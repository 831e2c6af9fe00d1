"""The outbox page: every message, newest first, with filters; a demo reads its codes here."""

from __future__ import annotations

import re

import pytest

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose
from guichet.accounts.roles import Role
from guichet.accounts.services import request_code
from guichet.backoffice import views
from guichet.notifications.models import DeliveryState, Notification
from tests.backoffice.conftest import sign_in_staff, staff


def recipients(response) -> list[str]:
    return re.findall(r'<span class="bo-outbox-recipient">([^<]+)</span>', response.content.decode())


@pytest.fixture
def supervisor(units):
    return staff(units["cabinet"], Role.SUPERVISOR)


@pytest.fixture
def messages_sent(units):
    request_code(Contact("phone", "+22890000011"), purpose=CodePurpose.SIGN_IN, language="fr")
    request_code(Contact("email", "ama@example.tg"), purpose=CodePurpose.SIGN_IN, language="en")
    failed = Notification.objects.get(recipient="ama@example.tg")
    Notification.objects.filter(pk=failed.pk).update(
        state=DeliveryState.FAILED, attempts=6, last_error="SMTP refused"
    )


def test_the_outbox_shows_messages_newest_first_with_their_bodies(client, supervisor, messages_sent):
    response = sign_in_staff(client, supervisor).get("/agents/messages/")
    assert response.status_code == 200
    assert recipients(response) == ["ama@example.tg", "+22890000011"]
    html = response.content.decode()
    body = Notification.objects.get(recipient="+22890000011").body
    code = re.search(r"\d{6}", body).group(0)
    assert code in html  # the demo reads its one-time code here
    assert "one_time_code" in html
    assert "SMTP refused" in html
    assert "6 attempts" in html
    assert "0 attempts" in html


def test_filter_by_state(client, supervisor, messages_sent):
    response = sign_in_staff(client, supervisor).get("/agents/messages/", {"state": "failed"})
    assert recipients(response) == ["ama@example.tg"]


def test_filter_by_channel(client, supervisor, messages_sent):
    response = sign_in_staff(client, supervisor).get("/agents/messages/", {"channel": "sms"})
    assert recipients(response) == ["+22890000011"]


def test_search_by_recipient(client, supervisor, messages_sent):
    sign_in_staff(client, supervisor)
    assert recipients(client.get("/agents/messages/", {"q": "90000011"})) == ["+22890000011"]
    assert recipients(client.get("/agents/messages/", {"q": "AMA@"})) == ["ama@example.tg"]
    response = client.get("/agents/messages/", {"q": "nobody"})
    assert recipients(response) == []
    assert "No message matches these filters." in response.content.decode()


def test_outbox_pages(client, supervisor, messages_sent, monkeypatch):
    monkeypatch.setattr(views, "OUTBOX_PAGE_SIZE", 1)
    sign_in_staff(client, supervisor)
    assert recipients(client.get("/agents/messages/", {"page": "2"})) == ["+22890000011"]


def test_the_outbox_link_shows_only_to_those_who_may_read_it(client, units, supervisor):
    html = sign_in_staff(client, supervisor).get("/agents/").content.decode()
    assert 'href="/agents/messages/"' in html
    client.logout()
    html = sign_in_staff(client, staff(units["cabinet"], Role.AGENT)).get("/agents/").content.decode()
    assert 'href="/agents/messages/"' not in html
