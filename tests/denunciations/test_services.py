"""The rules of denunciations, called directly."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from guichet.audit.models import AuditEvent
from guichet.core.errors import InvalidInput, NotFound, PermissionRefused
from guichet.denunciations import access, crypto, keyring, services
from guichet.denunciations.models import Evidence, InspectorKey, KeyGrant, Message, Mode, Report, ReportState
from guichet.notifications.models import Notification
from tests.denunciations.conftest import SENTENCE, facts, file_anonymous, unlock


def jpeg_with_exif(marker: str = "CanaryPhone-X1") -> bytes:
    image = Image.new("RGB", (16, 16), (120, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = marker  # Make
    exif[0x0110] = marker  # Model
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_filed_report_is_readable_by_inspectors_and_by_its_code_only(world, keys):
    filed = file_anonymous()
    assert len(filed.receipt_code.replace(" ", "")) == 16
    assert filed.receipt_code.count(" ") == 3
    shown = services.read_report(keys["inspector"], filed.report)
    assert shown.facts["narrative"] == SENTENCE
    report, private_key = services.open_with_receipt(filed.receipt_code, bucket="b1")
    assert report == filed.report
    assert services.decrypt_report(report, private_key).facts["narrative"] == SENTENCE
    assert AuditEvent.objects.filter(verb="denunciation.read", actor_user_id=world.inspector.pk).count() == 1


def test_the_accused_unit_is_never_granted_nor_visible(world, keys):
    filed = file_anonymous(force="police")
    assert filed.report.accused_unit == world.police
    granted = set(KeyGrant.objects.filter(report=filed.report).values_list("inspector_key__user", flat=True))
    assert world.police_inspector.pk not in granted
    assert {world.inspector.pk, world.colleague.pk} <= granted
    assert filed.report not in access.reports_for_inspector(world.police_inspector)
    with pytest.raises(NotFound):
        access.get_report_for_inspector(world.police_inspector, filed.report.public_id)
    with pytest.raises(PermissionRefused):
        services.assign_report(world.inspector, filed.report, assignee=world.police_inspector)
    # A report about the gendarmerie is theirs to read.
    other = file_anonymous(force="gendarmerie")
    assert services.read_report(keys["police_inspector"], other.report).facts["force"] == "gendarmerie"


def test_chain_of_command_also_excludes(world, keys, settings):
    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "CHAIN_OF_COMMAND": {"gendarmerie": ["police"]},
    }
    filed = file_anonymous(force="gendarmerie")
    assert filed.report not in access.reports_for_inspector(world.police_inspector)


def test_non_inspectors_see_nothing(world, keys):
    file_anonymous()
    for user in (world.agent, world.supervisor, world.administrator):
        assert not access.reports_for_inspector(user).exists()


def test_a_new_inspector_gets_earlier_reports_when_a_colleague_unlocks(world, keys):
    from guichet.accounts.roles import Role
    from tests.factories import StaffFactory

    filed = file_anonymous(force="other")
    newcomer = StaffFactory(roles=[(world.inspection, Role.INSPECTOR)])
    mine = unlock(newcomer)
    with pytest.raises(keyring.NoKeyYet):
        services.read_report(mine, filed.report)
    unlock(world.colleague)  # the colleague's unlock re-grants
    assert services.read_report(mine, filed.report).facts["narrative"] == SENTENCE


def test_a_password_reset_loses_nothing_thanks_to_a_colleague(world, keys):
    filed = file_anonymous(force="other")
    world.inspector.set_password("a brand new passphrase 42")
    world.inspector.save()
    fresh = keyring.unlock_inspector(world.inspector, password="a brand new passphrase 42")
    assert InspectorKey.objects.filter(user=world.inspector, active=True).count() == 1
    assert fresh.key_id != keys["inspector"].key_id
    assert AuditEvent.objects.filter(verb="denunciation.inspector_key_replaced").exists()
    unlock(world.colleague)
    assert services.read_report(fresh, filed.report).facts["narrative"] == SENTENCE


def test_the_offline_recovery_key_restores_access(world, keys):
    recovery_private = keyring.create_recovery_key()
    filed = file_anonymous(force="other")
    assert KeyGrant.objects.filter(report=filed.report, inspector_key=None).count() == 1
    world.inspector.set_password("a brand new passphrase 42")
    world.inspector.save()
    fresh = keyring.unlock_inspector(world.inspector, password="a brand new passphrase 42")
    KeyGrant.objects.exclude(inspector_key=None).exclude(
        inspector_key_id=fresh.key_id
    ).delete()  # no colleague left
    assert keyring.recover_for_inspector(recovery_private, world.inspector) >= 1
    assert services.read_report(fresh, filed.report).facts["narrative"] == SENTENCE


def test_a_wrong_password_does_not_unlock(world, keys):
    with pytest.raises(InvalidInput):
        keyring.unlock_inspector(world.inspector, password="not it at all")


def test_identity_opens_only_after_two_different_inspectors_approve(world, keys):
    filed = services.file_report(
        mode=Mode.CONFIDENTIAL,
        facts=facts(force="other"),
        identity={"full_name": "Yao Koffi", "id_number": "", "phone": "+22890112233", "email": ""},
    )
    report = filed.report
    with pytest.raises(PermissionRefused):
        services.read_identity(keys["inspector"], report)
    services.approve_identity_disclosure(world.inspector, report)
    with pytest.raises(InvalidInput):
        services.approve_identity_disclosure(world.inspector, report)  # the same one twice
    with pytest.raises(PermissionRefused):
        services.read_identity(keys["inspector"], report)
    services.approve_identity_disclosure(world.colleague, report)
    assert services.read_identity(keys["inspector"], report)["full_name"] == "Yao Koffi"
    verbs = list(AuditEvent.objects.filter(target_id=str(report.pk)).values_list("verb", "actor_user_id"))
    assert ("denunciation.identity_approved", world.inspector.pk) in verbs
    assert ("denunciation.identity_approved", world.colleague.pk) in verbs
    assert ("denunciation.identity_read", world.inspector.pk) in verbs
    # The reporter's own key does not open the identity.
    _report, private_key = services.open_with_receipt(filed.receipt_code, bucket="b")
    with pytest.raises(crypto.CryptoError):
        crypto.unseal(private_key, bytes(report.identity))


def test_confidential_needs_an_identity(world):
    with pytest.raises(InvalidInput):
        services.file_report(mode=Mode.CONFIDENTIAL, facts=facts(), identity=None)


def test_evidence_is_stored_encrypted_and_cleaned(world, keys):
    original = jpeg_with_exif()
    prepared = services.prepare_evidence(SimpleUploadedFile("IMG_20261102_143012.jpg", original))
    assert b"CanaryPhone-X1" in prepared.original
    assert b"CanaryPhone-X1" not in prepared.clean
    filed = services.file_report(mode=Mode.ANONYMOUS, facts=facts(), files=[prepared])
    evidence = Evidence.objects.get(report=filed.report)
    for path in (evidence.original_path, evidence.clean_path):
        with default_storage.open(path) as handle:
            stored = handle.read()
        assert b"CanaryPhone-X1" not in stored
        assert b"JFIF" not in stored
    clean, details = services.open_evidence(keys["inspector"], filed.report, evidence.pk, original=False)
    assert b"CanaryPhone-X1" not in clean
    assert "20261102" not in json.dumps(details)  # the phone's file name is not kept
    raw, _details = services.open_evidence(keys["inspector"], filed.report, evidence.pk, original=True)
    assert raw == original
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"denunciation.file_read", "denunciation.original_read"} <= verbs


def test_pdf_metadata_is_removed(world):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_metadata({"/Author": "CanaryAuthor", "/Title": "secret"})
    out = io.BytesIO()
    writer.write(out)
    prepared = services.prepare_evidence(SimpleUploadedFile("a.pdf", out.getvalue()))
    assert b"CanaryAuthor" in prepared.original
    assert b"CanaryAuthor" not in prepared.clean
    assert len(PdfReader(io.BytesIO(prepared.clean)).pages) == 1


def test_conversation_and_outcome(world, keys):
    filed = file_anonymous(force="other")
    report = filed.report
    services.message_reporter(world.inspector, report, body="Quel jour exactement ?")
    _r, private_key = services.open_with_receipt(filed.receipt_code, bucket="b")
    services.reply_as_reporter(report, body="Le 2 novembre.")
    services.change_state(world.inspector, report, to=ReportState.UNDER_INVESTIGATION)
    with pytest.raises(InvalidInput):
        services.change_state(
            world.inspector, report, to=ReportState.CLOSED, outcome="sanctions_taken", note=""
        )
    services.change_state(
        world.inspector, report, to=ReportState.CLOSED, outcome="sanctions_taken", note="Agent suspendu."
    )
    shown = services.decrypt_report(Report.objects.get(pk=report.pk), private_key)
    assert [m.body for m in shown.messages] == ["Quel jour exactement ?", "Le 2 novembre."]
    assert shown.outcome_note == "Agent suspendu."
    assert shown.report.outcome == "sanctions_taken"
    with pytest.raises(InvalidInput):
        services.reply_as_reporter(report, body="Merci")
    # Reporter's actions leave no audit row (its exact time would date the visit).
    assert not AuditEvent.objects.filter(actor_kind__in=["anonymous", "receipt_holder"]).exists()
    assert Message.objects.filter(report=report).count() == 2


def test_states_form_a_table_with_a_closed_end():
    assert services.TRANSITIONS[ReportState.CLOSED] == frozenset()
    reachable = {ReportState.RECEIVED}
    for _ in range(3):
        reachable |= {t for s in list(reachable) for t in services.TRANSITIONS[s]}
    assert reachable == set(ReportState.values)


def test_crypto_shredding_after_the_retention_period(world, keys, settings):
    settings.GUICHET_DENUNCIATIONS = {**settings.GUICHET_DENUNCIATIONS, "RETENTION_DAYS": 30}
    filed = services.file_report(
        mode=Mode.ANONYMOUS,
        facts=facts(force="other"),
        files=[services.prepare_evidence(SimpleUploadedFile("a.jpg", jpeg_with_exif()))],
    )
    paths = list(Evidence.objects.values_list("clean_path", flat=True))
    services.change_state(
        world.inspector, filed.report, to=ReportState.CLOSED, outcome="other", note="Doublon."
    )
    assert services.shred_expired_reports(on=timezone.localdate() + dt.timedelta(days=29)) == 0
    assert services.shred_expired_reports(on=timezone.localdate() + dt.timedelta(days=31)) == 1
    assert not Report.objects.exists()
    assert not KeyGrant.objects.exists()
    assert not Evidence.objects.exists()
    assert not any(default_storage.exists(p) for p in paths)
    shredded = AuditEvent.objects.get(verb="denunciation.shredded")
    assert shredded.data == {"report": filed.report.public_id}
    with pytest.raises(NotFound):
        services.open_with_receipt(filed.receipt_code, bucket="b")


def test_inspectors_are_told_only_that_there_is_new_work(world, keys):
    file_anonymous(force="police")
    assert services.notify_inspectors_of_new_work() == 2  # not the police inspector: nothing for them
    bodies = list(Notification.objects.values_list("recipient", "subject", "body"))
    assert {r for r, _s, _b in bodies} == {"insp1@example.org", "insp2@example.org"}
    for _r, _subject, body in bodies:
        assert SENTENCE not in body
        assert "police" not in body.lower()
        assert "racket" not in body.lower()
    assert services.notify_inspectors_of_new_work() == 0  # once per batch


def test_a_code_is_refused_in_the_reporters_own_message(world, keys):
    filed = file_anonymous()
    with pytest.raises(InvalidInput, match="receipt code"):
        services.reply_as_reporter(filed.report, body=f"mon code est {filed.receipt_code}")
    digits = filed.receipt_code.replace(" ", "")
    with pytest.raises(InvalidInput, match="receipt code"):
        services.reply_as_reporter(filed.report, body=digits)
    services.reply_as_reporter(filed.report, body="1234 5678 9012 3456 n'est pas mon code")


def test_changing_the_argon2_costs_keeps_every_code_and_key_working(world, keys, settings):
    filed = file_anonymous(force="other")
    settings.GUICHET_DENUNCIATIONS = {
        **settings.GUICHET_DENUNCIATIONS,
        "KDF_OPSLIMIT": 2,
        "KDF_MEMLIMIT_KIB": 16,
    }
    report, _key = services.open_with_receipt(filed.receipt_code, bucket="b")
    assert report == filed.report
    again = unlock(world.inspector)
    assert again.key_id == keys["inspector"].key_id  # the same key opened, not replaced
    newer = file_anonymous(force="other")
    assert (newer.report.kdf_opslimit, newer.report.kdf_memlimit_kib) == (2, 16)
    assert services.open_with_receipt(newer.receipt_code, bucket="b")[0] == newer.report
