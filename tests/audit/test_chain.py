from __future__ import annotations

import json
from dataclasses import astuple

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connection

from guichet.audit import services as audit
from guichet.audit.models import AuditEvent, AuditHead
from guichet.core.actors import SYSTEM, Actor
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
TRIGGER = "audit_event_no_update_or_delete"


def tamper(sql: str, params: list[object]) -> None:
    """What an intruder with database access does: raw SQL, past the application's guards
    (and past the PostgreSQL trigger, as the table's owner could disable it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


def set_column(pk: int, column: str, value: object) -> None:
    if isinstance(value, dict):
        value = json.dumps(value)
    tamper(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608


def delete_row(pk: int) -> None:
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [pk])  # noqa: S608


def write_three() -> list[AuditEvent]:
    citizen = CitizenFactory()
    return [
        audit.record(SYSTEM, "catalog.loaded"),
        audit.record(Actor.for_user(citizen), "account.updated", citizen, {"password_set": False, "n": 1}),
        audit.record(Actor.guest("+22890123456"), "dossier.started", citizen, {"reference": "SUG-0000-0000"}),
    ]


def test_record_chains_each_event_to_the_previous_one():
    first, second, third = write_three()

    assert first.previous_hash == audit.GENESIS
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert AuditHead.objects.get().last_hash == third.hash


def test_record_names_the_actor_and_the_target_but_never_a_guest_contact():
    citizen = CitizenFactory()
    event = audit.record(Actor.guest("+22890123456"), "dossier.started", citizen)

    assert event.actor_kind == "guest"
    assert event.actor_label == "guest"
    assert "+22890123456" not in str(AuditEvent.objects.values().get(pk=event.pk))
    assert (event.target_type, event.target_id) == ("accounts.user", str(citizen.pk))
    staff_event = audit.record(Actor.for_user(citizen), "account.updated", citizen)
    assert staff_event.actor_user_id == citizen.pk
    assert staff_event.actor_label == f"citizen:{citizen.username}"


def test_the_chain_verifies_as_stored():
    write_three()

    result = audit.verify_chain()

    assert (result.intact, result.checked, result.broken) == (True, 3, None)


def test_an_empty_chain_verifies():
    assert audit.verify_chain() == audit.Verification(True, 0)


def test_tampering_with_a_rows_data_is_detected():
    _first, second, _third = write_three()
    set_column(second.pk, "data", {"password_set": True, "n": 1})

    intact, checked, broken, _problem = astuple(audit.verify_chain())

    assert intact is False
    assert checked == 1
    assert broken is not None
    assert broken.pk == second.pk


def test_deleting_a_row_in_the_middle_is_detected():
    _first, second, third = write_three()
    delete_row(second.pk)

    intact, _checked, broken, _problem = astuple(audit.verify_chain())

    assert intact is False
    assert broken is not None
    assert broken.pk == third.pk


def test_rewriting_a_row_and_its_own_hash_breaks_the_next_link():
    first, second, _third = write_three()
    forged = AuditEvent.objects.get(pk=second.pk)
    forged.verb = "account.deleted"
    set_column(second.pk, "verb", forged.verb)
    set_column(second.pk, "hash", audit._digest(first.hash, audit._hashed_fields(forged)))

    intact, checked, broken, _problem = astuple(audit.verify_chain())

    assert intact is False
    assert checked == 2
    assert broken is not None
    assert broken.verb == "dossier.started"


def test_verify_audit_command_reports_an_intact_chain(capsys):
    write_three()

    call_command("verify_audit")

    assert "Audit chain intact: 3 events." in capsys.readouterr().out


def test_verify_audit_command_fails_on_a_tampered_chain():
    _first, second, _third = write_three()
    set_column(second.pk, "actor_label", "system")

    with pytest.raises(CommandError, match=f"broken at event {second.pk} after 1 good events"):
        call_command("verify_audit")


def test_verify_audit_command_exits_non_zero_on_a_tampered_chain():
    _first, second, _third = write_three()
    set_column(second.pk, "data", {})

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "verify_audit"]).execute()

    assert exit_info.value.code != 0


def test_saving_an_existing_event_raises():
    event = audit.record(SYSTEM, "catalog.loaded")
    event.verb = "catalog.changed"

    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).verb == "catalog.loaded"


def test_deleting_an_event_raises():
    event = audit.record(SYSTEM, "catalog.loaded")

    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- truncation, bulk changes, the database trigger, checkpoints ---------------------------------


def test_the_head_counts_every_event():
    write_three()
    head = AuditHead.objects.get()
    assert head.count == 3
    assert head.last_hash == AuditEvent.objects.order_by("-id").first().hash


def test_deleting_the_newest_event_is_detected():
    _first, _second, third = write_three()
    delete_row(third.pk)

    result = audit.verify_chain()

    assert (result.intact, result.checked, result.broken) == (False, 2, None)
    assert "events were removed" in result.problem


def test_deleting_every_event_is_detected():
    events = write_three()
    for event in events:
        delete_row(event.pk)

    result = audit.verify_chain()

    assert (result.intact, result.checked) == (False, 0)


def test_verify_audit_command_fails_when_the_newest_events_are_gone():
    _first, second, third = write_three()
    delete_row(third.pk)
    delete_row(second.pk)

    with pytest.raises(CommandError, match=r"broken at the end after 1 good events.*3 events"):
        call_command("verify_audit")


@pytest.mark.parametrize(
    "bulk_change",
    [
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.filter(verb="catalog.loaded").delete(),
        lambda: AuditEvent.objects.update(verb="x"),
        lambda: AuditEvent.objects.all().update(verb="x"),
        lambda: AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["verb"]),
        lambda: AuditEvent.objects.update_or_create(pk=1, defaults={"verb": "x"}),
    ],
)
def test_bulk_changes_are_refused_in_code(bulk_change):
    write_three()

    with pytest.raises(RuntimeError, match="append-only"):
        bulk_change()

    assert AuditEvent.objects.count() == 3
    assert audit.verify_chain().intact


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET verb = 'x'",  # noqa: S608
        f"DELETE FROM {TABLE}",  # noqa: S608
        f"DELETE FROM {TABLE} WHERE id = (SELECT max(id) FROM {TABLE})",  # noqa: S608
        f"TRUNCATE {TABLE}",
    ],
)
def test_the_database_refuses_to_change_or_remove_events(statement):
    from django.db import DatabaseError, transaction

    write_three()

    with transaction.atomic(), connection.cursor() as cursor:
        # As in production: the test database's permission to flush (tests/conftest.py) is off.
        cursor.execute("SET LOCAL guichet.audit_flush = 'off'")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(statement)

    assert AuditEvent.objects.count() == 3


KEY = "k" * 40


def test_a_checkpoint_is_the_head_signed(monkeypatch, capsys):
    write_three()
    monkeypatch.setenv("GUICHET_AUDIT_CHECKPOINT_KEY", KEY)

    call_command("audit_checkpoint")

    saved = json.loads(capsys.readouterr().out)
    assert saved["count"] == 3
    assert saved["last_hash"] == AuditHead.objects.get().last_hash
    audit.verify_checkpoint(saved, KEY.encode())
    with pytest.raises(audit.CheckpointInvalid, match="signature"):
        audit.verify_checkpoint({**saved, "count": 2}, KEY.encode())
    with pytest.raises(audit.CheckpointInvalid, match="signature"):
        audit.verify_checkpoint(saved, b"another key of the same sort, long enough")


def test_the_checkpoint_command_needs_a_key_from_the_environment(monkeypatch):
    monkeypatch.delenv("GUICHET_AUDIT_CHECKPOINT_KEY", raising=False)
    with pytest.raises(CommandError, match="GUICHET_AUDIT_CHECKPOINT_KEY"):
        call_command("audit_checkpoint")


def test_a_checkpoint_catches_a_rewrite_of_the_whole_log_and_its_head(monkeypatch, tmp_path):
    write_three()
    monkeypatch.setenv("GUICHET_AUDIT_CHECKPOINT_KEY", KEY)
    saved = tmp_path / "checkpoint.json"
    saved.write_text(json.dumps(audit.checkpoint(KEY.encode())))
    call_command("verify_audit", checkpoint=[str(saved)])

    # An intruder deletes the second event, then re-chains the rest and the head by hand.
    events = list(AuditEvent.objects.order_by("id"))
    delete_row(events[1].pk)
    forged = AuditEvent.objects.get(pk=events[2].pk)
    forged_hash = audit._digest(events[0].hash, audit._hashed_fields(forged))
    set_column(forged.pk, "previous_hash", events[0].hash)
    set_column(forged.pk, "hash", forged_hash)
    AuditHead.objects.filter(pk=1).update(count=2, last_hash=forged_hash)
    assert audit.verify_chain().intact  # the chain alone cannot tell

    with pytest.raises(CommandError, match="rewritten or cut"):
        call_command("verify_audit", checkpoint=[str(saved)])
