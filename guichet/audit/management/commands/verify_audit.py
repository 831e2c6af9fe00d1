from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guichet.audit.management.commands.audit_checkpoint import KEY_VARIABLE, checkpoint_key
from guichet.audit.services import CheckpointInvalid, verify_chain, verify_checkpoint


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain, compare it with its head and, given saved "
        "checkpoints, check the log still holds them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help=f"A checkpoint written by audit_checkpoint (signed with ${KEY_VARIABLE}); repeatable.",
        )

    def handle(self, *args: Any, checkpoint: list[str], **options: Any) -> None:
        result = verify_chain()
        if not result.intact:
            where = f"event {result.broken.pk}" if result.broken is not None else "the end"
            raise CommandError(
                f"Audit chain broken at {where} after {result.checked} good events: {result.problem}."
            )
        if checkpoint:
            key = checkpoint_key(os.environ)
            for path in checkpoint:
                try:
                    verify_checkpoint(json.loads(Path(path).read_text()), key)
                except (OSError, ValueError, CheckpointInvalid) as exc:
                    raise CommandError(f"Checkpoint {path}: {exc}") from exc
        self.stdout.write(f"Audit chain intact: {result.checked} events.")
        if checkpoint:
            self.stdout.write(f"Checkpoints held: {len(checkpoint)}.")
