from __future__ import annotations

import pytest

from guichet.dossiers.states import DossierState
from guichet.permits.models import Permit
from guichet.permits.verify import Outcome, verify_text

pytestmark = pytest.mark.django_db

CODES = ["vitres-teintees", "autorisation-entree", "cloture-electrifiee", "couverture-securitaire"]


@pytest.mark.parametrize("code", CODES)
def test_approving_issues_signed_permits(issue, code):
    dossier = issue(code)
    assert dossier.state == DossierState.ISSUED
    permits = list(Permit.objects.filter(dossier=dossier))
    assert permits
    for permit in permits:
        verdict = verify_text(permit.qr_text)
        assert verdict.outcome in (Outcome.VALID, Outcome.NOT_YET_VALID), verdict
        assert verdict.claims.number == permit.number
        print(code, permit.permit_type, len(permit.qr_text), permit.subject, permit.subject2)
