from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guichet.audit.services import checkpoint

KEY_VARIABLE = "GUICHET_AUDIT_CHECKPOINT_KEY"


def checkpoint_key(environ: Mapping[str, str]) -> bytes:
    """The signing key, from the environment only: it must not live in the database it vouches for."""
    key = environ.get(KEY_VARIABLE, "")
    if len(key) < 32:
        raise CommandError(f"Set {KEY_VARIABLE} to a random secret of at least 32 characters.")
    return key.encode()


class Command(BaseCommand):
    help = (
        "Print the audit log's head (event count and last hash) signed with "
        f"${KEY_VARIABLE}, as one line of JSON to keep outside the database."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(checkpoint(checkpoint_key(os.environ)), sort_keys=True))
