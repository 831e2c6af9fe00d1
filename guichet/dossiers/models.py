from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.contacts import Contact
from guichet.accounts.models import Unit, User
from guichet.catalog.definition import ServiceDefinition
from guichet.catalog.models import Service, ServiceVersion
from guichet.core.actors import ActorKind
from guichet.core.workdays import working_days_between
from guichet.dossiers.states import OPEN_STATES, DossierState

# Partial indexes name their states in a fixed order, so the migration does not change
# from one run to the next (a frozenset's order follows the string hash seed).
_OPEN = sorted(state.value for state in OPEN_STATES)
_FILED = Q(submitted_at__isnull=False)
# The queue's order: newest filed first, the primary key breaking ties, so it is total and a
# cursor (the last row's date and id) says exactly where the next page starts.
QUEUE_ORDER = ("-submitted_at", "-id")
# Columns the queue's counts filter on, carried in its indexes (PostgreSQL's INCLUDE) so a
# capped count reads the index alone, never the table's wide rows (SQLite ignores INCLUDE).
_COUNTED = ("state", "unit", "service", "service_version", "assigned_to")


# Stands for "the state" while one state's count is compiled; never sent to the database.
_A_STATE = "\x00state\x00"


def _cover(*keys: str) -> list[str]:
    return [name for name in _COUNTED if name not in keys]


class DossierQuerySet(models.QuerySet["Dossier"]):
    def for_applicant(self, user: User) -> DossierQuerySet:
        return self.filter(applicant=user)

    def in_units(self, unit_ids: list[int]) -> DossierQuerySet:
        return self.filter(unit_id__in=unit_ids)

    def filed(self) -> DossierQuerySet:
        return self.exclude(state=DossierState.DRAFT)

    def open(self) -> DossierQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def in_queue(self) -> DossierQuerySet:
        """Filed dossiers, which are the only ones with a submission date (matches the partial indexes)."""
        return self.filter(_FILED).exclude(state=DossierState.DRAFT)

    def overdue(self, today: dt.date) -> DossierQuerySet:
        return self.open().filter(due_on__lt=today, paused_on__isnull=True)

    def for_queue_list(self) -> DossierQuerySet:
        """Only the columns a queue row shows: no answers, and no service version (its YAML and JSON)."""
        return self.select_related("service", "assigned_to").only(
            "reference",
            "state",
            "submitted_at",
            "due_on",
            "paused_on",
            "anonymous",
            "applicant_news_at",
            "fee_total",
            "service",
            "service__title_fr",
            "service__title_en",
            "assigned_to",
            "assigned_to__first_name",
            "assigned_to__last_name",
            "assigned_to__phone",
            "assigned_to__email",
            "assigned_to__username",
        )

    def sample_counts(self, cap: int) -> dict[str, int]:
        """The states of the first `cap` + 1 rows, counted: exact when they add up to `cap` or less.

        One pass that stops after `cap` + 1 rows of an index (decision 0014).
        """
        try:
            sql, params = self.order_by().values("state")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing, such as pk__in=[]
            return {}
        with connections[self.db].cursor() as cursor:
            # The SQL is Django's own compilation of a QuerySet; values stay in `params`.
            cursor.execute(f"SELECT state, COUNT(*) FROM ({sql}) AS sample GROUP BY state", params)  # noqa: S608
            return dict(cursor.fetchall())

    def capped_counts(self, states: Iterable[str], cap: int) -> tuple[int, dict[str, int]]:
        """How many rows in all and in each state, counting no further than `cap` + 1 each.

        One query of scalar subqueries, each `SELECT COUNT(*) FROM (… LIMIT cap + 1)`: an
        index walk that stops early, never a scan of the table (decision 0014). A result
        above `cap` means "more than `cap`".
        """
        states = list(states)
        try:
            every_sql, every_params = self.order_by().values("pk")[: cap + 1].query.sql_with_params()
            # One state's subquery is compiled once, its state a parameter filled in per state.
            one_sql, one_params = (
                self.filter(state=_A_STATE).order_by().values("pk")[: cap + 1].query.sql_with_params()
            )
        except EmptyResultSet:  # a filter that can match nothing, such as pk__in=[]
            return 0, dict.fromkeys(states, 0)
        slot = one_params.index(_A_STATE)
        # The SQL is Django's own compilation of a QuerySet; values stay in `params`.
        parts = [f"(SELECT COUNT(*) FROM ({every_sql}) AS capped_0)"]  # noqa: S608
        params: list[Any] = list(every_params)
        for index, state in enumerate(states, start=1):
            parts.append(f"(SELECT COUNT(*) FROM ({one_sql}) AS capped_{index})")  # noqa: S608
            params.extend([*one_params[:slot], state, *one_params[slot + 1 :]])
        with connections[self.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        return row[0], {state: row[index] for index, state in enumerate(states, start=1)}

    def overdue_not_noted(self, today: dt.date) -> DossierQuerySet:
        """Overdue dossiers the SLA check has not flagged yet (served by `dossier_sla_idx`)."""
        return self.overdue(today).filter(overdue_noted_on__isnull=True)

    def with_applicant_news(self) -> DossierQuerySet:
        """Open dossiers the applicant answered or wrote to since a staff member last acted."""
        return self.open().filter(applicant_news_at__isnull=False)


class Dossier(models.Model):
    """A request filed for one service, under the service version it was filed with."""

    reference = models.CharField(max_length=14, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="dossiers")
    service_version = models.ForeignKey(ServiceVersion, on_delete=models.PROTECT, related_name="dossiers")
    state = models.CharField(
        max_length=20, choices=DossierState.choices, default=DossierState.DRAFT, db_index=True
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="dossiers")
    applicant = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers"
    )
    # Guests: the contact confirmed by a code. Account holders: copied at filing for notices.
    contact_kind = models.CharField(max_length=5, blank=True)
    contact_value = models.CharField(max_length=254, blank=True, db_index=True)
    anonymous = models.BooleanField(default=False)
    receipt_hash = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=5, default="fr")
    answers = models.JSONField(default=dict, blank=True)
    fee_lines = models.JSONField(default=list, blank=True)
    fee_total = models.PositiveIntegerField(default=0)  # whole XOF
    assigned_to = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_dossiers"
    )
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    due_on = models.DateField(null=True, blank=True, db_index=True)
    paused_on = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set by the periodic SLA check the day a dossier is found past its due date.
    overdue_noted_on = models.DateField(null=True, blank=True)
    # When the applicant last wrote or sent documents, until a staff member acts on the file:
    # the queue marks these so an answer does not wait unseen.
    applicant_news_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The reference without its dashes (SUG7K3M9QXT), for searches typed either way; indexed
    # for prefixes and parts by a trigram index on PostgreSQL (migration 0006).
    reference_key = models.GeneratedField(
        expression=Replace(F("reference"), Value("-"), Value("")),
        output_field=models.CharField(max_length=14),
        db_persist=True,
    )

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # The queue: each filter combined with its order, so a first page is an index scan
        # that stops after 26 rows. Drafts have no submission date and are left out.
        indexes = [
            models.Index(fields=[*QUEUE_ORDER], name="dossier_queue_idx", condition=_FILED, include=_cover()),
            models.Index(
                fields=["unit", *QUEUE_ORDER],
                name="dossier_queue_unit_idx",
                condition=_FILED,
                include=_cover("unit"),
            ),
            models.Index(
                fields=["unit", "state", *QUEUE_ORDER],
                name="dossier_queue_unit_state_idx",
                condition=_FILED,
                include=_cover("unit", "state"),
            ),
            models.Index(
                fields=["service", *QUEUE_ORDER],
                name="dossier_queue_service_idx",
                condition=_FILED,
                include=_cover("service"),
            ),
            models.Index(
                fields=["assigned_to", *QUEUE_ORDER],
                name="dossier_queue_assignee_idx",
                condition=_FILED,
                include=_cover("assigned_to"),
            ),
            # A wide filter (a service, an assignee) counts each state inside the filter: with
            # the state second, each capped count is a short walk of one index range.
            models.Index(
                fields=["service", "state", *QUEUE_ORDER],
                name="dossier_queue_svc_state_idx",
                condition=_FILED,
                include=_cover("service", "state"),
            ),
            models.Index(
                fields=["assigned_to", "state", *QUEUE_ORDER],
                name="dossier_queue_asg_state_idx",
                condition=_FILED,
                include=_cover("assigned_to", "state"),
            ),
            models.Index(
                fields=[*QUEUE_ORDER],
                name="dossier_queue_news_idx",
                # Only open files show news: closed ones keep the date but leave this index.
                condition=_FILED & Q(applicant_news_at__isnull=False, state__in=_OPEN),
                include=_cover(),
            ),
            # Overdue files in the queue's order. Which open files are past due changes every
            # day, so no partial index can hold it: the due date is the last key, checked on
            # each entry, and only the rows shown are read (no sort of every overdue file).
            models.Index(
                fields=[*QUEUE_ORDER, "due_on"],
                name="dossier_queue_overdue_idx",
                condition=_FILED & Q(state__in=_OPEN, paused_on__isnull=True, due_on__isnull=False),
            ),
            # The counts per state of overdue files read this index alone.
            models.Index(
                fields=["state", "due_on"],
                name="dossier_overdue_idx",
                condition=Q(state__in=_OPEN, paused_on__isnull=True, due_on__isnull=False),
                include=[*_cover("state"), "submitted_at"],
            ),
            # What the SLA check still has to flag: nearly empty once it has run.
            models.Index(
                fields=["due_on"],
                name="dossier_sla_idx",
                condition=Q(
                    state__in=_OPEN,
                    paused_on__isnull=True,
                    due_on__isnull=False,
                    overdue_noted_on__isnull=True,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def definition(self) -> ServiceDefinition:
        return self.service_version.definition

    @property
    def contact(self) -> Contact | None:
        return Contact(self.contact_kind, self.contact_value) if self.contact_value else None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def has_applicant_news(self) -> bool:
        """The applicant answered or wrote since a staff member last acted (open files only)."""
        return self.applicant_news_at is not None and self.is_open

    def working_days_left(self, today: dt.date | None = None) -> int | None:
        """Working days until the due date; frozen while the applicant is asked for information."""
        if self.due_on is None or not self.is_open:
            return None
        today = self.paused_on or today or timezone.localdate()
        return working_days_between(today, self.due_on)


class EventKind(models.TextChoices):
    STATE_CHANGED = "state_changed", _("State changed")
    MESSAGE_TO_APPLICANT = "message_to_applicant", _("Message from the ministry")
    MESSAGE_FROM_APPLICANT = "message_from_applicant", _("Message from the applicant")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    DOCUMENT_ADDED = "document_added", _("Document added")
    ASSIGNED = "assigned", _("Assigned")
    DEADLINE_PASSED = "deadline_passed", _("Deadline passed")
    QUOTE_PROPOSED = "quote_proposed", _("Quote proposed")
    CHECKLIST_TICKED = "checklist_ticked", _("Checklist ticked")


class DossierEventQuerySet(models.QuerySet["DossierEvent"]):
    def public(self) -> DossierEventQuerySet:
        return self.filter(public=True)


class DossierEvent(models.Model):
    """The timeline. Public events are what the applicant sees; internal notes never are."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    public = models.BooleanField()
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    actor_user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_state = models.CharField(max_length=20, blank=True, choices=DossierState.choices)
    to_state = models.CharField(max_length=20, blank=True, choices=DossierState.choices)
    text = models.TextField(blank=True)
    # What a page needs beyond the text: the checklist points a refusal names, a quote's figures.
    data = models.JSONField(default=dict, blank=True)

    objects = DossierEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind}"

    @property
    def to_state_label(self) -> str:
        return str(DossierState(self.to_state).label) if self.to_state else ""


def _upload_path(instance: DossierDocument, filename: str) -> str:
    # The stored name carries no part of what the person called the file.
    return f"dossiers/{instance.dossier.submission_key}/{uuid.uuid4().hex}"


class DossierDocument(models.Model):
    """A file attached to a dossier, for one of its declared document fields."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    field_name = models.CharField(max_length=60)
    file = models.FileField(upload_to=_upload_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    during_state = models.CharField(max_length=20, choices=DossierState.choices)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def sent_when_asked(self) -> bool:
        """Sent in answer to a request for information, not with the filing."""
        return self.during_state == DossierState.INFO_REQUESTED


# --- money and review: quotes, fee history, checklist ticks -----------------------------------


class QuoteStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SUPERSEDED = "superseded", _("Replaced by a revision")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class QuoteQuerySet(models.QuerySet["Quote"]):
    def live(self) -> QuoteQuerySet:
        """Quotes that commit agents: proposed or accepted, on files not closed without coverage."""
        return self.filter(status__in=[QuoteStatus.PROPOSED, QuoteStatus.ACCEPTED]).exclude(
            dossier__state__in=[
                DossierState.WITHDRAWN,
                DossierState.REJECTED,
                DossierState.QUOTE_DECLINED,
                DossierState.REVOKED,
            ]
        )


def covering(first: dt.date, last: dt.date) -> Q:
    """Quotes whose event covers at least one day from `first` to `last`."""
    return Q(event_date__lte=last) & (
        Q(event_end_date__gte=first) | Q(event_end_date__isnull=True, event_date__gte=first)
    )


class Quote(models.Model):
    """One proposal (or revision) of the price staff set for a dossier after review: agents × hours × rate."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="quotes")
    number = models.PositiveSmallIntegerField()  # 1, 2... each revision is a new row
    status = models.CharField(max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.PROPOSED)
    agents = models.PositiveIntegerField()
    hours = models.PositiveIntegerField()
    hourly_rate = models.PositiveIntegerField()  # whole XOF per agent and hour, as it was then
    requested_agents = models.PositiveIntegerField(null=True, blank=True)  # the applicant's wish
    event_date = models.DateField(null=True, blank=True, db_index=True)
    # The event's last day when it runs over several (the agents are committed each day).
    event_end_date = models.DateField(null=True, blank=True)
    lines = models.JSONField(default=list)
    total = models.PositiveIntegerField()  # whole XOF
    reason = models.TextField(blank=True)  # why these figures, and why they differ from the request
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["dossier", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "number"], name="quote_number_unique"),
            # At most one quote of a dossier is open or accepted at a time.
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status__in=["proposed", "accepted"]),
                name="quote_one_live_per_dossier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} quote {self.number}"


class FeeRevision(models.Model):
    """What a dossier owed, each time it changed: the lines at filing, then an accepted quote."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="fee_revisions")
    created_at = models.DateTimeField(default=timezone.now)
    lines = models.JSONField(default=list)
    total = models.PositiveIntegerField()  # whole XOF
    reason = models.CharField(max_length=20)  # "filed", "quote_accepted"
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    actor_user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.reason} {self.total}"


class ChecklistTick(models.Model):
    """Where the agent stands on one point of the service's review checklist for one dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="checklist_ticks")
    key = models.CharField(max_length=60)
    ticked = models.BooleanField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dossier", "key"]
        constraints = [models.UniqueConstraint(fields=["dossier", "key"], name="checklist_tick_unique")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.key} {self.ticked}"
