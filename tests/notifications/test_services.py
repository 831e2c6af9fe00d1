"""The outbox: rendered in the person's language, sent after commit, retried with back-off."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend

from guichet.core.registry import Registry
from guichet.notifications import channels
from guichet.notifications.channels import BaseChannel, DeliveryError, Outgoing
from guichet.notifications.delivery import REDACTED, deliver
from guichet.notifications.events import MESSAGE_KINDS, is_secret
from guichet.notifications.models import Channel, DeliveryState, Notification
from guichet.notifications.services import queue_message
from guichet.notifications.tasks import retry_due

pytestmark = pytest.mark.django_db

CONTEXT = {
    "reference": "SUG-7K3M-9QXT",
    "service": "Suggestion",
    "url": "https://guichet.example.tg/dossiers/SUG-7K3M-9QXT/",
}


class FailingSms(BaseChannel):
    """An SMS provider that is down."""

    kind = Channel.SMS

    def __init__(self) -> None:
        self.tries: list[Outgoing] = []

    def send(self, message: Outgoing) -> str:
        self.tries.append(message)
        raise DeliveryError("provider timeout")


class RecordingSms(BaseChannel):
    kind = Channel.SMS

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> str:
        self.sent.append(message)
        return f"msg-{len(self.sent)}"


@pytest.fixture
def sms(monkeypatch, settings):
    """A fresh SMS registry (our channels are swapped, not mocked), chosen through the setting."""
    registry: Registry[BaseChannel] = Registry("test SMS channels")
    failing, recording = FailingSms(), RecordingSms()
    registry.register("failing")(failing)
    registry.register("recording")(recording)
    monkeypatch.setattr(channels, "sms_channels", registry)

    def use(name: str) -> BaseChannel:
        settings.GUICHET = {**settings.GUICHET, "SMS_CHANNEL": name}
        return registry[name]

    return use


def queue_sms(event: str = "dossier_submitted", *, context=None) -> Notification:
    return queue_message(
        channel=Channel.SMS,
        recipient="+22890123456",
        event=event,
        language="fr",
        context=context or CONTEXT,
        dossier_reference="SUG-7K3M-9QXT",
    )


def test_a_message_is_rendered_in_french_and_in_english():
    french = queue_message(
        channel=Channel.EMAIL,
        recipient="afi@exemple.tg",
        event="dossier_submitted",
        language="fr",
        context=CONTEXT,
    )
    english = queue_message(
        channel=Channel.EMAIL,
        recipient="afi@exemple.tg",
        event="dossier_submitted",
        language="en",
        context=CONTEXT,
    )

    assert english.subject == "File SUG-7K3M-9QXT filed"
    assert "Your file SUG-7K3M-9QXT (Suggestion) has been filed" in english.body
    assert not english.body.startswith("Subject:")
    assert french.language == "fr"
    assert "SUG-7K3M-9QXT" in french.subject
    assert french.subject != english.subject
    assert french.body != english.body
    assert CONTEXT["url"] in french.body


def test_an_unknown_language_falls_back_to_french():
    message = queue_message(
        channel=Channel.SMS,
        recipient="+22890123456",
        event="dossier_submitted",
        language="de",
        context=CONTEXT,
    )
    french = queue_message(
        channel=Channel.SMS,
        recipient="+22890123456",
        event="dossier_submitted",
        language="fr",
        context=CONTEXT,
    )
    assert (message.language, message.body) == ("fr", french.body)


def test_every_event_has_both_languages_and_both_channels():
    events = [
        "dossier_submitted",
        "dossier_info_requested",
        "dossier_approved",
        "dossier_rejected",
        "dossier_answered",
        "dossier_withdrawn",
        "dossier_message",
    ]
    for event in events:
        for language in ["fr", "en"]:
            for channel in Channel:
                message = queue_message(
                    channel=channel, recipient="x", event=event, language=language, context=CONTEXT
                )
                assert "SUG-7K3M-9QXT" in message.body, (event, language, channel)
                assert bool(message.subject) == (channel == Channel.EMAIL), (event, language, channel)


def test_the_message_is_queued_with_the_change_and_sent_after_commit(sms, django_capture_on_commit_callbacks):
    provider = sms("recording")

    with django_capture_on_commit_callbacks() as callbacks:
        notification = queue_sms()
        assert provider.sent == []
    assert Notification.objects.get().state == DeliveryState.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()  # the send_notification task, run by the immediate test backend

    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.provider_reference) == (
        DeliveryState.SENT,
        1,
        "msg-1",
    )
    assert notification.sent_at is not None
    assert notification.next_attempt_at is None
    assert [m.recipient for m in provider.sent] == ["+22890123456"]


def test_an_email_goes_through_django_mail(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_message(
            channel=Channel.EMAIL,
            recipient="afi@exemple.tg",
            event="dossier_submitted",
            language="en",
            context=CONTEXT,
        )

    assert len(mailoutbox) == 1
    assert (mailoutbox[0].to, mailoutbox[0].subject) == (["afi@exemple.tg"], "File SUG-7K3M-9QXT filed")
    assert Notification.objects.get().state == DeliveryState.SENT


def test_a_rolled_back_change_sends_nothing(sms, django_capture_on_commit_callbacks):
    provider = sms("recording")

    def failing_change() -> None:
        with transaction.atomic():
            queue_sms()
            raise RuntimeError("the change it reports fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_change()

    assert callbacks == []
    assert not Notification.objects.exists()
    assert provider.sent == []


def test_delivering_twice_sends_once(sms):
    provider = sms("recording")
    notification = queue_sms()

    deliver(notification.pk)
    deliver(notification.pk)

    assert len(provider.sent) == 1
    assert Notification.objects.get().attempts == 1


def test_delivering_a_missing_message_does_nothing():
    assert deliver(987654) is None


def test_a_delivery_error_schedules_a_retry_with_back_off(sms):
    provider = sms("failing")
    notification = queue_sms()

    before = timezone.now()
    deliver(notification.pk)
    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.last_error) == (
        DeliveryState.RETRYING,
        1,
        "provider timeout",
    )
    assert dt.timedelta(seconds=29) < notification.next_attempt_at - before < dt.timedelta(seconds=32)

    before = timezone.now()
    deliver(notification.pk)
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert dt.timedelta(seconds=59) < notification.next_attempt_at - before < dt.timedelta(seconds=62)
    assert len(provider.tries) == 2


def test_the_back_off_is_capped_at_an_hour(sms, settings):
    sms("failing")
    settings.GUICHET = {**settings.GUICHET, "NOTIFICATION_MAX_ATTEMPTS": 20}
    notification = queue_sms()
    Notification.objects.filter(pk=notification.pk).update(attempts=12)

    before = timezone.now()
    deliver(notification.pk)

    notification.refresh_from_db()
    assert (
        dt.timedelta(minutes=59)
        < notification.next_attempt_at - before
        <= dt.timedelta(minutes=60, seconds=2)
    )


def test_a_message_fails_after_the_last_attempt(sms, settings):
    sms("failing")
    settings.GUICHET = {**settings.GUICHET, "NOTIFICATION_MAX_ATTEMPTS": 3}
    notification = queue_sms()

    for _ in range(4):
        deliver(notification.pk)

    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.next_attempt_at) == (
        DeliveryState.FAILED,
        3,
        None,
    )


def test_a_channel_back_up_delivers_a_retrying_message(sms):
    sms("failing")
    notification = queue_sms()
    deliver(notification.pk)
    sms("recording")

    deliver(notification.pk)

    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.last_error) == (DeliveryState.SENT, 2, "")


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def test_retry_due_picks_the_messages_whose_time_has_come(queue):
    now = timezone.now()
    due = queue_sms()
    not_yet = queue_sms()
    lost = queue_sms()  # queued long ago: its task was lost
    young = queue_sms()  # queued just now: its task is probably in flight
    sent = queue_sms()
    failed = queue_sms()
    Notification.objects.filter(pk=due.pk).update(
        state=DeliveryState.RETRYING, next_attempt_at=now - dt.timedelta(seconds=1)
    )
    Notification.objects.filter(pk=not_yet.pk).update(
        state=DeliveryState.RETRYING, next_attempt_at=now + dt.timedelta(minutes=5)
    )
    Notification.objects.filter(pk=lost.pk).update(
        created_at=now - dt.timedelta(minutes=5), next_attempt_at=now - dt.timedelta(minutes=5)
    )
    Notification.objects.filter(pk=sent.pk).update(
        state=DeliveryState.SENT, created_at=now - dt.timedelta(minutes=5)
    )
    Notification.objects.filter(pk=failed.pk).update(
        state=DeliveryState.FAILED, created_at=now - dt.timedelta(minutes=5)
    )
    queue.clear()

    assert retry_due() == 2

    assert sorted(result.args[0] for result in queue.results) == sorted([due.pk, lost.pk])
    assert {result.task.module_path for result in queue.results} == {
        "guichet.notifications.tasks.send_notification"
    }
    assert young.pk not in [result.args[0] for result in queue.results]


def test_the_retry_job_delivers_due_messages(sms):
    from guichet.notifications.tasks import retry_notifications

    provider = sms("recording")
    notification = queue_sms()
    Notification.objects.filter(pk=notification.pk).update(
        state=DeliveryState.RETRYING, next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )

    retry_notifications.call()

    assert Notification.objects.get().state == DeliveryState.SENT
    assert len(provider.sent) == 1


CODE_CONTEXT = {"code": "482913", "minutes": 10}


def test_a_secret_body_is_redacted_once_sent_when_not_kept(sms, settings):
    provider = sms("recording")
    settings.GUICHET = {**settings.GUICHET, "KEEP_SENSITIVE_MESSAGES": False}
    code = queue_sms("one_time_code", context=CODE_CONTEXT)
    ordinary = queue_sms()

    deliver(code.pk)
    deliver(ordinary.pk)

    assert "482913" in provider.sent[0].body  # the person still gets the code
    assert Notification.objects.get(pk=code.pk).body == REDACTED
    assert "SUG-7K3M-9QXT" in Notification.objects.get(pk=ordinary.pk).body


def test_a_secret_body_is_kept_when_the_demo_keeps_it(sms, settings):
    sms("recording")
    settings.GUICHET = {**settings.GUICHET, "KEEP_SENSITIVE_MESSAGES": True}
    code = queue_sms("one_time_code", context=CODE_CONTEXT)

    deliver(code.pk)

    assert "482913" in Notification.objects.get(pk=code.pk).body


def test_a_secret_body_is_redacted_when_delivery_gives_up(sms, settings):
    sms("failing")
    settings.GUICHET = {**settings.GUICHET, "KEEP_SENSITIVE_MESSAGES": False, "NOTIFICATION_MAX_ATTEMPTS": 2}
    code = queue_sms("one_time_code", context=CODE_CONTEXT)

    deliver(code.pk)
    assert "482913" in Notification.objects.get(pk=code.pk).body  # kept while a retry may still send it
    deliver(code.pk)

    stored = Notification.objects.get(pk=code.pk)
    assert (stored.state, stored.body) == (DeliveryState.FAILED, REDACTED)


def test_a_message_another_worker_is_sending_is_not_sent_twice(sms):
    recording = sms("recording")
    message = queue_sms()
    Notification.objects.filter(pk=message.pk).update(
        state=DeliveryState.SENDING, attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=4)
    )
    deliver(message.pk)
    message.refresh_from_db()
    assert recording.sent == []
    assert message.state == DeliveryState.SENDING
    assert message not in Notification.objects.due_for_retry(timezone.now())


def test_a_message_left_sending_by_a_dead_worker_is_tried_again(sms):
    recording = sms("recording")
    message = queue_sms()
    Notification.objects.filter(pk=message.pk).update(
        state=DeliveryState.SENDING, attempts=1, next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert message in Notification.objects.due_for_retry(timezone.now())
    deliver(message.pk)
    message.refresh_from_db()
    assert len(recording.sent) == 1
    assert (message.state, message.attempts) == (DeliveryState.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_the_provider_is_called_outside_any_database_transaction(sms, monkeypatch):
    from django.db import connection

    recording = sms("recording")
    seen: list[bool] = []
    original = recording.send

    def send(message: Outgoing) -> str:
        seen.append(connection.in_atomic_block)
        return original(message)

    monkeypatch.setattr(recording, "send", send)
    message = queue_sms()
    deliver(message.pk)
    assert seen == [False]


def test_whether_a_message_is_secret_comes_from_its_kind_not_from_the_caller():
    code = queue_sms("one_time_code", context=CODE_CONTEXT)
    ordinary = queue_sms()

    assert (code.secret, ordinary.secret) == (True, False)


def test_an_undeclared_kind_of_message_is_treated_as_secret():
    assert is_secret("some_future_event") is True
    assert is_secret("dossier_submitted") is False


def test_every_message_template_is_declared_with_its_secrecy():
    # Every app may bring message templates (payments does): all of them are declared here.
    root = Path(settings.BASE_DIR) / "guichet"
    events = {path.name.split(".")[0] for path in root.glob("*/templates/notifications/fr/*.txt")}
    assert "payment_received" in events
    assert events <= set(MESSAGE_KINDS), events - set(MESSAGE_KINDS)


def test_the_provider_gets_the_messages_own_id_as_client_reference(sms):
    provider = sms("recording")
    message = queue_sms()

    deliver(message.pk)
    deliver(message.pk)

    assert [sent.client_reference for sent in provider.sent] == [f"guichet-notification-{message.pk}"]


def test_an_email_carries_a_message_id_made_of_the_notifications_own_id(mailoutbox):
    message = queue_message(
        channel=Channel.EMAIL,
        recipient="afi@exemple.tg",
        event="dossier_submitted",
        language="en",
        context=CONTEXT,
    )

    deliver(message.pk)

    assert mailoutbox[0].extra_headers["Message-ID"].startswith(f"<guichet-notification-{message.pk}@")


def test_a_message_already_sent_is_not_sent_again_even_when_its_task_runs_late(sms):
    provider = sms("recording")
    message = queue_sms()
    deliver(message.pk)
    Notification.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(hours=1))

    assert retry_due() == 0
    deliver(message.pk)

    assert len(provider.sent) == 1


def test_services_and_tasks_import_one_way():
    """services -> tasks -> delivery: neither tasks nor delivery reaches back to services."""
    import ast
    import inspect

    from guichet.notifications import delivery, tasks

    def imports(module: object) -> set[str]:
        names: set[str] = set()
        for node in ast.walk(ast.parse(inspect.getsource(module))):  # type: ignore[arg-type]
            if isinstance(node, ast.ImportFrom):
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
        return names

    assert not any("notifications.services" in name for name in imports(tasks) | imports(delivery))
    assert not any("notifications.tasks" in name for name in imports(delivery))
