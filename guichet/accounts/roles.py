"""Staff roles and what each may do. Every right is held within a unit."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    CASHIER = "cashier", _("Cashier")
    INSPECTOR = "inspector", _("Inspector")
    ADMINISTRATOR = "administrator", _("Administrator")


class Permission(models.TextChoices):
    VIEW = "view", _("See the unit's files")
    PROCESS = "process", _("Process files: take, ask for information, write")
    DECIDE = "decide", _("Approve or reject")
    ASSIGN = "assign", _("Assign files to colleagues")
    VIEW_RESTRICTED = "view_restricted", _("See confidential files")
    COLLECT = "collect", _("Record payments at the counter")
    CONFIGURE = "configure", _("Configure services and staff")
    READ_OUTBOX = "read_outbox", _("Read the message outbox")


P = Permission
ROLE_PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.AGENT: frozenset({P.VIEW, P.PROCESS, P.DECIDE}),
    Role.SUPERVISOR: frozenset({P.VIEW, P.PROCESS, P.DECIDE, P.ASSIGN, P.READ_OUTBOX}),
    Role.CASHIER: frozenset({P.VIEW, P.COLLECT}),
    # Inspectors process the confidential files of their unit (denunciations).
    Role.INSPECTOR: frozenset({P.VIEW, P.PROCESS, P.DECIDE, P.VIEW_RESTRICTED}),
    Role.ADMINISTRATOR: frozenset({P.VIEW, P.CONFIGURE, P.READ_OUTBOX}),
}
