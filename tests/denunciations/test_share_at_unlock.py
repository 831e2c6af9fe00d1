"""Sharing at unlock reads every grant at once: an unlock with nothing to share costs the same
few queries whether there are three reports or twelve, and a gap is still filled."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.accounts.roles import Role
from guichet.denunciations import keyring, services
from guichet.denunciations.models import KeyGrant
from tests.denunciations.conftest import PASSWORD, SENTENCE, file_anonymous
from tests.factories import StaffFactory


def queries_of_sharing(unlocked: keyring.Unlocked) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as seen:
        sealed = keyring.share_with_colleagues(unlocked)
    return sealed, len(seen)


def test_nothing_to_share_costs_the_same_for_many_reports(world, keys):
    for _i in range(3):
        file_anonymous(force="other")
    few = queries_of_sharing(keys["inspector"])
    for _i in range(9):
        file_anonymous(force="police")
    many = queries_of_sharing(keys["inspector"])
    assert few[0] == many[0] == 0
    assert many[1] == few[1] + 1  # one more accused unit to look up: not one per report


def test_only_the_report_missing_a_grant_is_visited_and_filled(world, keys):
    reports = [file_anonymous(force="other") for _i in range(4)]
    newcomer = StaffFactory(roles=[(world.inspection, Role.INSPECTOR)])
    mine = keyring.unlock_inspector(newcomer, password=PASSWORD)
    assert keyring.share_with_colleagues(keys["colleague"]) == 4  # the newcomer's, one per report
    KeyGrant.objects.filter(report=reports[0].report, inspector_key_id=mine.key_id).delete()
    assert keyring.share_with_colleagues(keys["colleague"]) == 1  # only the gap
    for filed in reports:
        assert services.read_report(mine, filed.report).facts["narrative"] == SENTENCE
