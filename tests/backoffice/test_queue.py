"""The queue: unit scoping, filters, counts per state, pagination, bounded queries."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.accounts.models import Membership
from guichet.accounts.roles import Role
from guichet.backoffice import queue
from guichet.core.actors import Actor
from guichet.dossiers import services as dossiers
from guichet.dossiers.models import Dossier
from guichet.dossiers.states import DossierState
from tests.backoffice.conftest import fence_dossier, sign_in_staff, staff, suggestion_dossier
from tests.factories import CitizenFactory


def state_counts(html: str) -> dict[str, int]:
    pairs = re.findall(
        r'<span class="bo-count-number">(\d+)</span> <span class="tag[^"]*">([^<]+)</span>', html
    )
    return {label: int(number) for number, label in pairs}


def references(response) -> list[str]:
    """The references listed in the queue table, in order."""
    return re.findall(
        r'class="reference bo-reference" href="/agents/dossiers/[^/]+/">([A-Z0-9-]+)<',
        response.content.decode(),
    )


@pytest.fixture
def supervisor(units):
    user = staff(units["cabinet"], Role.SUPERVISOR)
    Membership.objects.create(user=user, unit=units["protection-civile"], role=Role.SUPERVISOR)
    return user


@pytest.fixture
def files(supervisor):
    """Four dossiers of the supervisor's two units, in different situations."""
    mine = suggestion_dossier()
    dossiers.assign_dossier(mine, actor=Actor.for_user(supervisor), assignee=supervisor)
    asked = suggestion_dossier(DossierState.INFO_REQUESTED)
    answered = suggestion_dossier(DossierState.ANSWERED)
    fence = fence_dossier()
    return {"mine": mine, "asked": asked, "answered": answered, "fence": fence}


def test_the_queue_lists_the_units_files_newest_first(client, supervisor, files):
    response = sign_in_staff(client, supervisor).get("/agents/")
    assert response.status_code == 200
    listed = references(response)
    assert set(listed) == {d.reference for d in files.values()}
    filed = sorted(files.values(), key=lambda d: d.submitted_at, reverse=True)
    assert listed == [d.reference for d in filed]


def test_staff_of_another_unit_see_nothing_of_ours(client, units, files):
    outsider = staff(units["police"], Role.SUPERVISOR)
    response = sign_in_staff(client, outsider).get("/agents/")
    assert response.status_code == 200
    assert references(response) == []
    assert "There is no file in your units yet." in response.content.decode()
    for dossier in files.values():
        assert dossier.reference not in response.content.decode()


def test_an_agent_of_one_unit_sees_only_that_unit(client, units, files):
    agent = staff(units["protection-civile"], Role.AGENT)
    response = sign_in_staff(client, agent).get("/agents/")
    assert references(response) == [files["fence"].reference]


def test_drafts_are_not_in_the_queue(client, supervisor, files):
    draft = suggestion_dossier(DossierState.DRAFT)
    response = sign_in_staff(client, supervisor).get("/agents/")
    assert draft.reference not in references(response)


def test_filter_by_state(client, supervisor, files):
    response = sign_in_staff(client, supervisor).get("/agents/", {"state": "info_requested"})
    assert references(response) == [files["asked"].reference]


def test_filter_by_service(client, supervisor, files):
    response = sign_in_staff(client, supervisor).get("/agents/", {"service": "cloture-electrifiee"})
    assert references(response) == [files["fence"].reference]


def test_filter_by_unit(client, supervisor, files, units):
    response = sign_in_staff(client, supervisor).get("/agents/", {"unit": str(units["protection-civile"].pk)})
    assert references(response) == [files["fence"].reference]


def test_a_unit_one_does_not_belong_to_is_not_a_filter_choice(client, supervisor, files, units):
    response = sign_in_staff(client, supervisor).get("/agents/", {"unit": str(units["police"].pk)})
    # The tampered value is ignored: the whole queue shows.
    assert set(references(response)) == {d.reference for d in files.values()}


def test_filter_assigned_to_me_and_unassigned(client, supervisor, files):
    sign_in_staff(client, supervisor)
    assert references(client.get("/agents/", {"assignment": "me"})) == [files["mine"].reference]
    unassigned = set(references(client.get("/agents/", {"assignment": "nobody"})))
    assert unassigned == {files["asked"].reference, files["answered"].reference, files["fence"].reference}


def test_filter_overdue_shows_open_files_past_their_due_date_with_a_text(client, supervisor, files):
    late = timezone.localdate() - dt.timedelta(days=10)
    Dossier.objects.filter(pk__in=[files["fence"].pk, files["answered"].pk]).update(due_on=late)
    response = sign_in_staff(client, supervisor).get("/agents/", {"overdue": "on"})
    # The answered one is closed: no longer overdue.
    assert references(response) == [files["fence"].reference]
    html = response.content.decode()
    assert re.search(r'<strong class="bo-overdue">\s*Overdue by \d+ working days\s*</strong>', html)


def test_a_paused_file_is_not_overdue_and_says_why(client, supervisor, files):
    Dossier.objects.filter(pk=files["asked"].pk).update(due_on=timezone.localdate() - dt.timedelta(days=10))
    sign_in_staff(client, supervisor)
    assert files["asked"].reference not in references(client.get("/agents/", {"overdue": "on"}))
    assert "Paused: information requested" in client.get("/agents/").content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        lambda ref: ref,
        lambda ref: ref.lower(),
        lambda ref: ref.replace("-", ""),
        lambda ref: ref.split("-")[1],
        lambda ref: ref[4:11].replace("-", " ").lower(),
    ],
    ids=["exact", "lower", "no-dashes", "middle-part", "spaces"],
)
def test_search_by_reference(client, supervisor, files, typed):
    target = files["fence"].reference
    response = sign_in_staff(client, supervisor).get("/agents/", {"q": typed(target)})
    assert references(response) == [target]


@pytest.mark.parametrize(
    "typed", ["Kossiwa", "kossiwa ameg", "AMEGAN", "90 44 55 66", "+228 90445566", "445566"]
)
def test_search_by_the_applicants_name_or_phone(client, supervisor, files, typed):
    kossiwa = CitizenFactory(first_name="Kossiwa", last_name="Amegan", phone="+22890445566")
    target = suggestion_dossier(applicant=kossiwa)
    response = sign_in_staff(client, supervisor).get("/agents/", {"q": typed})
    assert references(response) == [target.reference]


def test_a_name_that_matches_one_word_only_finds_nothing(client, supervisor, files):
    suggestion_dossier(applicant=CitizenFactory(first_name="Kossiwa", last_name="Amegan"))
    response = sign_in_staff(client, supervisor).get("/agents/", {"q": "Kossiwa Mensah"})
    assert references(response) == []


def test_an_anonymous_filer_is_never_found_by_name_or_phone(client, supervisor, files):
    kossiwa = CitizenFactory(first_name="Kossiwa", last_name="Amegan", phone="+22890445566")
    hidden = suggestion_dossier(applicant=kossiwa)
    Dossier.objects.filter(pk=hidden.pk).update(anonymous=True)
    sign_in_staff(client, supervisor)
    for typed in ["Kossiwa", "90445566"]:
        assert references(client.get("/agents/", {"q": typed})) == []
    assert references(client.get("/agents/", {"q": hidden.reference})) == [hidden.reference]


def _marked(response) -> set[str]:
    return set(
        re.findall(
            r'href="/agents/dossiers/[^/]+/">([A-Z0-9-]+)</a> <span class="tag tag-info bo-news">',
            response.content.decode(),
        )
    )


def test_the_queue_marks_files_the_applicant_answered_or_wrote_to_until_staff_act(client, supervisor, files):
    asked, mine = files["asked"], files["mine"]
    dossiers.answer_information_request(
        asked, actor=Actor.for_user(asked.applicant), message="Voici le plan."
    )
    dossiers.send_message_to_ministry(mine, actor=Actor.for_user(mine.applicant), message="Une précision.")
    sign_in_staff(client, supervisor)
    assert _marked(client.get("/agents/")) == {asked.reference, mine.reference}
    assert set(references(client.get("/agents/", {"news": "on"}))) == {asked.reference, mine.reference}

    dossiers.send_message_to_applicant(mine, actor=Actor.for_user(supervisor), message="Bien reçu.")
    assert _marked(client.get("/agents/")) == {asked.reference}
    assert references(client.get("/agents/", {"news": "on"})) == [asked.reference]


def test_a_search_that_matches_nothing_says_so(client, supervisor, files):
    response = sign_in_staff(client, supervisor).get("/agents/", {"q": "ZZZZZZZZ"})
    assert references(response) == []
    assert "No file matches these filters." in response.content.decode()


def test_counts_per_state_follow_the_other_filters(client, supervisor, files):
    sign_in_staff(client, supervisor)
    html = client.get("/agents/").content.decode()
    counts = state_counts(html)
    assert counts == {"In review": 2, "Information requested": 1, "Answered": 1}
    html = client.get("/agents/", {"service": "suggestion", "state": "in_review"}).content.decode()
    counts = state_counts(html)
    assert counts == {"In review": 1, "Information requested": 1, "Answered": 1}
    # Each count links to the list it counts, keeping the other filters.
    assert 'href="?service=suggestion&amp;state=info_requested"' in html


def test_columns_show_dates_and_assignee(client, supervisor, files):
    html = sign_in_staff(client, supervisor).get("/agents/").content.decode()
    filed_on = timezone.localtime(files["fence"].submitted_at).strftime("%d/%m/%Y")
    assert filed_on in html
    assert supervisor.display_name in html
    assert "Nobody yet" in html
    assert "working days" in html


def _queries_for_the_queue(client, **params: str) -> int:
    client.get("/agents/", params)  # warm the session and the catalogue
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/agents/", params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "Mensah"}, {"q": "SUG"}, {"overdue": "on"}, {"assignment": "me", "state": "in_review"}],
    ids=["plain", "name", "reference", "overdue", "mine-in-review"],
)
def test_the_number_of_queries_is_the_same_for_1_and_50_files(client, supervisor, units, params):
    applicant = CitizenFactory(last_name="Mensah")
    late = timezone.localdate() - dt.timedelta(days=3)

    def add(count: int) -> None:
        for _index in range(count):
            dossier = suggestion_dossier(applicant=applicant)
            Dossier.objects.filter(pk=dossier.pk).update(assigned_to=supervisor, due_on=late)

    add(1)
    sign_in_staff(client, supervisor)
    one = _queries_for_the_queue(client, **params)
    add(49)
    fifty = _queries_for_the_queue(client, **params)
    assert len(references(client.get("/agents/", params))) == 25
    assert fifty == one
    assert fifty <= 12


def _link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def _filed_in_order(count: int) -> list[Dossier]:
    """`count` dossiers in review filed a minute apart, newest first; the oldest two share an instant."""
    made = [suggestion_dossier() for _index in range(count)]
    start = timezone.now() - dt.timedelta(days=1)
    for index, dossier in enumerate(made):
        Dossier.objects.filter(pk=dossier.pk).update(submitted_at=start + dt.timedelta(minutes=max(index, 1)))
    return sorted(
        Dossier.objects.filter(pk__in=[d.pk for d in made]),
        key=lambda d: (d.submitted_at, d.pk),
        reverse=True,
    )


def test_next_and_previous_walk_the_whole_queue_once_each_way(client, supervisor, monkeypatch):
    monkeypatch.setattr(queue, "QUEUE_PAGE_SIZE", 3)
    expected = [d.reference for d in _filed_in_order(8)]
    sign_in_staff(client, supervisor)
    pages = [client.get("/agents/")]
    while (following := _link(pages[-1], "next")) is not None:
        pages.append(client.get("/agents/" + following))
    assert [references(p) for p in pages] == [expected[0:3], expected[3:6], expected[6:8]]
    assert _link(pages[0], "prev") is None
    back = [pages[-1]]
    while (preceding := _link(back[-1], "prev")) is not None:
        back.append(client.get("/agents/" + preceding))
    assert [references(p) for p in back] == [expected[6:8], expected[3:6], expected[0:3]]
    assert _link(back[-1], "next") is not None


def test_overdue_files_page_newest_first_both_ways(client, supervisor, monkeypatch):
    """The overdue list has its own index (queue order, then the due date): same order, same cursor."""
    monkeypatch.setattr(queue, "QUEUE_PAGE_SIZE", 3)
    made = _filed_in_order(9)
    today = timezone.localdate()
    Dossier.objects.filter(pk__in=[d.pk for d in made]).update(due_on=today - dt.timedelta(days=3))
    not_due, closed = made[1], made[4]
    Dossier.objects.filter(pk=not_due.pk).update(due_on=today + dt.timedelta(days=5))
    Dossier.objects.filter(pk=closed.pk).update(state=DossierState.ANSWERED)
    expected = [d.reference for d in made if d not in (not_due, closed)]
    sign_in_staff(client, supervisor)
    pages = [client.get("/agents/", {"overdue": "on"})]
    while (following := _link(pages[-1], "next")) is not None:
        assert "overdue=on" in following
        pages.append(client.get("/agents/" + following))
    assert [references(p) for p in pages] == [expected[0:3], expected[3:6], expected[6:7]]
    back = [pages[-1]]
    while (preceding := _link(back[-1], "prev")) is not None:
        back.append(client.get("/agents/" + preceding))
    assert [references(p) for p in back] == [expected[6:7], expected[3:6], expected[0:3]]


def test_a_page_boundary_between_two_files_filed_at_the_same_instant(client, supervisor, monkeypatch):
    monkeypatch.setattr(queue, "QUEUE_PAGE_SIZE", 1)
    expected = [d.reference for d in _filed_in_order(3)]
    sign_in_staff(client, supervisor)
    second = client.get("/agents/" + _link(client.get("/agents/"), "next"))
    third = client.get("/agents/" + _link(second, "next"))
    assert [references(second), references(third)] == [[expected[1]], [expected[2]]]
    assert _link(third, "next") is None


def test_the_cursor_keeps_the_filters_and_the_filters_reset_the_cursor(
    client, supervisor, files, monkeypatch
):
    monkeypatch.setattr(queue, "QUEUE_PAGE_SIZE", 2)
    sign_in_staff(client, supervisor)
    first = client.get("/agents/", {"service": "suggestion"})
    following = _link(first, "next")
    assert following.startswith("?service=suggestion&cursor=")
    second = client.get("/agents/" + following)
    assert len(references(first)) == 2
    assert len(references(second)) == 1
    assert set(references(first)) | set(references(second)) == {
        files["mine"].reference,
        files["asked"].reference,
        files["answered"].reference,
    }
    # A count's link starts that list from its top.
    count_link = re.search(r'href="(\?[^"]*state=in_review[^"]*)"', second.content.decode()).group(1)
    assert "cursor" not in count_link


@pytest.mark.parametrize(
    "cursor", ["garbage", "W10:1abc:def", "a" * 300], ids=["garbage", "bad-signature", "long"]
)
def test_a_tampered_cursor_shows_the_first_page(client, supervisor, files, cursor):
    response = sign_in_staff(client, supervisor).get("/agents/", {"cursor": cursor})
    assert response.status_code == 200
    assert len(references(response)) == 4


def test_a_cursor_signed_for_something_else_shows_the_first_page(client, supervisor, files):
    forged = signing.dumps(["a", "2000-01-01T00:00:00+00:00", 1])  # right shape, wrong salt
    wrong_shape = signing.dumps(["a", "not a date", "x"], salt=queue.CURSOR_SALT)
    naive = signing.dumps(["a", "2000-01-01T00:00:00", 1], salt=queue.CURSOR_SALT)
    sign_in_staff(client, supervisor)
    for cursor in (forged, wrong_shape, naive):
        response = client.get("/agents/", {"cursor": cursor})
        assert response.status_code == 200
        assert len(references(response)) == 4


def test_a_draft_withdrawn_before_filing_is_not_in_the_queue(client, supervisor, files):
    never_filed = suggestion_dossier(DossierState.DRAFT)
    Dossier.objects.filter(pk=never_filed.pk).update(state=DossierState.WITHDRAWN)
    response = sign_in_staff(client, supervisor).get("/agents/")
    assert never_filed.reference not in references(response)
    assert "Withdrawn" not in state_counts(response.content.decode())


def test_counts_stop_at_the_cap_and_say_more_than(client, supervisor, files, monkeypatch):
    monkeypatch.setattr(queue, "COUNT_CAP", 1)
    page = sign_in_staff(client, supervisor).get("/agents/").content.decode()
    assert '<span class="bo-count-number">more than 1</span> <span class="bo-count-all">' in page
    assert "More than 1 files" in page
    capped = re.findall(
        r'<span class="bo-count-number">more than 1</span> <span class="tag[^"]*">([^<]+)<', page
    )
    assert capped == ["In review"]
    assert state_counts(page) == {"Information requested": 1, "Answered": 1}
    page = client.get("/agents/", {"state": "info_requested"}).content.decode()
    assert re.search(r"\b1 file\b", page)


def test_capped_counts_count_each_state_inside_the_other_filters(supervisor, files):
    """One subquery compiled once, its state filled in per state: each figure is its own state's."""
    cabinet = Dossier.objects.in_queue().filter(unit_id=files["mine"].unit_id)
    states = ["in_review", "info_requested", "answered", "approved"]
    assert cabinet.capped_counts(states, 5) == (
        3,
        {"in_review": 1, "info_requested": 1, "answered": 1, "approved": 0},
    )
    assert cabinet.capped_counts(states, 1) == (
        2,
        {"in_review": 1, "info_requested": 1, "answered": 1, "approved": 0},
    )
    assert cabinet.filter(pk__in=[]).capped_counts(states, 5) == (0, dict.fromkeys(states, 0))


def test_a_search_beyond_the_cap_names_the_states_found_without_counting_each(
    client, supervisor, monkeypatch
):
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    mensah = CitizenFactory(last_name="Mensah")
    for state in (DossierState.IN_REVIEW, DossierState.IN_REVIEW, DossierState.INFO_REQUESTED):
        suggestion_dossier(state, applicant=mensah)
    sign_in_staff(client, supervisor)
    page = client.get("/agents/", {"q": "Mensah"}).content.decode()
    assert "More than 2 files" in page
    assert state_counts(page) == {}
    tabs = re.findall(r'<a href="\?q=Mensah&amp;state=(\w+)">\s*<span class="tag', page)
    assert set(tabs) <= {"in_review", "info_requested"}
    assert tabs
    # One state's list is short enough to be counted exactly.
    page = client.get("/agents/", {"q": "Mensah", "state": "info_requested"}).content.decode()
    assert re.search(r"\b1 file\b", page)
    assert len(references(client.get("/agents/", {"q": "Mensah", "state": "in_review"}))) == 2


def test_the_queue_reads_no_service_version_no_answers_and_no_offset(client, supervisor, files):
    sign_in_staff(client, supervisor)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/agents/")
    assert len(references(response)) == 4
    listing = [q["sql"] for q in captured.captured_queries if "dossiers_dossier" in q["sql"]]
    assert listing
    for sql in listing:
        selected = sql.split(" FROM ")[0]
        assert "answers" not in selected
        assert "catalog_serviceversion" not in selected
        assert "OFFSET" not in sql.upper()


def service_options(response) -> set[str]:
    select = re.search(r'<select name="service".*?</select>', response.content.decode(), re.S).group(0)
    return set(re.findall(r'<option value="([^"]+)"', select))


def _publish(code: str, unit: str, extra: str = "") -> None:
    from guichet.catalog.services import publish_service
    from guichet.core.actors import SYSTEM

    publish_service(
        f"""
code: {code}
prefix: {code[:3].upper()}
administration: mspc
unit: {unit}
title: {{fr: Titre, en: Title}}
summary: {{fr: Résumé, en: Summary}}
who_may_apply: {{fr: Tous, en: Anyone}}
{extra}
steps:
  - key: only
    title: {{fr: Étape, en: Step}}
    fields:
      - {{name: text, type: text, label: {{fr: Texte, en: Text}}}}
""",
        actor=SYSTEM,
    )


def test_service_choices_follow_the_units_and_clearance(client, units):
    _publish("sansconf", "inspection")  # no confidentiality key: an ordinary service
    _publish("secret", "inspection", "confidentiality: restricted")
    supervisor = staff(units["inspection"], Role.SUPERVISOR)
    assert service_options(sign_in_staff(client, supervisor).get("/agents/")) == {"sansconf"}
    client.logout()
    inspector = staff(units["inspection"], Role.INSPECTOR)
    assert service_options(sign_in_staff(client, inspector).get("/agents/")) == {"sansconf", "secret"}


@pytest.mark.parametrize("only_open", [{"news": "on"}, {"overdue": "on"}])
def test_filters_of_open_files_count_open_states_only(client, supervisor, files, monkeypatch, only_open):
    """Overdue files and news are open files: closed states are not counted through an index for nothing."""
    monkeypatch.setattr(queue, "COUNT_CAP", 0)  # every count goes through the capped per-state counts
    Dossier.objects.filter(pk__in=[d.pk for d in files.values()]).update(
        due_on=timezone.localdate() - dt.timedelta(days=30), applicant_news_at=timezone.now()
    )
    sign_in_staff(client, supervisor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/agents/", only_open)

    assert response.status_code == 200
    counting = [q["sql"] for q in queries.captured_queries if q["sql"].count("COUNT(") > 2]
    assert len(counting) == 1
    assert "'in_review'" in counting[0]
    for closed in ("rejected", "answered", "withdrawn", "approved"):
        assert f"'{closed}'" not in counting[0], closed


def test_a_service_filter_counts_only_the_states_its_workflow_reaches(client, supervisor, files, monkeypatch):
    """A suggestion is answered, never approved: no count is spent on states it cannot be in."""
    monkeypatch.setattr(queue, "COUNT_CAP", 0)  # every count goes through the capped per-state counts
    sign_in_staff(client, supervisor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/agents/", {"service": "suggestion"})

    assert response.status_code == 200
    counting = [q["sql"] for q in queries.captured_queries if q["sql"].count("COUNT(") > 2]
    assert len(counting) == 1
    assert "'answered'" in counting[0]
    for impossible in ("approved", "rejected", "issued", "revoked", "expired"):
        assert f"'{impossible}'" not in counting[0], impossible
