"""Deploy check: production can sign permits (a key per type, its private half reachable, the root key)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from guichet.permits import keys
from guichet.permits.types import PERMIT_TYPES


@register(Tags.security, deploy=True)
def check_permit_keys(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The root key always; each type's key only when asked to look in a database.

    Like Django's own database checks, the rows are read only under `check --database default`
    (the deploy command in the operator guide says it): a plain `check` must not need a database.
    """
    if not settings.PRODUCTION:
        return []
    problems: list[str] = []
    try:
        keys.root_private_key(create=False)
    except keys.KeyMissing as exc:
        problems.append(str(exc))
    if databases:
        try:
            for code in sorted(PERMIT_TYPES):
                row = keys.current_key(code)
                if row is None:
                    problems.append(f"no signing key for permit type {code}")
                    continue
                try:
                    keys.private_key(row.kid)
                except keys.KeyMissing as exc:
                    problems.append(str(exc))
        except DatabaseError:
            pass  # not migrated yet: migrate runs the checks too
    return [
        Error(
            f"Permits cannot be signed: {problem}.",
            hint="Run `manage.py permit_keys create --all --if-missing` where the keys are kept, or set "
            "GUICHET_PERMIT_KEY_<KID> and GUICHET_PERMIT_ROOT_KEY from the secret store.",
            id="guichet.E040",
        )
        for problem in problems
    ]
