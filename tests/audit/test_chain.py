from __future__ import annotations

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from guichet.audit import services as audit
from guichet.audit.models import AuditEvent, AuditHead
from guichet.core.actors import SYSTEM, Actor
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


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

    intact, checked, broken = audit.verify_chain()

    assert (intact, checked, broken) == (True, 3, None)


def test_an_empty_chain_verifies():
    assert audit.verify_chain() == (True, 0, None)


def test_tampering_with_a_rows_data_is_detected():
    _first, second, _third = write_three()
    AuditEvent.objects.filter(pk=second.pk).update(data={"password_set": True, "n": 1})

    intact, checked, broken = audit.verify_chain()

    assert intact is False
    assert checked == 1
    assert broken is not None
    assert broken.pk == second.pk


def test_deleting_a_row_in_the_middle_is_detected():
    _first, second, third = write_three()
    AuditEvent.objects.filter(pk=second.pk).delete()  # a queryset delete bypasses the model's guard

    intact, _checked, broken = audit.verify_chain()

    assert intact is False
    assert broken is not None
    assert broken.pk == third.pk


def test_rewriting_a_row_and_its_own_hash_breaks_the_next_link():
    first, second, _third = write_three()
    forged = AuditEvent.objects.get(pk=second.pk)
    forged.verb = "account.deleted"
    AuditEvent.objects.filter(pk=second.pk).update(
        verb=forged.verb, hash=audit._digest(first.hash, audit._hashed_fields(forged))
    )

    intact, checked, broken = audit.verify_chain()

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
    AuditEvent.objects.filter(pk=second.pk).update(actor_label="system")

    with pytest.raises(CommandError, match=f"broken at event {second.pk} after 1 good events"):
        call_command("verify_audit")


def test_verify_audit_command_exits_non_zero_on_a_tampered_chain():
    _first, second, _third = write_three()
    AuditEvent.objects.filter(pk=second.pk).update(data={})

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
