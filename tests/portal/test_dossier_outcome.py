"""The dossier page says the outcome first, in plain words, and tells the history as sentences."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier, DossierEvent, EventKind
from guichet.dossiers.states import DossierState
from guichet.portal.display import STATE_SENTENCES, dossier_status, timeline_entries
from tests.factories import CitizenFactory, StaffFactory, make_dossier
from tests.portal.test_dossier_page import fence_dossier
from tests.portal.utils import png

pytestmark = pytest.mark.django_db


def page_of(client: Client, dossier: Dossier) -> tuple[str, str]:
    """The top of the dossier page (before the history) and the history itself."""
    client.force_login(dossier.applicant)
    html = client.get(reverse("portal:dossier", kwargs={"reference": dossier.reference})).content.decode()
    top, _sep, rest = html.partition('id="timeline"')
    history, _sep, _rest = rest.partition('id="answers-title"')
    return top, history


def agent_of(dossier: Dossier) -> Actor:
    return Actor.for_user(StaffFactory(roles=[(dossier.unit, Role.SUPERVISOR)]))


def today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def test_an_answered_suggestion_shows_the_ministry_answer_at_the_top(client):
    dossier = make_dossier(state=DossierState.ANSWERED)

    top, _history = page_of(client, dossier)

    assert "The ministry answered you" in top
    assert "The ministry’s answer:" in top
    assert "Merci, c&#x27;est noté." in top
    assert "history below" not in top


def test_a_refusal_gives_its_reason_at_the_top_and_what_can_be_done(client):
    dossier = fence_dossier(CitizenFactory())
    dossiers.reject_dossier(dossier, actor=agent_of(dossier), reason="Hors sujet.")

    top, _history = page_of(client, dossier)

    assert "Your request was refused" in top
    assert "The reason given by the ministry:" in top
    assert "Hors sujet." in top
    assert "you may file a new request" in top
    assert "history below" not in top


def test_an_approval_says_what_happens_next(client):
    dossier = fence_dossier(CitizenFactory())
    dossiers.approve_dossier(dossier, actor=agent_of(dossier), note="Installez les panneaux d'avertissement.")

    top, _history = page_of(client, dossier)

    # The fence authorization is issued in the same step: the page leads with the document.
    assert "Your request was approved and your document was issued" in top
    assert "Installez les panneaux d&#x27;avertissement." in top
    assert "Download permit" in top


def test_a_request_for_information_shows_the_question_at_the_top(client):
    dossier = fence_dossier(CitizenFactory(), state=DossierState.INFO_REQUESTED)

    top, _history = page_of(client, dossier)

    assert "The ministry needs more information from you" in top
    assert top.index("Le plan est illisible.") < top.index('id="answer-title"')
    assert "The time limit is paused until you answer." in top


def test_while_in_review_the_applicant_is_told_there_is_nothing_to_do_and_how_news_comes(client):
    owner = CitizenFactory(phone="+22890123456")
    dossier = make_dossier(applicant=owner, state=DossierState.IN_REVIEW)

    top, _history = page_of(client, dossier)

    assert "The ministry is reviewing your request" in top
    assert "You have nothing to do for now." in top
    assert "+228 •• •• 56" in top


def test_the_history_reads_as_sentences(client):
    owner = CitizenFactory()
    dossier = fence_dossier(owner, state=DossierState.INFO_REQUESTED)
    dossiers.answer_information_request(
        dossier,
        actor=Actor.for_user(owner),
        message="Voici un plan lisible.",
        uploads=[("site_plan", png("plan2.png"))],
    )
    dossiers.send_message_to_applicant(dossier, actor=agent_of(dossier), message="Merci.")

    _top, history = page_of(client, dossier)

    for sentence in [
        "You filed your request on",
        "The ministry asked you for more information on",
        "You added the document “plan2.png” on",
        "You answered the ministry on",
        "The ministry wrote to you on",
    ]:
        assert sentence in history, sentence
    assert f">{today()}</time>" in history
    assert history.index("Le plan est illisible.") < history.index("Voici un plan lisible.")
    assert "Now:" not in history
    assert "New state" not in history
    assert "The review resumed" not in history  # "You answered" already says so


def test_names_typed_by_people_are_escaped_in_the_history(client):
    owner = CitizenFactory()
    dossier = fence_dossier(owner, state=DossierState.INFO_REQUESTED)
    dossiers.answer_information_request(
        dossier, actor=Actor.for_user(owner), message="", uploads=[("site_plan", png("<b>100%(date)s.png"))]
    )

    _top, history = page_of(client, dossier)

    assert "&lt;b&gt;100%(date)s.png" in history
    assert "<b>" not in history


@pytest.mark.parametrize("state", list(DossierState))
def test_every_state_is_told_in_plain_words_and_its_history_as_a_sentence(state):
    status = dossier_status(Dossier(state=state, fee_total=12000), [])

    assert status.title
    assert status.title != str(state.label)  # not the bare badge word
    if state != DossierState.DRAFT:
        event = DossierEvent(kind=EventKind.STATE_CHANGED, to_state=state, created_at=timezone.now())
        entries = timeline_entries([event])
        assert len(entries) == 1
        assert state in STATE_SENTENCES  # not the "<state> on <date>" fallback
        assert "%(" not in entries[0].sentence
