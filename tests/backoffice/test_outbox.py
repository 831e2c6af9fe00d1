"""The outbox page: the messages of the reader's units, newest first, never a secret one."""

from __future__ import annotations

import re

import pytest

from guichet.accounts.contacts import Contact
from guichet.accounts.models import CodePurpose, Membership
from guichet.accounts.roles import Role
from guichet.accounts.services import request_code
from guichet.backoffice import outbox
from guichet.catalog.services import publish_service
from guichet.core.actors import SYSTEM
from guichet.dossiers.states import DossierState
from guichet.notifications.models import Channel, DeliveryState, Notification
from guichet.notifications.services import queue_message
from tests.backoffice.conftest import sign_in_staff, staff
from tests.factories import make_dossier, restricted_service

CONTEXT = {"reference": "SUG-7K3M-9QXT", "service": "Suggestion", "url": "https://guichet.example.tg/"}
CODE = {"code": "482913", "minutes": 10}


def recipients(response) -> list[str]:
    return re.findall(r'<span class="bo-outbox-recipient">([^<]+)</span>', response.content.decode())


def queue(recipient: str, unit, *, channel=Channel.SMS, event="dossier_submitted", restricted=False):
    return queue_message(
        channel=channel,
        recipient=recipient,
        event=event,
        language="fr",
        context=CODE if event == "one_time_code" else CONTEXT,
        dossier_reference="SUG-7K3M-9QXT",
        unit_id=unit.pk if unit is not None else None,
        restricted=restricted,
    )


@pytest.fixture
def supervisor(units):
    return staff(units["cabinet"], Role.SUPERVISOR)


@pytest.fixture
def messages_sent(units):
    queue("+22890000011", units["cabinet"])
    queue("ama@example.tg", units["cabinet"], channel=Channel.EMAIL)
    failed = Notification.objects.get(recipient="ama@example.tg")
    Notification.objects.filter(pk=failed.pk).update(
        state=DeliveryState.FAILED, attempts=6, last_error="SMTP refused"
    )


def test_the_outbox_shows_messages_newest_first_with_their_bodies(client, supervisor, messages_sent):
    response = sign_in_staff(client, supervisor).get("/agents/messages/")
    assert response.status_code == 200
    assert recipients(response) == ["ama@example.tg", "+22890000011"]
    html = response.content.decode()
    assert "SUG-7K3M-9QXT" in html
    assert "dossier_submitted" in html
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
    monkeypatch.setattr(outbox, "OUTBOX_PAGE_SIZE", 1)
    sign_in_staff(client, supervisor)
    assert recipients(client.get("/agents/messages/", {"page": "2"})) == ["+22890000011"]


def test_the_outbox_link_shows_only_to_those_who_may_read_it(client, units, supervisor):
    html = sign_in_staff(client, supervisor).get("/agents/").content.decode()
    assert 'href="/agents/messages/"' in html
    client.logout()
    html = sign_in_staff(client, staff(units["cabinet"], Role.AGENT)).get("/agents/").content.decode()
    assert 'href="/agents/messages/"' not in html


def test_a_supervisor_reads_only_the_messages_of_their_own_units(client, units, supervisor):
    queue("+22890000011", units["cabinet"])
    queue("+22890000022", units["protection-civile"])
    queue("+22890000033", None)  # a message that belongs to no unit is nobody's to read

    assert recipients(sign_in_staff(client, supervisor).get("/agents/messages/")) == ["+22890000011"]


@pytest.mark.parametrize("state", [DeliveryState.QUEUED, DeliveryState.RETRYING, DeliveryState.FAILED])
def test_a_message_carrying_a_sign_in_code_is_never_shown_in_any_state(client, units, supervisor, state):
    request_code(Contact("phone", "+22890000044"), purpose=CodePurpose.SIGN_IN, language="fr")
    # Even were it tied to the reader's unit, a secret stays out of the page.
    secret = queue("+22890000055", units["cabinet"], event="one_time_code")
    Notification.objects.update(state=state)

    html = sign_in_staff(client, supervisor).get("/agents/messages/").content.decode()

    assert secret.secret is True
    assert "482913" not in html
    assert "+22890000044" not in html
    assert "+22890000055" not in html
    assert "one_time_code" not in html
    assert "The outbox is empty." in html


def test_a_confidential_services_messages_show_only_to_cleared_staff(client, units):
    publish_service(restricted_service("denonciation-test", "DEN"), actor=SYSTEM)
    report = make_dossier("denonciation-test", answers={"narrative": "Racket."}, state=DossierState.IN_REVIEW)
    message = Notification.objects.get(dossier_reference=report.reference)
    assert (message.unit_id, message.restricted) == (units["inspection"].pk, True)
    inspection = units["inspection"]
    not_cleared = staff(inspection, Role.SUPERVISOR)
    cleared = staff(inspection, Role.SUPERVISOR)
    Membership.objects.create(user=cleared, unit=inspection, role=Role.INSPECTOR)

    assert (
        report.reference not in sign_in_staff(client, not_cleared).get("/agents/messages/").content.decode()
    )
    client.logout()
    assert report.reference in sign_in_staff(client, cleared).get("/agents/messages/").content.decode()


def test_a_dossier_message_is_addressed_to_the_dossiers_unit(units):
    dossier = make_dossier("suggestion", state=DossierState.IN_REVIEW)
    message = Notification.objects.get(dossier_reference=dossier.reference)
    assert (message.unit_id, message.restricted, message.secret) == (dossier.unit_id, False, False)
