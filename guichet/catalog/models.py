from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from django.db import models, transaction

from guichet.accounts.models import Administration, Unit
from guichet.catalog.cache import catalogue_changed
from guichet.catalog.definition import ServiceDefinition, parse_definition
from guichet.core.text import bilingual

# Parsed definitions, shared by every request of this process. A published version is
# never edited, so (id, checksum) names one definition for ever; the checksum guards
# against an id reused by another database (tests, a restore).
_DEFINITIONS: dict[tuple[int, str], ServiceDefinition] = {}
_DEFINITIONS_LOCK = threading.Lock()
DEFINITIONS_KEPT = 1000  # far more versions than a catalogue holds; a bound all the same


class ServiceQuerySet(models.QuerySet["Service"]):
    def published(self) -> ServiceQuerySet:
        return self.filter(is_active=True, current_version__isnull=False)


class Service(models.Model):
    """A procedure people can file. Its rules live in versions; a dossier keeps its own."""

    code = models.SlugField(max_length=60, unique=True)
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="services")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="services")
    title_fr = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)
    current_version = models.ForeignKey(
        "ServiceVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # Pages cached for every visitor (the catalogue) are drawn again once this is committed.
        transaction.on_commit(catalogue_changed, using=kwargs.get("using"))

    @property
    def title(self) -> str:
        return bilingual({"fr": self.title_fr, "en": self.title_en})


class ServiceVersion(models.Model):
    """One published state of a service file. Never edited: a change is a new version."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    source = models.TextField()  # the YAML as written
    data = models.JSONField()  # the parsed YAML, checked by parse_definition
    checksum = models.CharField(max_length=64)
    published_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "number"], name="service_version_number")]
        ordering = ["service", "-number"]

    def __str__(self) -> str:
        return f"{self.service.code} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        transaction.on_commit(catalogue_changed, using=kwargs.get("using"))

    @cached_property
    def definition(self) -> ServiceDefinition:
        """The parsed file, parsed once per process: lists of dossiers share it."""
        if self.pk is None:
            return parse_definition(self.data)
        key = (self.pk, self.checksum)
        definition = _DEFINITIONS.get(key)
        if definition is None:
            definition = parse_definition(self.data)
            with _DEFINITIONS_LOCK:
                if len(_DEFINITIONS) >= DEFINITIONS_KEPT:
                    _DEFINITIONS.clear()
                _DEFINITIONS[key] = definition
        return definition
