"""The back-office queue: a unit's dossiers, newest filed first, filtered, searched, counted.

It stays fast at a million dossiers (decision 0014): pages by a signed cursor instead of
OFFSET, counts capped at 1,000, only the columns a row shows, and each filter served by
an index. Which dossiers a staff member may see comes from `guichet.dossiers.access`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from django.core import signing
from django.db import connections, transaction
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from guichet.accounts.models import User
from guichet.accounts.roles import Permission
from guichet.backoffice.decorators import StaffRequest, staff_required
from guichet.backoffice.forms import (
    QueueFilterForm,
)
from guichet.core.text import bilingual
from guichet.dossiers.access import (
    dossiers_for_staff,
    services_for_staff,
    units_for_staff,
)
from guichet.dossiers.actions import (
    states_of_service,
)
from guichet.dossiers.models import Dossier, DossierQuerySet
from guichet.dossiers.references import ALPHABET as REFERENCE_ALPHABET
from guichet.dossiers.states import OPEN_STATES, DossierState

QUEUE_PAGE_SIZE = 25
# Counts stop here: above it the page says "more than 1,000" (decision 0014).
COUNT_CAP = 1000
# A name matching more accounts than this is searched through a subquery instead of a list.
NAME_MATCH_LIST_MAX = 500
CURSOR_SALT = "guichet.backoffice.queue.cursor"
AFTER, BEFORE = "a", "b"


def _query_string(params: QueryDict, **changes: str | None) -> str:
    """The current filters with some changed (None removes one); the position in the list is always reset."""
    query = params.copy()
    query.pop("cursor", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


# --- the queue ----------------------------------------------------------------------------

# A search of this many digits or more, and nothing else, may be part of a phone number.
PHONE_MIN_DIGITS = 6
# Shorter parts of a reference match too much to be useful, and no trigram index serves them.
REFERENCE_MIN_CHARS = 3
PREFIX_LENGTH, REFERENCE_KEY_LENGTH = 3, 11


def _may_be_in_a_reference(compact: str) -> bool:
    """Whether `compact` can be part of a reference key: three letters, then Crockford base 32.

    A name such as ADJOVI cannot (no I, L, O or U after the prefix), and is then not looked
    for among references at all: a trigram search of a million references costs more than
    the name search it would accompany.
    """
    if not REFERENCE_MIN_CHARS <= len(compact) <= REFERENCE_KEY_LENGTH:
        return False
    for start in range(PREFIX_LENGTH + 1):  # where `compact` begins in the key
        head, tail = compact[: PREFIX_LENGTH - start], compact[PREFIX_LENGTH - start :]
        fits = len(compact) <= REFERENCE_KEY_LENGTH - start
        if fits and (not head or head.isalpha()) and all(ch in REFERENCE_ALPHABET for ch in tail):
            return True
    return False


def _search(queryset: DossierQuerySet, text: str) -> DossierQuerySet:
    """Dossiers whose reference, applicant's name or phone number contains what was typed.

    References are matched on `reference_key` (no dashes, upper case) and typed with or
    without dashes; phones are stored as +22890000001 and typed with spaces. Each word of a
    name must match the first or last name. Anonymous filers are never found by a name or
    a phone number. On PostgreSQL each part is served by a trigram index (migration 0007);
    the matching accounts are looked up first, so the dossier query is an OR of index scans.
    """
    text = text.strip()
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if not compact:
        return queryset
    digits = "".join(ch for ch in text if ch.isdigit())
    nothing = Q(pk__in=[])
    if digits == compact:
        # Only digits: a phone number (or a part of a reference), never a name.
        person = (
            Q(contact_kind="phone", contact_value__contains=digits)
            if len(digits) >= PHONE_MIN_DIGITS
            else nothing
        )
    else:
        named = Q()
        for word in text.split():
            named &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        accounts = User.objects.filter(named).values("pk")
        found = list(accounts[: NAME_MATCH_LIST_MAX + 1])
        if len(found) > NAME_MATCH_LIST_MAX:
            person = Q(applicant__in=accounts)
        else:
            person = Q(applicant_id__in=[row["pk"] for row in found]) if found else nothing
    reference = Q(reference_key__contains=compact) if _may_be_in_a_reference(compact) else nothing
    return queryset.filter(reference | (Q(anonymous=False) & person))


def _filter_choices(staff: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, int]]:
    """The service and unit choices, and each offered service's id (the filter then needs no join)."""
    offered = list(services_for_staff(staff))
    services = [(service.code, service.title) for service in offered]
    units = sorted(((str(unit.pk), bilingual(unit)) for unit in units_for_staff(staff)), key=lambda c: c[1])
    return services, units, {service.code: service.pk for service in offered}


@dataclass(frozen=True)
class QueueRow:
    dossier: Dossier
    days_left: int | None
    overdue: bool
    paused: bool
    # The applicant answered or wrote and no staff member has acted since.
    news: bool


@dataclass(frozen=True)
class Cursor:
    """A position in the queue's order: the rows after (or before) this date and id."""

    direction: str
    submitted_at: dt.datetime
    pk: int

    def encode(self) -> str:
        return signing.dumps([self.direction, self.submitted_at.isoformat(), self.pk], salt=CURSOR_SALT)

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """The cursor of a link we made, or None (then the first page) for anything else."""
        if not raw:
            return None
        try:
            direction, submitted_at, pk = signing.loads(raw, salt=CURSOR_SALT)
            cursor = cls(str(direction), dt.datetime.fromisoformat(submitted_at), int(pk))
        except (signing.BadSignature, TypeError, ValueError):
            return None
        return (
            cursor if cursor.direction in (AFTER, BEFORE) and timezone.is_aware(cursor.submitted_at) else None
        )


@dataclass(frozen=True)
class QueuePage:
    rows: list[Dossier]
    previous: Cursor | None
    next: Cursor | None


def _seek(queryset: DossierQuerySet, cursor: Cursor | None, size: int) -> QueuePage:
    """One page in the order (submitted_at, id) descending, from a cursor: no OFFSET, no COUNT.

    The `<=` bound on the date is what an index range scan starts from; the OR only
    discards rows of the same instant already shown.
    """
    if cursor is None or cursor.direction == AFTER:
        if cursor is not None:
            at, pk = cursor.submitted_at, cursor.pk
            queryset = queryset.filter(
                Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(submitted_at=at, pk__lt=pk))
            )
        rows = list(queryset.order_by("-submitted_at", "-pk")[: size + 1])
        has_more, rows = len(rows) > size, rows[:size]
        has_before, has_after = cursor is not None, has_more
    else:
        at, pk = cursor.submitted_at, cursor.pk
        queryset = queryset.filter(
            Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(submitted_at=at, pk__gt=pk))
        )
        rows = list(queryset.order_by("submitted_at", "pk")[: size + 1])
        has_more, rows = len(rows) > size, rows[:size][::-1]
        has_before, has_after = has_more, True
    if not rows:
        return QueuePage(rows, None, None)
    first, last = rows[0], rows[-1]
    return QueuePage(
        rows,
        previous=Cursor(BEFORE, cast(dt.datetime, first.submitted_at), first.pk) if has_before else None,
        next=Cursor(AFTER, cast(dt.datetime, last.submitted_at), last.pk) if has_after else None,
    )


def _count_label(count: int) -> str:
    if count > COUNT_CAP:
        return _("more than %(number)s") % {"number": number_format(COUNT_CAP, force_grouping=True)}
    return number_format(count, force_grouping=True)


def _countable_states(filters: dict[str, Any], service_ids: dict[str, int]) -> list[DossierState]:
    """The states the filtered files can be in, in the table's order.

    Overdue files and news are open files, and a service's workflow reaches only some
    endings. A count for a state that cannot occur still costs a walk of the table when the
    planner expects rows there (a decided service's "answered" files: decision 0014).
    """
    possible = set(DossierState) - {DossierState.DRAFT}
    if filters.get("overdue") or filters.get("news"):
        possible &= OPEN_STATES
    if filters.get("service"):
        possible &= states_of_service(service_ids[filters["service"]])
    return [state for state in DossierState if state in possible]


@contextmanager
def _serial_plans(using: str) -> Iterator[None]:
    """The statements inside run without parallel workers on PostgreSQL (decision 0014).

    Each queue statement walks an index and stops after a few dozen or a thousand entries.
    PostgreSQL still plans a parallel scan where it expects many rows (a name shared by
    thousands of accounts): starting the workers then costs more than the walk, and on a
    web server whose cores are busy with other requests they wait for one (45 ms for a
    count that takes 6 to 13 ms alone). `SET LOCAL` ends with the transaction. SQLite has no
    such plans, and no transaction is opened there (an IMMEDIATE one takes the write lock).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


@require_GET
@staff_required(Permission.VIEW)
def queue(request: StaffRequest) -> HttpResponse:
    """The dossiers of the staff member's units, newest first, with filters that work without JavaScript."""
    staff = request.staff
    today = timezone.localdate()
    services, units, service_ids = _filter_choices(staff)
    form = QueueFilterForm(request.GET or None, services=services, units=units)
    filters = form.filters()
    dossiers_qs = dossiers_for_staff(staff)
    if filters.get("q"):
        dossiers_qs = _search(dossiers_qs, filters["q"])
    if filters.get("service"):
        # By id, not through a join on the code: the service index then yields rows in order.
        dossiers_qs = dossiers_qs.filter(service_id=service_ids[filters["service"]])
    if filters.get("unit"):
        dossiers_qs = dossiers_qs.filter(unit_id=int(filters["unit"]))
    if filters.get("assignment") == QueueFilterForm.ASSIGNED_TO_ME:
        dossiers_qs = dossiers_qs.filter(assigned_to=staff)
    elif filters.get("assignment") == QueueFilterForm.UNASSIGNED:
        dossiers_qs = dossiers_qs.filter(assigned_to__isnull=True)
    if filters.get("overdue"):
        dossiers_qs = dossiers_qs.overdue(today)
    if filters.get("news"):
        dossiers_qs = dossiers_qs.with_applicant_news()
    # Counts follow every filter but the state, so each count is the size of the list it links to.
    filed_states = _countable_states(filters, service_ids)
    with _serial_plans(dossiers_qs.db):
        by_state: dict[str, int | None] = {**dossiers_qs.sample_counts(COUNT_CAP)}
        total = sum(n or 0 for n in by_state.values())
        broad_search = total > COUNT_CAP and bool(filters.get("q"))
        if broad_search:
            # A search this broad is typed again, not read by state: the states found are
            # offered without a figure, rather than counting each one through the search.
            by_state = dict.fromkeys(by_state)
        elif total > COUNT_CAP:
            total, exact = dossiers_qs.capped_counts([state.value for state in filed_states], COUNT_CAP)
            by_state = {**exact}
        counts = [
            {
                "state": state,
                "count": _count_label(count) if count is not None else "",
                "url": "?" + _query_string(request.GET, state=state.value),
                "current": filters.get("state") == state.value,
            }
            for state in filed_states
            if (count := by_state.get(state.value, 0)) != 0
        ]
        listed = total
        if filters.get("state"):
            dossiers_qs = dossiers_qs.filter(state=filters["state"])
            known = None if broad_search else by_state.get(filters["state"], 0)
            listed = known if known is not None else sum(dossiers_qs.sample_counts(COUNT_CAP).values())
        page = _seek(dossiers_qs.for_queue_list(), Cursor.decode(request.GET.get("cursor")), QUEUE_PAGE_SIZE)
    rows = []
    for dossier in page.rows:
        days_left = dossier.working_days_left(today)
        rows.append(
            QueueRow(
                dossier,
                days_left,
                overdue=days_left is not None and days_left < 0,
                paused=bool(dossier.paused_on),
                news=dossier.has_applicant_news,
            )
        )
    page_query = _query_string(request.GET)
    prefix = f"?{page_query}&" if page_query else "?"
    return render(
        request,
        "backoffice/queue.html",
        {
            "form": form,
            "filtered": bool(filters),
            "rows": rows,
            "counts": counts,
            "total": _count_label(total),
            "listed": listed,
            "listed_capped": listed > COUNT_CAP,
            "cap": COUNT_CAP,
            "previous_url": prefix + urlencode({"cursor": page.previous.encode()}) if page.previous else "",
            "next_url": prefix + urlencode({"cursor": page.next.encode()}) if page.next else "",
            "all_states_url": "?" + _query_string(request.GET, state=None),
        },
    )
