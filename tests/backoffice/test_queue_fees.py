"""The queue says what each file costs, so an agent sees the fee without opening it."""

from __future__ import annotations

import re

from guichet.accounts.roles import Role
from guichet.dossiers.states import DossierState
from guichet.portal.templatetags.guichet_ui import xof
from tests.factories import StaffFactory, make_dossier
from tests.payments.conftest import awaiting_dossier
from tests.payments.test_finance import staff_client


def test_each_row_of_the_queue_shows_the_files_fee(db):
    paying = awaiting_dossier()
    free = make_dossier(state=DossierState.IN_REVIEW)
    agent = staff_client(StaffFactory(roles=[(paying.unit, Role.AGENT), (free.unit, Role.AGENT)]))

    html = agent.get("/agents/").content.decode()

    rows = {
        reference: row
        for row in re.findall(r"<tr>.*?</tr>", html, flags=re.DOTALL)
        for reference in re.findall(r"[A-Z]{3}-[A-Z0-9]{4}-[A-Z0-9]{4}", row)[:1]
    }
    assert xof(12000) in rows[paying.reference]
    assert xof(12000) not in rows[free.reference]
