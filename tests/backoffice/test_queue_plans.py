"""The queue's queries, as the view runs them, are served by an index in the queue's order.

Each page's list query is explained with sorting and sequential scans priced out of reach
(on PostgreSQL), so the plan shows whether an index yields the rows already in order: a
Sort node means none matches the filter and the order, and at a million dossiers that
Sort reads every matching row before the first one is shown. The same on SQLite, whose
plan says "USE TEMP B-TREE FOR ORDER BY" when it has to sort.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.accounts.roles import Role
from guichet.core.actors import Actor
from guichet.dossiers import services as dossiers
from tests.backoffice.conftest import fence_dossier, sign_in_staff, staff, suggestion_dossier
from tests.factories import CitizenFactory


def _list_query(client, params: dict[str, str]) -> str:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/agents/", params)
    assert response.status_code == 200
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if "dossiers_dossier" in q["sql"] and "ORDER BY" in q["sql"]
    ]
    return sql


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # SET LOCAL: undone with the test's transaction.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _sorts(plan: str) -> bool:
    return bool(re.search(r"\bSort\b", plan)) if connection.vendor == "postgresql" else "TEMP B-TREE" in plan


@pytest.fixture
def agent(units):
    return staff(units["cabinet"], Role.AGENT)


@pytest.fixture
def filled(agent):
    applicant = CitizenFactory(last_name="Mensah")
    for _index in range(3):
        dossier = suggestion_dossier(applicant=applicant)
        dossiers.assign_dossier(dossier, actor=Actor.for_user(agent), assignee=agent)
    fence_dossier()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"state": "in_review"},
        {"service": "suggestion"},
        {"assignment": "me"},
        {"news": "on"},
        {"overdue": "on"},
        {"state": "in_review", "assignment": "me"},
    ],
    ids=["unit", "unit-state", "service", "assigned-to-me", "news", "overdue", "state-and-mine"],
)
def test_each_first_page_is_read_from_an_index_in_the_queues_order(client, agent, filled, params):
    sign_in_staff(client, agent)
    plan = _plan(_list_query(client, params))
    assert not _sorts(plan), plan
    assert "dossier_queue_" in plan, plan


def test_the_page_after_a_cursor_starts_inside_the_index(client, agent, filled, monkeypatch):
    from guichet.backoffice import queue

    monkeypatch.setattr(queue, "QUEUE_PAGE_SIZE", 1)
    sign_in_staff(client, agent)
    following = re.search(r'<a href="\?([^"]+)" rel="next">', client.get("/agents/").content.decode()).group(
        1
    )
    cursor = parse_qs(html.unescape(following))["cursor"][0]
    plan = _plan(_list_query(client, {"cursor": cursor}))
    assert not _sorts(plan), plan
    if connection.vendor == "postgresql":
        # The date bound is where the index scan starts, not a filter applied row by row.
        assert re.search(r"Index Cond: .*submitted_at <=", plan), plan
    else:
        # Two bounds: "IS NOT NULL" (SQLite writes it ">?") and the cursor's date.
        assert re.search(r"USING INDEX dossier_queue_\w+ \(.*submitted_at>\? AND submitted_at<\?\)", plan), (
            plan
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the overdue index is chosen by PostgreSQL's planner"
)
def test_the_overdue_list_checks_the_due_date_inside_its_index(client, agent, filled):
    """Which open files are past due changes every day, so no partial index can hold it: the
    due date is the overdue index's last key, checked on each entry before a row is read."""
    sign_in_staff(client, agent)
    plan = _plan(_list_query(client, {"overdue": "on"}))
    assert "dossier_queue_overdue_idx" in plan, plan
    assert re.search(r"Index Cond: .*due_on < ", plan), plan
    assert not _sorts(plan), plan
