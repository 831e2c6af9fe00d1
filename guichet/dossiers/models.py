from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.contacts import Contact
from guichet.accounts.models import Unit, User
from guichet.catalog.definition import ServiceDefinition
from guichet.catalog.models import Service, ServiceVersion
from guichet.core.actors import ActorKind
from guichet.core.workdays import working_days_between
from guichet.dossiers.states import OPEN_STATES, DossierState


class DossierQuerySet(models.QuerySet["Dossier"]):
    def for_applicant(self, user: User) -> DossierQuerySet:
        return self.filter(applicant=user)

    def in_units(self, unit_ids: list[int]) -> DossierQuerySet:
        return self.filter(unit_id__in=unit_ids)

    def filed(self) -> DossierQuerySet:
        return self.exclude(state=DossierState.DRAFT)

    def open(self) -> DossierQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today: dt.date) -> DossierQuerySet:
        return self.open().filter(due_on__lt=today, paused_on__isnull=True)

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

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "state"])]

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
