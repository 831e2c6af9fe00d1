"""Domain errors: each has a stable code and a message a person can act on."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every rule broken by a use case; views turn it into a clear message."""

    code = "domain_error"
    default_message: str | Promise = _("This action is not possible right now.")

    def __init__(self, message: str | Promise | None = None, **params: object) -> None:
        self.message = message if message is not None else self.default_message
        self.params = params
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    """The object does not exist, or the person may not see it: the same answer for both."""

    code = "not_found"
    default_message = _("We could not find this. Check the reference and try again.")


class PermissionRefused(DomainError):
    code = "permission_refused"
    default_message = _("You are not allowed to do this.")


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"

    def __init__(self, current: str | Promise, target: str | Promise) -> None:
        super().__init__(
            _(
                "This file can no longer change from “%(current)s” to “%(target)s”. Reload the page to see its state."
            )
            % {"current": current, "target": target},
            current=current,
            target=target,
        )
        self.current = current
        self.target = target


class InvalidInput(DomainError):
    code = "invalid_input"
    default_message = _("Some information is missing or wrong.")

    def __init__(
        self, message: str | Promise | None = None, *, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.errors = errors or {}


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = _("Too many attempts. Wait a few minutes, then try again.")
