"""An inspector signed in lands on the staff queue: its menu leads to the reports of misconduct."""

from __future__ import annotations

from guichet.accounts.models import Unit
from guichet.accounts.roles import Role
from tests.factories import StaffFactory
from tests.payments.conftest import fee_service_loaded
from tests.payments.test_finance import staff_client


def test_only_inspectors_of_the_inspection_unit_get_the_reports_link(db):
    fee_service_loaded()  # the ministry and its units
    inspector = staff_client(StaffFactory(roles=[(Unit.objects.get(code="inspection"), Role.INSPECTOR)]))
    agent = staff_client(StaffFactory(roles=[(Unit.objects.get(code="police"), Role.AGENT)]))

    assert 'href="/inspection/"' in inspector.get("/agents/").content.decode()
    assert 'href="/inspection/"' not in agent.get("/agents/").content.decode()
