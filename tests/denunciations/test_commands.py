"""The commands an operator runs: recovery key, recovery, shredding, the no-trace proof."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from guichet.denunciations import services
from guichet.denunciations.models import KeyGrant
from tests.denunciations.conftest import SENTENCE, file_anonymous


def test_the_recovery_key_is_printed_once_and_recovers_an_inspector(world, keys, monkeypatch):
    out = io.StringIO()
    call_command("denunciation_recovery_key", stdout=out)
    private_hex = next(line for line in out.getvalue().splitlines() if len(line) == 64)
    with pytest.raises(CommandError):
        call_command("denunciation_recovery_key", stdout=io.StringIO())  # not silently replaced
    filed = file_anonymous(force="other")
    KeyGrant.objects.filter(inspector_key_id=keys["inspector"].key_id).delete()
    monkeypatch.setattr("sys.stdin", io.StringIO(private_hex + "\n"))
    call_command("denunciation_recover", username=world.inspector.username, stdout=io.StringIO())
    assert services.read_report(keys["inspector"], filed.report).facts["narrative"] == SENTENCE
    monkeypatch.setattr("sys.stdin", io.StringIO("00" * 32 + "\n"))
    with pytest.raises(CommandError):
        call_command("denunciation_recover", username=world.inspector.username, stdout=io.StringIO())


def test_the_trace_command_fails_when_the_text_is_there(world, keys):
    filed = file_anonymous()
    call_command("denunciation_trace", text=[SENTENCE], code=filed.receipt_code, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("denunciation_trace", text=[filed.report.public_id], stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("denunciation_trace", code="12ab", stdout=io.StringIO())


def test_shred_command_runs(world):
    out = io.StringIO()
    call_command("shred_denunciations", stdout=out)
    assert "0 reports shredded" in out.getvalue()
