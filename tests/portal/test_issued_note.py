"""An issued file keeps showing the note the ministry wrote when it approved (issuing adds no words)."""

from __future__ import annotations

from guichet.dossiers.models import Dossier, DossierEvent, EventKind
from guichet.dossiers.states import DossierState
from guichet.portal.display import dossier_status

NOTE = "Dossier complet, officier général."


def change(to_state: DossierState, text: str = "") -> DossierEvent:
    return DossierEvent(kind=EventKind.STATE_CHANGED, to_state=to_state, text=text)


def test_the_approval_note_stays_on_an_issued_file():
    events = [
        change(DossierState.IN_REVIEW),
        change(DossierState.APPROVED, NOTE),
        change(DossierState.ISSUED),
    ]

    status = dossier_status(Dossier(state=DossierState.ISSUED), events)

    assert status.words == NOTE


def test_an_issued_file_approved_without_a_note_shows_none():
    events = [change(DossierState.APPROVED), change(DossierState.ISSUED)]

    status = dossier_status(Dossier(state=DossierState.ISSUED), events)

    assert status.words == ""
    assert status.words_label == ""
